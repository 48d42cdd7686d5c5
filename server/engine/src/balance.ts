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
export function keepProbability(ids: ArrayLike<number>, p: Float64Array): number {
  let dropAll = 1;
  for (let i = 0; i < ids.length; i++) dropAll *= 1 - p[ids[i]];
  return 1 - dropAll;
}

/**
 * Two independent 32-bit hashes of (seed, key) over the key's UTF-16 code units (murmur3-style
 * mixing). Computed once per record; each entry's draw then costs two finaliser calls.
 */
export function keyHash(seed: number, key: string): [number, number] {
  let h1 = fmix32((seed >>> 0) ^ 0x2545f491);
  let h2 = fmix32(Math.floor(seed / 4294967296) ^ 0x9e3779b9 ^ h1);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul((h2 << 5) | (h2 >>> 27), 5) + 0xe6546b64 + c;
  }
  return [fmix32(h1 ^ key.length), fmix32(h2 ^ Math.imul(key.length, 0x85ebca6b))];
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
  for (let i = 0; i < ids.length; i++) if (p[ids[i]] >= 1) return true;
  const hash = keyHash(seed, key);
  for (let i = 0; i < ids.length; i++) if (entryDraw(hash, ids[i]) < p[ids[i]]) return true;
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
