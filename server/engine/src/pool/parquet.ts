/**
 * Parquet pools through hyparquet: rows are read one row group at a time through positioned
 * reads of the file (never the whole file in memory), and kept rows are written back with the
 * input's schema by hyparquet-writer, one bounded row group at a time.
 */
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
import type { AtomicFileSink } from './sink';
import type { PoolItem, PoolRecord, PoolWriter, ReadOptions } from './types';

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

interface OpenParquet {
  buffer: FileAsyncBuffer;
  metadata: FileMetaData;
  handle: fsp.FileHandle;
}

async function openParquet(file: string): Promise<OpenParquet> {
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
function columnNames(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

function requireColumn(
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

/**
 * With `onError: 'skip'`, a file that is not readable Parquet yields one SkippedRecord
 * ('bad-parquet') and ends, and a row group that cannot be decoded yields one and is passed over.
 */
export async function* readParquet(file: string, opts: ReadOptions): AsyncGenerator<PoolItem> {
  const ctx: RecordContext = { file, onError: opts.onError };
  let opened: OpenParquet;
  try {
    opened = await openParquet(file);
  } catch (err) {
    if (!(err instanceof InputError) || err.reason !== 'bad-parquet' || opts.onError === 'fail') throw err;
    yield { kind: 'skipped', reason: err.reason, detail: `${err.detail}; the file is skipped`, location: {} };
    return;
  }
  const { buffer, metadata, handle } = opened;
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
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({
          file: buffer,
          metadata,
          rowStart: groupStart,
          rowEnd: groupStart + groupRows,
        });
      } catch (err) {
        const detail = `cannot decode row group ${g} (rows ${groupStart}-${groupStart + groupRows - 1}): ${(err as Error).message}`;
        const location = { record: groupStart };
        if (opts.onError === 'fail') throw new InputError(file, location, 'bad-parquet', detail);
        yield { kind: 'skipped', reason: 'bad-parquet', detail: `${detail}; its rows are skipped`, location };
        groupStart += groupRows;
        continue;
      }
      for (let i = 0; i < rows.length; i++) {
        const index = groupStart + i;
        const row = rows[i];
        const location: InputLocation = { record: index };
        const texts = textsFromFields(
          opts.textFields,
          (f) => row[f],
          () => columns,
        );
        if (!texts.ok) {
          yield badRecord(ctx, texts.reason, texts.detail, location);
          continue;
        }
        let key = defaultKeyPrefix + index;
        if (opts.keyField !== undefined) {
          const k = keyFromValue(opts.keyField, row[opts.keyField]);
          if (!k.ok) {
            yield badRecord(ctx, 'missing-key-field', k.detail, location);
            continue;
          }
          key = k.key;
        }
        const language =
          opts.languageField !== undefined ? { language: languageFromValue(row[opts.languageField]) } : {};
        yield {
          kind: 'record',
          index,
          key,
          texts: texts.texts,
          ...language,
          payload: { type: 'row', row },
          location,
        };
      }
      groupStart += groupRows;
    }
  } finally {
    await handle.close();
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
 * Writes rows with the input's schema. Rows are buffered up to one row group; the output is a
 * pure function of the rows, schema and row-group size (no timestamps), so it is reproducible.
 */
export class ParquetPoolWriter implements PoolWriter {
  private readonly writer: ParquetWriter;
  private readonly columns: string[];
  private rows: Record<string, unknown>[] = [];
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
    });
    this.columns = parquetSchema({ schema: info.schema } as FileMetaData).children.map((c) => c.element.name);
  }

  async write(record: PoolRecord): Promise<void> {
    if (record.payload.type !== 'row')
      throw new Error(`parquet writer got a '${record.payload.type}' payload`);
    this.rows.push(record.payload.row);
    this.count++;
    if (this.rows.length >= this.rowGroupRows) await this.writeRowGroup();
  }

  private async writeRowGroup(): Promise<void> {
    const rows = this.rows;
    this.rows = [];
    if (rows.length === 0) return;
    const columnData = this.columns.map((name) => ({ name, data: rows.map((r) => r[name] ?? null) }));
    await this.writer.write({ columnData, rowGroupSize: rows.length });
  }

  async finish(): Promise<number> {
    await this.writeRowGroup();
    await this.writer.finish();
    await this.sink.commit();
    return this.count;
  }

  async abort(): Promise<void> {
    this.rows = [];
    await this.sink.abort();
  }
}
