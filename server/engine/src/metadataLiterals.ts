/**
 * Where each entry's string literal is in a metadata file's bytes (a JSON array of strings): what
 * counts.json is made from (countsJson.ts), and how one entry's name is read without parsing the
 * other 500k (metadata.ts, entryName). The scan of a file's bytes is made once and kept with them.
 */
import { isUtf8 } from 'node:buffer';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export interface StringLiterals {
  /** Per id: the first byte of its literal's characters (after the quote). */
  starts: Uint32Array;
  /** Per id: the closing quote. */
  ends: Uint32Array;
  /** Ids whose literal has an escape, ascending. */
  escaped: number[];
}

const scans = new WeakMap<Uint8Array, { n: number; literals: StringLiterals | undefined }>();

/**
 * The literals of `bytes`, a top-level JSON array of exactly `n` strings in valid UTF-8; undefined
 * for anything else (the caller then parses). Scanned once per bytes object and `n`.
 */
export function stringLiteralsOf(bytes: Uint8Array, n: number): StringLiterals | undefined {
  const known = scans.get(bytes);
  if (known !== undefined && known.n === n) return known.literals;
  const literals = isUtf8(bytes) ? scanStringArray(bytes, n) : undefined;
  scans.set(bytes, { n, literals });
  return literals;
}

/** The string of literal `id`: for a literal without escape, its bytes are the string's UTF-8. */
export function literalValue(bytes: Buffer, literals: StringLiterals, id: number): string {
  const start = literals.starts[id];
  const end = literals.ends[id];
  for (let k = start; k < end; k++)
    if (bytes[k] === BACKSLASH) return JSON.parse(bytes.toString('utf8', start - 1, end + 1)) as string;
  return bytes.toString('utf8', start, end);
}

function scanStringArray(bytes: Uint8Array, n: number): StringLiterals | undefined {
  const starts = new Uint32Array(n);
  const ends = new Uint32Array(n);
  const escaped: number[] = [];
  const length = bytes.length;
  let i = skipSpace(bytes, 0);
  if (bytes[i] !== 0x5b) return undefined; // [
  i = skipSpace(bytes, i + 1);
  let count = 0;
  if (bytes[i] === 0x5d)
    i++; // ]
  else {
    for (;;) {
      if (bytes[i] !== QUOTE || count === n) return undefined;
      const start = i + 1;
      let hasEscape = false;
      let j = start;
      while (j < length && bytes[j] !== QUOTE) {
        if (bytes[j] === BACKSLASH) {
          hasEscape = true;
          j += 2;
        } else if (bytes[j] < 0x20)
          return undefined; // not JSON
        else j++;
      }
      if (j >= length) return undefined;
      starts[count] = start;
      ends[count] = j;
      if (hasEscape) escaped.push(count);
      count++;
      i = skipSpace(bytes, j + 1);
      if (bytes[i] === 0x2c) i = skipSpace(bytes, i + 1);
      else if (bytes[i] === 0x5d) {
        i++;
        break;
      } else return undefined;
    }
  }
  if (count !== n || skipSpace(bytes, i) !== length) return undefined;
  return { starts, ends, escaped };
}

function skipSpace(bytes: Uint8Array, i: number): number {
  for (;;) {
    const c = bytes[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}
