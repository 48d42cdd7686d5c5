/**
 * JSONL (optionally gzip-compressed): one JSON object per line, in UTF-8. This is the hot path of
 * a large curation, so lines are decoded straight out of the reader's buffer and only the kept
 * bytes of each record (its payload: the line as it is in the file) are copied.
 */
import { basename } from 'node:path';
import { InputError, type InputLocation } from '../errors';
import {
  NO_BYTES,
  badRecord,
  describeType,
  keyFromValue,
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

const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

export async function* readJsonl(file: string, gzip: boolean, opts: ReadOptions): AsyncGenerator<PoolItem> {
  const ctx: RecordContext = { file, onError: opts.onError };
  const parse = jsonlRecordParser(ctx, opts, `${opts.keyPrefix ?? basename(file)}:`);
  const withPayload = opts.withPayload !== false;
  let reader: Awaited<ReturnType<typeof openLineReader>>;
  try {
    reader = await openLineReader(file, gzip, opts.byteRange?.start ?? 0);
  } catch (err) {
    const skip = damagedGzipSkip(err, opts);
    if (skip === undefined) throw err;
    yield skip;
    return;
  }
  const batches = lineBatches(reader, opts.byteRange?.end ?? Infinity);
  let line = (opts.firstLine ?? 1) - 1;
  let index = opts.firstRecordIndex ?? 0;
  try {
    for (;;) {
      let next: IteratorResult<LineBatch>;
      try {
        next = await batches.next();
      } catch (err) {
        const failure = sourceFailure(file, err, { line: line + 1 });
        const skip = damagedGzipSkip(failure, opts);
        if (skip === undefined) throw failure;
        yield skip;
        return;
      }
      if (next.done) return;
      const batch = next.value;
      const { buf, base, starts, ends } = batch;
      const allValidUtf8 = isValidUtf8Batch(batch);
      for (let i = 0; i < starts.length; i++) {
        line++;
        const start = starts[i];
        const end = ends[i];
        // Blank lines separate nothing and are not records: they take no record index.
        if (isBlank(buf, start, end)) continue;
        // Offsets inside decompressed data would mislead, so a .jsonl.gz location has none.
        const location: InputLocation = gzip
          ? { line, record: index }
          : { line, record: index, byteOffset: base + start };
        const invalid = allValidUtf8 ? undefined : invalidUtf8Line(batch, i, !gzip);
        if (invalid !== undefined) {
          index++;
          yield badRecord(ctx, 'invalid-utf8', invalid, location);
          continue;
        }
        const payload = withPayload ? rawLineBytes(batch, i, reader.bomLength) : NO_BYTES;
        yield parse(buf, start, end, index++, location, payload);
      }
    }
  } finally {
    await batches.return(undefined);
    await reader.close();
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
      payload: { type: 'line', bytes: payload },
      location,
    };
  };
}
