/** The caption fields the text-field pick of "Curate Pool…" offers for a pool file. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fieldsOf, fieldsOfHead } from '../../../client/src/plans/poolFields';

describe('poolFields', () => {
  describe('fieldsOfHead', () => {
    it('offers the string fields of the first whole JSONL record', () => {
      const head = '\n{"cut\n{"url":"u","caption":"a dog","n":3,"alt":"x"}\n{"other":"y"}';
      assert.deepEqual(fieldsOfHead('jsonl', head), ['url', 'caption', 'alt']);
    });

    it('offers nothing when no line is an object', () => {
      assert.deepEqual(fieldsOfHead('jsonl', '[1,2]\n"text"\n'), []);
    });

    it("offers a CSV's or a TSV's header columns, unquoted", () => {
      assert.deepEqual(fieldsOfHead('csv', '"url", caption ,\r\n1,2\n'), ['url', 'caption']);
      assert.deepEqual(fieldsOfHead('tsv', 'id\ttext\n1\thello\n'), ['id', 'text']);
    });
  });

  describe('fieldsOf', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'metacurate-poolfields-'));
      writeFileSync(join(dir, 'pool.jsonl'), '{"text":"a cat","id":1}\n');
      writeFileSync(join(dir, 'pool.tsv'), 'id\tcaption\n');
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the head of JSONL, CSV and TSV files', async () => {
      assert.deepEqual(await fieldsOf(join(dir, 'pool.jsonl')), ['text']);
      assert.deepEqual(await fieldsOf(join(dir, 'pool.tsv')), ['id', 'caption']);
    });

    it('offers nothing for other formats and for a file that cannot be read', async () => {
      assert.deepEqual(await fieldsOf(join(dir, 'pool.parquet')), []);
      assert.deepEqual(await fieldsOf(join(dir, 'missing.jsonl')), []);
    });
  });
});
