/** Parquet pools: row-group reads, fields and keys, corrupt files, and schema-preserving writes. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parquetRowGroupCount, readParquetSchema, readPool } from '../../../../server/engine/src/pool/read';
import type { PoolItem, PoolRecord } from '../../../../server/engine/src/pool/types';
import { createPoolWriter } from '../../../../server/engine/src/pool/write';
import { assertInputError, readAll, readRecords, skipped, summary, useTempDir, writeAll } from './helpers';

const ROWS = 10;
const captions = Array.from({ length: ROWS }, (_, i) => (i === 7 ? null : `caption ${i}`));

/** A 10-row file in row groups of 4 rows: strings, 64-bit ints, doubles, booleans, nulls. */
function sampleParquet(): Buffer {
  const ab = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: Array.from({ length: ROWS }, (_, i) => BigInt(1000 + i)), type: 'INT64' },
      { name: 'caption', data: captions, type: 'STRING' },
      {
        name: 'alt',
        data: Array.from({ length: ROWS }, (_, i) => (i % 2 ? `alt ${i}` : null)),
        type: 'STRING',
      },
      { name: 'score', data: Array.from({ length: ROWS }, (_, i) => i / 4), type: 'DOUBLE' },
      { name: 'nsfw', data: Array.from({ length: ROWS }, (_, i) => i % 3 === 0), type: 'BOOLEAN' },
      { name: 'width', data: Array.from({ length: ROWS }, (_, i) => 100 + i), type: 'INT32' },
    ],
    rowGroupSize: 4,
  });
  return Buffer.from(ab);
}

const keptRecords = (items: PoolItem[]): PoolRecord[] =>
  items.filter((i): i is PoolRecord => i.kind === 'record');

describe('Parquet pools', () => {
  const dir = useTempDir();
  const file = (name: string, content: Buffer): string => {
    const path = join(dir(), name);
    writeFileSync(path, content);
    return path;
  };

  describe('reading', () => {
    it('yields one record per row with texts, default keys, the row as payload and the row index', async () => {
      const path = file('a.parquet', sampleParquet());
      const items = await readAll(path, 'parquet', { textFields: ['caption'], onError: 'skip' });
      assert.equal(items.length, ROWS);
      const first = items[0];
      assert.equal(first.kind, 'record');
      if (first.kind !== 'record') return;
      assert.deepEqual(summary([first]), [{ index: 0, key: 'a.parquet:0', texts: ['caption 0'] }]);
      assert.deepEqual(first.payload, {
        type: 'row',
        row: { id: 1000n, caption: 'caption 0', alt: null, score: 0, nsfw: true, width: 100 },
      });
      assert.deepEqual(first.location, { record: 0 });
      // The null caption is a missing text.
      assert.deepEqual(
        skipped(items).map((s) => [s.reason, s.location.record]),
        [['missing-text-field', 7]],
      );
    });

    it('reads the row groups asked for, with indexes counted from the start of the file', async () => {
      const path = file('b.parquet', sampleParquet());
      assert.equal(await parquetRowGroupCount(path), 3);
      const records = await readRecords(path, 'parquet', {
        textFields: ['caption'],
        rowGroups: { first: 2, last: 3 },
      });
      assert.deepEqual(
        records.map((r) => [r.index, r.key]),
        [
          [8, 'b.parquet:8'],
          [9, 'b.parquet:9'],
        ],
      );
      const all = [];
      for (let g = 0; g < 3; g++) {
        all.push(
          ...(await readAll(path, 'parquet', {
            textFields: ['caption'],
            onError: 'skip',
            rowGroups: { first: g, last: g + 1 },
          })),
        );
      }
      assert.deepEqual(
        all.map((i) => i.location.record),
        Array.from({ length: ROWS }, (_, i) => i),
      );
    });

    it('takes several text fields in order and the key from a 64-bit column', async () => {
      const path = file('c.parquet', sampleParquet());
      const records = await readRecords(path, 'parquet', { textFields: ['caption', 'alt'], keyField: 'id' });
      assert.deepEqual(summary(records.slice(0, 2)), [
        { index: 0, key: '1000', texts: ['caption 0'] },
        { index: 1, key: '1001', texts: ['caption 1', 'alt 1'] },
      ]);
      // Row 7 has no caption but has an alt text.
      assert.deepEqual(records[7].texts, ['alt 7']);
    });

    it('a non-string text column is "non-string-text"; a missing column names the others', async () => {
      const path = file('d.parquet', sampleParquet());
      await assertInputError(
        readAll(path, 'parquet', { textFields: ['width'] }),
        'non-string-text',
        `${path}:record 0`,
        "text field 'width' is a number",
      );
      await assertInputError(
        readAll(path, 'parquet', { textFields: ['TEXT'], onError: 'skip' }),
        'missing-text-field',
        "no text column 'TEXT' (columns: id, caption, alt, score, nsfw, width)",
      );
      await assertInputError(
        readAll(path, 'parquet', { textFields: ['caption'], keyField: 'key' }),
        'missing-key-field',
        "'key'",
      );
    });
  });

  describe('corrupt files', () => {
    it('a file that is not Parquet, or is cut short, is "bad-parquet" naming the file', async () => {
      const garbage = file('garbage.parquet', Buffer.from('definitely not parquet'));
      await assertInputError(
        readAll(garbage, 'parquet', { textFields: ['caption'] }),
        'bad-parquet',
        garbage,
        'not a readable Parquet file',
      );
      const whole = sampleParquet();
      const cut = file('cut.parquet', whole.subarray(0, whole.length - 100));
      await assertInputError(readAll(cut, 'parquet', { textFields: ['caption'] }), 'bad-parquet', cut);
      await assertInputError(parquetRowGroupCount(cut), 'bad-parquet', cut);
    });

    it('with --on-error skip, an unreadable file is one "bad-parquet" skip and no records', async () => {
      const whole = sampleParquet();
      const cut = file('cut-skip.parquet', whole.subarray(0, whole.length - 100));
      const items = await readAll(cut, 'parquet', { textFields: ['caption'], onError: 'skip' });
      assert.equal(items.length, 1);
      const [item] = skipped(items);
      assert.equal(item.reason, 'bad-parquet');
      assert.match(item.detail, /not a readable Parquet file: .*; the file is skipped/);
    });

    it('a damaged row group is "bad-parquet" naming the row group, after the good ones were read', async () => {
      const bytes = sampleParquet();
      const meta = parquetMetadata(new Uint8Array(bytes).buffer);
      const chunk = meta.row_groups[1].columns[1].meta_data;
      assert.ok(chunk);
      const at = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
      bytes.fill(0xff, at, at + 24);
      const path = file('damaged.parquet', bytes);
      const items: PoolItem[] = [];
      const err = await assertInputError(
        (async () => {
          for await (const item of readPool(path, 'parquet', { textFields: ['caption'], onError: 'fail' }))
            items.push(item);
        })(),
        'bad-parquet',
        path,
        'row group 1 (rows 4-7)',
      );
      assert.equal(err.location.record, 4);
      assert.deepEqual(
        items.map((i) => i.location.record),
        [0, 1, 2, 3],
      );
      // --on-error skip passes over the damaged row group (one skip) and reads the groups after it.
      const all = await readAll(path, 'parquet', { textFields: ['caption'], onError: 'skip' });
      const [groupSkip] = skipped(all).filter((i) => i.reason === 'bad-parquet');
      assert.match(groupSkip.detail, /row group 1 \(rows 4-7\).*its rows are skipped/);
      const indexes = all.flatMap((i) => (i.kind === 'record' ? [i.index] : []));
      assert.ok(!indexes.some((i) => i >= 4 && i <= 7), 'no row of the damaged group');
      assert.ok(
        indexes.some((i) => i >= 8),
        'rows after the damaged group are read',
      );
    });
  });

  describe('writing', () => {
    it('round trip: same columns, types and values, read back equal', async () => {
      const path = file('rt.parquet', sampleParquet());
      const kept = keptRecords(await readAll(path, 'parquet', { textFields: ['caption'], onError: 'skip' }));
      const out = join(dir(), 'rt-out.parquet');
      assert.equal(await writeAll('parquet', out, kept, { sourceFile: path }), 9);
      const back = await readRecords(out, 'parquet', { textFields: ['caption'], keyField: 'id' });
      assert.deepEqual(
        back.map((r) => r.payload),
        kept.map((r) => r.payload),
      );
      assert.deepEqual((await readParquetSchema(out)).schema, (await readParquetSchema(path)).schema);
    });

    it('writes bounded row groups and identical bytes for identical input', async () => {
      const path = file('det.parquet', sampleParquet());
      const kept = keptRecords(await readAll(path, 'parquet', { textFields: ['caption'], onError: 'skip' }));
      const options = { parquetSchema: await readParquetSchema(path), parquetRowGroupRows: 4 };
      const out1 = join(dir(), 'det1.parquet');
      const out2 = join(dir(), 'det2.parquet');
      await writeAll('parquet', out1, kept, options);
      await writeAll('parquet', out2, kept, options);
      assert.deepEqual(readFileSync(out1), readFileSync(out2));
      assert.equal(await parquetRowGroupCount(out1), 3);
    });

    it('an empty output is a valid Parquet file with the input schema and no rows', async () => {
      const path = file('e.parquet', sampleParquet());
      const out = join(dir(), 'empty-out.parquet');
      const writer = await createPoolWriter('parquet', out, { sourceFile: path });
      assert.equal(await writer.finish(), 0);
      assert.deepEqual(await readAll(out, 'parquet', { textFields: ['caption'] }), []);
      assert.deepEqual((await readParquetSchema(out)).schema, (await readParquetSchema(path)).schema);
    });
  });
});
