/**
 * JSONL (optionally gzip-compressed): one JSON object per line, in UTF-8. This is the hot path of
 * a large curation, so lines are read straight out of the reader's buffer: the caption (and key)
 * members are found in the line's bytes (jsonScan.ts), JSON.parse is called only for the lines
 * that need it, and only the kept bytes of each record (the line as it is in the file) are copied.
 */
import { basename } from 'node:path';
import { InputError, type InputLocation } from '../errors';
import {
  NO_BYTES,
  badRecord,
  describeType,
  keyFromValue,
  languageFromValue,
  textsFromFields,
  type RecordContext,
} from './common';
import {
  invalidUtf8Line,
  isBlank,
  isValidUtf8Batch,
  lineBatches,
  openLineReader,
  rawLineBytes,
  sourceFailure,
  type LineBatch,
} from './lines';
import type { PoolItem, ReadOptions, SkippedRecord } from './types';
import { ByteRecord, type RecordVisitor } from './byteRecord';
import { ABSENT, JsonMemberScanner, NUMBER, PLAIN_STRING } from './jsonScan';

const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

/**
 * Takes a record's texts and key from what the scanner found; false when they need
 * JSON.parse's reading (a null or non-string text, no text, a key that is not a non-empty
 * plain string or a number). The scanner's members: the text fields in order, then the key field.
 */
function takeMembers(
  record: ByteRecord,
  scanner: JsonMemberScanner,
  textFields: number,
  keyField: boolean,
): boolean {
  const { kinds, starts, ends } = scanner;
  let n = 0;
  for (let k = 0; k < textFields; k++) {
    const kind = kinds[k];
    if (kind === ABSENT) continue;
    if (kind !== PLAIN_STRING) return false;
    record.textStarts[n] = starts[k];
    record.textEnds[n++] = ends[k];
  }
  if (n === 0) return false;
  record.textCount = n;
  record.keyValue = undefined;
  if (keyField) {
    const kind = kinds[textFields];
    const s = starts[textFields];
    const e = ends[textFields];
    if (kind === PLAIN_STRING && e > s) record.keyValue = record.buf.toString('utf8', s, e);
    // JSON numbers are a subset of what Number() reads, to the same value.
    else if (kind === NUMBER) record.keyValue = String(Number(record.buf.toString('latin1', s, e)));
    else return false;
  }
  return true;
}

/** What a JSONL reader makes of one line: not a record (blank), the fast record, or an item. */
export type JsonlLine = undefined | ByteRecord | PoolItem;

/**
 * Visits a JSONL file's records line by line, each as a ByteRecord (valid during the call)
 * or, where the bytes need JSON.parse or the record is bad, as the PoolItem readPool would
 * yield. The same records, keys, errors and skips as readPool, in the same order; a bad record
 * under --on-error fail throws at its place. `batchDone` is awaited after each buffer fill's
 * lines (the records are gone after it). `opts.textFields` must not be empty.
 *
 * `linesOnly`: the caller knows every non-blank line is a good record (the count pass read
 * these very bytes and skipped none) and needs no texts or --key-field value: each line is a
 * ByteRecord with its place, index and default key only, neither checked nor scanned.
 */
export async function visitJsonl(
  file: string,
  gzip: boolean,
  opts: ReadOptions,
  visitor: RecordVisitor,
  linesOnly = false,
): Promise<void> {
  if (linesOnly && opts.keyField !== undefined) throw new Error('linesOnly reads no --key-field value');
  const lines = new JsonlLines(file, gzip, opts, linesOnly);
  for await (const batch of lines.batches()) {
    if (!('buf' in batch)) {
      visitor.item(batch);
      continue;
    }
    for (let i = 0; i < batch.starts.length; i++) {
      const line = lines.lineAt(batch, i);
      if (line === undefined) continue;
      if (line instanceof ByteRecord) visitor.record(line);
      else visitor.item(line);
    }
    await visitor.batchDone();
  }
}

export async function* readJsonl(file: string, gzip: boolean, opts: ReadOptions): AsyncGenerator<PoolItem> {
  const withPayload = opts.withPayload !== false;
  const lines = new JsonlLines(file, gzip, opts);
  for await (const batch of lines.batches()) {
    if (!('buf' in batch)) {
      yield batch;
      continue;
    }
    for (let i = 0; i < batch.starts.length; i++) {
      const line = lines.lineAt(batch, i);
      if (line === undefined) continue;
      yield line instanceof ByteRecord ? line.toPoolRecord(withPayload) : line;
    }
  }
}

/** The line loop both readers share: line and record numbering, UTF-8 check, fast or parsed. */
class JsonlLines {
  private readonly ctx: RecordContext;
  private readonly parse: JsonlRecordParser;
  private readonly scanner: JsonMemberScanner;
  private readonly fast: ByteRecord;
  private readonly textFields: number;
  private readonly keyField: boolean;
  private readonly withPayload: boolean;
  private bomLength = 0;
  private allValidUtf8 = true;
  private line: number;
  private index: number;

  constructor(
    private readonly file: string,
    private readonly gzip: boolean,
    private readonly opts: ReadOptions,
    private readonly linesOnly = false,
  ) {
    this.ctx = { file, onError: opts.onError };
    const prefix = `${opts.keyPrefix ?? basename(file)}:`;
    this.parse = jsonlRecordParser(this.ctx, opts, prefix);
    this.textFields = opts.textFields.length;
    this.keyField = opts.keyField !== undefined;
    this.scanner = new JsonMemberScanner(
      opts.keyField === undefined ? opts.textFields : [...opts.textFields, opts.keyField],
    );
    this.fast = new ByteRecord(this.textFields, prefix);
    this.withPayload = opts.withPayload !== false;
    this.line = (opts.firstLine ?? 1) - 1;
    this.index = opts.firstRecordIndex ?? 0;
  }

  /** The line batches of the range; a damaged .gz under --on-error skip ends with its SkippedRecord. */
  async *batches(): AsyncGenerator<LineBatch | SkippedRecord> {
    const { file, gzip, opts } = this;
    let reader: Awaited<ReturnType<typeof openLineReader>>;
    try {
      reader = await openLineReader(file, gzip, opts.byteRange?.start ?? 0, opts.chunkBytes);
    } catch (err) {
      const skip = damagedGzipSkip(err, opts);
      if (skip === undefined) throw err;
      yield skip;
      return;
    }
    this.bomLength = reader.bomLength;
    const batches = lineBatches(reader, opts.byteRange?.end ?? Infinity);
    try {
      for (;;) {
        let next: IteratorResult<LineBatch>;
        try {
          next = await batches.next();
        } catch (err) {
          const failure = sourceFailure(file, err, { line: this.line + 1 });
          const skip = damagedGzipSkip(failure, opts);
          if (skip === undefined) throw failure;
          yield skip;
          return;
        }
        if (next.done) return;
        if (!this.linesOnly) this.allValidUtf8 = isValidUtf8Batch(next.value);
        yield next.value;
      }
    } finally {
      await batches.return(undefined);
      await reader.close();
    }
  }

  /** Line i of the batch (call in order, once per line). */
  lineAt(batch: LineBatch, i: number): JsonlLine {
    const line = ++this.line;
    const { buf, base, starts, ends } = batch;
    const start = starts[i];
    const end = ends[i];
    // Blank lines separate nothing and are not records: they take no record index.
    if (isBlank(buf, start, end)) return undefined;
    const index = this.index++;
    // Offsets inside decompressed data would mislead, so a .jsonl.gz location has none.
    const byteOffset = this.gzip ? undefined : base + start;
    if (this.linesOnly) {
      const fast = this.fast;
      fast.at(buf, start, batch.rawEnds[i], index, line, byteOffset, this.bomLength);
      fast.textCount = 0;
      fast.keyValue = undefined;
      return fast;
    }
    const invalid = this.allValidUtf8 ? undefined : invalidUtf8Line(batch, i, !this.gzip);
    // The fast record has no language: a --lang-field read goes through JSON.parse.
    if (
      invalid === undefined &&
      this.opts.languageField === undefined &&
      this.scanner.scan(buf, start, end)
    ) {
      const fast = this.fast;
      fast.at(buf, start, batch.rawEnds[i], index, line, byteOffset, this.bomLength);
      if (takeMembers(fast, this.scanner, this.textFields, this.keyField)) return fast;
    }
    const location: InputLocation =
      byteOffset === undefined ? { line, record: index } : { line, record: index, byteOffset };
    if (invalid !== undefined) return badRecord(this.ctx, 'invalid-utf8', invalid, location);
    const payload = this.withPayload ? rawLineBytes(batch, i, this.bomLength) : NO_BYTES;
    return this.parse(buf, start, end, index, location, payload);
  }
}

/**
 * A damaged .gz stream under --on-error skip: the lines before the damage are records, the rest
 * of the file is one SkippedRecord 'bad-gzip'. Undefined when the error is to be thrown.
 */
function damagedGzipSkip(err: unknown, opts: ReadOptions): SkippedRecord | undefined {
  if (!(err instanceof InputError) || err.reason !== 'bad-gzip' || opts.onError === 'fail') return undefined;
  return {
    kind: 'skipped',
    reason: err.reason,
    detail: `${err.detail}; the rest of the file is skipped`,
    location: err.location,
  };
}

type JsonlRecordParser = (
  buf: Buffer,
  start: number,
  end: number,
  index: number,
  location: InputLocation,
  payload: Buffer,
) => PoolItem;

function jsonlRecordParser(
  ctx: RecordContext,
  opts: ReadOptions,
  defaultKeyPrefix: string,
): JsonlRecordParser {
  const { textFields, keyField } = opts;
  return (buf, start, end, index, location, payload) => {
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch (err) {
      return badRecord(ctx, 'bad-json', `invalid JSON: ${(err as Error).message}`, location);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return badRecord(ctx, 'bad-json', `expected a JSON object, got ${describeType(value)}`, location);
    }
    const obj = value as Record<string, unknown>;
    // Own properties only: a field named 'constructor' must not find Object.prototype's.
    const field = (name: string): unknown => (hasOwn(obj, name) ? obj[name] : undefined);
    const texts = textsFromFields(textFields, field, () => Object.keys(obj));
    if (!texts.ok) return badRecord(ctx, texts.reason, texts.detail, location);
    let key = defaultKeyPrefix + index;
    if (keyField !== undefined) {
      const k = keyFromValue(keyField, field(keyField));
      if (!k.ok) return badRecord(ctx, 'missing-key-field', k.detail, location);
      key = k.key;
    }
    return {
      kind: 'record',
      index,
      key,
      texts: texts.texts,
      ...(opts.languageField !== undefined ? { language: languageFromValue(field(opts.languageField)) } : {}),
      payload: { type: 'line', bytes: payload },
      location,
    };
  };
}
