/** Plain-text pools: one caption per line, every line a record keyed by its index. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countLines, planByteRanges } from '../../../../server/src/engine/pool/read';
import type { PoolRecord } from '../../../../server/src/engine/pool/types';
import { readRecords, summary, useTempDir, writeAll } from './helpers';

describe('plain-text pools', () => {
  const dir = useTempDir();
  const file = (name: string, content: string): string => {
    const path = join(dir(), name);
    writeFileSync(path, content);
    return path;
  };

  it('makes every line a record, blank ones too, keyed by the 0-based line index', async () => {
    const path = file('caps.txt', 'a dog\n\nthe cat\r\nlast line');
    const records = await readRecords(path, 'text', { textFields: ['ignored'] });
    assert.deepEqual(summary(records), [
      { index: 0, key: '0', texts: ['a dog'] },
      { index: 1, key: '1', texts: [''] },
      { index: 2, key: '2', texts: ['the cat'] },
      { index: 3, key: '3', texts: ['last line'] },
    ]);
    assert.deepEqual(records[2].location, { line: 3, record: 2, byteOffset: 7 });
  });

  it('a final newline does not add an empty record', async () => {
    const path = file('final.txt', 'one\ntwo\n');
    assert.equal((await readRecords(path, 'text')).length, 2);
  });

  it('byte ranges give the same records and keys as the whole file', async () => {
    const content = Array.from({ length: 300 }, (_, i) =>
      i % 11 === 0 ? '' : `caption number ${i} ${'z'.repeat(i % 50)}`,
    ).join('\n');
    const path = file('ranges.txt', content);
    const whole = await readRecords(path, 'text');
    const parts: PoolRecord[] = [];
    let firstRecordIndex = 0;
    let firstLine = 1;
    for (const range of await planByteRanges(path, 500)) {
      parts.push(...(await readRecords(path, 'text', { byteRange: range, firstRecordIndex, firstLine })));
      const counts = await countLines(path, 'text', range);
      firstRecordIndex += counts.records;
      firstLine += counts.lines;
    }
    assert.equal(whole.length, 300);
    assert.deepEqual(summary(parts), summary(whole));
    assert.deepEqual(
      parts.map((r) => r.location),
      whole.map((r) => r.location),
    );
  });

  it('round trip: kept lines are written one per line, without \\r', async () => {
    const path = file('rt.txt', 'a\r\nb\r\nc\r\n');
    const records = await readRecords(path, 'text');
    const out = join(dir(), 'rt-out.txt');
    assert.equal(await writeAll('text', out, [records[0], records[2]]), 2);
    assert.equal(readFileSync(out, 'utf8'), 'a\nc\n');
  });
});
