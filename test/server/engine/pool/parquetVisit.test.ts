/**
 * The Parquet passes without a record object per row: the count pass's byte records against
 * readParquet, and the select pass (kept rows written column by column) against the rows its
 * sidecar names, with skipped rows and --key-field.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { curate } from '../../../../server/engine/src/curate';
import type { ByteRecord } from '../../../../server/engine/src/pool/byteRecord';
import { visitParquet } from '../../../../server/engine/src/pool/parquetVisit';
import type { PoolItem, ReadOptions } from '../../../../server/engine/src/pool/types';
import { readAll, useTempDir } from './helpers';

const BOM = '\ufeff';
/** Captions the byte path must take as they are, and ones it must leave to the decoded path. */
const captions: (string | null)[] = [
  'a dog on the beach',
  'café naïve 東京 🐕 dog',
  `${BOM}dog with a byte-order mark`,
  null,
  '',
  'a cat',
  `not ${BOM} at the start`,
  'the end',
];
/** The caption column as raw bytes: one value is not valid UTF-8 (a lone continuation byte). */
const captionBytes = captions.map((c, i) =>
  i === 5 ? Buffer.from([0x61, 0x20, 0x80, 0x63, 0x61, 0x74]) : c === null ? null : Buffer.from(c),
);
const alts = captions.map((_, i) => (i % 3 === 0 ? null : `alt ${i} dog`));

function parquetFile(captionColumn: (string | Uint8Array | null)[]): Buffer {
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: 'caption', data: captionColumn, type: 'STRING' },
        { name: 'alt', data: alts, type: 'STRING' },
        { name: 'id', data: captions.map((_, i) => BigInt(100 + i)), type: 'INT64' },
      ],
      rowGroupSize: 3,
    }),
  );
}

/** What a pass sees of each record: its index and texts, or the skip. */
type Seen = { index: number; texts: string[] } | { reason: string; detail: string };

function seenOfItem(item: PoolItem): Seen {
  return item.kind === 'record'
    ? { index: item.index, texts: item.texts }
    : { reason: item.reason, detail: item.detail };
}

/** The byte matcher's texts must be strictly valid UTF-8, a leading BOM kept (Buffer#toString). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function seenOfBytes(record: ByteRecord): Seen {
  const texts: string[] = [];
  for (let k = 0; k < record.textCount; k++)
    texts.push(strictUtf8.decode(record.buf.subarray(record.textStarts[k], record.textEnds[k])));
  return { index: record.index, texts };
}

describe('Parquet count pass from the columns’ bytes', () => {
  const dir = useTempDir();

  for (const [name, column] of [
    ['strings', captions],
    ['raw bytes, one value not UTF-8', captionBytes],
  ] as const) {
    for (const textFields of [['caption'], ['caption', 'alt']]) {
      it(`${name}, text fields ${textFields.join(', ')}: the records readParquet reads`, async () => {
        const path = join(dir(), `${name.length}-${textFields.length}.parquet`);
        writeFileSync(path, parquetFile(column));
        const opts: ReadOptions = { textFields, onError: 'skip', withPayload: false };
        const seen: Seen[] = [];
        let fromBytes = 0;
        const visited = await visitParquet(path, opts, {
          record: (r) => {
            fromBytes++;
            seen.push(seenOfBytes(r));
          },
          item: (item) => seen.push(seenOfItem(item)),
          batchDone: async () => undefined,
        });
        assert.equal(visited, true);
        const expected = (await readAll(path, 'parquet', opts)).map(seenOfItem);
        assert.deepEqual(seen, expected);
        // Plain rows went the byte way; the BOM, the bad byte and the nulls the decoded way.
        assert.ok(fromBytes >= 3 && fromBytes < captions.length, `${fromBytes} byte records`);
      });
    }
  }

  it('leaves a --key-field or a non-string text column to readParquet', async () => {
    const path = join(dir(), 'k.parquet');
    writeFileSync(path, parquetFile(captions));
    const never = {
      record: () => assert.fail('visited'),
      item: () => assert.fail('visited'),
      batchDone: async () => undefined,
    };
    const base: ReadOptions = { textFields: ['caption'], onError: 'skip', withPayload: false };
    assert.equal(await visitParquet(path, { ...base, keyField: 'id' }, never), false);
    assert.equal(await visitParquet(path, { ...base, textFields: ['id'] }, never), false);
  });
});

describe('Parquet select pass writes the kept rows column by column', function () {
  this.timeout(60000);
  const dir = useTempDir();
  const many = Array.from({ length: 300 }, (_, i) =>
    i % 17 === 0 ? null : `${i % 2 ? 'a dog' : 'a cat'} number ${i}${i % 5 ? '' : ' rare'}`,
  );

  for (const keyField of [undefined, 'id']) {
    it(`with skipped rows and ${keyField ? '--key-field' : 'default keys'}: the rows the sidecar names`, async () => {
      const pool = join(dir(), `pool-${keyField ?? 'default'}`);
      const out = join(dir(), `out-${keyField ?? 'default'}`);
      mkdirSync(pool, { recursive: true });
      writeFileSync(join(pool, 'meta.json'), JSON.stringify(['dog', 'cat', 'rare']));
      const ids = many.map((_, i) => BigInt(1000 + i));
      writeFileSync(
        join(pool, 'p.parquet'),
        Buffer.from(
          parquetWriteBuffer({
            columnData: [
              { name: 'caption', data: many, type: 'STRING' },
              { name: 'id', data: ids, type: 'INT64' },
              { name: 'score', data: many.map((_, i) => i / 3), type: 'DOUBLE' },
            ],
            rowGroupSize: 64,
          }),
        ),
      );
      await curate({
        metadataPath: join(pool, 'meta.json'),
        inputs: [join(pool, 'p.parquet')],
        textFields: ['caption'],
        keyField,
        t: 20,
        seed: 3,
        outDir: out,
        workers: 1,
        onError: 'skip',
        cache: false,
      });
      const keys = readFileSync(join(out, 'data', 'p.parquet.entries.jsonl'), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).key as string);
      const rowsOfKeys = keys.map((k) => (keyField ? Number(k) - 1000 : Number(k.split(':')[1])));
      assert.ok(rowsOfKeys.length > 10 && rowsOfKeys.length < 250, `${rowsOfKeys.length} kept`);
      const bytes = readFileSync(join(out, 'data', 'p.parquet'));
      const written = await parquetReadObjects({
        file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      });
      assert.deepEqual(
        written,
        rowsOfKeys.map((i) => ({ caption: many[i], id: ids[i], score: i / 3 })),
      );
      assert.ok(written.every((r) => r.caption !== null));
    });
  }
});
