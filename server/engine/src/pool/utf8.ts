/**
 * UTF-8 validity of record bytes. Captions must be valid UTF-8: decoding would silently turn a
 * broken sequence into U+FFFD and the record would be matched and kept with a caption it does
 * not have. The readers check a whole buffer of lines at once (one native call) and look for
 * the bad byte only when that check fails, so valid input pays almost nothing.
 */
import { isUtf8 } from 'node:buffer';

/** True when bytes[start, end) are strictly valid UTF-8 (what decoding keeps unchanged). */
export function isValidUtf8(bytes: Buffer, start: number, end: number): boolean {
  return end <= start || isUtf8(bytes.subarray(start, end));
}

/**
 * Position of the first byte in bytes[start, end) that does not begin a complete, shortest-form
 * UTF-8 sequence of a scalar value (no surrogates, at most U+10FFFF); -1 when there is none.
 */
export function firstInvalidUtf8(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = bytes[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const length = sequenceLength(bytes, i, end);
    if (length === 0) return i;
    i += length;
  }
  return -1;
}

/** Length of the valid multi-byte sequence at bytes[i] (a byte >= 0x80), 0 when it is not one. */
function sequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const c = bytes[i];
  const continuation = (k: number): boolean => i + k < end && (bytes[i + k] & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return continuation(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 1 >= end) return 0;
    const b1 = bytes[i + 1];
    // E0 needs A0..BF (no overlong forms), ED needs 80..9F (no surrogates).
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return b1 >= lo && b1 <= hi && continuation(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 1 >= end) return 0;
    const b1 = bytes[i + 1];
    // F0 needs 90..BF (no overlong forms), F4 needs 80..8F (at most U+10FFFF).
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return b1 >= lo && b1 <= hi && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

/**
 * The message of a record that is not valid UTF-8: where the first bad byte is (in the record,
 * and in the file when `fileOffset` of the record's first byte is known) and the bytes there.
 */
export function invalidUtf8Detail(
  bytes: Uint8Array,
  recordStart: number,
  recordEnd: number,
  bad: number,
  unit: 'line' | 'row',
  fileOffset: number | undefined,
): string {
  const shown = Array.from(
    bytes.subarray(bad, Math.min(bad + 4, recordEnd)),
    (b) => `0x${b.toString(16).padStart(2, '0')}`,
  ).join(' ');
  const inRecord = `byte ${bad - recordStart} of the ${unit}`;
  const where =
    fileOffset === undefined ? inRecord : `byte offset ${fileOffset + bad - recordStart} (${inRecord})`;
  return `invalid UTF-8 at ${where}: ${shown}`;
}
