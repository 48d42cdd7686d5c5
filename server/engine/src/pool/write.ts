/**
 * Writing kept records in the input's own format. Every writer writes to `<out>.tmp-<pid>` and
 * renames on finish(), so an output file is either complete or absent.
 */
import { UsageError } from '../errors';
import { UTF8_BOM } from './bytes';
import { readCsvHeader } from './csv';
import {
  DEFAULT_PARQUET_ROW_GROUP_ROWS,
  ParquetPoolWriter,
  readParquetSchema,
  type ParquetSchemaInfo,
} from './parquet';
import { AtomicFileSink } from './sink';
import type { PoolFormat, PoolRecord, PoolWriter, ReadOptions } from './types';
import { WebDatasetPoolWriter } from './webdataset';

export { writeSizesJson, readSizesJson } from './webdataset';

export interface PoolWriterOptions {
  /**
   * The input file the records come from: a CSV/TSV header or a Parquet schema not given
   * below is read from it.
   */
  sourceFile?: string;
  /** CSV/TSV: the column names given for a header-less input (ReadOptions.columns): no header. */
  columns?: string[];
  /**
   * CSV/TSV: the input's header row (`readCsvHeader(...).line`), written first; `null` for an
   * input without a header row. Required for csv and tsv so a header is never dropped by mistake.
   */
  csvHeader?: Buffer | null;
  /** Parquet: the input's schema (`readParquetSchema`). Required for parquet. */
  parquetSchema?: ParquetSchemaInfo;
  /** Parquet: rows per row group; default 50,000. */
  parquetRowGroupRows?: number;
}

const NEWLINE = Buffer.from('\n');
const LF = 10;

/**
 * Line formats. JSONL and plain text: each record's line exactly as read (line end and a first
 * line's byte-order mark included), so the output holds the kept lines byte for byte. CSV/TSV:
 * each row and a '\n', after the header line.
 */
class LinePoolWriter implements PoolWriter {
  private count = 0;
  /** The last line written has no line end (it was the last line of its file). */
  private unterminated = false;

  constructor(
    private readonly sink: AtomicFileSink,
    private readonly format: PoolFormat,
    private readonly copiesLineEnds: boolean,
  ) {}

  async write(record: PoolRecord): Promise<void> {
    if (record.payload.type !== 'line') {
      throw new Error(`${this.format} writer got a '${record.payload.type}' payload`);
    }
    let bytes = record.payload.bytes;
    if (!this.copiesLineEnds) {
      await this.sink.write(bytes);
      await this.sink.write(NEWLINE);
      this.count++;
      return;
    }
    // Records of several files in one output: a line must not run into the next one, and a
    // byte-order mark belongs only at the start of a file.
    if (this.unterminated) await this.sink.write(NEWLINE);
    if (this.count > 0 && startsWithBom(bytes)) bytes = bytes.subarray(UTF8_BOM.length);
    await this.sink.write(bytes);
    this.unterminated = bytes.length === 0 || bytes[bytes.length - 1] !== LF;
    this.count++;
  }

  async finish(): Promise<number> {
    await this.sink.commit();
    return this.count;
  }

  async abort(): Promise<void> {
    await this.sink.abort();
  }
}

/**
 * Opens a writer for `outPath` (its folder is created). Nothing appears at `outPath` until
 * finish(); abort() removes the temp file.
 */
export async function createPoolWriter(
  format: PoolFormat,
  outPath: string,
  options: PoolWriterOptions = {},
): Promise<PoolWriter> {
  if (options.sourceFile !== undefined) {
    options = { ...(await writerOptionsFor(options.sourceFile, format, options)), ...definedOnly(options) };
  }
  if ((format === 'csv' || format === 'tsv') && options.csvHeader === undefined) {
    throw new UsageError(
      `a ${format} writer needs the input's header row (csvHeader, null for none, or sourceFile)`,
    );
  }
  if (format === 'parquet' && options.parquetSchema === undefined) {
    throw new UsageError('a parquet writer needs the input schema (parquetSchema or sourceFile)');
  }
  const sink = await AtomicFileSink.open(outPath, { gzip: format === 'jsonl.gz' });
  try {
    switch (format) {
      case 'jsonl':
      case 'jsonl.gz':
      case 'text':
        return new LinePoolWriter(sink, format, true);
      case 'csv':
      case 'tsv':
        if (options.csvHeader) {
          await sink.write(options.csvHeader);
          await sink.write(NEWLINE);
        }
        return new LinePoolWriter(sink, format, false);
      case 'parquet':
        return new ParquetPoolWriter(
          sink,
          options.parquetSchema as ParquetSchemaInfo,
          options.parquetRowGroupRows ?? DEFAULT_PARQUET_ROW_GROUP_ROWS,
        );
      case 'webdataset':
        return new WebDatasetPoolWriter(sink);
    }
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

function startsWithBom(bytes: Buffer): boolean {
  return (
    bytes.length >= 3 && bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2]
  );
}

function definedOnly(options: PoolWriterOptions): PoolWriterOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as PoolWriterOptions;
}

/**
 * The writer options for copying records out of `inputFile`: its CSV/TSV header (none when the
 * read options name the columns of a header-less file) or its Parquet schema.
 */
export async function writerOptionsFor(
  inputFile: string,
  format: PoolFormat,
  readOptions: Pick<ReadOptions, 'columns'> = {},
): Promise<PoolWriterOptions> {
  if (format === 'csv' || format === 'tsv') {
    return { csvHeader: readOptions.columns ? null : (await readCsvHeader(inputFile, format)).line };
  }
  if (format === 'parquet') return { parquetSchema: await readParquetSchema(inputFile) };
  return {};
}
