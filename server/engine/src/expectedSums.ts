/**
 * The summary's expected sizes (expected kept per entry, in all, and over a range of t) summed
 * record by record as the matches stream goes by, so that no per-record state is held: memory is
 * per entry and per threshold, whatever the size of the pool. Each sum adds the same terms in the
 * same order (records in pool order, ids ascending) as expectedKeptPerEntry and
 * expectedCuratedSize over the whole stream, so the results are the same floats.
 */
import { open } from 'node:fs/promises';
import { asEnvironmentError, EnvironmentError } from './errors';

export class ExpectedSums {
  /** Per entry: expected number of kept records that contain it. */
  readonly keptPerEntry: Float64Array;
  /** Expected kept records at the curation's t. */
  total = 0;
  /** Expected kept records at each of `thresholds`. */
  readonly sizes: Float64Array;

  constructor(
    private readonly p: Float64Array,
    private readonly counts: ArrayLike<number>,
    private readonly thresholds: number[],
  ) {
    this.keptPerEntry = new Float64Array(p.length);
    this.sizes = new Float64Array(thresholds.length);
  }

  /** Adds one matched record's ids (ascending, at least one). */
  addRecord(ids: Uint32Array): void {
    this.addIds(ids, 0, ids.length);
  }

  /** addRecord of the ids words[start, end), without a view of them per record. */
  addIds(words: Uint32Array, start: number, end: number): void {
    const { p, counts, thresholds, keptPerEntry, sizes } = this;
    let dropAll = 1;
    let minCount = Infinity;
    for (let k = start; k < end; k++) {
      dropAll *= 1 - p[words[k]];
      const c = counts[words[k]];
      if (c < minCount) minCount = c;
    }
    const keep = 1 - dropAll;
    this.total += keep;
    for (let k = start; k < end; k++) keptPerEntry[words[k]] += keep;
    for (let j = 0; j < thresholds.length; j++) {
      const t = thresholds[j];
      // An entry at or under t keeps the record: the product is 0, as the loop below would find.
      if (minCount <= t) {
        sizes[j] += 1;
        continue;
      }
      let drop = 1;
      for (let k = start; k < end; k++) drop *= 1 - t / counts[words[k]];
      sizes[j] += 1 - drop;
    }
  }

  /** Adds every matched record of a whole matches stream (count, ids, count, ids, ...). */
  addStream(stream: Uint32Array): void {
    for (let at = 0; at < stream.length; at += stream[at] + 1)
      if (stream[at] > 0) this.addIds(stream, at + 1, at + 1 + stream[at]);
  }
}

const CHUNK_BYTES = 4 << 20;

/** A matched record's ids: words[start, end), valid during the call. */
export type OnMatchedRecord = (words: Uint32Array, start: number, end: number) => void;

/**
 * Reads a matches stream file (one task's, no header) in chunks and hands each chunk's bytes to
 * `onBytes` (in file order) and each matched record's ids to `onRecord`. A record split between
 * two chunks is carried over to the next read; `chunkBytes` (a multiple of 4) is the read size.
 */
export async function readMatchesStream(
  path: string,
  onBytes: (bytes: Uint8Array) => Promise<void>,
  onRecord: OnMatchedRecord,
  chunkBytes = CHUNK_BYTES,
): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      let bytes = new Uint8Array(chunkBytes);
      let words = new Uint32Array(bytes.buffer);
      let filled = 0; // bytes in the buffer not yet parsed into records
      let position = 0;
      for (;;) {
        const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        await onBytes(bytes.subarray(filled, filled + bytesRead));
        filled += bytesRead;
        const whole = filled >>> 2;
        let at = 0;
        while (at < whole && at + 1 + words[at] <= whole) {
          const n = words[at];
          if (n > 0) onRecord(words, at + 1, at + 1 + n);
          at += n + 1;
        }
        if (at === 0 && filled === bytes.length) {
          // One record longer than the buffer: make room for it.
          const grown = new Uint8Array(bytes.length * 2);
          grown.set(bytes);
          bytes = grown;
          words = new Uint32Array(bytes.buffer);
        } else {
          bytes.copyWithin(0, at * 4, filled);
          filled -= at * 4;
        }
      }
      if (filled !== 0)
        throw new EnvironmentError(
          path,
          'EIO',
          'read',
          'it ends inside a record (shorter than when it was written)',
        );
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw asEnvironmentError(err, path, 'read');
  }
}
