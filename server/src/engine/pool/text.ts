/**
 * Plain text: one caption per line. Every line is a record (blank ones too, since the key is the
 * 0-based line index and must not shift), so there is nothing that can be wrong with a record.
 * In a pool of several files the key is `<keyPrefix>:<line index>` so files do not share keys.
 */
import { NO_BYTES } from './common';
import type { InputLocation } from '../errors';
import { lineBatches, openLineReader, sourceFailure, type LineBatch } from './lines';
import type { PoolItem, ReadOptions } from './types';

export async function* readText(file: string, opts: ReadOptions): AsyncGenerator<PoolItem> {
  const reader = await openLineReader(file, false, opts.byteRange?.start ?? 0);
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
      const { buf, base, starts, ends } = next.value;
      for (let i = 0; i < starts.length; i++) {
        line++;
        const start = starts[i];
        const end = ends[i];
        const location: InputLocation = { line, record: index, byteOffset: base + start };
        yield {
          kind: 'record',
          index,
          key: keyPrefix + index,
          texts: [buf.toString('utf8', start, end)],
          payload: { type: 'line', bytes: withPayload ? Buffer.from(buf.subarray(start, end)) : NO_BYTES },
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
