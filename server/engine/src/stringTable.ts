/** Growable typed arrays and a string-to-id table for the language server's indexes. */

/** Grows a typed array to at least `size` elements (doubling), keeping its contents. */
export function grow<T extends Int32Array | Uint32Array | Uint8Array>(a: T, size: number, fill = 0): T {
  if (a.length >= size) return a;
  let n = Math.max(16, a.length);
  while (n < size) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/**
 * Strings (or ranges of strings) to dense ids without allocating: an open-addressing table over
 * FNV-1a hashes of code units, the strings' characters kept back to back in one array and
 * compared in place. Faster than a Map<string, number> for hundreds of thousands of keys that
 * arrive as ranges of larger strings.
 */
export class StringTable {
  private chars = new Uint16Array(1 << 16);
  private charCount = 0;
  private tokenStart = new Int32Array(1024);
  private tokenHash = new Int32Array(1024);
  private table = new Int32Array(2048);
  size = 0;

  private static hash(s: string, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  /** Id of s[start, end), or -1. */
  lookup(s: string, start: number, end: number): number {
    return this.find(s, start, end, StringTable.hash(s, start, end));
  }

  private find(s: string, start: number, end: number, h: number): number {
    const { table, tokenHash, tokenStart, chars } = this;
    const mask = table.length - 1;
    const len = end - start;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const t = table[slot] - 1;
      if (t < 0) return -1;
      if (tokenHash[t] !== h) continue;
      const ts = tokenStart[t];
      if (tokenStart[t + 1] - ts !== len) continue;
      let i = 0;
      while (i < len && chars[ts + i] === s.charCodeAt(start + i)) i++;
      if (i === len) return t;
    }
  }

  /** Id of s[start, end), added when new (new ids are `size - 1`). */
  intern(s: string, start: number, end: number): number {
    const h = StringTable.hash(s, start, end);
    const found = this.find(s, start, end, h);
    if (found >= 0) return found;
    const t = this.size++;
    const len = end - start;
    this.chars = grow16(this.chars, this.charCount + len);
    for (let i = 0; i < len; i++) this.chars[this.charCount + i] = s.charCodeAt(start + i);
    this.tokenStart = grow(this.tokenStart, t + 2);
    this.tokenHash = grow(this.tokenHash, t + 1);
    this.tokenStart[t] = this.charCount;
    this.charCount += len;
    this.tokenStart[t + 1] = this.charCount;
    this.tokenHash[t] = h;
    if (this.size * 2 > this.table.length) this.rehash();
    else this.place(t);
    return t;
  }

  private place(t: number): void {
    const mask = this.table.length - 1;
    let slot = this.tokenHash[t] & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = t + 1;
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    for (let t = 0; t < this.size; t++) this.place(t);
  }
}

function grow16(a: Uint16Array<ArrayBuffer>, size: number): Uint16Array<ArrayBuffer> {
  if (a.length >= size) return a;
  let n = a.length;
  while (n < size) n *= 2;
  const b = new Uint16Array(n);
  b.set(a);
  return b;
}
