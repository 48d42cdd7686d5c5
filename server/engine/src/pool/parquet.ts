/**
 * Parquet pools through hyparquet: rows are read one row group at a time through positioned
 * reads of the file (never the whole file in memory), and kept rows are written back with the
 * input's schema by hyparquet-writer, one bounded row group at a time.
 */
import { isAscii } from 'node:buffer';
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import {
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
  type FileMetaData,
  type KeyValue,
  type SchemaElement,
} from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { InputError, type InputLocation } from '../errors';
import {
  badRecord,
  keyFromValue,
  languageFromValue,
  listFields,
  openOrReport,
  textsFromFields,
  type RecordContext,
} from './common';
import { snappyCompressPage } from './parquetSnappy';
import type { AtomicFileSink } from './sink';
import type { PoolItem, PoolRecord, PoolWriter, ReadOptions, SkippedRecord } from './types';

/** An AsyncBuffer over an open file: hyparquet asks for the footer, then for column chunks. */
class FileAsyncBuffer implements AsyncBuffer {
  constructor(
    private readonly handle: fsp.FileHandle,
    readonly byteLength: number,
  ) {}

  async slice(start: number, end = this.byteLength): Promise<ArrayBuffer> {
    const length = Math.max(0, Math.min(end, this.byteLength) - start);
    const bytes = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(bytes, done, length - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return bytes.buffer;
  }
}

export interface OpenParquet {
  buffer: FileAsyncBuffer;
  metadata: FileMetaData;
  handle: fsp.FileHandle;
}

export async function openParquet(file: string): Promise<OpenParquet> {
  const handle = await openOrReport(file, () => fsp.open(file, 'r'));
  try {
    const size = (await handle.stat()).size;
    const buffer = new FileAsyncBuffer(handle, size);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (err) {
      throw new InputError(file, {}, 'bad-parquet', `not a readable Parquet file: ${(err as Error).message}`);
    }
    return { buffer, metadata, handle };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Number of row groups: the unit in which a Parquet pool is split between workers. */
export async function parquetRowGroupCount(file: string): Promise<number> {
  const { metadata, handle } = await openParquet(file);
  await handle.close();
  return metadata.row_groups.length;
}

/** What the writer needs to give its output the input's columns and types. */
export interface ParquetSchemaInfo {
  /** The flattened Parquet schema, root element first. */
  schema: SchemaElement[];
  /** Key-value metadata of the input (e.g. pandas' column description), copied to the output. */
  kvMetadata?: KeyValue[];
}

export async function readParquetSchema(file: string): Promise<ParquetSchemaInfo> {
  const { metadata, handle } = await openParquet(file);
  await handle.close();
  return { schema: metadata.schema, kvMetadata: metadata.key_value_metadata };
}

/** Top-level column names, in schema order. */
export function columnNames(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

export function requireColumn(
  file: string,
  columns: string[],
  field: string,
  reason: 'missing-text-field' | 'missing-key-field',
): void {
  if (!columns.includes(field)) {
    const what = reason === 'missing-text-field' ? 'text' : 'key';
    throw new InputError(
      file,
      {},
      reason,
      `no ${what} column '${field}' (columns: ${listFields(columns, 50)})`,
    );
  }
}

/** The PoolItem of the row at `index` (its column values as hyparquet decodes them). */
export function parquetRowItem(
  ctx: RecordContext,
  opts: ReadOptions,
  columns: string[],
  defaultKeyPrefix: string,
  index: number,
  row: Record<string, unknown>,
): PoolItem {
  const location: InputLocation = { record: index };
  const texts = textsFromFields(
    opts.textFields,
    (f) => row[f],
    () => columns,
  );
  if (!texts.ok) return badRecord(ctx, texts.reason, texts.detail, location);
  let key = defaultKeyPrefix + index;
  if (opts.keyField !== undefined) {
    const k = keyFromValue(opts.keyField, row[opts.keyField]);
    if (!k.ok) return badRecord(ctx, 'missing-key-field', k.detail, location);
    key = k.key;
  }
  const language =
    opts.languageField !== undefined ? { language: languageFromValue(row[opts.languageField]) } : {};
  return {
    kind: 'record',
    index,
    key,
    texts: texts.texts,
    ...language,
    payload: { type: 'row', row },
    location,
  };
}

/** One row group of a slice, decoded by the reader's `decode`. */
export interface ParquetRowGroup<T> {
  kind: 'group';
  /** Absolute index of the group's first row. */
  start: number;
  data: T;
  /** The file's top-level column names. */
  columns: string[];
  /** Default keys are this prefix and the row index. */
  defaultKeyPrefix: string;
}

/** Reads the row range [rowStart, rowEnd) of an open file: its rows, or its columns. */
export type RowGroupDecoder<T> = (opened: OpenParquet, rowStart: number, rowEnd: number) => Promise<T>;

/**
 * The row groups of a slice, each decoded by `decode`. With `onError: 'skip'`, a file that is not
 * readable Parquet yields one SkippedRecord ('bad-parquet') and ends, and a row group that cannot
 * be decoded yields one and is passed over.
 */
export async function* parquetRowGroups<T>(
  file: string,
  opts: ReadOptions,
  decode: RowGroupDecoder<T>,
): AsyncGenerator<ParquetRowGroup<T> | SkippedRecord> {
  let opened: OpenParquet;
  try {
    opened = await openParquet(file);
  } catch (err) {
    if (!(err instanceof InputError) || err.reason !== 'bad-parquet' || opts.onError === 'fail') throw err;
    yield { kind: 'skipped', reason: err.reason, detail: `${err.detail}; the file is skipped`, location: {} };
    return;
  }
  const { metadata, handle } = opened;
  try {
    const columns = columnNames(metadata);
    for (const field of opts.textFields) requireColumn(file, columns, field, 'missing-text-field');
    if (opts.keyField !== undefined) requireColumn(file, columns, opts.keyField, 'missing-key-field');
    const groups = metadata.row_groups;
    const first = Math.max(0, opts.rowGroups?.first ?? 0);
    const last = Math.min(groups.length, opts.rowGroups?.last ?? groups.length);
    // Absolute index of the first row of each group, so indexes do not depend on the split.
    let groupStart = 0;
    for (let g = 0; g < first; g++) groupStart += Number(groups[g].num_rows);
    const defaultKeyPrefix = `${opts.keyPrefix ?? basename(file)}:`;
    for (let g = first; g < last; g++) {
      const groupRows = Number(groups[g].num_rows);
      let data: T;
      try {
        data = await decode(opened, groupStart, groupStart + groupRows);
      } catch (err) {
        const detail = `cannot decode row group ${g} (rows ${groupStart}-${groupStart + groupRows - 1}): ${(err as Error).message}`;
        const location = { record: groupStart };
        if (opts.onError === 'fail') throw new InputError(file, location, 'bad-parquet', detail);
        yield { kind: 'skipped', reason: 'bad-parquet', detail: `${detail}; its rows are skipped`, location };
        groupStart += groupRows;
        continue;
      }
      yield { kind: 'group', start: groupStart, data, columns, defaultKeyPrefix };
      groupStart += groupRows;
    }
  } finally {
    await handle.close();
  }
}

const readRowObjects: RowGroupDecoder<Record<string, unknown>[]> = ({ buffer, metadata }, rowStart, rowEnd) =>
  parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd });

export async function* readParquet(file: string, opts: ReadOptions): AsyncGenerator<PoolItem> {
  const ctx: RecordContext = { file, onError: opts.onError };
  for await (const group of parquetRowGroups(file, opts, readRowObjects)) {
    if (group.kind === 'skipped') {
      yield group;
      continue;
    }
    const { start, data: rows, columns, defaultKeyPrefix } = group;
    for (let i = 0; i < rows.length; i++)
      yield parquetRowItem(ctx, opts, columns, defaultKeyPrefix, start + i, rows[i]);
  }
}

/** hyparquet-writer's byte writer, emptied into our atomic sink after every row group. */
class SinkByteWriter extends ByteWriter {
  constructor(private readonly sink: AtomicFileSink) {
    super(1024 * 1024);
  }

  async flush(): Promise<void> {
    if (this.index === 0) return;
    await this.sink.write(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

export const DEFAULT_PARQUET_ROW_GROUP_ROWS = 50_000;

/**
 * A UTF8 column's values, some given as bytes, as the writer gets the same output from them:
 * all-ASCII bytes as they are (the writer's UTF-8 of the strings, its statistics order and its
 * dictionary size estimate, which counts a string's UTF-16 units, are the same); otherwise every
 * byte value decoded as hyparquet decodes strings (a bad byte U+FFFD, a leading BOM dropped).
 */
function asWritableStrings(values: unknown[]): unknown[] {
  let ascii = true;
  for (let i = 0; i < values.length && ascii; i++) {
    const v = values[i];
    ascii = v === null || (v instanceof Uint8Array && isAscii(v));
  }
  if (ascii) return values;
  return values.map((v) => (v instanceof Uint8Array ? hyparquetDecoder.decode(v) : v));
}

/** What hyparquet decodes strings with (its convert.js): a bad byte is U+FFFD, a BOM is dropped. */
export const hyparquetDecoder = new TextDecoder();

/**
 * Writes rows with the input's schema. Rows are buffered up to one row group; the output is a
 * pure function of the rows, schema and row-group size (no timestamps), so it is reproducible.
 */
export class ParquetPoolWriter implements PoolWriter {
  private readonly writer: ParquetWriter;
  /** Top-level column names of the output, in schema order. */
  readonly columns: string[];
  /**
   * The UTF8 columns, whose values may be given as their UTF-8 bytes (as hyparquet reads them
   * with stringFromBytes kept raw): written as they are where that gives the bytes strings give.
   */
  readonly utf8Columns: boolean[];
  /** The buffered row group, column by column (what the writer takes): no object per row. */
  private pending: unknown[][];
  private pendingRows = 0;
  private count = 0;

  constructor(
    private readonly sink: AtomicFileSink,
    info: ParquetSchemaInfo,
    private readonly rowGroupRows = DEFAULT_PARQUET_ROW_GROUP_ROWS,
  ) {
    this.writer = new ParquetWriter({
      writer: new SinkByteWriter(sink),
      schema: info.schema,
      kvMetadata: info.kvMetadata,
      compressors: { SNAPPY: snappyCompressPage },
    });
    const children = parquetSchema({ schema: info.schema } as FileMetaData).children;
    this.columns = children.map((c) => c.element.name);
    this.utf8Columns = children.map(
      (c) =>
        c.children.length === 0 && c.element.type === 'BYTE_ARRAY' && c.element.converted_type === 'UTF8',
    );
    this.pending = this.columns.map(() => []);
  }

  async write(record: PoolRecord): Promise<void> {
    if (record.payload.type !== 'row')
      throw new Error(`parquet writer got a '${record.payload.type}' payload`);
    const row = record.payload.row;
    for (let c = 0; c < this.columns.length; c++) this.pending[c].push(row[this.columns[c]] ?? null);
    await this.rowAdded();
  }

  /**
   * Writes row `row` of `columns`, given in the order of `this.columns` (as hyparquet decodes
   * them). A promise only when it wrote a full row group: no promise per row.
   */
  writeColumnsRow(columns: readonly (readonly unknown[])[], row: number): Promise<void> | undefined {
    for (let c = 0; c < this.columns.length; c++) this.pending[c].push(columns[c][row] ?? null);
    return this.rowAdded();
  }

  private rowAdded(): Promise<void> | undefined {
    this.count++;
    this.pendingRows++;
    return this.pendingRows >= this.rowGroupRows ? this.writeRowGroup() : undefined;
  }

  private async writeRowGroup(): Promise<void> {
    const pending = this.pending;
    const rows = this.pendingRows;
    if (rows === 0) return;
    this.pending = this.columns.map(() => []);
    this.pendingRows = 0;
    for (let c = 0; c < pending.length; c++)
      if (this.utf8Columns[c]) pending[c] = asWritableStrings(pending[c]);
    const columnData = this.columns.map((name, c) => ({ name, data: pending[c] }));
    await this.writer.write({ columnData, rowGroupSize: rows });
  }

  async finish(): Promise<number> {
    await this.writeRowGroup();
    await this.writer.finish();
    await this.sink.commit();
    return this.count;
  }

  async abort(): Promise<void> {
    this.pending = this.columns.map(() => []);
    this.pendingRows = 0;
    await this.sink.abort();
  }
}
