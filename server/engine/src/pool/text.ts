/**
 * Plain text: one caption per line, in UTF-8. Every line is a record (blank ones too, since the
 * key is the 0-based line index and must not shift); the one thing that can be wrong with a
 * line is bytes that are not valid UTF-8 (reason 'invalid-utf8'). A skipped line keeps its
 * index, so the keys of the lines after it do not change.
 * In a pool of several files the key is `<keyPrefix>:<line index>` so files do not share keys.
 */
import { badRecord, NO_BYTES, type RecordContext } from './common';
import type { InputLocation } from '../errors';
import {
  invalidUtf8Line,
  isValidUtf8Batch,
  lineBatches,
  openLineReader,
  rawLineBytes,
  sourceFailure,
  type LineBatch,
} from './lines';
import type { PoolItem, ReadOptions } from './types';

export async function* readText(file: string, opts: ReadOptions): AsyncGenerator<PoolItem> {
  const ctx: RecordContext = { file, onError: opts.onError };
  const reader = await openLineReader(file, false, opts.byteRange?.start ?? 0, opts.chunkBytes);
  const batches = lineBatches(reader, opts.byteRange?.end ?? Infinity);
  let line = (opts.firstLine ?? 1) - 1;
  let index = opts.firstRecordIndex ?? 0;
  const withPayload = opts.withPayload !== false;
  const keyPrefix = opts.keyPrefix === undefined ? '' : `${opts.keyPrefix}:`;
  try {
    for (;;) {
      let next: IteratorResult<LineBatch>;
      try {
        next = await batches.next();
      } catch (err) {
        throw sourceFailure(file, err, { line: line + 1 });
      }
      if (next.done) return;
      const batch = next.value;
      const { buf, base, starts, ends } = batch;
      const allValidUtf8 = isValidUtf8Batch(batch);
      for (let i = 0; i < starts.length; i++) {
        line++;
        const start = starts[i];
        const end = ends[i];
        const location: InputLocation = { line, record: index, byteOffset: base + start };
        const invalid = allValidUtf8 ? undefined : invalidUtf8Line(batch, i, true);
        if (invalid !== undefined) {
          index++;
          yield badRecord(ctx, 'invalid-utf8', invalid, location);
          continue;
        }
        yield {
          kind: 'record',
          index,
          key: keyPrefix + index,
          texts: [buf.toString('utf8', start, end)],
          payload: { type: 'line', bytes: withPayload ? rawLineBytes(batch, i, reader.bomLength) : NO_BYTES },
          location,
        };
        index++;
      }
    }
  } finally {
    await batches.return(undefined);
    await reader.close();
  }
}
