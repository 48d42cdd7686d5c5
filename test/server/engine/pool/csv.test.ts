/** CSV and TSV pools: header, RFC 4180 quoting, missing columns, bad rows and round trips. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ByteRecord } from '../../../../server/engine/src/pool/byteRecord';
import { visitDelimited, type DelimitedFormat } from '../../../../server/engine/src/pool/csv';
import { readCsvHeader } from '../../../../server/engine/src/pool/read';
import type { PoolItem, ReadOptions } from '../../../../server/engine/src/pool/types';
import { mulberry32 } from '../../../support/fixtures';
import { createPoolWriter, writerOptionsFor } from '../../../../server/engine/src/pool/write';
import { assertInputError, readAll, readRecords, skipped, summary, useTempDir, writeAll } from './helpers';

describe('CSV and TSV pools', () => {
  const dir = useTempDir();
  const file = (name: string, content: string): string => {
    const path = join(dir(), name);
    writeFileSync(path, content);
    return path;
  };

  describe('CSV quoting (RFC 4180)', () => {
    const csv =
      'id,caption,url\n' +
      '1,plain caption,http://a\n' +
      '2,"a caption, with a comma",http://b\n' +
      '3,"a caption\nover two lines",http://c\n' +
      '4,"she said ""hi""",http://d\r\n' +
      '5,,http://e\n' +
      '6,5" screen,http://f\n';

    it('reads quoted fields with commas, newlines and doubled quotes; lines follow embedded newlines', async () => {
      const path = file('q.csv', csv);
      const items = await readAll(path, 'csv', { textFields: ['caption'], keyField: 'id', onError: 'skip' });
      const records = items.filter((i) => i.kind === 'record');
      assert.deepEqual(
        records.map((r) => (r.kind === 'record' ? [r.key, r.texts[0], r.location.line] : [])),
        [
          ['1', 'plain caption', 2],
          ['2', 'a caption, with a comma', 3],
          ['3', 'a caption\nover two lines', 4],
          ['4', 'she said "hi"', 6],
          ['6', '5" screen', 8],
        ],
      );
      // An empty cell is a missing value.
      assert.deepEqual(
        skipped(items).map((s) => [s.reason, s.location.line, s.location.record, s.detail]),
        [['missing-text-field', 7, 4, "text field 'caption' is empty"]],
      );
    });

    it('keeps the raw record bytes as payload, embedded newline included', async () => {
      const path = file('raw.csv', csv);
      const records = await readRecords(path, 'csv', { textFields: ['url'] });
      assert.deepEqual(
        records.map((r) => r.payload.type === 'line' && r.payload.bytes.toString()),
        [
          '1,plain caption,http://a',
          '2,"a caption, with a comma",http://b',
          '3,"a caption\nover two lines",http://c',
          '4,"she said ""hi""",http://d',
          '5,,http://e',
          '6,5" screen,http://f',
        ],
      );
    });

    it('round trip: header then kept records, read back equal', async () => {
      const path = file('rt.csv', csv);
      const records = await readRecords(path, 'csv', { textFields: ['url'], keyField: 'id' });
      const out = join(dir(), 'rt-out.csv');
      await writeAll('csv', out, [records[1], records[2], records[3]], { sourceFile: path });
      assert.equal(
        readFileSync(out, 'utf8'),
        'id,caption,url\n2,"a caption, with a comma",http://b\n3,"a caption\nover two lines",http://c\n4,"she said ""hi""",http://d\n',
      );
      const back = await readRecords(out, 'csv', { textFields: ['caption'], keyField: 'id' });
      assert.deepEqual(
        back.map((r) => [r.key, r.texts[0]]),
        [
          ['2', 'a caption, with a comma'],
          ['3', 'a caption\nover two lines'],
          ['4', 'she said "hi"'],
        ],
      );
    });

    it('several text columns give texts in field order', async () => {
      const path = file('multi.csv', 'alt,title\nA,T\n,only title\n');
      const records = await readRecords(path, 'csv', { textFields: ['alt', 'title'] });
      assert.deepEqual(
        records.map((r) => r.texts),
        [['A', 'T'], ['only title']],
      );
      assert.deepEqual(
        records.map((r) => r.key),
        ['multi.csv:0', 'multi.csv:1'],
      );
    });

    it('an unterminated quote is "bad-csv" at the line where the record starts', async () => {
      const path = file('open.csv', 'caption\nfine\n"never closed\nmore\n');
      await assertInputError(
        readAll(path, 'csv', { textFields: ['caption'] }),
        'bad-csv',
        `${path}:line 3, record 1`,
        'unterminated quoted field 1',
      );
    });

    it('a stray character after a closing quote is "bad-csv"; skip resumes at the next line', async () => {
      const path = file('stray.csv', 'caption,n\n"bad"x,1\nnext,2\n');
      const items = await readAll(path, 'csv', { textFields: ['caption'], keyField: 'n', onError: 'skip' });
      assert.deepEqual(
        items.map((i) => (i.kind === 'record' ? i.key : i.reason)),
        ['bad-csv', '2'],
      );
    });

    it('a record with the wrong number of fields is "bad-csv" naming both counts', async () => {
      const path = file('ragged.csv', 'a,b\n1,2\n1,2,3\n');
      await assertInputError(
        readAll(path, 'csv', { textFields: ['a'] }),
        'bad-csv',
        'line 3, record 1',
        'record has 3 fields, the header has 2',
      );
    });
  });

  describe('columns', () => {
    it('a missing text column is an error at line 1 naming it and listing the columns', async () => {
      const path = file('cols.csv', 'url,text\nu,t\n');
      await assertInputError(
        readAll(path, 'csv', { textFields: ['caption'], onError: 'skip' }),
        'missing-text-field',
        `${path}:line 1`,
        "no text column 'caption' in the header (columns: url, text)",
      );
      await assertInputError(
        readAll(path, 'csv', { textFields: ['text'], keyField: 'id' }),
        'missing-key-field',
        "no key column 'id'",
      );
    });

    it('readCsvHeader gives the column names and the raw header line', async () => {
      const path = file('hdr.csv', '"first col",second\r\nx,y\n');
      const header = await readCsvHeader(path, 'csv');
      assert.deepEqual(header.columns, ['first col', 'second']);
      assert.equal(header.line.toString(), '"first col",second');
    });
  });

  describe('TSV', () => {
    it('splits on tabs with no quoting', async () => {
      const path = file('t.tsv', 'caption\turl\n"quoted" stays\thttp://a\nwith, comma\thttp://b\n');
      const records = await readRecords(path, 'tsv', { textFields: ['caption'] });
      assert.deepEqual(
        records.map((r) => r.texts[0]),
        ['"quoted" stays', 'with, comma'],
      );
    });

    it('reads a header-less file with the column names given in `columns`, and writes no header', async () => {
      const path = file('nohdr.tsv', 'a dog\thttp://a\na cat\thttp://b\n');
      const opts = { textFields: ['caption'], keyField: 'url', columns: ['caption', 'url'] };
      const records = await readRecords(path, 'tsv', opts);
      assert.deepEqual(summary(records), [
        { index: 0, key: 'http://a', texts: ['a dog'] },
        { index: 1, key: 'http://b', texts: ['a cat'] },
      ]);
      assert.deepEqual(records[0].location, { line: 1, record: 0, byteOffset: 0 });
      const out = join(dir(), 'nohdr-out.tsv');
      const writer = await createPoolWriter('tsv', out, await writerOptionsFor(path, 'tsv', opts));
      await writer.write(records[1]);
      await writer.finish();
      assert.equal(readFileSync(out, 'utf8'), 'a cat\thttp://b\n');
    });

    it('round trip keeps the header line', async () => {
      const path = file('rt.tsv', 'caption\tid\nx\t1\ny\t2\n');
      const records = await readRecords(path, 'tsv', { textFields: ['caption'] });
      const out = join(dir(), 'rt-out.tsv');
      await writeAll('tsv', out, records, { sourceFile: path });
      assert.equal(readFileSync(out, 'utf8'), 'caption\tid\nx\t1\ny\t2\n');
    });
  });

  describe('invalid UTF-8', () => {
    // Row 2 (line 3) holds a lone 0xe9 (Latin-1 é) in a quoted field that spans two lines.
    const content = Buffer.concat([
      Buffer.from('id,caption\n1,a dog\n2,"caf'),
      Buffer.from([0xe9]),
      Buffer.from('\nau lait"\n3,a cat\n'),
    ]);
    const path = (name: string): string => {
      const p = join(dir(), name);
      writeFileSync(p, content);
      return p;
    };

    it('a row that is not valid UTF-8 fails with the file, line, record and byte offset', async () => {
      const p = path('utf8.csv');
      await assertInputError(
        readAll(p, 'csv', { textFields: ['caption'] }),
        'invalid-utf8',
        `${p}:line 3, record 1: invalid UTF-8 at byte offset 25 (byte 6 of the row): 0xe9 0x0a 0x61 0x75`,
      );
    });

    it('with --on-error skip, the row is skipped as "invalid-utf8" and reading goes on at the next row', async () => {
      const items = await readAll(path('utf8-skip.csv'), 'csv', {
        textFields: ['caption'],
        keyField: 'id',
        onError: 'skip',
      });
      assert.deepEqual(
        items.map((i) =>
          i.kind === 'record' ? `${i.key}: ${i.texts[0]}` : `line ${i.location.line}: ${i.reason}`,
        ),
        ['1: a dog', 'line 3: invalid-utf8', '3: a cat'],
      );
    });

    it('a header row that is not valid UTF-8 is an error even with --on-error skip', async () => {
      const p = join(dir(), 'utf8-header.tsv');
      writeFileSync(p, Buffer.concat([Buffer.from('capt'), Buffer.from([0xff]), Buffer.from('ion\nx\n')]));
      await assertInputError(
        readAll(p, 'tsv', { textFields: ['caption'], onError: 'skip' }),
        'invalid-utf8',
        `${p}:line 1: header row: invalid UTF-8 at byte offset 4 (byte 4 of the row): 0xff 0x69 0x6f 0x6e`,
      );
    });
  });

  it('an empty CSV (no header row) is "bad-csv"', async () => {
    const path = file('empty.csv', '');
    await assertInputError(readAll(path, 'csv', { textFields: ['caption'] }), 'bad-csv', 'no header row');
  });

  describe("the curation passes' byte-level reading (visitDelimited)", () => {
    /** Rows as pools have them, and rows that only the row parser reads. */
    function generatedRows(format: DelimitedFormat, seed: number, count: number): Buffer {
      const rand = mulberry32(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
      const sep = format === 'csv' ? ',' : '\t';
      const words = ['a dog', 'on a beach', 'é中😀', 'New York', '5" screen', ''];
      const cell = (): string => {
        const r = rand();
        if (format === 'csv' && r < 0.1) return `"${pick(words)},${pick(words).replace(/"/g, '""')}"`;
        if (format === 'csv' && r < 0.13) return `"two\nlines"`;
        return pick(words);
      };
      const parts: Buffer[] = [Buffer.from(['id', 'caption', 'alt', 'url'].join(sep) + '\n')];
      for (let n = 0; n < count; n++) {
        const r = rand();
        let row = [rand() < 0.05 ? '' : `k${n}`, cell(), cell(), `http://example.com/images/${n}.jpg`].join(
          sep,
        );
        if (r < 0.03)
          row = [`k${n}`, cell()].join(sep); // too few fields
        else if (r < 0.05) row = '';
        else if (r < 0.06) row = `"unterminated${sep}x`;
        const end = rand() < 0.1 ? '\r\n' : '\n';
        parts.push(Buffer.from(row + end));
        if (rand() < 0.02) parts.push(Buffer.from([0x6b, 0xff, 0x2c, 0x61, 0x0a])); // not UTF-8
      }
      return Buffer.concat(parts);
    }

    const shape = (item: PoolItem) =>
      item.kind === 'record'
        ? {
            index: item.index,
            key: item.key,
            texts: item.texts,
            location: item.location,
            bytes: item.payload.type === 'line' ? item.payload.bytes.toString('latin1') : '',
          }
        : { reason: item.reason, location: item.location };

    async function visited(path: string, format: DelimitedFormat, opts: ReadOptions) {
      const out: ReturnType<typeof shape>[] = [];
      let fromBytes = 0;
      await visitDelimited(path, format, opts, {
        record: (record: ByteRecord) => {
          fromBytes++;
          out.push(shape(record.toPoolRecord(true)));
        },
        item: (item) => out.push(shape(item)),
        batchDone: async () => undefined,
      });
      return { out, fromBytes };
    }

    for (const format of ['csv', 'tsv'] as const) {
      for (const [textFields, keyField] of [
        [['caption'], undefined],
        [['caption', 'alt'], 'id'],
      ] as const) {
        it(`${format}, text fields ${textFields.join(', ')}, key field ${keyField ?? 'none'}: the records, keys, payloads and skips of the row parser`, async () => {
          const path = join(dir(), `gen.${format}`);
          writeFileSync(path, generatedRows(format, textFields.length, 3000));
          const opts: ReadOptions = { textFields: [...textFields], keyField, onError: 'skip' };
          const expected = (await readAll(path, format, opts)).map(shape);
          const { out, fromBytes } = await visited(path, format, opts);
          assert.deepEqual(out, expected);
          assert.ok(fromBytes > 1000, `only ${fromBytes} rows read from their bytes`);
        });
      }
    }

    it('reads rows across buffer fills, and header-less files with --columns', async () => {
      const rows = generatedRows('tsv', 9, 130000);
      const headerless = rows.subarray(rows.indexOf(0x0a) + 1);
      const path = join(dir(), 'big.tsv');
      writeFileSync(path, headerless);
      assert.ok(headerless.length > 5 * 1024 * 1024, 'more than one 4 MiB buffer');
      const opts: ReadOptions = {
        textFields: ['caption'],
        columns: ['id', 'caption', 'alt', 'url'],
        onError: 'skip',
      };
      const expected = (await readAll(path, 'tsv', opts)).map(shape);
      const { out } = await visited(path, 'tsv', opts);
      // Record by record (one deepEqual of 130,000 records takes seconds): the first difference.
      assert.equal(out.length, expected.length);
      const differs = out.findIndex((item, i) => JSON.stringify(item) !== JSON.stringify(expected[i]));
      if (differs >= 0) assert.deepEqual(out[differs], expected[differs], `record ${differs}`);
    });

    it('stops at the first bad row under --on-error fail, as the row parser does', async () => {
      const path = join(dir(), 'bad.csv');
      writeFileSync(path, 'id,caption\n1,a dog\n2\n3,a cat\n');
      const seen: string[] = [];
      await assertInputError(
        visitDelimited(
          path,
          'csv',
          { textFields: ['caption'], onError: 'fail' },
          {
            record: (record) => seen.push(record.key),
            item: (item) => seen.push(item.kind),
            batchDone: async () => undefined,
          },
        ),
        'bad-csv',
        'record has 1 field',
      );
      assert.deepEqual(seen, ['bad.csv:0']);
    });
  });
});

describe('visitDelimited with linesOnly (a TSV slice the count pass read without a skip)', () => {
  const dir = useTempDir();

  async function visited(file: string, linesOnly: boolean, opts: Partial<ReadOptions> = {}) {
    const seen: string[] = [];
    const add = (
      index: number,
      line: number | undefined,
      offset: number | undefined,
      payload: Buffer,
    ): void => {
      seen.push(`${index} ${line} ${offset} ${payload.toString('hex')}`);
    };
    await visitDelimited(
      file,
      'tsv',
      { textFields: ['caption'], onError: 'fail', chunkBytes: 64, ...opts },
      {
        record: (r: ByteRecord) => add(r.index, r.line, r.byteOffset, r.payload()),
        item: (item: PoolItem) => {
          if (item.kind !== 'record' || item.payload.type !== 'line') throw new Error('a skip');
          add(item.index, item.location.line, item.location.byteOffset, item.payload.bytes);
        },
        batchDone: async () => undefined,
      },
      linesOnly,
    );
    return seen;
  }

  it('gives the records, indexes, places and payloads of the full visit', async () => {
    const rows = [
      'key\tcaption\turl',
      'a\tfirst\tu',
      '',
      'b\té☃ ' + 'long '.repeat(20) + '\tu\r',
      'c\tx\t',
      'd\tlast\tu',
    ];
    const file = join(dir(), 'in.tsv');
    writeFileSync(file, rows.join('\n'));
    const full = await visited(file, false);
    assert.equal(full.length, 4);
    assert.deepEqual(await visited(file, true), full);
    assert.deepEqual(
      await visited(file, true, { firstRecordIndex: 5 }),
      await visited(file, false, { firstRecordIndex: 5 }),
    );
  });

  it('refuses CSV and a --key-field', async () => {
    const file = join(dir(), 'k.tsv');
    writeFileSync(file, 'id\tcaption\nx\ta\n');
    await assert.rejects(visited(file, true, { keyField: 'id' }), /key-field/);
    await assert.rejects(
      visitDelimited(
        file,
        'csv',
        { textFields: ['caption'], onError: 'fail' },
        { record: () => undefined, item: () => undefined, batchDone: async () => undefined },
        true,
      ),
      /TSV/,
    );
  });
});
