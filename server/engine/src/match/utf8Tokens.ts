/**
 * UTF-8 bytes as the token matcher reads them in place (tokenMatcher.ts collectUtf8 and
 * collectLine): a scalar value at a time, compared with a vocabulary token's code units, or
 * decoded when a range must become a string.
 */
/**
 * The code point of the UTF-8 sequence at bytes[i] (a byte >= 0x80), or -1 unless it is a
 * complete, shortest-form sequence of a scalar value (no surrogates, at most U+10FFFF) ending
 * by `end`: exactly the sequences that decoding keeps rather than replacing with U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array, i: number, end: number): number {
  const c = bytes[i];
  if (c < 0xc2) return -1;
  if (c < 0xe0) {
    if (i + 1 >= end) return -1;
    const b1 = bytes[i + 1];
    if ((b1 & 0xc0) !== 0x80) return -1;
    return ((c & 0x1f) << 6) | (b1 & 0x3f);
  }
  if (c < 0xf0) {
    if (i + 2 >= end) return -1;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    if (b1 < lo || b1 > hi || (b2 & 0xc0) !== 0x80) return -1;
    return ((c & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
  }
  if (c < 0xf5) {
    if (i + 3 >= end) return -1;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    const b3 = bytes[i + 3];
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    if (b1 < lo || b1 > hi || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return -1;
    return ((c & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
  }
  return -1;
}

/**
 * True when the valid UTF-8 at bytes[start] decodes to exactly chars[at, at + units); `units` is
 * what those bytes decode to, counted by the scan, so a surrogate pair never straddles the end.
 */
export function equalsUtf8(
  chars: Uint16Array,
  at: number,
  units: number,
  bytes: Uint8Array,
  start: number,
): boolean {
  let i = start;
  for (let k = 0; k < units;) {
    const c = bytes[i];
    let cp: number;
    if (c < 0x80) {
      cp = c;
      i++;
    } else if (c < 0xe0) {
      cp = ((c & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
      i += 2;
    } else if (c < 0xf0) {
      cp = ((c & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      i += 3;
    } else {
      cp =
        ((c & 0x07) << 18) |
        ((bytes[i + 1] & 0x3f) << 12) |
        ((bytes[i + 2] & 0x3f) << 6) |
        (bytes[i + 3] & 0x3f);
      i += 4;
    }
    if (cp < 0x10000) {
      if (chars[at + k] !== cp) return false;
      k++;
    } else {
      const v = cp - 0x10000;
      if (chars[at + k] !== 0xd800 + (v >> 10) || chars[at + k + 1] !== 0xdc00 + (v & 0x3ff)) return false;
      k += 2;
    }
  }
  return true;
}

/** bytes[start, end) decoded as Buffer#toString('utf8') does (broken sequences become U+FFFD). */
export function decodeRange(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end);
}
