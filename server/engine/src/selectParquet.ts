/**
 * The select pass over a Parquet slice (curateTasks.ts runSelectTask) without a record object
 * per row: each row group is read as columns, a row is decided from its index and default key
 * (RecordSelector.keyedRecord, no key string) and a kept row is written column by column.
 * Where the count pass skipped rows or keys come from --key-field, each row is made a PoolItem
 * as readParquet makes it, so exactly the counted records are decided.
 */
import {
  hyparquetDecoder,
  parquetRowGroups,
  parquetRowItem,
  type ParquetPoolWriter,
  type RowGroupDecoder,
} from './pool/parquet';
import { rawStrings, readColumns } from './pool/parquetVisit';
import type { ReadOptions } from './pool/types';
import type { RecordSelector } from './selectRecords';

/**
 * The columns of a row group in the writer's order: its UTF8 columns as their values' bytes (no
 * string decoded to be encoded again, see ParquetPoolWriter.utf8Columns), the others decoded.
 */
function readForWriter(names: string[], utf8: boolean[]): RowGroupDecoder<unknown[][]> {
  const rawNames = names.filter((_, c) => utf8[c]);
  const decodedNames = names.filter((_, c) => !utf8[c]);
  const readRaw = readColumns(rawNames, rawStrings);
  const readDecoded = readColumns(decodedNames);
  return async (opened, rowStart, rowEnd) => {
    const [raw, decoded] = await Promise.all([
      rawNames.length > 0 ? readRaw(opened, rowStart, rowEnd) : [],
      decodedNames.length > 0 ? readDecoded(opened, rowStart, rowEnd) : [],
    ]);
    let r = 0;
    let d = 0;
    return names.map((_, c) => (utf8[c] ? raw[r++] : decoded[d++]));
  };
}

/**
 * `everyRowIsRecord`: the count pass skipped no row and keys are default keys. `recordDone` is
 * called after each record (progress, sidecar flushes); a promise it returns is awaited.
 */
export async function selectParquetRows(
  file: string,
  opts: ReadOptions,
  selector: RecordSelector,
  writer: ParquetPoolWriter,
  everyRowIsRecord: boolean,
  recordDone: () => Promise<void> | undefined,
): Promise<void> {
  const names = writer.columns;
  const utf8 = writer.utf8Columns;
  const ctx = { file, onError: opts.onError };
  for await (const group of parquetRowGroups(file, opts, readForWriter(names, utf8))) {
    if (group.kind === 'skipped') continue; // the count pass skipped it too
    const { start, data: columns, defaultKeyPrefix } = group;
    const rows = names.length === 0 ? 0 : columns[0].length;
    for (let i = 0; i < rows; i++) {
      let kept: boolean;
      if (everyRowIsRecord) kept = selector.keyedRecord(undefined, defaultKeyPrefix, start + i);
      else {
        const row: Record<string, unknown> = {};
        for (let c = 0; c < names.length; c++) {
          const value = columns[c][i];
          row[names[c]] = utf8[c] && value instanceof Uint8Array ? hyparquetDecoder.decode(value) : value;
        }
        const item = parquetRowItem(ctx, opts, group.columns, defaultKeyPrefix, start + i, row);
        if (item.kind !== 'record') continue;
        kept = selector.poolRecord(item);
      }
      if (kept) {
        const written = writer.writeColumnsRow(columns, i);
        if (written !== undefined) await written;
      }
      const done = recordDone();
      if (done !== undefined) await done;
    }
  }
}
