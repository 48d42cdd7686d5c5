/**
 * The count pass over a Parquet slice without a record object per row: only the text columns are
 * read, as the raw UTF-8 bytes of their values (no string decoded and encoded again for the byte
 * matcher), and each row is visited as a ByteRecord. A row whose texts are not all valid UTF-8
 * strings goes through the decoded path (parquetRowItem), as readParquet would yield it.
 */
import { isUtf8 } from 'node:buffer';
import { parquetRead, type ParquetParsers, type SchemaElement } from 'hyparquet';
import { ByteRecord, type RecordVisitor } from './byteRecord';
import {
  hyparquetDecoder,
  parquetRowGroups,
  parquetRowItem,
  readParquetSchema,
  type RowGroupDecoder,
} from './parquet';
import type { ReadOptions } from './types';

/** Keeps a string column's values as the bytes in the file (a view of the decoded page). */
export const rawStrings = { stringFromBytes: (bytes: Uint8Array): Uint8Array => bytes };

/**
 * True when the column's values are strings hyparquet decodes with stringFromBytes: a top-level
 * BYTE_ARRAY column, UTF8/STRING or without a type (read as UTF-8 by default).
 */
function isPlainStringColumn(schema: SchemaElement[], name: string): boolean {
  const element = schema.find((e, i) => i > 0 && e.name === name);
  if (element === undefined || element.type !== 'BYTE_ARRAY' || element.num_children) return false;
  const converted = element.converted_type;
  const logical = element.logical_type?.type;
  return (converted === undefined || converted === 'UTF8') && (logical === undefined || logical === 'STRING');
}

/**
 * Columns of a row group, each as one array of its rows' values (`parsers` as hyparquet takes
 * them: raw strings for the count pass). A name may be asked for twice.
 */
export function readColumns(
  names: readonly string[],
  parsers?: Partial<ParquetParsers>,
): RowGroupDecoder<unknown[][]> {
  return async ({ buffer, metadata }, rowStart, rowEnd) => {
    const columns = names.map(() => new Array<unknown>(rowEnd - rowStart));
    await parquetRead({
      file: buffer,
      metadata,
      rowStart,
      rowEnd,
      columns: [...new Set(names)],
      parsers,
      onChunk: ({ columnName, columnData, rowStart: chunkStart }) => {
        for (let k = 0; k < names.length; k++) {
          if (names[k] !== columnName) continue;
          const into = columns[k];
          const at = chunkStart - rowStart;
          for (let i = 0; i < columnData.length; i++) into[at + i] = columnData[i];
        }
      },
    });
    return columns;
  };
}

/** A text value the byte matcher can take as it is: bytes that decode to the same string. */
function isPlainUtf8(value: unknown): value is Uint8Array {
  if (!(value instanceof Uint8Array)) return false;
  // TextDecoder drops a leading BOM that Buffer#toString (the byte matcher's decoding) keeps.
  if (value.length >= 3 && value[0] === 0xef && value[1] === 0xbb && value[2] === 0xbf) return false;
  return isUtf8(value);
}

/**
 * Visits the rows of a Parquet slice for the count pass (records without payloads). False, with
 * nothing visited, where the text columns are not plain strings or a --key-field is given:
 * readParquet reads the slice then.
 */
export async function visitParquet(
  file: string,
  opts: ReadOptions,
  visitor: RecordVisitor,
): Promise<boolean> {
  if (opts.keyField !== undefined || opts.languageField !== undefined || opts.withPayload !== false)
    return false;
  const fields = opts.textFields;
  let schema: SchemaElement[];
  try {
    schema = (await readParquetSchema(file)).schema;
  } catch {
    return false; // readParquet reports (or skips) the unreadable file
  }
  if (!fields.every((f) => isPlainStringColumn(schema, f))) return false;
  const ctx = { file, onError: opts.onError };
  let record: ByteRecord | undefined;
  /** A Buffer over the ArrayBuffer the last value was a view of: one per page, not per value. */
  let pageBytes: ArrayBufferLike | undefined;
  let pageBuffer: Buffer = Buffer.alloc(0);
  /** Several texts of a row are copied here, one after the other. */
  let joined: Buffer = Buffer.alloc(1 << 16);
  for await (const group of parquetRowGroups(file, opts, readColumns(fields, rawStrings))) {
    if (group.kind === 'skipped') {
      visitor.item(group);
      continue;
    }
    record ??= new ByteRecord(fields.length, group.defaultKeyPrefix);
    const { start, data: columns } = group;
    const rows = columns[0].length;
    for (let i = 0; i < rows; i++) {
      const index = start + i;
      let plain = true;
      for (let k = 0; k < columns.length && plain; k++) plain = isPlainUtf8(columns[k][i]);
      if (!plain) {
        const row: Record<string, unknown> = {};
        for (let k = 0; k < fields.length; k++) {
          const value: unknown = columns[k][i];
          row[fields[k]] = value instanceof Uint8Array ? hyparquetDecoder.decode(value) : value;
        }
        visitor.item(parquetRowItem(ctx, opts, group.columns, group.defaultKeyPrefix, index, row));
        continue;
      }
      if (columns.length === 1) {
        const text = columns[0][i] as Uint8Array;
        if (text.buffer !== pageBytes) {
          pageBytes = text.buffer;
          pageBuffer = Buffer.from(pageBytes);
        }
        record.at(pageBuffer, 0, 0, index, 0, undefined, 0);
        record.textStarts[0] = text.byteOffset;
        record.textEnds[0] = text.byteOffset + text.length;
      } else {
        let length = 0;
        for (let k = 0; k < columns.length; k++) length += (columns[k][i] as Uint8Array).length;
        if (length > joined.length) joined = Buffer.alloc(Math.max(length, joined.length * 2));
        let at = 0;
        for (let k = 0; k < columns.length; k++) {
          const text = columns[k][i] as Uint8Array;
          joined.set(text, at);
          record.textStarts[k] = at;
          at += text.length;
          record.textEnds[k] = at;
        }
        record.at(joined, 0, 0, index, 0, undefined, 0);
      }
      record.textCount = columns.length;
      visitor.record(record);
    }
    await visitor.batchDone();
  }
  return true;
}
