/**
 * Reads a few top-level members of a JSONL line straight from its bytes, without JSON.parse
 * and without building the record: the hot path of a curation of a JSONL pool.
 *
 * `scan` checks that the whole line is one JSON object exactly as JSON.parse would accept it
 * (the same grammar, nested values included) and notes where the wanted members' values are.
 * It answers false, and the caller parses the line with JSON.parse instead, whenever reading
 * the bytes is not obviously the same as reading the parsed object: a line JSON.parse rejects
 * or that is not an object, a member name with an escape (it could spell a wanted name), a
 * wanted member given twice (JSON.parse keeps the last), a wanted string with an escape, or
 * nesting deeper than MAX_DEPTH. So the fast path only ever says "same as JSON.parse".
 * The bytes must be valid UTF-8 (the readers check that first and report 'invalid-utf8').
 */

/** What a wanted member holds; ABSENT when the object has no such member. */
export const ABSENT = 0;
/** A string without escapes: its bytes (between the quotes) decode to the value. */
export const PLAIN_STRING = 1;
/** A number: its bytes are the JSON number text. */
export const NUMBER = 2;
export const NULL = 3;
/** true, false, an object or an array. */
export const OTHER = 4;

/** Deeper nesting goes to JSON.parse (real records are a few levels deep). */
const MAX_DEPTH = 256;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const IN_OBJECT = 1;
const IN_ARRAY = 2;

/** The escapes JSON allows after a backslash (u is followed by four hex digits). */
const ESCAPE = new Uint8Array(128);
for (const c of '"\\/bfnrtu') ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL_BYTES = Buffer.from('null');

/** Finds the named top-level members of JSON object lines. One per reader: it holds the results. */
export class JsonMemberScanner {
  private readonly names: Buffer[];
  /** Per wanted name: ABSENT, PLAIN_STRING, NUMBER, NULL or OTHER, after `scan`. */
  readonly kinds: Uint8Array;
  /** Per wanted name: where its value's bytes are (a string's without the quotes). */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  private readonly stack = new Uint8Array(MAX_DEPTH);
  /** Whether the string skipString last read had an escape. */
  private escaped = false;

  constructor(names: readonly string[]) {
    this.names = names.map((n) => Buffer.from(n, 'utf8'));
    this.kinds = new Uint8Array(names.length);
    this.starts = new Int32Array(names.length);
    this.ends = new Int32Array(names.length);
  }

  /**
   * True when bytes [start, end) are one JSON object that JSON.parse reads the same way, the
   * wanted members found (kinds, starts, ends); false: parse the line with JSON.parse.
   */
  scan(buf: Uint8Array, start: number, end: number): boolean {
    this.kinds.fill(ABSENT);
    let i = skipSpace(buf, start, end);
    if (i >= end || buf[i] !== OPEN_BRACE) return false;
    i = skipSpace(buf, i + 1, end);
    if (i < end && buf[i] === CLOSE_BRACE) return skipSpace(buf, i + 1, end) === end;
    for (;;) {
      if (i >= end || buf[i] !== QUOTE) return false;
      const nameStart = i + 1;
      i = this.skipString(buf, i, end);
      if (i < 0 || this.escaped) return false;
      const wanted = this.wantedIndex(buf, nameStart, i - 1);
      i = skipSpace(buf, i, end);
      if (i >= end || buf[i] !== COLON) return false;
      i = skipSpace(buf, i + 1, end);
      if (i >= end) return false;
      const valueStart = i;
      const c = buf[i];
      i = this.skipValue(buf, i, end);
      if (i < 0) return false;
      if (wanted >= 0) {
        if (this.kinds[wanted] !== ABSENT) return false;
        if (c === QUOTE) {
          if (this.escaped) return false;
          this.kinds[wanted] = PLAIN_STRING;
          this.starts[wanted] = valueStart + 1;
          this.ends[wanted] = i - 1;
        } else {
          this.kinds[wanted] = c === MINUS || (c >= ZERO && c <= NINE) ? NUMBER : c === 0x6e ? NULL : OTHER;
          this.starts[wanted] = valueStart;
          this.ends[wanted] = i;
        }
      }
      i = skipSpace(buf, i, end);
      if (i >= end) return false;
      if (buf[i] === CLOSE_BRACE) return skipSpace(buf, i + 1, end) === end;
      if (buf[i] !== COMMA) return false;
      i = skipSpace(buf, i + 1, end);
    }
  }

  private wantedIndex(buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    for (let k = 0; k < this.names.length; k++) {
      const name = this.names[k];
      if (name.length !== length) continue;
      let same = true;
      for (let j = 0; j < length; j++) {
        if (buf[start + j] !== name[j]) {
          same = false;
          break;
        }
      }
      if (same) return k;
    }
    return -1;
  }

  /** Position after the string that starts at buf[i] (a quote), or -1; sets `escaped`. */
  private skipString(buf: Uint8Array, i: number, end: number): number {
    let escaped = false;
    for (let j = i + 1; j < end; j++) {
      const c = buf[j];
      if (c === QUOTE) {
        this.escaped = escaped;
        return j + 1;
      }
      if (c < 0x20) return -1;
      if (c === BACKSLASH) {
        escaped = true;
        if (j + 1 >= end) return -1;
        const e = buf[j + 1];
        if (e >= 128 || ESCAPE[e] === 0) return -1;
        if (e === 0x75) {
          if (j + 5 >= end) return -1;
          for (let h = j + 2; h < j + 6; h++) if (buf[h] >= 128 || HEX[buf[h]] === 0) return -1;
          j += 5;
        } else j++;
      }
    }
    return -1;
  }

  /** Position after the JSON value that starts at buf[i], or -1 when it is not one. */
  private skipValue(buf: Uint8Array, i: number, end: number): number {
    const stack = this.stack;
    let depth = 0;
    for (;;) {
      // A value starts at i.
      if (i >= end) return -1;
      const c = buf[i];
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        i = skipSpace(buf, i + 1, end);
        if (i >= end) return -1;
        if (buf[i] === (c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) {
          i++;
        } else {
          if (depth === MAX_DEPTH) return -1;
          stack[depth++] = c === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
          if (c === OPEN_BRACE) {
            i = this.skipMemberName(buf, i, end);
            if (i < 0) return -1;
          }
          continue;
        }
      } else if (c === QUOTE) {
        i = this.skipString(buf, i, end);
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
        i = skipNumber(buf, i, end);
      } else if (c === 0x74) {
        i = skipWord(buf, i, end, TRUE);
      } else if (c === 0x66) {
        i = skipWord(buf, i, end, FALSE);
      } else if (c === 0x6e) {
        i = skipWord(buf, i, end, NULL_BYTES);
      } else return -1;
      if (i < 0) return -1;
      // After a value: close containers, or go on to the next element.
      for (;;) {
        if (depth === 0) return i;
        i = skipSpace(buf, i, end);
        if (i >= end) return -1;
        const d = buf[i];
        const top = stack[depth - 1];
        if (d === COMMA) {
          i = skipSpace(buf, i + 1, end);
          if (top === IN_OBJECT) {
            i = this.skipMemberName(buf, i, end);
            if (i < 0) return -1;
          }
          break;
        }
        if (d !== (top === IN_OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) return -1;
        depth--;
        i++;
      }
    }
  }

  /** From a member name's quote to its value's first byte (past the colon and spaces), or -1. */
  private skipMemberName(buf: Uint8Array, i: number, end: number): number {
    if (i >= end || buf[i] !== QUOTE) return -1;
    i = this.skipString(buf, i, end);
    if (i < 0) return -1;
    i = skipSpace(buf, i, end);
    if (i >= end || buf[i] !== COLON) return -1;
    return skipSpace(buf, i + 1, end);
  }
}

/** JSON whitespace: space, tab, LF, CR. */
function skipSpace(buf: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
  return i;
}

/** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?: the position after it, or -1. */
function skipNumber(buf: Uint8Array, i: number, end: number): number {
  if (buf[i] === MINUS) i++;
  if (i >= end) return -1;
  if (buf[i] === ZERO) i++;
  else if (buf[i] > ZERO && buf[i] <= NINE) i = skipDigits(buf, i, end);
  else return -1;
  if (i < end && buf[i] === DOT) {
    const digits = skipDigits(buf, i + 1, end);
    if (digits === i + 1) return -1;
    i = digits;
  }
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    if (i < end && (buf[i] === PLUS || buf[i] === MINUS)) i++;
    const digits = skipDigits(buf, i, end);
    if (digits === i) return -1;
    i = digits;
  }
  return i;
}

function skipDigits(buf: Uint8Array, i: number, end: number): number {
  while (i < end && buf[i] >= ZERO && buf[i] <= NINE) i++;
  return i;
}

function skipWord(buf: Uint8Array, i: number, end: number, word: Uint8Array): number {
  if (i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (buf[i + k] !== word[k]) return -1;
  return i + word.length;
}
