/**
 * Per-record matched ids, as written by the count pass and read by the select pass, the summary,
 * `stats` and the balance panel. A stream of little-endian u32: for each record in input order,
 * its number of ids then the ids ascending (0 for an unmatched record). The curation's
 * `matches.bin` is a 16-byte header ("MCMATCH1", u32 record count, u32 0) and the same stream.
 */
import { open, readFile } from 'node:fs/promises';
import type { MatchedIdLists } from './balance';

export const MATCHES_MAGIC = 'MCMATCH1';

/** Growable u32 buffer for one task's stream. */
export class MatchesWriter {
  private buffer = new Uint32Array(1 << 16);
  private length = 0;
  records = 0;

  /** One record's ids: ids[0, count). */
  add(ids: ArrayLike<number>, count = ids.length): void {
    this.ensure(count + 1);
    const buffer = this.buffer;
    let at = this.length;
    buffer[at++] = count;
    for (let i = 0; i < count; i++) buffer[at++] = ids[i];
    this.length = at;
    this.records++;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.buffer.buffer, 0, this.length * 4);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint32Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

/** Reads one task's stream back, record by record. */
export class MatchesCursor {
  private at = 0;
  /** After advance(): the record's ids are stream[idsStart, idsStart + n). */
  idsStart = 0;
  constructor(readonly stream: Uint32Array) {}

  static async load(path: string): Promise<MatchesCursor> {
    const bytes = await readFile(path);
    const copy = new Uint32Array(bytes.byteLength / 4);
    new Uint8Array(copy.buffer).set(bytes);
    return new MatchesCursor(copy);
  }

  /** The next record's ids (a view, valid until the cursor moves on). */
  next(): Uint32Array {
    if (this.at >= this.stream.length) throw new Error('matches stream ended before the records did');
    const n = this.stream[this.at];
    const ids = this.stream.subarray(this.at + 1, this.at + 1 + n);
    this.at += n + 1;
    return ids;
  }

  /** Moves to the next record without a view: returns its number of ids n (see idsStart). */
  advance(): number {
    if (this.at >= this.stream.length) throw new Error('matches stream ended before the records did');
    const n = this.stream[this.at];
    this.idsStart = this.at + 1;
    this.at += n + 1;
    return n;
  }

  get done(): boolean {
    return this.at >= this.stream.length;
  }
}

/**
 * Converts a stream into offset/id lists for the expected-size computations, matched records
 * only. Two passes over typed arrays: no per-id JS values, so tens of millions of ids stay cheap.
 */
export function matchedIdLists(stream: Uint32Array): MatchedIdLists {
  let records = 0;
  let total = 0;
  for (let at = 0; at < stream.length; at += stream[at] + 1) {
    if (stream[at] > 0) {
      records++;
      total += stream[at];
    }
  }
  const offsets = new Uint32Array(records + 1);
  const ids = new Uint32Array(total);
  let r = 0;
  let k = 0;
  for (let at = 0; at < stream.length; at += stream[at] + 1) {
    const n = stream[at];
    if (n === 0) continue;
    ids.set(stream.subarray(at + 1, at + 1 + n), k);
    k += n;
    offsets[++r] = k;
  }
  return { offsets, ids };
}

/** Loads a curation's `matches.bin` (header + stream) as the raw stream. */
export async function readMatchesFile(path: string): Promise<{ records: number; stream: Uint32Array }> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(16);
    await handle.read(header, 0, 16, 0);
    if (header.toString('latin1', 0, 8) !== MATCHES_MAGIC) throw new Error(`${path}: not a matches file`);
    const records = header.readUInt32LE(8);
    const { size } = await handle.stat();
    const stream = new Uint32Array((size - 16) / 4);
    await handle.read(new Uint8Array(stream.buffer), 0, size - 16, 16);
    return { records, stream };
  } finally {
    await handle.close();
  }
}
