/**
 * 32-bit hashing over UTF-16 code units, shared by the matcher's build and match paths
 * (they must agree bit for bit) and by the seeded balancing draws.
 */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** murmur3's finaliser: spreads FNV's weak low bits before masking into a power-of-two table. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of a (node, key) pair: the slot of a trie edge in the matchers' open-addressing tables. */
export function pairHash(node: number, key: number): number {
  return fmix32(Math.imul(node, 0x9e3779b1) ^ key);
}

/** FNV-1a over the code units of s[start, end). */
export function fnv1aRange(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Smallest power of two >= n (and >= 16). */
export function tableSizeFor(n: number): number {
  let size = 16;
  while (size < n) size *= 2;
  return size;
}
