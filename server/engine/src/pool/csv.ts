/**
 * CSV (RFC 4180 quoting: quoted fields may hold commas, newlines and "" for a quote) and TSV
 * (split on tabs, no quoting), in UTF-8: a row that is not valid UTF-8 is bad ('invalid-utf8').
 * Fields are found by header name; the header row is kept so the writer can put the same one on
 * the output. Not splittable: a newline may sit inside a quote.
 */
import { basename } from 'node:path';
import { InputError, type InputLocation } from '../errors';
import { ByteRecord, type RecordVisitor } from './byteRecord';
import { ChunkReader } from './bytes';
import {
  NO_BYTES,
  badRecord,
  keyFromValue,
  languageFromValue,
  listFields,
  quoteList,
  textsFromFields,
  type RecordContext,
} from './common';
import { openLineReader, sourceFailure } from './lines';
import type { PoolItem, ReadOptions } from './types';
import { LF, QUOTE, rawEndOf, RowReader, separatorOf } from './csvRows';
import { isValidUtf8 } from './utf8';

export type DelimitedFormat = 'csv' | 'tsv';

/** The header of a CSV/TSV file: its column names and its raw line, for the writer. */
export interface CsvHeader {
  columns: string[];
  /** The header row's bytes without its line break. */
  line: Buffer;
}

/** Reads the header row of a CSV/TSV file (the first non-empty row). */
export async function readCsvHeader(file: string, format: DelimitedFormat): Promise<CsvHeader> {
  const reader = await openLineReader(file, false);
  try {
    return await headerOf(file, new RowReader(reader, separatorOf(format), format === 'csv'));
  } finally {
    await reader.close();
  }
}

async function headerOf(file: string, rows: RowReader): Promise<CsvHeader> {
  let first;
  try {
    first = await rows.next();
  } catch (err) {
    throw sourceFailure(file, err, { line: rows.line });
  }
  if (first === undefined) throw new InputError(file, { line: 1 }, 'bad-csv', 'empty file: no header row');
  if (first.row.kind === 'bad') throw new InputError(file, { line: first.line }, 'bad-csv', first.row.detail);
  const invalid = rows.invalidUtf8(first.row, first.byteOffset);
  if (invalid !== undefined) {
    throw new InputError(file, { line: first.line }, 'invalid-utf8', `header row: ${invalid}`);
  }
  return { columns: first.row.fields, line: rows.rawBytes(first.row) };
}

/** Column index of each needed field; a missing column is a file-level error naming the others. */
function columnIndex(
  file: string,
  columns: string[],
  field: string,
  reason: 'missing-text-field' | 'missing-key-field',
  fromHeader: boolean,
): number {
  const at = columns.indexOf(field);
  if (at === -1) {
    const where = fromHeader ? 'in the header' : 'among the given column names';
    const what = reason === 'missing-text-field' ? 'text' : 'key';
    throw new InputError(
      file,
      { line: 1 },
      reason,
      `no ${what} column '${field}' ${where} (columns: ${listFields(columns, 50)})`,
    );
  }
  return at;
}

export async function* readDelimited(
  file: string,
  format: DelimitedFormat,
  opts: ReadOptions,
): AsyncGenerator<PoolItem> {
  const rows = await DelimitedRows.open(file, format, opts);
  try {
    for (;;) {
      const item = await rows.nextItem();
      if (item === undefined) return;
      yield item;
    }
  } finally {
    await rows.close();
  }
}

/**
 * Visits a CSV/TSV file's records as readDelimited yields them (the same records, keys, errors
 * and skips, in order), for the curation passes: a row without a quote, whose fields are all
 * there and whose captions are not all empty, is a ByteRecord read from the buffer (its fields
 * found by their separators, nothing decoded but a --key-field); any other row goes through
 * the row parser and comes as a PoolItem.
 *
 * `linesOnly` (TSV only, where a row is a line): the caller knows every non-empty row is a good
 * record (the count pass read these very bytes and skipped none) and needs no texts or
 * --key-field value: each row is a ByteRecord with its place, index and default key only.
 */
export async function visitDelimited(
  file: string,
  format: DelimitedFormat,
  opts: ReadOptions,
  visitor: RecordVisitor,
  linesOnly = false,
): Promise<void> {
  if (linesOnly && (format !== 'tsv' || opts.keyField !== undefined))
    throw new Error('linesOnly reads TSV rows without a --key-field value');
  const rows = await DelimitedRows.open(file, format, opts);
  rows.linesOnly = linesOnly;
  try {
    for (;;) {
      rows.visitPlainRows(visitor);
      await visitor.batchDone();
      const item = await rows.nextItem();
      if (item === undefined) return;
      visitor.item(item);
    }
  } finally {
    await rows.close();
  }
}

/** The rows of a CSV/TSV file after its header, with the columns the options name. */
class DelimitedRows {
  private index: number;
  private readonly fast: ByteRecord;
  private readonly defaultKeyPrefix: string;
  /** The column each text field is in, then the key column (or -1): field k's value lands at k. */
  private readonly wanted: Int32Array;
  private readonly valueStarts: Int32Array;
  private readonly valueEnds: Int32Array;
  /** Whether the buffer's rows from where they were checked up to checkedLastLf are valid UTF-8. */
  private checkedValid = false;
  private checkedBuf: Buffer | undefined;
  private checkedBase = -1;
  private checkedLastLf = -1;
  /** Rows are visited as lines, neither checked nor split (visitDelimited). */
  linesOnly = false;

  private constructor(
    private readonly file: string,
    private readonly opts: ReadOptions,
    private readonly reader: ChunkReader,
    private readonly rows: RowReader,
    private readonly sep: number,
    private readonly quoting: boolean,
    private readonly columns: string[],
    private readonly textColumns: number[],
    private readonly keyColumn: number,
  ) {
    this.index = opts.firstRecordIndex ?? 0;
    this.defaultKeyPrefix = `${opts.keyPrefix ?? basename(file)}:`;
    this.fast = new ByteRecord(textColumns.length, this.defaultKeyPrefix);
    this.wanted = Int32Array.from([...textColumns, keyColumn]);
    this.valueStarts = new Int32Array(this.wanted.length);
    this.valueEnds = new Int32Array(this.wanted.length);
  }

  static async open(file: string, format: DelimitedFormat, opts: ReadOptions): Promise<DelimitedRows> {
    const reader = await openLineReader(file, false);
    try {
      const sep = separatorOf(format);
      const rows = new RowReader(reader, sep, format === 'csv');
      const columns = opts.columns ?? (await headerOf(file, rows)).columns;
      const fromHeader = opts.columns === undefined;
      const textColumns = opts.textFields.map((f) =>
        columnIndex(file, columns, f, 'missing-text-field', fromHeader),
      );
      const keyColumn =
        opts.keyField === undefined
          ? -1
          : columnIndex(file, columns, opts.keyField, 'missing-key-field', fromHeader);
      return new DelimitedRows(
        file,
        opts,
        reader,
        rows,
        sep,
        format === 'csv',
        columns,
        textColumns,
        keyColumn,
      );
    } catch (err) {
      await reader.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.reader.close();
  }

  /**
   * Visits the complete rows in the buffer from the reading position while they are plain (see
   * visitDelimited), stopping before the first that is not, or at the buffer's last line break.
   */
  visitPlainRows(visitor: RecordVisitor): void {
    const r = this.reader;
    const view = r.view;
    const buf = r.buf;
    const lastLf = view.lastIndexOf(LF);
    if (lastLf < r.pos) return;
    // One check per buffer fill, not per call: a row the parser reads comes between two calls.
    if (this.linesOnly) {
      this.visitLines(visitor, view, lastLf);
      return;
    }
    if (this.checkedBuf !== buf || this.checkedBase !== r.base || this.checkedLastLf !== lastLf) {
      this.checkedBuf = buf;
      this.checkedBase = r.base;
      this.checkedLastLf = lastLf;
      this.checkedValid = isValidUtf8(buf, r.pos, lastLf);
    }
    const allValidUtf8 = this.checkedValid;
    const { wanted, valueStarts, valueEnds, sep, quoting } = this;
    const textFields = this.textColumns.length;
    const width = this.columns.length;
    const fast = this.fast;
    while (r.pos <= lastLf) {
      const start = r.pos;
      const nl = view.indexOf(LF, start);
      const rawEnd = rawEndOf(view, start, nl);
      if (rawEnd === start) {
        // An empty line holds no record.
        this.rows.line++;
        r.pos = nl + 1;
        continue;
      }
      if (!allValidUtf8 && !isValidUtf8(buf, start, rawEnd)) return;
      // Fields by their separators: field f is [fieldStart, its separator or the row's end).
      let field = 0;
      let fieldStart = start;
      for (let i = start; ; i++) {
        // A quoted CSV field is the row parser's.
        if (quoting && i < rawEnd && buf[i] === QUOTE) return;
        if (i === rawEnd || buf[i] === sep) {
          for (let w = 0; w < wanted.length; w++) {
            if (wanted[w] === field) {
              valueStarts[w] = fieldStart;
              valueEnds[w] = i;
            }
          }
          field++;
          fieldStart = i + 1;
          if (i === rawEnd) break;
        }
      }
      if (field !== width) return;
      // An empty cell is a missing value: a row of empty captions, or an empty key, is parsed.
      let n = 0;
      for (let k = 0; k < textFields; k++) {
        if (valueEnds[k] === valueStarts[k]) continue;
        fast.textStarts[n] = valueStarts[k];
        fast.textEnds[n++] = valueEnds[k];
      }
      if (n === 0) return;
      fast.textCount = n;
      fast.keyValue = undefined;
      if (this.keyColumn >= 0) {
        if (valueEnds[textFields] === valueStarts[textFields]) return;
        fast.keyValue = buf.toString('utf8', valueStarts[textFields], valueEnds[textFields]);
      }
      fast.at(buf, start, rawEnd, this.index++, this.rows.line++, r.base + start, 0);
      r.pos = nl + 1;
      visitor.record(fast);
    }
  }

  /** visitPlainRows of linesOnly: each non-empty line up to lastLf is a record. */
  private visitLines(visitor: RecordVisitor, view: Buffer, lastLf: number): void {
    const r = this.reader;
    const fast = this.fast;
    fast.textCount = 0;
    fast.keyValue = undefined;
    while (r.pos <= lastLf) {
      const start = r.pos;
      const nl = view.indexOf(LF, start);
      const rawEnd = rawEndOf(view, start, nl);
      r.pos = nl + 1;
      if (rawEnd === start) {
        this.rows.line++;
        continue;
      }
      fast.at(r.buf, start, rawEnd, this.index++, this.rows.line++, r.base + start, 0);
      visitor.record(fast);
    }
  }

  /** The next record's item (the row parser's reading); undefined at the end. */
  async nextItem(): Promise<PoolItem | undefined> {
    const { file, opts, rows, columns, textColumns, keyColumn } = this;
    const ctx: RecordContext = { file, onError: opts.onError };
    let next;
    try {
      next = await rows.next();
    } catch (err) {
      throw sourceFailure(file, err, { line: rows.line, record: this.index });
    }
    if (next === undefined) return undefined;
    const { row, line, byteOffset } = next;
    const location: InputLocation = { line, record: this.index, byteOffset };
    const recordIndex = this.index++;
    if (row.kind === 'bad') return badRecord(ctx, 'bad-csv', row.detail, location);
    const invalid = rows.invalidUtf8(row, byteOffset);
    if (invalid !== undefined) return badRecord(ctx, 'invalid-utf8', invalid, location);
    const values = row.fields;
    if (values.length !== columns.length) {
      const detail = `record has ${values.length} field${values.length === 1 ? '' : 's'}, the header has ${columns.length}`;
      return badRecord(ctx, 'bad-csv', detail, location);
    }
    const fieldNames = opts.textFields;
    // An empty cell is how CSV writes a missing value, so it counts as absent.
    const texts = textsFromFields(
      fieldNames,
      (f) => values[textColumns[fieldNames.indexOf(f)]] || undefined,
      () => columns,
    );
    if (!texts.ok) {
      const detail =
        texts.reason === 'missing-text-field'
          ? fieldNames.length === 1
            ? `text field '${fieldNames[0]}' is empty`
            : `text fields ${quoteList(fieldNames)} are all empty`
          : texts.detail;
      return badRecord(ctx, texts.reason, detail, location);
    }
    let key = this.defaultKeyPrefix + recordIndex;
    if (keyColumn >= 0 && opts.keyField !== undefined) {
      const k = keyFromValue(opts.keyField, values[keyColumn] || undefined);
      if (!k.ok) return badRecord(ctx, 'missing-key-field', k.detail, location);
      key = k.key;
    }
    return {
      kind: 'record',
      index: recordIndex,
      key,
      texts: texts.texts,
      // A missing --lang-field column reads as no language, as an empty cell does.
      ...(opts.languageField !== undefined
        ? { language: languageFromValue(values[columns.indexOf(opts.languageField)]) }
        : {}),
      payload: { type: 'line', bytes: opts.withPayload === false ? NO_BYTES : rows.rawBytes(row) },
      location,
    };
  }
}
