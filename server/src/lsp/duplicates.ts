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

/** Per entry: the id of the first entry with the same value, or its own id. */
export function firstOccurrences(spans: ValueSpans): Int32Array {
  const { text, decoded, from, to } = spans;
  const n = from.length;
  const first = new Int32Array(n);
  let size = 1024;
  while (size < n * 2) size *= 2;
  // Per slot, side by side (one cache miss per probe): id + 1 of the first occurrence (0 when
  // empty) and its hash.
  const slots = new Int32Array(size * 2);
  const mask = size - 1;
  for (let id = 0; id < n; id++) {
    const inText = from[id] >= 0;
    const source = inText ? text : decoded.get(id)!;
    const start = inText ? from[id] : 0;
    const len = inText ? to[id] - start : source.length;
    const h = hashOf(source, start, start + len);
    let slot = h & mask;
    first[id] = id;
    for (; slots[slot * 2] !== 0; slot = (slot + 1) & mask) {
      if (slots[slot * 2 + 1] !== h) continue;
      const other = slots[slot * 2] - 1;
      const otherInText = from[other] >= 0;
      const otherSource = otherInText ? text : decoded.get(other)!;
      const otherStart = otherInText ? from[other] : 0;
      if ((otherInText ? to[other] - otherStart : otherSource.length) !== len) continue;
      let i = 0;
      while (i < len && source.charCodeAt(start + i) === otherSource.charCodeAt(otherStart + i)) i++;
      if (i === len) {
        first[id] = other;
        break;
      }
    }
    if (first[id] === id) {
      slots[slot * 2] = id + 1;
      slots[slot * 2 + 1] = h;
    }
  }
  return first;
}
