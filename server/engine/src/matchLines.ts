/**
 * Encodes `{"key":...,"entry_ids":[...]}` lines (the `match` command's output) straight into a
 * byte buffer: no per-record string is built, which matters at hundreds of thousands of lines/s.
 * Also the plain-text fast path of `match`, which reads lines as bytes.
 */
import type { EntryMatcher } from './match/matcher';
import { badRecord, type RecordContext } from './pool/common';
import { openLineReader, sourceFailure } from './pool/lines';
import { firstInvalidUtf8, invalidUtf8Detail, isValidUtf8 } from './pool/utf8';

const CR = 0x0d;
const LF = 0x0a;

const PREFIX = Buffer.from('{"key":');
const MIDDLE = Buffer.from(',"entry_ids":[');
const SUFFIX = Buffer.from(']}\n');

export class MatchLineEncoder {
  private buffer: Buffer = Buffer.allocUnsafe(1 << 20);
  private length = 0;
  private readonly spare: Buffer[] = [];

  /** Bytes pending; `take()` hands them over and starts a new buffer. */
  get pending(): number {
    return this.length;
  }

  add(key: string, ids: ArrayLike<number>): void {
    // Worst case: key as JSON (6 bytes per UTF-16 unit when escaped), 11 bytes per id.
    this.ensure(key.length * 6 + ids.length * 11 + 64);
    const buf = this.buffer;
    let at = this.length;
    at += PREFIX.copy(buf, at);
    if (isPlainAscii(key)) {
      buf[at++] = 0x22;
      at += buf.write(key, at, 'latin1');
      buf[at++] = 0x22;
    } else {
      at += buf.write(JSON.stringify(key), at, 'utf8');
    }
    at += MIDDLE.copy(buf, at);
    for (let i = 0; i < ids.length; i++) {
      if (i > 0) buf[at++] = 0x2c;
      at = writeDecimal(buf, at, ids[i]);
    }
    at += SUFFIX.copy(buf, at);
    this.length = at;
  }

  /**
   * add(String(index), ids[0, count)), without making the string or a view of the ids. The
   * fixed parts are copied byte by byte: Buffer#copy costs more per call than these few bytes.
   */
  addIndexed(index: number, ids: Uint32Array, count: number): void {
    this.ensure(16 + count * 11 + 64);
    const buf = this.buffer;
    let at = copyBytes(PREFIX, buf, this.length);
    buf[at++] = 0x22;
    at = writeDecimal(buf, at, index);
    buf[at++] = 0x22;
    at = copyBytes(MIDDLE, buf, at);
    for (let i = 0; i < count; i++) {
      if (i > 0) buf[at++] = 0x2c;
      at = writeDecimal(buf, at, ids[i]);
    }
    this.length = copyBytes(SUFFIX, buf, at);
  }

  take(): Buffer {
    const out = this.buffer.subarray(0, this.length);
    this.buffer = this.spare.pop() ?? Buffer.allocUnsafe(this.buffer.length);
    this.length = 0;
    return out;
  }

  /**
   * Hands back a buffer from take() once it is written, to be filled again: a fresh 1 MB buffer
   * per take costs its page faults again (measurable at 50 MB of output).
   */
  recycle(taken: Buffer): void {
    if (this.spare.length < 2 && taken.byteOffset === 0) {
      this.spare.push(Buffer.from(taken.buffer, 0, taken.buffer.byteLength));
    }
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** Printable ASCII without quote or backslash: JSON-encodes as itself. */
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** Copies all of `from` into `to` at `at`; returns the position after it. */
function copyBytes(from: Uint8Array, to: Uint8Array, at: number): number {
  for (let i = 0; i < from.length; i++) to[at + i] = from[i];
  return at + from.length;
}

/** "00" to "99" as ASCII digit pairs: writeDecimal does one division per two digits. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 0x30 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 0x30 + (i % 10);
}

/** Writes a non-negative integer < 2^31 in decimal; returns the position after it. */
function writeDecimal(buf: Buffer, at: number, value: number): number {
  if (value < 10) {
    buf[at] = 0x30 + value;
    return at + 1;
  }
  const end = at + decimalDigits(value);
  let p = end;
  let v = value;
  // v < 2^31, so `| 0` truncates the quotient exactly.
  while (v >= 100) {
    const q = (v / 100) | 0;
    const pair = (v - q * 100) * 2;
    buf[--p] = DIGIT_PAIRS[pair + 1];
    buf[--p] = DIGIT_PAIRS[pair];
    v = q;
  }
  if (v >= 10) {
    buf[--p] = DIGIT_PAIRS[v * 2 + 1];
    buf[--p] = DIGIT_PAIRS[v * 2];
  } else buf[--p] = 0x30 + v;
  return end;
}

function decimalDigits(v: number): number {
  if (v < 100000) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  if (v < 10000000) return v < 1000000 ? 6 : 7;
  return v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

/** What matchTextFile read: records matched, and lines left out as not valid UTF-8 (skip). */
export interface TextMatchResult {
  records: number;
  invalidUtf8: number;
}

/**
 * `match` of a plain text file: what readText gives (every line a record, key = its 0-based
 * index, the text = the line decoded as UTF-8, a CR before the LF dropped; a line that is not
 * valid UTF-8 is an InputError 'invalid-utf8', or with `onError: 'skip'` left out, its index
 * used up) matched straight from the read buffer in one pass (the matcher finds the line ends
 * as it tokenises), with no string or record object per line. The complete lines of each
 * buffer fill are checked for valid UTF-8 in one native call; only a buffer that fails it is
 * checked line by line. `flush` is awaited when the encoder holds 1 MB.
 */
export async function matchTextFile(
  file: string,
  matcher: EntryMatcher,
  encoder: MatchLineEncoder,
  flush: () => Promise<void>,
  onError: 'fail' | 'skip' = 'fail',
): Promise<TextMatchResult> {
  const reader = await openLineReader(file, false);
  const ctx: RecordContext = { file, onError };
  let index = 0;
  let invalidUtf8 = 0;
  const add = (): void => {
    const count = matcher.sortInPlace();
    encoder.addIndexed(index++, matcher.ids(), count);
  };
  /** Whether the line at bytes [start, end) of the buffer is bad: thrown, or counted and skipped. */
  const skipsInvalid = (start: number, end: number): boolean => {
    const buf = reader.buf;
    if (isValidUtf8(buf, start, end)) return false;
    const byteOffset = reader.base + start;
    const bad = firstInvalidUtf8(buf, start, end);
    const detail = invalidUtf8Detail(buf, start, end, bad, 'line', byteOffset);
    badRecord(ctx, 'invalid-utf8', detail, { line: index + 1, record: index, byteOffset });
    invalidUtf8++;
    index++;
    return true;
  };
  try {
    for (;;) {
      // The reader's buffer changes only in fill(), so awaiting flush in between is safe.
      const lastLf = reader.view.lastIndexOf(LF);
      const checkEachLine = lastLf >= reader.pos && !isValidUtf8(reader.buf, reader.pos, lastLf);
      for (;;) {
        if (checkEachLine) {
          const lf = reader.view.indexOf(LF, reader.pos);
          if (lf === -1) break;
          if (skipsInvalid(reader.pos, lf > reader.pos && reader.buf[lf - 1] === CR ? lf - 1 : lf)) {
            reader.pos = lf + 1;
            continue;
          }
        }
        matcher.begin();
        const next = matcher.collectLine(reader.buf, reader.pos, reader.end);
        if (next < 0) break;
        reader.pos = next;
        add();
        if (encoder.pending > 1 << 20) await flush();
      }
      let more: boolean;
      try {
        more = await reader.fill();
      } catch (err) {
        throw sourceFailure(file, err, { line: index + 1 });
      }
      if (!more) break;
    }
    // The last line, when the file does not end with a newline.
    if (reader.pos < reader.end) {
      const end = reader.buf[reader.end - 1] === CR ? reader.end - 1 : reader.end;
      if (!skipsInvalid(reader.pos, end)) {
        matcher.begin();
        matcher.collectUtf8(reader.buf, reader.pos, end);
        add();
      }
      reader.pos = reader.end;
    }
    return { records: index - invalidUtf8, invalidUtf8 };
  } finally {
    await reader.close();
  }
}
