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
import { ByteStaging } from './byteStaging';
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
/** Staged lines go to the sink in pieces of about this size. */
const CHUNK_BYTES = 1 << 20;

/**
 * Line formats. JSONL and plain text: each record's line exactly as read (line end and a first
 * line's byte-order mark included), so the output holds the kept lines byte for byte. CSV/TSV:
 * each row and a '\n', after the header line. Lines are staged (addLine, synchronous, for a
 * reader's visit) and go to the sink in large pieces (flush).
 */
export class LinePoolWriter implements PoolWriter {
  private count = 0;
  /** The last line written has no line end (it was the last line of its file). */
  private unterminated = false;
  private readonly staged = new ByteStaging(CHUNK_BYTES);
  /** Added lines not yet staged: runBuf[runStart, runEnd), one run of consecutive lines. */
  private runBuf: Uint8Array | undefined;
  private runStart = 0;
  private runEnd = 0;

  constructor(
    private readonly sink: AtomicFileSink,
    private readonly format: PoolFormat,
    private readonly copiesLineEnds: boolean,
  ) {}

  async write(record: PoolRecord): Promise<void> {
    if (record.payload.type !== 'line') {
      throw new Error(`${this.format} writer got a '${record.payload.type}' payload`);
    }
    const bytes = record.payload.bytes;
    this.addLine(bytes, 0, bytes.length, false);
    if (this.staged.length >= CHUNK_BYTES) await this.flush();
  }

  /**
   * Stages one record's line: buf[start, end), after a byte-order mark when `bom` (the payload
   * of a file's first line). What write() of that payload does, without the payload's copy.
   * Lines that follow each other in `buf` are copied as one run, so buf[start, end) must stay
   * as it is until the next flush() (a reader's batchDone).
   */
  addLine(buf: Uint8Array, start: number, end: number, bom: boolean): void {
    const staged = this.staged;
    if (!this.copiesLineEnds) {
      if (bom) staged.appendBytes(UTF8_BOM);
      staged.appendBytes(buf, start, end);
      staged.appendByte(LF);
      this.count++;
      return;
    }
    // Records of several files in one output: a line must not run into the next one, and a
    // byte-order mark belongs only at the start of a file.
    if (this.unterminated) {
      this.stageRun();
      staged.appendByte(LF);
    }
    if (this.count > 0) {
      if (bom) bom = false;
      else if (startsWithBom(buf, start, end)) start += UTF8_BOM.length;
    }
    if (bom) {
      this.stageRun();
      staged.appendBytes(UTF8_BOM);
    }
    if (buf === this.runBuf && start === this.runEnd) this.runEnd = end;
    else {
      this.stageRun();
      this.runBuf = buf;
      this.runStart = start;
      this.runEnd = end;
    }
    this.unterminated = end <= start || buf[end - 1] !== LF;
    this.count++;
  }

  /** Copies the run of lines not yet staged into the staging buffer. */
  private stageRun(): void {
    if (this.runBuf === undefined) return;
    this.staged.appendBytes(this.runBuf, this.runStart, this.runEnd);
    this.runBuf = undefined;
  }

  /** Writes the staged lines to the sink. */
  async flush(): Promise<void> {
    this.stageRun();
    if (this.staged.length === 0) return;
    await this.sink.write(this.staged.view());
    this.staged.clear();
  }

  async finish(): Promise<number> {
    await this.flush();
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

function startsWithBom(bytes: Uint8Array, start: number, end: number): boolean {
  return (
    end - start >= 3 &&
    bytes[start] === UTF8_BOM[0] &&
    bytes[start + 1] === UTF8_BOM[1] &&
    bytes[start + 2] === UTF8_BOM[2]
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
