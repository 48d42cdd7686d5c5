/**
 * The real caption samples in ../shared/data/captions, when present: CC3M validation (TSV
 * without header: caption, url) and a LAION sample (Parquet, column TEXT).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  countLines,
  parquetRowGroupCount,
  planByteRanges,
  readPool,
} from '../../../../server/engine/src/pool/read';
import type { PoolRecord } from '../../../../server/engine/src/pool/types';
import { readRecords, useTempDir, writeAll } from './helpers';

/** From out/test/server/engine/pool to the repository root, then ../shared. */
const CAPTIONS = resolve(__dirname, '../../../../../../shared/data/captions');

describe('real caption samples', () => {
  const dir = useTempDir();

  it('reads CC3M validation: 15,833 captions from a header-less TSV, and writes it back byte for byte', async () => {
    const file = join(CAPTIONS, 'cc3m_validation.tsv');
    if (!existsSync(file)) {
      console.log(`      (not run: ${file} is absent)`);
      return;
    }
    const opts = { textFields: ['caption'], keyField: 'url', columns: ['caption', 'url'] };
    const records = await readRecords(file, 'tsv', opts);
    assert.equal(records.length, 15833);
    assert.equal(records[0].texts[0], 'author : a life in photography -- in pictures');
    assert.ok(records.every((r) => r.texts.length === 1 && r.key.startsWith('http')));
    const out = join(dir(), 'cc3m.tsv');
    assert.equal(await writeAll('tsv', out, records, { csvHeader: null }), 15833);
    assert.ok(readFileSync(out).equals(readFileSync(file)));
  });

  it('reads the LAION sample: 10,000 rows with captions in TEXT, and the same rows by row group', async () => {
    const file = join(CAPTIONS, 'laion_sample_10k.parquet');
    if (!existsSync(file)) {
      console.log(`      (not run: ${file} is absent)`);
      return;
    }
    let records = 0;
    let skipped = 0;
    const kept: PoolRecord[] = [];
    for await (const item of readPool(file, 'parquet', { textFields: ['TEXT'], onError: 'skip' })) {
      if (item.kind === 'skipped') {
        skipped++;
        continue;
      }
      records++;
      if (item.index % 10 === 0) kept.push(item);
    }
    assert.equal(records + skipped, 10000);
    assert.equal(await parquetRowGroupCount(file), 1);
    const out = join(dir(), 'laion.parquet');
    await writeAll('parquet', out, kept, { sourceFile: file });
    const back = await readRecords(out, 'parquet', { textFields: ['TEXT'] });
    assert.deepEqual(
      back.map((r) => r.payload),
      kept.map((r) => r.payload),
    );
  });

  it('CC3M as plain text splits into byte ranges that together give every line once', async () => {
    const file = join(CAPTIONS, 'cc3m_validation.tsv');
    if (!existsSync(file)) {
      console.log(`      (not run: ${file} is absent)`);
      return;
    }
    let total = 0;
    let firstRecordIndex = 0;
    for (const range of await planByteRanges(file, 256 * 1024)) {
      const part = await readRecords(file, 'text', { byteRange: range, firstRecordIndex });
      assert.equal(part[0].index, firstRecordIndex);
      firstRecordIndex += (await countLines(file, 'text', range)).records;
      total += part.length;
    }
    assert.equal(total, 15833);
  });
});
