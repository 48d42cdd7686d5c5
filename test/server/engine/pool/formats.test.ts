/** Pool formats: what a file's name says about its format, and which formats split by bytes. */
import assert from 'node:assert/strict';
import { UsageError } from '../../../../server/engine/src/errors';
import {
  detectFormat,
  extensionOf,
  isSplittable,
  parseFormat,
  POOL_FORMATS,
} from '../../../../server/engine/src/pool/formats';

describe('pool formats', () => {
  describe('detectFormat tells the format from the extension', () => {
    const cases: [string, string][] = [
      ['pool.jsonl', 'jsonl'],
      ['pool.json', 'jsonl'],
      ['pool.ndjson', 'jsonl'],
      ['data/pool.jsonl.gz', 'jsonl.gz'],
      ['pool.json.gz', 'jsonl.gz'],
      ['pool.csv', 'csv'],
      ['pool.tsv', 'tsv'],
      ['captions.txt', 'text'],
      ['laion.parquet', 'parquet'],
      ['shards/00000.tar', 'webdataset'],
      ['UPPER.JSONL', 'jsonl'],
    ];
    for (const [path, format] of cases) {
      it(`${path} is ${format}`, () => assert.equal(detectFormat(path), format));
    }

    it('rejects an unknown extension with a UsageError listing the known ones', () => {
      assert.throws(
        () => detectFormat('pool.xlsx'),
        (err: unknown) =>
          err instanceof UsageError && /pool\.xlsx/.test(err.message) && /\.parquet/.test(err.message),
      );
      assert.throws(() => detectFormat('pool.tar.gz'), UsageError);
      assert.throws(() => detectFormat('no-extension'), UsageError);
    });
  });

  describe('isSplittable', () => {
    it('is true only for jsonl and plain text, whose records start at line starts', () => {
      const splittable = POOL_FORMATS.filter(isSplittable);
      assert.deepEqual(splittable, ['jsonl', 'text']);
    });
  });

  describe('parseFormat and extensionOf', () => {
    it('parse every format name and give the extension that detectFormat maps back', () => {
      for (const format of POOL_FORMATS) {
        assert.equal(parseFormat(format), format);
        assert.equal(detectFormat(`out${extensionOf(format)}`), format);
      }
      assert.throws(() => parseFormat('xml'), UsageError);
    });
  });
});
