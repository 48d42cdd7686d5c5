/**
 * The plan's slices: a splittable file in slices of one size (within a line), so that the
 * workers' shares come out even.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evenSliceBytes, planTasks } from '../../../server/engine/src/curatePlan';
import { tempDir } from '../../support/fixtures';

describe('curate plan: slices', () => {
  const dir = tempDir();
  after(() => dir.remove());

  it('splits a size into as few slices of one size as the cap allows', () => {
    assert.equal(evenSliceBytes(13, 8), 7);
    assert.equal(evenSliceBytes(16, 8), 8);
    assert.equal(evenSliceBytes(17, 8), 6);
    assert.equal(evenSliceBytes(5, 8), 5);
  });

  it('plans even slices of a JSONL file, not a full one and a remainder', async () => {
    const path = join(dir.path, 'pool.jsonl');
    const line = `${JSON.stringify({ caption: 'a red dog on the grass' })}\n`;
    writeFileSync(path, line.repeat(1000));
    const size = line.length * 1000;
    // A cap of 60% of the file: two slices of about half, where a cut at the cap made 60 + 40.
    const tasks = await planTasks([path], ['jsonl'], [size], Math.floor(size * 0.6));
    assert.equal(tasks.length, 2);
    assert.equal(tasks[0].byteRange!.start, 0);
    assert.equal(tasks[1].byteRange!.end, size);
    assert.equal(tasks[0].byteRange!.end, tasks[1].byteRange!.start);
    assert.ok(
      Math.abs(tasks[0].bytes - tasks[1].bytes) <= line.length,
      `${tasks[0].bytes} vs ${tasks[1].bytes}`,
    );
  });
});
