/** JSONL pools (plain and gzip): records, keys, errors, byte ranges and round trips. */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UsageError } from '../../../../server/engine/src/errors';
import { countLines, planByteRanges, readPool } from '../../../../server/engine/src/pool/read';
import type { ByteRecord, RecordVisitor } from '../../../../server/engine/src/pool/byteRecord';
import { visitJsonl } from '../../../../server/engine/src/pool/jsonl';
import type { PoolRecord, ReadOptions } from '../../../../server/engine/src/pool/types';
import { assertInputError, readAll, readRecords, skipped, summary, useTempDir, writeAll } from './helpers';

describe('JSONL pools', () => {
  const dir = useTempDir();
  const file = (name: string, content: string | Buffer): string => {
    const path = join(dir(), name);
    writeFileSync(path, content);
    return path;
  };

  describe('records', () => {
    it('reads one JSON object per line: texts, default keys, raw payload, line and record locations', async () => {
      const path = file('basic.jsonl', '{"caption":"a dog","url":"u1"}\n{"caption":"a cat","url":"u2"}\n');
      const records = await readRecords(path, 'jsonl', { textFields: ['caption'] });
      assert.deepEqual(summary(records), [
        { index: 0, key: 'basic.jsonl:0', texts: ['a dog'] },
        { index: 1, key: 'basic.jsonl:1', texts: ['a cat'] },
      ]);
      assert.equal(records[1].payload.type, 'line');
      assert.equal(
        records[1].payload.type === 'line' && records[1].payload.bytes.toString(),
        '{"caption":"a cat","url":"u2"}\n',
      );
      assert.deepEqual(records[1].location, { line: 2, record: 1, byteOffset: 31 });
    });

    it('ignores blank lines: they take no record index but count as lines', async () => {
      const path = file('blank.jsonl', '\n{"t":"a"}\n   \n\r\n{"t":"b"}\n\n');
      const records = await readRecords(path, 'jsonl', { textFields: ['t'] });
      assert.deepEqual(
        records.map((r) => [r.index, r.location.line, r.texts[0]]),
        [
          [0, 2, 'a'],
          [1, 5, 'b'],
        ],
      );
    });

    it('keeps each line as it is in the file as payload: CRLF, LF, a last line without newline', async () => {
      const path = file('crlf.jsonl', '{"t":"a"}\r\n{"t":"b"}\n{"t":"c\\r"}');
      const records = await readRecords(path, 'jsonl', { textFields: ['t'] });
      assert.deepEqual(
        records.map((r) => r.texts[0]),
        ['a', 'b', 'c\r'],
      );
      assert.deepEqual(
        records.map((r) => r.payload.type === 'line' && r.payload.bytes.toString()),
        ['{"t":"a"}\r\n', '{"t":"b"}\n', '{"t":"c\\r"}'],
      );
    });

    it('skips a UTF-8 byte-order mark at the start of the file, and keeps it in the first payload', async () => {
      const bom = Buffer.from([0xef, 0xbb, 0xbf]);
      const path = file('bom.jsonl', Buffer.concat([bom, Buffer.from('{"t":"é"}\n{"t":"x"}\n')]));
      const records = await readRecords(path, 'jsonl', { textFields: ['t'] });
      assert.deepEqual(records[0].texts, ['é']);
      assert.deepEqual(records[0].location, { line: 1, record: 0, byteOffset: 3 });
      assert.deepEqual(
        records.map((r) => r.payload.type === 'line' && r.payload.bytes),
        [Buffer.concat([bom, Buffer.from('{"t":"é"}\n')]), Buffer.from('{"t":"x"}\n')],
      );
    });

    it('reads records without payload bytes when asked to (the count pass)', async () => {
      const path = file('nopayload.jsonl', '{"t":"a"}\n');
      const [record] = await readRecords(path, 'jsonl', { textFields: ['t'], withPayload: false });
      assert.deepEqual(record.payload, { type: 'line', bytes: Buffer.alloc(0) });
    });

    it('takes texts from several fields in field order, leaving out absent and null ones', async () => {
      const path = file(
        'multi.jsonl',
        ['{"alt":"A","title":"T"}', '{"title":"only title"}', '{"alt":"only alt","title":null}'].join('\n'),
      );
      const records = await readRecords(path, 'jsonl', { textFields: ['alt', 'title'] });
      assert.deepEqual(
        records.map((r) => r.texts),
        [['A', 'T'], ['only title'], ['only alt']],
      );
    });

    it('takes the key from the key field, numbers in decimal', async () => {
      const path = file('keys.jsonl', '{"id":"abc","t":"x"}\n{"id":42,"t":"y"}\n');
      const records = await readRecords(path, 'jsonl', { textFields: ['t'], keyField: 'id' });
      assert.deepEqual(
        records.map((r) => r.key),
        ['abc', '42'],
      );
    });

    it('does not take inherited properties for field names like "constructor"', async () => {
      const path = file('proto.jsonl', '{"t":"x"}\n');
      await assertInputError(readAll(path, 'jsonl', { textFields: ['constructor'] }), 'missing-text-field');
    });
  });

  describe('bad records', () => {
    const bad = [
      '{"caption":"ok","id":1}',
      '{"caption": broken',
      '{"url":"no caption","id":3}',
      '{"caption":7,"id":4}',
      '{"caption":"no id"}',
      '["not","an","object"]',
      '{"caption":"ok again","id":7}',
    ].join('\n');

    it('fail at the first one with the file, line, record and reason', async () => {
      const path = file('bad.jsonl', bad);
      const err = await assertInputError(
        readAll(path, 'jsonl', { textFields: ['caption'] }),
        'bad-json',
        path,
        'line 2, record 1',
      );
      assert.deepEqual({ line: err.location.line, record: err.location.record }, { line: 2, record: 1 });
      assert.match(err.detail, /invalid JSON/);
    });

    it('are yielded as SkippedRecord with --on-error skip, and reading goes on', async () => {
      const path = file('bad-skip.jsonl', bad);
      const items = await readAll(path, 'jsonl', {
        textFields: ['caption'],
        keyField: 'id',
        onError: 'skip',
      });
      assert.deepEqual(
        items.map((i) =>
          i.kind === 'record' ? `record ${i.key}` : `${i.reason} at line ${i.location.line}`,
        ),
        [
          'record 1',
          'bad-json at line 2',
          'missing-text-field at line 3',
          'non-string-text at line 4',
          'missing-key-field at line 5',
          'bad-json at line 6',
          'record 7',
        ],
      );
      const reasons = skipped(items);
      assert.match(reasons[1].detail, /missing text field 'caption' \(fields: url, id\)/);
      assert.match(reasons[2].detail, /'caption' is a number, not a string/);
      assert.match(reasons[3].detail, /missing key field 'id'/);
      assert.match(reasons[4].detail, /expected a JSON object, got an array/);
      // Bad records keep their record index, so indexes match those of the count pass.
      assert.deepEqual(
        items.map((i) => i.location.record),
        [0, 1, 2, 3, 4, 5, 6],
      );
    });

    it('each reason is reported with its file, line and record under --on-error fail', async () => {
      const cases: [string, string, string][] = [
        ['{"url":"x"}', 'missing-text-field', "missing text field 'caption'"],
        ['{"caption":["a"]}', 'non-string-text', "text field 'caption' is an array"],
        ['{"caption":"x","id":true}', 'missing-key-field', "key field 'id' is a boolean"],
        ['{"caption":"x"', 'bad-json', 'invalid JSON'],
      ];
      for (const [line, reason, detail] of cases) {
        const path = file(`one-${reason}.jsonl`, `{"caption":"fine","id":"k"}\n${line}\n`);
        await assertInputError(
          readAll(path, 'jsonl', { textFields: ['caption'], keyField: 'id' }),
          reason as 'bad-json',
          `${path}:line 2, record 1: `,
          detail,
        );
      }
    });

    it('a null caption says it is null (a missing text), not that the field is absent', async () => {
      const path = file('null.jsonl', '{"caption":null,"id":1}\n');
      await assertInputError(
        readAll(path, 'jsonl', { textFields: ['caption'] }),
        'missing-text-field',
        `${path}:line 1, record 0: text field 'caption' is null`,
      );
      const several = file('nulls.jsonl', '{"alt":null,"title":null}\n{"alt":null}\n');
      const items = skipped(
        await readAll(several, 'jsonl', { textFields: ['alt', 'title'], onError: 'skip' }),
      );
      assert.deepEqual(
        items.map((i) => [i.reason, i.detail]),
        [
          [
            'missing-text-field',
            "none of the text fields 'alt', 'title' holds a string: 'alt', 'title' are null (fields: alt, title)",
          ],
          [
            'missing-text-field',
            "none of the text fields 'alt', 'title' holds a string: 'alt' is null (fields: alt)",
          ],
        ],
      );
    });

    it('with several text fields a record needs one present, and every present one a string', async () => {
      const path = file('multi-bad.jsonl', '{"a":"x","b":3}\n{"c":"none"}\n');
      const items = skipped(await readAll(path, 'jsonl', { textFields: ['a', 'b'], onError: 'skip' }));
      assert.deepEqual(
        items.map((i) => i.reason),
        ['non-string-text', 'missing-text-field'],
      );
      assert.match(items[1].detail, /none of the text fields 'a', 'b' is present/);
    });

    it('a missing file is an InputError "unreadable" even with --on-error skip', async () => {
      for (const format of ['jsonl', 'jsonl.gz'] as const) {
        const path = join(dir(), `nope.${format}`);
        await assertInputError(
          readAll(path, format, { textFields: ['t'], onError: 'skip' }),
          'unreadable',
          path,
          'no such file',
        );
      }
    });
  });

  describe('invalid UTF-8', () => {
    // Line 3 holds a lone 0xff inside the caption, line 5 a cut 3-byte sequence at its end.
    const content = Buffer.concat([
      Buffer.from('{"t":"a dog"}\n\n{"t":"ca'),
      Buffer.from([0xff]),
      Buffer.from('t"}\n{"t":"東京"}\r\n{"t":"x"}'),
      Buffer.from([0xe6, 0x9d]),
      Buffer.from('\n{"t":"end"}\n'),
    ]);

    it('fails at the first bad line with the file, line, record and byte offset of the bad byte', async () => {
      const path = file('utf8.jsonl', content);
      const err = await assertInputError(
        readAll(path, 'jsonl', { textFields: ['t'] }),
        'invalid-utf8',
        `${path}:line 3, record 1: invalid UTF-8 at byte offset 23 (byte 8 of the line): 0xff 0x74 0x22 0x7d`,
      );
      assert.deepEqual(err.location, { line: 3, record: 1, byteOffset: 15 });
    });

    it('with --on-error skip, skips the bad lines as "invalid-utf8"; they keep their record index', async () => {
      const path = file('utf8-skip.jsonl', content);
      const items = await readAll(path, 'jsonl', { textFields: ['t'], onError: 'skip' });
      assert.deepEqual(
        items.map((i) =>
          i.kind === 'record' ? `${i.index}: ${i.texts[0]}` : `${i.location.record}: ${i.reason}`,
        ),
        ['0: a dog', '1: invalid-utf8', '2: 東京', '3: invalid-utf8', '4: end'],
      );
      assert.match(
        skipped(items)[1].detail,
        /^invalid UTF-8 at byte offset 53 \(byte 9 of the line\): 0xe6 0x9d$/,
      );
    });

    it('in a .jsonl.gz names the byte within the line (offsets in decompressed data would mislead)', async () => {
      const path = file('utf8.jsonl.gz', gzipSync(content));
      await assertInputError(
        readAll(path, 'jsonl.gz', { textFields: ['t'] }),
        'invalid-utf8',
        `${path}:line 3, record 1: invalid UTF-8 at byte 8 of the line: 0xff 0x74 0x22 0x7d`,
      );
    });

    it('rejects overlong forms, surrogates and code points above U+10FFFF, which decoding would replace', async () => {
      const bad = [
        [0xc0, 0xaf],
        [0xe0, 0x80, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0x80],
      ];
      const lines = bad.map((b) =>
        Buffer.concat([Buffer.from('{"t":"'), Buffer.from(b), Buffer.from('"}\n')]),
      );
      const path = file('forms.jsonl', Buffer.concat([...lines, Buffer.from('{"t":"\u{10FFFF} ok"}\n')]));
      const items = await readAll(path, 'jsonl', { textFields: ['t'], onError: 'skip' });
      assert.deepEqual(
        items.map((i) => (i.kind === 'record' ? i.texts[0] : i.reason)),
        [...bad.map(() => 'invalid-utf8'), '\u{10FFFF} ok'],
      );
      assert.ok(skipped(items).every((i) => i.detail.includes('(byte 6 of the line)')));
    });
  });

  describe('gzip', () => {
    const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ t: `caption ${i}`, id: i }));

    it('reads .jsonl.gz like the uncompressed file (without byte offsets)', async () => {
      const plain = file('g.jsonl', `${lines.join('\n')}\n`);
      const gz = file('g.jsonl.gz', gzipSync(readFileSync(plain)));
      const a = await readRecords(plain, 'jsonl', { textFields: ['t'], keyField: 'id' });
      const b = await readRecords(gz, 'jsonl.gz', { textFields: ['t'], keyField: 'id' });
      assert.deepEqual(summary(b), summary(a));
      assert.equal(b[3].location.byteOffset, undefined);
      assert.equal(b[3].location.line, 4);
    });

    it('reads concatenated gzip members as one stream', async () => {
      const gz = file('multi.jsonl.gz', Buffer.concat([gzipSync('{"t":"a"}\n'), gzipSync('{"t":"b"}\n')]));
      const records = await readRecords(gz, 'jsonl.gz', { textFields: ['t'] });
      assert.deepEqual(
        records.map((r) => r.texts[0]),
        ['a', 'b'],
      );
    });

    it('a truncated or corrupt .gz is an InputError "bad-gzip" naming the file', async () => {
      const whole = gzipSync(Buffer.from(`${lines.join('\n')}\n`));
      const cut = file('cut.jsonl.gz', whole.subarray(0, whole.length - 20));
      await assertInputError(readAll(cut, 'jsonl.gz', { textFields: ['t'] }), 'bad-gzip', cut);
      const garbage = file('garbage.jsonl.gz', Buffer.from('this is not gzip at all'));
      await assertInputError(readAll(garbage, 'jsonl.gz', { textFields: ['t'] }), 'bad-gzip', garbage);
    });

    it('with --on-error skip, a damaged .gz ends in one "bad-gzip" skip for the rest of the file', async () => {
      const whole = gzipSync(Buffer.from(`${lines.join('\n')}\n`));
      const cut = file('cut-skip.jsonl.gz', whole.subarray(0, whole.length - 20));
      const items = await readAll(cut, 'jsonl.gz', { textFields: ['t'], onError: 'skip' });
      const last = items[items.length - 1];
      assert.ok(last.kind === 'skipped' && last.reason === 'bad-gzip', 'the damage is the last item');
      assert.match(last.detail, /the rest of the file is skipped/);
      assert.equal(skipped(items).length, 1);
      const garbage = file('garbage-skip.jsonl.gz', Buffer.from('this is not gzip at all'));
      const none = await readAll(garbage, 'jsonl.gz', { textFields: ['t'], onError: 'skip' });
      assert.deepEqual(
        none.map((i) => i.kind === 'skipped' && i.reason),
        ['bad-gzip'],
      );
    });

    it('writes gzip deterministically and reads back the same records', async () => {
      const src = file('w.jsonl', `${lines.join('\n')}\n`);
      const records = await readRecords(src, 'jsonl', { textFields: ['t'] });
      const out1 = join(dir(), 'w1.jsonl.gz');
      const out2 = join(dir(), 'w2.jsonl.gz');
      assert.equal(await writeAll('jsonl.gz', out1, records), 500);
      await writeAll('jsonl.gz', out2, records);
      assert.deepEqual(readFileSync(out1), readFileSync(out2));
      // gzip header: no mtime (bytes 4-7 zero), no file name flag.
      const head = readFileSync(out1).subarray(0, 10);
      assert.equal(head.readUInt32LE(4), 0);
      assert.equal(head[3] & 0x08, 0);
      const back = await readRecords(out1, 'jsonl.gz', { textFields: ['t'] });
      assert.deepEqual(
        back.map((r) => r.texts),
        records.map((r) => r.texts),
      );
    });
  });

  describe('byte ranges', () => {
    // Lines of varied length, some blank, some with multi-byte characters.
    const content =
      Array.from({ length: 1000 }, (_, i) =>
        i % 97 === 5
          ? ''
          : JSON.stringify({ t: `${'é'.repeat(i % 13)} caption ${i}`, pad: 'x'.repeat((i * 37) % 200) }),
      ).join('\n') + '\n';

    it('planByteRanges covers the whole file with ranges that start at line starts', async () => {
      const path = file('ranges.jsonl', content);
      const size = statSync(path).size;
      const bytes = readFileSync(path);
      for (const target of [1, 100, 4096, 30000, size, size * 2]) {
        const ranges = await planByteRanges(path, target);
        assert.equal(ranges[0].start, 0);
        assert.equal(ranges[ranges.length - 1].end, size);
        for (let i = 0; i < ranges.length; i++) {
          assert.ok(ranges[i].start < ranges[i].end);
          if (i > 0) {
            assert.equal(ranges[i].start, ranges[i - 1].end);
            assert.equal(bytes[ranges[i].start - 1], 10, 'a range starts right after a newline');
          }
        }
      }
    });

    it('reading every range gives the records of the whole file, in order, with continuous indexes', async () => {
      const path = file('ranges2.jsonl', content);
      const whole = await readRecords(path, 'jsonl', { textFields: ['t'] });
      for (const target of [1, 777, 8192, 50000]) {
        const ranges = await planByteRanges(path, target);
        const parts: PoolRecord[] = [];
        let firstRecordIndex = 0;
        let firstLine = 1;
        for (const range of ranges) {
          const counts = await countLines(path, 'jsonl', range);
          const part = await readRecords(path, 'jsonl', {
            textFields: ['t'],
            byteRange: range,
            firstRecordIndex,
            firstLine,
          });
          assert.equal(part.length, counts.records);
          parts.push(...part);
          firstRecordIndex += counts.records;
          firstLine += counts.lines;
        }
        assert.deepEqual(summary(parts), summary(whole));
        assert.deepEqual(
          parts.map((r) => r.location),
          whole.map((r) => r.location),
        );
      }
    });

    it('without firstLine, lines are counted from the range start and byteOffset is absolute', async () => {
      const path = file('rel.jsonl', '{"t":"a"}\n{"t":"b"}\n{"t":"c"}\n');
      const records = await readRecords(path, 'jsonl', {
        textFields: ['t'],
        byteRange: { start: 10, end: 30 },
      });
      assert.deepEqual(
        records.map((r) => r.location),
        [
          { line: 1, record: 0, byteOffset: 10 },
          { line: 2, record: 1, byteOffset: 20 },
        ],
      );
    });

    it('handles exactly the lines whose first byte lies in [start, end)', async () => {
      const path = file('exact.jsonl', '{"t":"a"}\n{"t":"b"}\n{"t":"c"}\n');
      const texts = async (start: number, end: number) =>
        (await readRecords(path, 'jsonl', { textFields: ['t'], byteRange: { start, end } })).map(
          (r) => r.texts[0],
        );
      assert.deepEqual(await texts(0, 1), ['a']);
      assert.deepEqual(await texts(0, 10), ['a']);
      assert.deepEqual(await texts(0, 11), ['a', 'b']);
      assert.deepEqual(await texts(10, 30), ['b', 'c']);
      assert.deepEqual(await texts(20, 20), []);
    });

    it('an empty file plans one empty range and reads no records', async () => {
      const path = file('empty.jsonl', '');
      assert.deepEqual(await planByteRanges(path, 100), [{ start: 0, end: 0 }]);
      assert.deepEqual(await readAll(path, 'jsonl', { textFields: ['t'] }), []);
    });

    it('reads lines longer than the read buffer', async () => {
      const long = 'w'.repeat(9 * 1024 * 1024);
      const path = file('long.jsonl', `{"t":"short"}\n{"t":"${long}"}\n{"t":"end"}\n`);
      const records = await readRecords(path, 'jsonl', { textFields: ['t'] });
      assert.deepEqual(
        records.map((r) => r.texts[0].length),
        [5, long.length, 3],
      );
    });

    it('byte ranges are refused for formats that cannot be split', () => {
      assert.throws(
        () =>
          readPool('x.csv', 'csv', { textFields: ['t'], onError: 'fail', byteRange: { start: 0, end: 1 } }),
        UsageError,
      );
      assert.throws(
        () =>
          readPool('x.jsonl.gz', 'jsonl.gz', {
            textFields: ['t'],
            onError: 'fail',
            byteRange: { start: 0, end: 1 },
          }),
        UsageError,
      );
    });
  });

  describe('writing', () => {
    it('round trip: the written file holds exactly the raw lines of the kept records', async () => {
      const src = file('rt.jsonl', '{"t":"a", "extra": {"n": 1}}\r\n\n{"t":"b"}\n{"t":"c"}');
      const records = await readRecords(src, 'jsonl', { textFields: ['t'] });
      const out = join(dir(), 'out', 'rt.jsonl');
      assert.equal(await writeAll('jsonl', out, [records[0], records[2]]), 2);
      // CRLF stays CRLF, and the last line of the input stays without a newline.
      assert.equal(readFileSync(out, 'utf8'), '{"t":"a", "extra": {"n": 1}}\r\n{"t":"c"}');
      const back = await readRecords(out, 'jsonl', { textFields: ['t'] });
      assert.deepEqual(
        back.map((r) => r.texts),
        [['a'], ['c']],
      );
    });
  });
});

describe('visitJsonl with linesOnly (a slice the count pass read without a skip)', () => {
  const dir = useTempDir();

  /** Each visited record as (index, line, byte offset, payload) and the payload bytes. */
  async function visited(file: string, gzip: boolean, linesOnly: boolean, opts: Partial<ReadOptions> = {}) {
    const seen: string[] = [];
    const add = (index: number, line: number, offset: number | undefined, payload: Buffer): void => {
      seen.push(`${index} ${line} ${offset} ${payload.toString('hex')}`);
    };
    const visitor: RecordVisitor = {
      record: (r: ByteRecord) => add(r.index, r.line, r.byteOffset, r.payload()),
      item: (item) => {
        if (item.kind !== 'record' || item.payload.type !== 'line') throw new Error('a skip');
        add(item.index, item.location.line ?? -1, item.location.byteOffset, item.payload.bytes);
      },
      batchDone: async () => undefined,
    };
    await visitJsonl(
      file,
      gzip,
      { textFields: ['caption'], onError: 'fail', chunkBytes: 64, ...opts },
      visitor,
      linesOnly,
    );
    return seen;
  }

  it('gives the records, indexes, places and payloads of the full visit, without scanning', async () => {
    const text =
      '\ufeff{"caption":"first"}\r\n\n{"caption":"esc\\u0061ped","n":[1,{"a":null}]}\n   \n' +
      '{"caption":"é☃ ' +
      'long '.repeat(30) +
      '"}\r\n{"caption":"x","caption":"dup"}\n{"caption":"last"}';
    const file = join(dir(), 'in.jsonl');
    writeFileSync(file, text);
    const full = await visited(file, false, false);
    assert.equal(full.length, 5);
    assert.deepEqual(await visited(file, false, true), full);
    assert.deepEqual(
      await visited(file, false, true, { firstRecordIndex: 7 }),
      await visited(file, false, false, { firstRecordIndex: 7 }),
    );
    const gz = join(dir(), 'in.jsonl.gz');
    writeFileSync(gz, gzipSync(Buffer.from(text)));
    assert.deepEqual(await visited(gz, true, true), await visited(gz, true, false));
  });

  it('refuses a --key-field (its value needs the scan)', async () => {
    const file = join(dir(), 'k.jsonl');
    writeFileSync(file, '{"caption":"a","id":"x"}\n');
    await assert.rejects(visited(file, false, true, { keyField: 'id' }), /key-field/);
  });
});
