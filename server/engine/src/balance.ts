/**
 * Balancing (docs/spec.md section 4): entry probabilities from counts, the seeded keep decision, and the
 * exact expected curated size from per-record matched ids.
 */
import { fmix32 } from './match/hashing';

/** p[e] = t / max(count[e], t): tail entries (count <= t) keep everything. */
export function balanceProbabilities(counts: ArrayLike<number>, t: number): Float64Array {
  const p = new Float64Array(counts.length);
  for (let e = 0; e < counts.length; e++) p[e] = t / Math.max(counts[e], t);
  return p;
}

/** Probability that a record with these entry ids is kept: 1 - prod(1 - p[e]). */
export function keepProbability(
  ids: ArrayLike<number>,
  p: Float64Array,
  start = 0,
  end = ids.length,
): number {
  let dropAll = 1;
  for (let i = start; i < end; i++) dropAll *= 1 - p[ids[i]];
  return 1 - dropAll;
}

/**
 * Two independent 32-bit hashes of (seed, key) over the key's UTF-16 code units (murmur3-style
 * mixing). Computed once per record; each entry's draw then costs two finaliser calls.
 */
export function keyHash(seed: number, key: string): [number, number] {
  const hash: [number, number] = [0, 0];
  keyHashInto(seed, key, hash);
  return hash;
}

/** keyHash into `out`, without allocating. */
export function keyHashInto(seed: number, key: string, out: [number, number]): void {
  let h1 = fmix32((seed >>> 0) ^ 0x2545f491);
  let h2 = fmix32(Math.floor(seed / 4294967296) ^ 0x9e3779b9 ^ h1);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul((h2 << 5) | (h2 >>> 27), 5) + 0xe6546b64 + c;
  }
  out[0] = fmix32(h1 ^ key.length);
  out[1] = fmix32(h2 ^ Math.imul(key.length, 0x85ebca6b));
}

/**
 * keyHash of the default keys `<prefix><n>` without building them: the prefix is hashed once,
 * then each key's decimal digits (ASCII code units, as String(n) has them).
 */
export class PrefixedKeyHash {
  private readonly h1: number;
  private readonly h2: number;
  private readonly digits = new Uint8Array(16);

  constructor(
    seed: number,
    readonly prefix: string,
  ) {
    let h1 = fmix32((seed >>> 0) ^ 0x2545f491);
    let h2 = fmix32(Math.floor(seed / 4294967296) ^ 0x9e3779b9 ^ h1);
    for (let i = 0; i < prefix.length; i++) {
      const c = prefix.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul((h2 << 5) | (h2 >>> 27), 5) + 0xe6546b64 + c;
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  /** keyHash(seed, prefix + String(n)) into `out`, for a safe integer n >= 0. */
  hashInto(n: number, out: [number, number]): void {
    const digits = this.digits;
    let count = 0;
    do {
      const q = Math.floor(n / 10);
      digits[count++] = 48 + (n - q * 10);
      n = q;
    } while (n > 0);
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = count - 1; i >= 0; i--) {
      const c = digits[i];
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul((h2 << 5) | (h2 >>> 27), 5) + 0xe6546b64 + c;
    }
    const length = this.prefix.length + count;
    out[0] = fmix32(h1 ^ length);
    out[1] = fmix32(h2 ^ Math.imul(length, 0x85ebca6b));
  }
}

/**
 * The uniform draw in [0, 1) for one (seed, pair key, entry id): 53 random bits from two mixed
 * 32-bit words. A pair's fate depends on nothing else, so worker count, file order and sharding
 * cannot change it.
 */
export function entryDraw(hash: readonly [number, number], entryId: number): number {
  const a = fmix32(hash[0] ^ Math.imul(entryId + 1, 0x9e3779b1));
  const b = fmix32(hash[1] ^ Math.imul(entryId + 1, 0x85ebca77) ^ a);
  return ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
}

/**
 * The reference keeps a text if any of its entries' draws falls below that entry's p; one draw
 * per entry, so P(keep) = 1 - prod(1 - p). Entries with p = 1 short-circuit without a draw.
 */
export function keepRecord(seed: number, key: string, ids: ArrayLike<number>, p: Float64Array): boolean {
  if (ids.length === 0) return false;
  if (keepsWithoutDraw(ids, p, 0, ids.length)) return true;
  return keptByDraws(keyHash(seed, key), ids, p, 0, ids.length);
}

/** keepRecord's first step over ids[start, end): an entry with p = 1 keeps the record. */
export function keepsWithoutDraw(
  ids: ArrayLike<number>,
  p: Float64Array,
  start: number,
  end: number,
): boolean {
  for (let i = start; i < end; i++) if (p[ids[i]] >= 1) return true;
  return false;
}

/** keepRecord's draws over ids[start, end), given the key's hash (keyHash). */
export function keptByDraws(
  hash: readonly [number, number],
  ids: ArrayLike<number>,
  p: Float64Array,
  start: number,
  end: number,
): boolean {
  for (let i = start; i < end; i++) if (entryDraw(hash, ids[i]) < p[ids[i]]) return true;
  return false;
}

/**
 * Per-record matched ids in one flat array: record r has ids[offsets[r], offsets[r+1]).
 * Only matched records need to be present (unmatched ones contribute nothing).
 */
export interface MatchedIdLists {
  offsets: Uint32Array | number[];
  ids: Uint32Array | number[];
}

/** Exact expected number of kept records for threshold t: sum over records of P(keep). */
export function expectedCuratedSize(lists: MatchedIdLists, counts: ArrayLike<number>, t: number): number {
  const { offsets, ids } = lists;
  let total = 0;
  for (let r = 0; r + 1 < offsets.length; r++) {
    let dropAll = 1;
    for (let k = offsets[r]; k < offsets[r + 1]; k++) {
      const c = counts[ids[k]];
      if (c <= t) {
        dropAll = 0;
        break;
      }
      dropAll *= 1 - t / c;
    }
    total += 1 - dropAll;
  }
  return total;
}

/** Per entry: expected number of kept records that contain it (the "after" of balancing). */
export function expectedKeptPerEntry(lists: MatchedIdLists, p: Float64Array): Float64Array {
  const kept = new Float64Array(p.length);
  const { offsets, ids } = lists;
  for (let r = 0; r + 1 < offsets.length; r++) {
    let dropAll = 1;
    for (let k = offsets[r]; k < offsets[r + 1]; k++) dropAll *= 1 - p[ids[k]];
    const keep = 1 - dropAll;
    for (let k = offsets[r]; k < offsets[r + 1]; k++) kept[ids[k]] += keep;
  }
  return kept;
}

/** Thresholds spaced evenly on a log scale from `min` to `max` (both included), rounded. */
export function logSpacedThresholds(min: number, max: number, steps: number): number[] {
  const out = new Set<number>();
  const lo = Math.log(Math.max(1, min));
  const hi = Math.log(Math.max(min, max));
  for (let i = 0; i < steps; i++)
    out.add(Math.round(Math.exp(lo + ((hi - lo) * i) / Math.max(1, steps - 1))));
  return [...out].sort((a, b) => a - b);
}

export interface CurvePoint {
  t: number;
  expectedSize: number;
  headEntries: number;
}

/** The paper's curve: expected curated size (and number of head entries) over a range of t. */
export function expectedSizeCurve(
  lists: MatchedIdLists,
  counts: ArrayLike<number>,
  thresholds: number[],
): CurvePoint[] {
  return thresholds.map((t) => ({
    t,
    expectedSize: expectedCuratedSize(lists, counts, t),
    headEntries: countHead(counts, t),
  }));
}

/** Entries with more matches than t (the ones balancing sub-samples). */
export function countHead(counts: ArrayLike<number>, t: number): number {
  let n = 0;
  for (let e = 0; e < counts.length; e++) if (counts[e] > t) n++;
  return n;
}
