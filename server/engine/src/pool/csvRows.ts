/**
 * The rows of a CSV file (RFC 4180 quoting) or TSV file (no quoting), parsed from a ChunkReader's
 * bytes (csv.ts reads the fields by header name from them).
 */
import type { DelimitedFormat } from './csv';
import type { ChunkReader } from './bytes';
import { firstInvalidUtf8, invalidUtf8Detail, isValidUtf8 } from './utf8';

export const LF = 10;
const CR = 13;
export const QUOTE = 34;
const COMMA = 44;
const TAB = 9;

/** A parsed row: its field values and where its raw bytes (without the line break) lie. */
export interface Row {
  kind: 'row';
  fields: string[];
  rawStart: number;
  rawEnd: number;
  /** Position after the row's line break. */
  next: number;
  /** Physical lines the row spans (more than 1 when a quoted field holds newlines). */
  lines: number;
}

/** A row that breaks the quoting rules; `next` is where reading resumes (the next line). */
export interface BadRow {
  kind: 'bad';
  detail: string;
  next: number;
  lines: number;
}

/** The row does not end within the buffered bytes: read more and parse it again. */
const MORE = 'more';

type RowParse = Row | BadRow | typeof MORE;

export function rawEndOf(view: Buffer, start: number, lineEnd: number): number {
  return lineEnd > start && view[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
}

function countNewlines(view: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = view.indexOf(LF, start); i !== -1 && i < end; i = view.indexOf(LF, i + 1)) n++;
  return n;
}

/**
 * Parses the row starting at `pos`. Rows without a quote take the fast path (one split);
 * others go through the RFC 4180 state machine.
 */
function parseRow(view: Buffer, pos: number, eof: boolean, sep: number, quoting: boolean): RowParse {
  const n = view.length;
  const nl = view.indexOf(LF, pos);
  if (nl === -1 && !eof) return MORE;
  const lineEnd = nl === -1 ? n : nl;
  const next = nl === -1 ? n : nl + 1;
  if (!quoting || view.subarray(pos, lineEnd).indexOf(QUOTE) === -1) {
    const rawEnd = rawEndOf(view, pos, lineEnd);
    const fields = view.toString('utf8', pos, rawEnd).split(String.fromCharCode(sep));
    return { kind: 'row', fields, rawStart: pos, rawEnd, next, lines: 1 };
  }
  return parseQuotedRow(view, pos, eof, sep);
}

function parseQuotedRow(view: Buffer, pos: number, eof: boolean, sep: number): RowParse {
  const n = view.length;
  const fields: string[] = [];
  let lines = 1;
  let i = pos;
  for (;;) {
    if (i < n && view[i] === QUOTE) {
      let scan = i + 1;
      let escaped = false;
      let close: number;
      for (;;) {
        const q = view.indexOf(QUOTE, scan);
        if (q === -1) {
          if (!eof) return MORE;
          return {
            kind: 'bad',
            detail: `unterminated quoted field ${fields.length + 1}: the file ends inside it`,
            next: n,
            lines: lines + countNewlines(view, i, n),
          };
        }
        if (q + 1 < n && view[q + 1] === QUOTE) {
          escaped = true;
          scan = q + 2;
          continue;
        }
        if (q + 1 >= n && !eof) return MORE;
        close = q;
        break;
      }
      const value = view.toString('utf8', i + 1, close);
      fields.push(escaped ? value.replace(/""/g, '"') : value);
      lines += countNewlines(view, i + 1, close);
      const k = close + 1;
      if (k >= n) return { kind: 'row', fields, rawStart: pos, rawEnd: k, next: k, lines };
      const c = view[k];
      if (c === sep) {
        i = k + 1;
        continue;
      }
      if (c === LF) return { kind: 'row', fields, rawStart: pos, rawEnd: k, next: k + 1, lines };
      if (c === CR && (k + 1 >= n || view[k + 1] === LF)) {
        if (k + 1 >= n && !eof) return MORE;
        return { kind: 'row', fields, rawStart: pos, rawEnd: k, next: Math.min(k + 2, n), lines };
      }
      const nl = view.indexOf(LF, k);
      return {
        kind: 'bad',
        detail: `unexpected character after the closing quote of field ${fields.length} (a quote inside a quoted field must be doubled)`,
        next: nl === -1 ? n : nl + 1,
        lines,
      };
    }
    // Unquoted field: up to the separator or the line break. A quote inside it is kept literally.
    let k = i;
    while (k < n) {
      const c = view[k];
      if (c === sep || c === LF) break;
      k++;
    }
    if (k >= n && !eof) return MORE;
    if (k < n && view[k] === sep) {
      fields.push(view.toString('utf8', i, k));
      i = k + 1;
      continue;
    }
    const rawEnd = rawEndOf(view, i, k);
    fields.push(view.toString('utf8', i, rawEnd));
    return { kind: 'row', fields, rawStart: pos, rawEnd, next: k < n ? k + 1 : n, lines };
  }
}

/** Reads rows one by one, refilling the buffer when a row runs past the bytes read so far. */
export class RowReader {
  /** 1-based line on which the next row starts. */
  line = 1;

  constructor(
    private readonly reader: ChunkReader,
    private readonly sep: number,
    private readonly quoting: boolean,
  ) {}

  /** The next non-blank row (or bad row) and the line it starts on; undefined at the end. */
  async next(): Promise<{ row: Row | BadRow; line: number; byteOffset: number } | undefined> {
    const r = this.reader;
    for (;;) {
      if (r.pos >= r.end && !(await r.fill())) return undefined;
      const parsed = parseRow(r.view, r.pos, r.eof, this.sep, this.quoting);
      if (parsed === MORE) {
        await r.fill();
        continue;
      }
      const line = this.line;
      const byteOffset = r.offset;
      this.line += parsed.lines;
      r.pos = parsed.next;
      // An empty line holds no record (a one-column file cannot tell it from an empty value).
      if (parsed.kind === 'row' && parsed.rawEnd === parsed.rawStart) continue;
      return { row: parsed, line, byteOffset };
    }
  }

  rawBytes(row: Row): Buffer {
    return Buffer.from(this.reader.view.subarray(row.rawStart, row.rawEnd));
  }

  /**
   * Why the row's bytes are not valid UTF-8, or undefined when they are. `byteOffset` is the
   * file offset of the row's first byte. Call before the next row is read.
   */
  invalidUtf8(row: Row, byteOffset: number): string | undefined {
    const view = this.reader.view;
    if (isValidUtf8(view, row.rawStart, row.rawEnd)) return undefined;
    const bad = firstInvalidUtf8(view, row.rawStart, row.rawEnd);
    return invalidUtf8Detail(view, row.rawStart, row.rawEnd, bad, 'row', byteOffset);
  }
}

export function separatorOf(format: DelimitedFormat): number {
  return format === 'csv' ? COMMA : TAB;
}
