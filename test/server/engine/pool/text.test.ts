/** Plain-text pools: one caption per line, every line a record keyed by its index. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countLines, planByteRanges } from '../../../../server/engine/src/pool/read';
import type { PoolRecord } from '../../../../server/engine/src/pool/types';
import { assertInputError, readAll, readRecords, skipped, summary, useTempDir, writeAll } from './helpers';

describe('plain-text pools', () => {
  const dir = useTempDir();
  const file = (name: string, content: string | Buffer): string => {
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

  it('round trip: kept lines are written byte for byte, CRLF, byte-order mark and a last line without newline included', async () => {
    const bom = '\ufeff';
    const path = file('rt.txt', `${bom}a\r\nb\nc\r\nd`);
    const records = await readRecords(path, 'text');
    assert.deepEqual(
      records.map((r) => r.texts[0]),
      ['a', 'b', 'c', 'd'],
    );
    const out = join(dir(), 'rt-out.txt');
    assert.equal(await writeAll('text', out, [records[0], records[2], records[3]]), 3);
    assert.equal(readFileSync(out, 'utf8'), `${bom}a\r\nc\r\nd`);
    const out2 = join(dir(), 'rt-out2.txt');
    await writeAll('text', out2, [records[1], records[2]]);
    assert.equal(readFileSync(out2, 'utf8'), 'b\nc\r\n');
  });

  describe('invalid UTF-8', () => {
    const content = Buffer.concat([
      Buffer.from('a dog\nca'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('t\n\ncaf\u00e9\r\n'),
      Buffer.from([0xed, 0xa0, 0x80]),
    ]);

    it('a line that is not valid UTF-8 fails with the file, line, record and byte offset', async () => {
      const path = file('bad.txt', content);
      const err = await assertInputError(
        readAll(path, 'text'),
        'invalid-utf8',
        `${path}:line 2, record 1: invalid UTF-8 at byte offset 8 (byte 2 of the line): 0xc3 0x28 0x74`,
      );
      assert.deepEqual(err.location, { line: 2, record: 1, byteOffset: 6 });
    });

    it('with --on-error skip, bad lines are skipped and the others keep their line-index keys', async () => {
      const path = file('bad-skip.txt', content);
      const items = await readAll(path, 'text', { onError: 'skip' });
      assert.deepEqual(
        items.map((i) =>
          i.kind === 'record' ? `${i.key}: ${i.texts[0]}` : `${i.location.line}: ${i.reason}`,
        ),
        ['0: a dog', '2: invalid-utf8', '2: ', '3: caf\u00e9', '5: invalid-utf8'],
      );
      assert.match(skipped(items)[1].detail, /byte offset 20 \(byte 0 of the line\): 0xed 0xa0 0x80$/);
    });
  });
});
