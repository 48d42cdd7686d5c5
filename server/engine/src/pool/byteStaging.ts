/**
 * A growable byte buffer, reused between flushes: the select pass appends kept lines and sidecar
 * lines to it record by record (synchronously, inside a reader's visit) and writes it out in
 * large pieces, so a record costs copies, not a Buffer or string of its own.
 */
export class ByteStaging {
  private buf: Buffer;
  length = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** The staged bytes: a view, valid until the next append or clear. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }

  appendBytes(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const n = end - start;
    this.ensure(n);
    if (n > 64) this.buf.set(bytes.subarray(start, end), this.length);
    else {
      // A short line or piece: a loop costs less than the view set() needs.
      const buf = this.buf;
      let at = this.length;
      for (let i = start; i < end; i++) buf[at++] = bytes[i];
    }
    this.length += n;
  }

  appendByte(byte: number): void {
    this.ensure(1);
    this.buf[this.length++] = byte;
  }

  /** A string of ASCII characters only (one byte each). */
  appendAscii(text: string): void {
    this.ensure(text.length);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** Any string, as UTF-8 (Buffer.from(text) would give the same bytes). */
  appendUtf8(text: string): void {
    this.ensure(text.length * 3);
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  /** A safe integer n >= 0 in decimal, as String(n) writes it. */
  appendUint(n: number): void {
    this.ensure(16);
    this.length = putUint(this.buf, this.length, n);
  }

  /**
   * Room for `bytes` more bytes: the buffer to write at [length, length + bytes) with the put
   * functions, then set `length` past what was written (valid until the next append).
   */
  reserve(bytes: number): Buffer {
    this.ensure(bytes);
    return this.buf;
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

/** Writes a safe integer n >= 0 in decimal (as String(n)) at buf[at]; returns the end. */
export function putUint(buf: Uint8Array, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 48 + n;
    return at + 1;
  }
  if (n <= 0x7fffffff) {
    // Int32 arithmetic: a division by 10 compiles to a multiply.
    let end = at + 2;
    for (let limit = 100; n >= limit && limit < 1000000000; limit *= 10) end++;
    if (n >= 1000000000) end++;
    let v = n | 0;
    for (let i = end - 1; i >= at; i--) {
      const q = (v / 10) | 0;
      buf[i] = 48 + v - q * 10;
      v = q;
    }
    return end;
  }
  let digits = 1;
  for (let limit = 10; n >= limit && digits < 16; limit *= 10) digits++;
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    const q = Math.floor(n / 10);
    buf[i] = 48 + (n - q * 10);
    n = q;
  }
  return end;
}

/** Writes ASCII bytes at buf[at]; returns the end. */
export function putBytes(buf: Uint8Array, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[at++] = bytes[i];
  return at;
}
