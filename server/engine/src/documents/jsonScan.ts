/**
 * A hand-written JSON scanner that keeps source positions: the range of every string element of a
 * top-level array (the metadata list), the range of one string field of a JSON object line (a
 * JSONL sample), and, for a string with escapes, where each decoded code unit came from, so a
 * span of the decoded value maps back to the exact characters of the file.
 *
 * Positions are UTF-16 offsets into the text, the unit LSP positions use.
 */

export interface ScanError {
  start: number;
  end: number;
  message: string;
  /** 'not-array': the top-level value is not an array; 'not-string': an element is not a string. */
  code: 'json-syntax' | 'not-array' | 'not-string';
}

export interface EntryArrayScan {
  /** The number of string elements (elements that are not strings are left out). */
  count: number;
  /** Per string element: offset of its opening quote and offset after its closing quote. */
  starts: Int32Array;
  ends: Int32Array;
  /** Per string element: 1 when the string token holds a backslash escape. */
  escaped: Uint8Array;
  /**
   * The decoded value of each element whose value is not the plain text between its quotes
   * (escapes, control characters, an unterminated string); the others are not copied out
   * (scannedValue reads them), so a 500k-entry list makes no string until one is asked for.
   */
  decoded: Map<number, string>;
  errors: ScanError[];
  /** Offset of the array's `[` and `]`, or -1. */
  open: number;
  close: number;
}

/** The decoded value of string element `id` of a scan of `text`. */
export function scannedValue(text: string, scan: EntryArrayScan, id: number): string {
  return scan.decoded.get(id) ?? text.slice(scan.starts[id] + 1, scan.ends[id] - 1);
}

/** The decoded values of all string elements, in order. */
export function scannedValues(text: string, scan: EntryArrayScan): string[] {
  const values = new Array<string>(scan.count);
  for (let id = 0; id < scan.count; id++) values[id] = scannedValue(text, scan, id);
  return values;
}

/** Per-element typed arrays that grow as elements are found. */
class ElementTable {
  count = 0;
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  escaped = new Uint8Array(1024);

  push(start: number, end: number, escaped: boolean): void {
    if (this.count === this.starts.length) {
      const size = this.count * 2;
      this.starts = grown(this.starts, new Int32Array(size));
      this.ends = grown(this.ends, new Int32Array(size));
      this.escaped = grown(this.escaped, new Uint8Array(size));
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.escaped[this.count] = escaped ? 1 : 0;
    this.count++;
  }
}

function grown<T extends Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(text: string, pos: number, end = text.length): number {
  while (pos < end && isJsonSpace(text.charCodeAt(pos))) pos++;
  return pos;
}

function describeChar(text: string, pos: number): string {
  if (pos >= text.length) return 'the end of the file';
  return `'${text[pos]}'`;
}

/** Result of scanning one string token that starts at a quote. */
interface StringToken {
  /** Offset after the closing quote (or where scanning stopped). */
  end: number;
  value: string;
  escaped: boolean;
  error?: { start: number; end: number; message: string };
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Scans the string token whose opening quote is at `start`, stopping at `limit`. A raw line break
 * ends an unterminated string (the error covers the rest of that line).
 */
export function scanString(text: string, start: number, limit = text.length): StringToken {
  let pos = start + 1;
  let escaped = false;
  let error: StringToken['error'];
  // Fast path: no backslash before the closing quote.
  for (; pos < limit; pos++) {
    const c = text.charCodeAt(pos);
    if (c === QUOTE) return { end: pos + 1, value: text.slice(start + 1, pos), escaped: false, error };
    if (c === BACKSLASH) break;
    if (c < 0x20) {
      if (c === 0x0a) return unterminated(text, start, pos);
      error ??= { start: pos, end: pos + 1, message: controlMessage(c) };
    }
  }
  if (pos >= limit) return unterminated(text, start, limit);
  // Slow path: decode escapes.
  escaped = true;
  let value = text.slice(start + 1, pos);
  while (pos < limit) {
    const c = text.charCodeAt(pos);
    if (c === QUOTE) return { end: pos + 1, value, escaped, error };
    if (c === BACKSLASH) {
      const e = text[pos + 1];
      if (e === 'u') {
        const hex = text.slice(pos + 2, pos + 6);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          value += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
          continue;
        }
        error ??= {
          start: pos,
          end: Math.min(pos + 6, limit),
          message: `invalid unicode escape '\\u${hex}'`,
        };
        pos += 2;
        continue;
      }
      const decoded = e === undefined ? undefined : ESCAPES[e];
      if (decoded === undefined) {
        if (pos + 1 >= limit || e === '\n') return unterminated(text, start, pos + 1);
        error ??= { start: pos, end: pos + 2, message: `invalid escape '\\${e}'` };
        value += e;
      } else value += decoded;
      pos += 2;
      continue;
    }
    if (c < 0x20) {
      if (c === 0x0a) return unterminated(text, start, pos);
      error ??= { start: pos, end: pos + 1, message: controlMessage(c) };
    }
    value += text[pos];
    pos++;
  }
  return unterminated(text, start, limit);
}

function controlMessage(c: number): string {
  const name =
    c === 0x09
      ? 'a tab'
      : c === 0x0d
        ? 'a carriage return'
        : `control character U+${c.toString(16).padStart(4, '0')}`;
  return `${name} cannot appear raw in a JSON string (write it as an escape)`;
}

function unterminated(text: string, start: number, stop: number): StringToken {
  let end = stop;
  if (end > start + 1 && text.charCodeAt(end - 1) === 0x0d) end--;
  return {
    end: stop,
    value: text.slice(start + 1, end),
    escaped: false,
    error: { start, end: Math.max(end, start + 1), message: 'unterminated string' },
  };
}

/**
 * Where each decoded code unit of the string token at `start` (its opening quote) comes from:
 * `map[i]` is the offset of the source of unit i, `map[value.length]` the closing quote's offset.
 * The decoded span [a, b) covers the source [map[a], map[b]).
 */
export function decodeStringWithOffsets(
  text: string,
  start: number,
  limit = text.length,
): { value: string; map: Int32Array } {
  const units: number[] = [];
  const offsets: number[] = [];
  let pos = start + 1;
  while (pos < limit) {
    const c = text.charCodeAt(pos);
    if (c === QUOTE || c === 0x0a) break;
    if (c === BACKSLASH && pos + 1 < limit) {
      const e = text[pos + 1];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
        units.push(parseInt(text.slice(pos + 2, pos + 6), 16));
        offsets.push(pos);
        pos += 6;
        continue;
      }
      const decoded = ESCAPES[e];
      units.push(decoded === undefined ? e.charCodeAt(0) : decoded.charCodeAt(0));
      offsets.push(pos);
      pos += 2;
      continue;
    }
    units.push(c);
    offsets.push(pos);
    pos++;
  }
  offsets.push(pos);
  let value = '';
  for (let i = 0; i < units.length; i += 8192) value += String.fromCharCode(...units.slice(i, i + 8192));
  return { value, map: Int32Array.from(offsets) };
}

/** Skips one JSON value of any kind starting at `pos`; returns its end, or -1 when malformed. */
export function skipValue(text: string, pos: number, limit = text.length): number {
  const c = text.charCodeAt(pos);
  if (c === QUOTE) {
    const s = scanString(text, pos, limit);
    return s.error?.message === 'unterminated string' ? -1 : s.end;
  }
  if (c === 0x5b || c === 0x7b) {
    let depth = 0;
    for (let i = pos; i < limit; i++) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) {
        const s = scanString(text, i, limit);
        if (s.error?.message === 'unterminated string') return -1;
        i = s.end - 1;
      } else if (d === 0x5b || d === 0x7b) depth++;
      else if (d === 0x5d || d === 0x7d) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(
    text.slice(pos, Math.min(limit, pos + 400)),
  );
  return m ? pos + m[0].length : -1;
}

function describeValue(text: string, start: number, end: number): string {
  const c = text[start];
  if (c === '{') return 'an object';
  if (c === '[') return 'an array';
  const raw = text.slice(start, end);
  if (raw === 'null') return 'null';
  if (raw === 'true' || raw === 'false') return `a boolean (${raw})`;
  return `a number (${raw})`;
}

/** Scans a metadata list: a top-level JSON array of strings, recovering after errors. */
export function scanEntryArray(text: string): EntryArrayScan {
  const table = new ElementTable();
  const out: EntryArrayScan = {
    count: 0,
    starts: table.starts,
    ends: table.ends,
    escaped: table.escaped,
    decoded: new Map(),
    errors: [],
    open: -1,
    close: -1,
  };
  scanElements(text, out, table);
  out.count = table.count;
  out.starts = table.starts.subarray(0, table.count);
  out.ends = table.ends.subarray(0, table.count);
  out.escaped = table.escaped.subarray(0, table.count);
  return out;
}

function scanElements(text: string, out: EntryArrayScan, table: ElementTable): void {
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  pos = skipSpace(text, pos);
  if (pos >= n) {
    out.errors.push({
      start: 0,
      end: 0,
      code: 'not-array',
      message: 'empty file: expected a JSON array of strings',
    });
    return;
  }
  if (text.charCodeAt(pos) !== 0x5b) {
    const end = skipValue(text, pos);
    const what = end > pos ? describeValue(text, pos, end) : `${describeChar(text, pos)}`;
    const kind = text[pos] === '"' ? 'a string' : what;
    out.errors.push({
      start: pos,
      end: end > pos ? end : pos + 1,
      code: 'not-array',
      message: `not a JSON array of strings: the file holds ${kind}; a metadata list is ["entry", "entry", ...]`,
    });
    return;
  }
  out.open = pos;
  pos++;
  let element = 0;
  let expectValue = true;
  let sawComma = false;
  for (;;) {
    pos = skipSpace(text, pos);
    if (pos >= n) {
      out.errors.push({
        start: n,
        end: n,
        code: 'json-syntax',
        message: "unexpected end of file: the array is not closed with ']'",
      });
      return;
    }
    const c = text.charCodeAt(pos);
    if (c === 0x5d) {
      if (sawComma && expectValue) {
        let comma = pos - 1;
        while (comma > 0 && isJsonSpace(text.charCodeAt(comma))) comma--;
        out.errors.push({
          start: comma,
          end: comma + 1,
          code: 'json-syntax',
          message: "trailing comma before ']'",
        });
      }
      out.close = pos;
      pos = skipSpace(text, pos + 1);
      if (pos < n) {
        out.errors.push({
          start: pos,
          end: n,
          code: 'json-syntax',
          message: "unexpected content after the array's closing ']'",
        });
      }
      return;
    }
    if (!expectValue) {
      if (c === 0x2c) {
        expectValue = true;
        sawComma = true;
        pos++;
        continue;
      }
      out.errors.push({
        start: pos,
        end: pos + 1,
        code: 'json-syntax',
        message: `expected ',' or ']' after entry ${element - 1}, found ${describeChar(text, pos)}`,
      });
      if (c !== QUOTE) {
        pos = recover(text, pos);
        continue;
      }
      // A missing comma before a string: read the string as the next element.
    }
    if (c === 0x2c) {
      out.errors.push({
        start: pos,
        end: pos + 1,
        code: 'json-syntax',
        message: "unexpected ',': missing entry",
      });
      pos++;
      continue;
    }
    if (c === QUOTE) {
      // Fast path, nearly every entry: no escape, no control character; no token object made.
      let close = pos + 1;
      let d = text.charCodeAt(close);
      while (d !== QUOTE && d !== BACKSLASH && d >= 0x20) d = text.charCodeAt(++close);
      if (d === QUOTE) {
        table.push(pos, close + 1, false);
        pos = close + 1;
        element++;
        expectValue = false;
        continue;
      }
      const s = scanString(text, pos);
      out.decoded.set(table.count, s.value);
      table.push(pos, s.end, s.escaped);
      if (s.error) out.errors.push({ ...s.error, code: 'json-syntax' });
      pos = s.end;
    } else {
      const end = skipValue(text, pos);
      if (end > pos) {
        out.errors.push({
          start: pos,
          end,
          code: 'not-string',
          message: `entry ${element} is ${describeValue(text, pos, end)}, expected a string`,
        });
        pos = end;
      } else {
        out.errors.push({
          start: pos,
          end: pos + 1,
          code: 'json-syntax',
          message: `unexpected ${describeChar(text, pos)}: expected a string`,
        });
        pos = recover(text, pos);
        expectValue = true;
        continue;
      }
    }
    element++;
    expectValue = false;
  }
}

/** After a syntax error: the next ',' or ']' or '"' outside strings (or the end). */
function recover(text: string, pos: number): number {
  for (let i = pos + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2c || c === 0x5d || c === QUOTE || c === 0x0a) return c === 0x0a ? i + 1 : i;
  }
  return text.length;
}

/** Where a caption string sits in a JSON object line: its token's quote offsets. */
export interface JsonFieldSite {
  field: string;
  /** Offset of the opening quote and offset after the closing quote. */
  start: number;
  end: number;
  escaped: boolean;
  value: string;
}

/**
 * Finds the first of `fields` (in the order given) that holds a string in the JSON object on
 * text[start, end). Other values are skipped exactly. Undefined for a malformed line or when no
 * field holds a string.
 */
export function findStringField(
  text: string,
  start: number,
  end: number,
  fields: readonly string[],
): JsonFieldSite | undefined {
  let pos = skipSpace(text, start, end);
  if (text.charCodeAt(pos) !== 0x7b) return undefined;
  pos++;
  let best: JsonFieldSite | undefined;
  let bestRank = fields.length;
  for (;;) {
    pos = skipSpace(text, pos, end);
    if (pos >= end) return best;
    const c = text.charCodeAt(pos);
    if (c === 0x7d) return best;
    if (c === 0x2c) {
      pos++;
      continue;
    }
    if (c !== QUOTE) return best;
    const key = scanString(text, pos, end);
    if (key.error) return best;
    pos = skipSpace(text, key.end, end);
    if (text.charCodeAt(pos) !== 0x3a) return best;
    pos = skipSpace(text, pos + 1, end);
    if (pos >= end) return best;
    const rank = fields.indexOf(key.value);
    if (rank !== -1 && rank < bestRank && text.charCodeAt(pos) === QUOTE) {
      const s = scanString(text, pos, end);
      if (s.error?.message === 'unterminated string') return best;
      best = { field: key.value, start: pos, end: s.end, escaped: s.escaped, value: s.value };
      bestRank = rank;
      if (rank === 0) return best;
      pos = s.end;
      continue;
    }
    const next = skipValue(text, pos, end);
    if (next < 0) return best;
    pos = next;
  }
}
