/** Sorted count runs: the spill files that bound the n-gram counter's memory. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeRuns, RunReader, RunWriter, sumCounts, writeCountRun } from '../../../server/src/metadata/runs';

function readAll(path: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const r = new RunReader(path);
  while (!r.done) {
    out.push([r.key, r.value]);
    r.advance();
  }
  return out;
}

describe('count runs', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mc-runs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a map sorted by UTF-16 code units and reads it back', () => {
    const path = join(dir, 'a.run');
    writeCountRun(
      path,
      new Map([
        ['b', 2],
        ['a b', 1],
        ['é', 4],
        ['ab', 3],
        ['B', 5],
      ]),
    );
    assert.deepEqual(readAll(path), [
      ['B', '5'],
      ['a b', '1'],
      ['ab', '3'],
      ['b', '2'],
      ['é', '4'],
    ]);
  });

  it('spans many compressed blocks and leaves no temporary file', () => {
    const path = join(dir, 'big.run');
    const w = new RunWriter(path);
    for (let i = 0; i < 200_000; i++) w.write(`k${String(i).padStart(7, '0')}`, String(i));
    w.close();
    assert.deepEqual(readdirSync(dir), ['big.run']);
    const lines = readAll(path);
    assert.equal(lines.length, 200_000);
    assert.deepEqual(lines[123_456], ['k0123456', '123456']);
  });

  it('merges runs, summing the counts of equal keys', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const c = join(dir, 'c');
    writeCountRun(
      a,
      new Map([
        ['x', 1],
        ['y', 2],
      ]),
    );
    writeCountRun(
      b,
      new Map([
        ['y', 3],
        ['z', 4],
      ]),
    );
    writeCountRun(c, new Map());
    const seen: string[] = [];
    const lines = mergeRuns([a, b, c], join(dir, 'out'), sumCounts, (k, v) => seen.push(`${k}=${v}`));
    assert.equal(lines, 3);
    assert.deepEqual(readAll(join(dir, 'out')), [
      ['x', '1'],
      ['y', '5'],
      ['z', '4'],
    ]);
    assert.deepEqual(seen, ['x=1', 'y=5', 'z=4']);
  });
});
