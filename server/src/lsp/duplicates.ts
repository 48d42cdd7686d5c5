/**
 * Duplicate entries of a metadata list, found where the text holds them: an entry whose value is
 * the plain slice of its token (no escapes: nearly all of them) is hashed and compared in the
 * document's text, one flat string, rather than in its own sliced string (twice as slow to read
 * on a 500k-entry list), and nothing is copied.
 */
import { valueRange, type MetadataModel } from '../../engine/src/documents/metadataModel';

/** Where entry `id`'s value can be read: [source, from, to). */
export interface ValueSpan {
  source: string;
  from: number;
  to: number;
}

/** The document's text range when it holds the value as is, otherwise the decoded value. */
export function valueSpan(model: MetadataModel, text: string, id: number): ValueSpan {
  const value = model.entries[id];
  if (!model.escaped[id]) {
    const [from, to] = valueRange(model, id);
    // An unterminated token's value can be shorter than its range: then the value is read alone.
    if (to - from === value.length) return { source: text, from, to };
  }
  return { source: value, from: 0, to: value.length };
}

function hashOf(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** valueSpan of every entry. */
export function valueSpans(model: MetadataModel, text: string): ValueSpan[] {
  const spans = new Array<ValueSpan>(model.entries.length);
  for (let id = 0; id < spans.length; id++) spans[id] = valueSpan(model, text, id);
  return spans;
}

/** Per entry (of valueSpans): the id of the first entry with the same value, or its own id. */
export function firstOccurrences(spans: ValueSpan[]): Int32Array {
  const n = spans.length;
  const first = new Int32Array(n);
  let size = 1024;
  while (size < n * 2) size *= 2;
  const slots = new Int32Array(size); // id + 1 of the first occurrence, 0 when empty
  const slotHash = new Int32Array(size);
  const mask = size - 1;
  for (let id = 0; id < n; id++) {
    const { source, from, to } = spans[id];
    const h = hashOf(source, from, to);
    let slot = h & mask;
    first[id] = id;
    for (; slots[slot] !== 0; slot = (slot + 1) & mask) {
      if (slotHash[slot] !== h) continue;
      const other = spans[slots[slot] - 1];
      const len = to - from;
      if (other.to - other.from !== len) continue;
      let i = 0;
      while (i < len && source.charCodeAt(from + i) === other.source.charCodeAt(other.from + i)) i++;
      if (i === len) {
        first[id] = slots[slot] - 1;
        break;
      }
    }
    if (first[id] === id) {
      slots[slot] = id + 1;
      slotHash[slot] = h;
    }
  }
  return first;
}
