/**
 * Duplicate entries of a metadata list, found where the text holds them: an entry whose value is
 * the plain slice of its token (no escapes: nearly all of them) is hashed and compared in the
 * document's text, one flat string, rather than in its own sliced string (twice as slow to read
 * on a 500k-entry list), and nothing is copied. The spans are typed arrays, not an object per
 * entry: on a 500k-entry list those objects cost more (allocation and GC) than the hashing.
 */
import type { MetadataModel } from '../../engine/src/documents/metadataModel';

/**
 * Where each entry's value can be read: text[from[id], to[id]) when the document's text holds it
 * as is, otherwise (from[id] === -1) in decoded.
 */
export interface ValueSpans {
  text: string;
  decoded: ReadonlyMap<number, string>;
  from: Int32Array;
  to: Int32Array;
}

/** The text range of every entry whose value the text holds as is; -1 for the others. */
export function valueSpans(model: MetadataModel, text: string): ValueSpans {
  const { starts, ends, decoded } = model;
  const n = starts.length;
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  // valueRange of an entry that is not decoded (a terminated JSON token: inside its quotes).
  const inset = model.kind === 'json' ? 1 : 0;
  for (let id = 0; id < n; id++) {
    from[id] = starts[id] + inset;
    to[id] = ends[id] - inset;
  }
  for (const id of decoded.keys()) from[id] = -1;
  return { text, decoded, from, to };
}

function hashOf(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** Whether entries a and b have the same value. */
function sameValue(spans: ValueSpans, a: number, b: number): boolean {
  const { text, decoded, from, to } = spans;
  const sa = from[a] >= 0 ? text : decoded.get(a)!;
  const sb = from[b] >= 0 ? text : decoded.get(b)!;
  const fa = from[a] >= 0 ? from[a] : 0;
  const fb = from[b] >= 0 ? from[b] : 0;
  const len = from[a] >= 0 ? to[a] - fa : sa.length;
  if ((from[b] >= 0 ? to[b] - fb : sb.length) !== len) return false;
  for (let i = 0; i < len; i++) if (sa.charCodeAt(fa + i) !== sb.charCodeAt(fb + i)) return false;
  return true;
}

/** Entries are grouped by the top bits of their hash, so each group's table stays in the cache. */
const GROUP_BITS = 12;
const GROUP_SHIFT = 32 - GROUP_BITS;
const GROUPS = 1 << GROUP_BITS;

/**
 * Per entry: the id of the first entry with the same value, or its own id. One hash table over
 * 500k entries is probed at random, a cache miss each time; instead the entries are sorted into
 * 4096 groups by hash (a counting sort, ids ascending in each group) and each group gets a small
 * table of its own.
 */
export function firstOccurrences(spans: ValueSpans): Int32Array {
  const { text, decoded, from, to } = spans;
  const n = from.length;
  const first = new Int32Array(n);
  const hashes = new Int32Array(n);
  const groupStart = new Int32Array(GROUPS + 1);
  for (let id = 0; id < n; id++) {
    first[id] = id;
    const h =
      from[id] >= 0 ? hashOf(text, from[id], to[id]) : hashOf(decoded.get(id)!, 0, decoded.get(id)!.length);
    hashes[id] = h;
    groupStart[(h >>> GROUP_SHIFT) + 1]++;
  }
  let largest = 0;
  for (let g = 0; g < GROUPS; g++) {
    if (groupStart[g + 1] > largest) largest = groupStart[g + 1];
    groupStart[g + 1] += groupStart[g];
  }
  // The ids of each group, ascending, with their hashes beside them.
  const ids = new Int32Array(n);
  const idHashes = new Int32Array(n);
  const cursor = groupStart.slice(0, GROUPS);
  for (let id = 0; id < n; id++) {
    const h = hashes[id];
    const at = cursor[h >>> GROUP_SHIFT]++;
    ids[at] = id;
    idHashes[at] = h;
  }
  let tableSize = 16;
  while (tableSize < largest * 2) tableSize *= 2;
  const table = new Int32Array(tableSize); // a position in ids + 1, 0 when empty
  for (let g = 0; g < GROUPS; g++) {
    const start = groupStart[g];
    const end = groupStart[g + 1];
    let size = 16;
    while (size < (end - start) * 2) size *= 2;
    const mask = size - 1;
    table.fill(0, 0, size);
    for (let p = start; p < end; p++) {
      const h = idHashes[p];
      let slot = h & mask;
      let found = false;
      for (; table[slot] !== 0; slot = (slot + 1) & mask) {
        const q = table[slot] - 1;
        if (idHashes[q] === h && sameValue(spans, ids[q], ids[p])) {
          first[ids[p]] = ids[q];
          found = true;
          break;
        }
      }
      if (!found) table[slot] = p + 1;
    }
  }
  return first;
}
