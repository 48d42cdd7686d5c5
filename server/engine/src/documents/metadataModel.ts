/**
 * A metadata document as the language server sees it: the entries, where each one sits in the
 * text, and the problems of the list's structure. Two kinds: a JSON array of strings, and a text
 * list with one entry per line (`.entries.txt`, the engine's parseEntryLines).
 */
import { decodeStringWithOffsets, scanEntryArray, scannedValues, type ScanError } from './jsonScan';

export type MetadataKind = 'json' | 'lines';

export interface MetadataModel {
  kind: MetadataKind;
  /** The text the model was parsed from. */
  text: string;
  /**
   * The decoded entries. A JSON list makes them on first use (500k strings: most of the cost of
   * a parse), so what needs a few (the diagnostics) reads them with entryValue instead.
   */
  readonly entries: string[];
  /**
   * The value of each entry that is not the text of its valueRange (JSON escapes, an unterminated
   * string); the others are that text.
   */
  decoded: ReadonlyMap<number, string>;
  /** Per entry: the range of its token (JSON: including the quotes; lines: the line without CR/LF). */
  starts: Int32Array;
  ends: Int32Array;
  /** JSON only: 1 where the token has escapes (the decoded value is not a plain slice). */
  escaped: Uint8Array;
  errors: ScanError[];
  /** JSON: offset of the closing ']' (-1 when missing); lines: the text's length. */
  close: number;
}

/** The kind of a metadata document from its path (or language id), falling back on its text. */
export function metadataKindOf(path: string, languageId?: string, text?: string): MetadataKind {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json') || lower.endsWith('.jsonc')) return 'json';
  if (lower.endsWith('.txt')) return 'lines';
  if (languageId === 'json' || languageId === 'jsonc') return 'json';
  if (text !== undefined && /^\uFEFF?\s*\[/.test(text.slice(0, 1000))) return 'json';
  return 'lines';
}

export function parseMetadata(text: string, kind: MetadataKind): MetadataModel {
  if (kind === 'json') {
    const scan = scanEntryArray(text);
    let entries: string[] | undefined;
    return {
      kind,
      text,
      get entries() {
        return (entries ??= scannedValues(text, scan));
      },
      decoded: scan.decoded,
      starts: scan.starts,
      ends: scan.ends,
      escaped: scan.escaped,
      errors: scan.errors,
      close: scan.close,
    };
  }
  // One entry per line; a CR before the LF is dropped; a final newline does not start an entry.
  const entries: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = n;
    const end = nl > pos && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
    entries.push(text.slice(pos, end));
    starts.push(pos);
    ends.push(end);
    pos = nl + 1;
  }
  return {
    kind,
    text,
    entries,
    decoded: new Map(),
    starts: Int32Array.from(starts),
    ends: Int32Array.from(ends),
    escaped: new Uint8Array(entries.length),
    errors: [],
    close: n,
  };
}

/** The value of entry `id`, without making all of them (model.entries). */
export function entryValue(model: MetadataModel, id: number): string {
  const value = model.decoded.get(id);
  if (value !== undefined) return value;
  const [from, to] = valueRange(model, id);
  return model.text.slice(from, to);
}

/** The entry whose token contains `offset` (ends inclusive, so a cursor after it counts), or -1. */
export function entryAt(model: MetadataModel, offset: number): number {
  const { starts, ends } = model;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] > offset) hi = mid - 1;
    else if (ends[mid] < offset) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The first entry whose token starts at or after `offset`. */
export function firstEntryFrom(model: MetadataModel, offset: number): number {
  const { starts } = model;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Source range of the entry's value (JSON: inside the quotes). */
export function valueRange(model: MetadataModel, id: number): [number, number] {
  if (model.kind === 'json') {
    const end = model.ends[id];
    return [model.starts[id] + 1, end - 1 > model.starts[id] ? end - 1 : end];
  }
  return [model.starts[id], model.ends[id]];
}

/**
 * A function from a decoded span [a, b) of entry `id` to its exact source range (escapes
 * accounted for).
 */
export function spanMapper(
  model: MetadataModel,
  text: string,
  id: number,
): (a: number, b: number) => [number, number] {
  if (model.kind === 'json' && model.escaped[id]) {
    const { map } = decodeStringWithOffsets(text, model.starts[id], model.ends[id]);
    return (a, b) => [map[Math.min(a, map.length - 1)], map[Math.min(b, map.length - 1)]];
  }
  const base = valueRange(model, id)[0];
  return (a, b) => [base + a, base + b];
}

/** The source text to replace the entry's token with, for a new value. */
export function encodeEntry(model: MetadataModel, value: string): string {
  return model.kind === 'json' ? JSON.stringify(value) : value;
}

/**
 * The source range that removing entry `id` deletes: JSON, the element and the separator before
 * it (after it, for the first element); lines, the whole line with its line break.
 */
export function removalRange(model: MetadataModel, text: string, id: number): [number, number] {
  const { starts, ends } = model;
  if (model.kind === 'lines') {
    const start = starts[id];
    let end = ends[id];
    if (text.charCodeAt(end) === 0x0d) end++;
    if (text.charCodeAt(end) === 0x0a) return [start, end + 1];
    // Last line without a newline: take the line break before it instead.
    if (id > 0) return [ends[id - 1], end];
    return [start, end];
  }
  if (id > 0) return [ends[id - 1], ends[id]];
  if (starts.length > 1) return [starts[0], starts[1]];
  return [starts[0], ends[0]];
}
