/**
 * ParquetPoolWriter given a UTF8 column's values as their bytes (the select pass) writes the
 * file it writes from the strings hyparquet decodes from them: ASCII columns as they are, with
 * a dictionary or without, and columns with other bytes decoded first.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import {
  hyparquetDecoder,
  ParquetPoolWriter,
  readParquetSchema,
} from '../../../../server/engine/src/pool/parquet';
import { AtomicFileSink } from '../../../../server/engine/src/pool/sink';
import { useTempDir } from './helpers';

const ROWS = 700;
const BOM = [0xef, 0xbb, 0xbf];
/** Columns of bytes: few distinct ASCII values (a dictionary), distinct ASCII, and other bytes. */
const columns: Record<string, (Uint8Array | null)[]> = {
  tag: Array.from({ length: ROWS }, (_, i) => (i % 11 === 0 ? null : Buffer.from(`tag ${i % 5}`))),
  url: Array.from({ length: ROWS }, (_, i) => Buffer.from(`https://img.example/${i * 7919}.jpg`)),
  // Repeated non-ASCII values: a string's UTF-16 length is not its UTF-8 length.
  label: Array.from({ length: ROWS }, (_, i) => Buffer.from(`猫 ${i % 3} 🐕`)),
  caption: Array.from({ length: ROWS }, (_, i) =>
    i === 5
      ? Buffer.from([...BOM, 0x61])
      : i === 9
        ? Buffer.from([0x61, 0x80])
        : Buffer.from(i % 2 ? `a dog ${i}` : `café ${i}`),
  ),
};
const names = Object.keys(columns);

describe('ParquetPoolWriter with UTF8 values as bytes', () => {
  const dir = useTempDir();

  for (const rowGroupRows of [ROWS, 256]) {
    it(`the bytes it writes from hyparquet's strings (row groups of ${rowGroupRows})`, async () => {
      const source = join(dir(), `source-${rowGroupRows}.parquet`);
      writeFileSync(
        source,
        Buffer.from(
          parquetWriteBuffer({
            columnData: names.map((name) => ({ name, data: ['x'], type: 'STRING' as const })),
          }),
        ),
      );
      const info = await readParquetSchema(source);
      const write = async (path: string, fromBytes: boolean): Promise<Buffer> => {
        const writer = new ParquetPoolWriter(await AtomicFileSink.open(path), info, rowGroupRows);
        assert.deepEqual(writer.utf8Columns, [true, true, true, true]);
        const ordered = writer.columns.map((n) => columns[n]);
        for (let i = 0; i < ROWS; i++) {
          if (fromBytes) await writer.writeColumnsRow(ordered, i);
          else {
            const row: Record<string, unknown> = {};
            for (const n of names)
              row[n] = columns[n][i] === null ? null : hyparquetDecoder.decode(columns[n][i]!);
            await writer.write({
              kind: 'record',
              index: i,
              key: `k${i}`,
              texts: [],
              payload: { type: 'row', row },
              location: {},
            });
          }
        }
        assert.equal(await writer.finish(), ROWS);
        return readFileSync(path);
      };
      const fromStrings = await write(join(dir(), `strings-${rowGroupRows}.parquet`), false);
      const fromBytes = await write(join(dir(), `bytes-${rowGroupRows}.parquet`), true);
      assert.ok(fromBytes.equals(fromStrings));
    });
  }
});
