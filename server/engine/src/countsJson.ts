/**
 * counts.json (countsToJson's bytes) made from the metadata file's own bytes: an entry's string
 * literal in the file, when it has no escape, is already what JSON.stringify writes for it, so
 * 500k entries need no string, no Set of strings and no join; an escaped literal goes the string
 * way. About a fifth of countsToJson's time on the 500k-entry list, which the workers feel when
 * they share the cores with this thread.
 */
import { stringLiteralsOf } from './metadataLiterals';

const QUOTE = 0x22;

/**
 * countsToJson(entries, counts) as bytes, or undefined when the file is not a JSON array of
 * `counts.length` string literals in valid UTF-8 (the caller then uses countsToJson).
 * `entries` is called only when a literal has an escape. `sameStringChains` (the English matcher
 * index's nextEntry: per id, the next id with the same string, or -1), when given, says which ids
 * repeat an earlier one without hashing 500k keys.
 */
export function countsJsonFromMetadata(
  bytes: Uint8Array,
  entries: () => readonly string[],
  counts: ArrayLike<number>,
  sameStringChains?: Int32Array,
): Buffer | undefined {
  const n = counts.length;
  const literals = stringLiteralsOf(bytes, n);
  if (literals === undefined) return undefined;
  const { starts, ends, escaped } = literals;
  // An escaped literal: its string's JSON, and its UTF-8 as the key duplicates are found by.
  const json = new Map<number, Buffer>();
  const keyStarts = starts.slice();
  const keyEnds = ends.slice();
  const inDecoded = new Uint8Array(n);
  const keys: Buffer[] = [];
  if (escaped.length > 0) {
    const list = entries();
    let at = 0;
    for (const id of escaped) {
      json.set(id, Buffer.from(JSON.stringify(list[id]), 'utf8'));
      const key = Buffer.from(list[id], 'utf8');
      keys.push(key);
      inDecoded[id] = 1;
      keyStarts[id] = at;
      keyEnds[id] = at += key.length;
    }
  }
  // With no escape, equal strings are equal bytes and back (an escaped lone surrogate is not).
  const first =
    escaped.length === 0 && sameStringChains?.length === n
      ? firstOfChains(sameStringChains)
      : firstOccurrences({ bytes, decoded: Buffer.concat(keys), inDecoded, keyStarts, keyEnds });

  let size = 4;
  for (let id = 0; id < n; id++) {
    if (!first[id]) continue;
    size += (inDecoded[id] ? json.get(id)!.length : ends[id] - starts[id] + 2) + 3 + 24;
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  out[o++] = 0x7b; // {
  let separator = false;
  for (let id = 0; id < n; id++) {
    if (!first[id]) continue;
    if (separator) {
      out[o++] = 0x2c; // ,
      out[o++] = 0x0a;
    }
    separator = true;
    if (inDecoded[id]) o += json.get(id)!.copy(out, o);
    else {
      // Entries are short: a loop beats a view and a copy call per entry.
      out[o++] = QUOTE;
      for (let k = starts[id], end = ends[id]; k < end; k++) out[o++] = bytes[k];
      out[o++] = QUOTE;
    }
    out[o++] = 0x3a; // :
    o = writeNumber(out, o, counts[id]);
  }
  out[o++] = 0x7d; // }
  out[o++] = 0x0a;
  return out.subarray(0, o);
}

/** A count as `${count}` writes it. */
function writeNumber(out: Buffer, at: number, value: number): number {
  if (!(Number.isInteger(value) && value >= 0 && value < 1e15))
    return at + out.write(String(value), at, 'latin1');
  if (value < 10) {
    out[at] = 0x30 + value;
    return at + 1;
  }
  let digits = 0;
  for (let v = value; v >= 1; v = Math.floor(v / 10)) digits++;
  for (let k = digits - 1, v = value; k >= 0; k--, v = Math.floor(v / 10)) out[at + k] = 0x30 + (v % 10);
  return at + digits;
}

/** Where each id's key bytes are: in the file, or (inDecoded) in `decoded`. */
interface Keys {
  bytes: Uint8Array;
  decoded: Uint8Array;
  inDecoded: Uint8Array;
  keyStarts: Uint32Array;
  keyEnds: Uint32Array;
}

/** Per id: whether no earlier id is chained to it (chains link ids in ascending order). */
function firstOfChains(nextInChain: Int32Array): Uint8Array {
  const first = new Uint8Array(nextInChain.length).fill(1);
  for (let id = 0; id < nextInChain.length; id++) if (nextInChain[id] >= 0) first[nextInChain[id]] = 0;
  return first;
}

/** Per id: whether no earlier id has the same key bytes (an open-addressing table of ids). */
function firstOccurrences(keys: Keys): Uint8Array {
  const { bytes, decoded, inDecoded, keyStarts, keyEnds } = keys;
  const n = keyStarts.length;
  const first = new Uint8Array(n);
  let capacity = 16;
  while (capacity < n * 2) capacity *= 2;
  const mask = capacity - 1;
  const table = new Int32Array(capacity).fill(-1);
  for (let id = 0; id < n; id++) {
    const buf = inDecoded[id] ? decoded : bytes;
    const start = keyStarts[id];
    const end = keyEnds[id];
    let h = 0x811c9dc5;
    for (let k = start; k < end; k++) h = Math.imul(h ^ buf[k], 0x01000193);
    let slot = h & mask;
    for (;;) {
      const other = table[slot];
      if (other === -1) {
        table[slot] = id;
        first[id] = 1;
        break;
      }
      const otherBuf = inDecoded[other] ? decoded : bytes;
      if (sameBytes(buf, start, end, otherBuf, keyStarts[other], keyEnds[other])) break;
      slot = (slot + 1) & mask;
    }
  }
  return first;
}

function sameBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let k = 0; k < ae - as; k++) if (a[as + k] !== b[bs + k]) return false;
  return true;
}
