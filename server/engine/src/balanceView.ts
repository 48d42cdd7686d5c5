/**
 * Data preparation of the entry-balance panel (issue 4): entries ranked by match count, the
 * cumulative share of matches, and for any threshold t the head entries, their share of the
 * matches, the exact expected curated size and the expected kept texts per entry.
 *
 * Pure functions over typed arrays, with no Node or DOM dependency: the extension host prepares a
 * `BalanceModel` once and posts it to the webview, which answers every move of the t control from
 * it. The expected size is exact (the sum over texts of 1 - prod(1 - p[e]), as
 * `expectedCuratedSize` computes it) yet costs O(log n) per t instead of O(ids):
 *
 * A text whose smallest entry count is <= t is kept for sure. For a text whose counts all exceed t,
 * with x_i = 1 / count_i, 1 - prod(1 - t x_i) = sum_j (-1)^(j+1) t^j e_j(x), e_j the elementary
 * symmetric polynomials of its x. So texts are grouped by their smallest count (one of the few
 * distinct count values), the e_j summed per group, and suffix sums over the groups make the
 * expected size of every t a binary search plus POLY_MAX_IDS terms. Texts with more ids than that
 * (rare; the alternating sum would lose precision) are kept aside, sorted by their smallest count,
 * and summed directly, only those whose smallest count exceeds t.
 */
import type { BalanceModel } from '../../../contracts/src/balanceModel';
import type { MatchedIdLists } from './balance';

/** Texts with at most this many matched ids go through the polynomial sums. */
export const POLY_MAX_IDS = 10;

export type { BalanceModel };

/** What the panel shows for one t. */
export interface BalanceStats {
  t: number;
  /** Exact expected number of kept texts. */
  expectedSize: number;
  /** Entries with more than t matches. */
  headEntries: number;
  /** Matches of the head entries. */
  headMatches: number;
  /** headMatches / totalMatches (0 when there are no matches). */
  headShare: number;
}

/** Builds the model from per-entry counts and the per-text matched ids. */
export function prepareBalance(counts: ArrayLike<number>, lists: MatchedIdLists): BalanceModel {
  const n = counts.length;
  const countsById = Float64Array.from(counts);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => countsById[b] - countsById[a] || a - b);
  const ranked = new Float64Array(n);
  const cumulative = new Float64Array(n);
  let total = 0;
  let matchedEntries = 0;
  for (let i = 0; i < n; i++) {
    const c = countsById[order[i]];
    ranked[i] = c;
    total += c;
    cumulative[i] = total;
    if (c > 0) matchedEntries++;
  }

  // Distinct count values ascending, and each entry's index among them.
  const valueIndex = new Uint32Array(n);
  const distinct: number[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const c = ranked[i];
    if (distinct.length === 0 || distinct[distinct.length - 1] !== c) distinct.push(c);
    valueIndex[order[i]] = distinct.length - 1;
  }

  const offsets = Uint32Array.from(lists.offsets);
  const ids = Uint32Array.from(lists.ids);
  const texts = Math.max(0, offsets.length - 1);
  const D = distinct.length;
  const groupTexts = new Float64Array(D);
  const groupSums = new Float64Array(POLY_MAX_IDS * D);
  const e = new Float64Array(POLY_MAX_IDS + 1);
  let polyTexts = 0;
  let matchedTexts = 0;
  const big: number[] = [];
  for (let r = 0; r < texts; r++) {
    const a = offsets[r];
    const b = offsets[r + 1];
    const k = b - a;
    if (k === 0) continue;
    matchedTexts++;
    if (k > POLY_MAX_IDS) {
      big.push(r);
      continue;
    }
    let minIdx = valueIndex[ids[a]];
    e.fill(0);
    e[0] = 1;
    for (let q = a; q < b; q++) {
      const id = ids[q];
      const v = valueIndex[id];
      if (v < minIdx) minIdx = v;
      const x = countsById[id] > 0 ? 1 / countsById[id] : 0;
      for (let j = q - a + 1; j >= 1; j--) e[j] += e[j - 1] * x;
    }
    polyTexts++;
    groupTexts[minIdx]++;
    for (let j = 1; j <= k; j++) groupSums[(j - 1) * D + minIdx] += e[j];
  }
  const L = D;
  const suffixTexts = new Float64Array(L + 1);
  const suffixSums = new Float64Array(POLY_MAX_IDS * (L + 1));
  for (let i = L - 1; i >= 0; i--) {
    suffixTexts[i] = suffixTexts[i + 1] + groupTexts[i];
    for (let j = 0; j < POLY_MAX_IDS; j++)
      suffixSums[j * (L + 1) + i] = suffixSums[j * (L + 1) + i + 1] + groupSums[j * D + i];
  }

  // Texts with many ids, by smallest count.
  const bigMinOf = big.map((r) => {
    let m = Infinity;
    for (let q = offsets[r]; q < offsets[r + 1]; q++) m = Math.min(m, countsById[ids[q]]);
    return m;
  });
  const bigOrder = big.map((_, i) => i).sort((x, y) => bigMinOf[x] - bigMinOf[y]);
  const bigMin = new Float64Array(big.length);
  const bigOffsets = new Uint32Array(big.length + 1);
  let bigTotal = 0;
  for (const r of big) bigTotal += offsets[r + 1] - offsets[r];
  const bigCounts = new Float64Array(bigTotal);
  let at = 0;
  bigOrder.forEach((i, pos) => {
    const r = big[i];
    bigMin[pos] = bigMinOf[i];
    for (let q = offsets[r]; q < offsets[r + 1]; q++) bigCounts[at++] = countsById[ids[q]];
    bigOffsets[pos + 1] = at;
  });

  return {
    numEntries: n,
    counts: countsById,
    order,
    ranked,
    cumulative,
    totalMatches: total,
    matchedEntries,
    matchedTexts,
    offsets,
    ids,
    levels: Float64Array.from(distinct),
    suffixTexts,
    suffixSums,
    polyTexts,
    bigMin,
    bigOffsets,
    bigCounts,
  };
}

/** First index i of an ascending array with a[i] > t (a.length when none). */
function firstAbove(a: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Entries with more than t matches: the head (ranked is descending). */
export function headEntriesAt(model: BalanceModel, t: number): number {
  let lo = 0;
  let hi = model.ranked.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (model.ranked[mid] > t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Exact expected curated size for threshold t (t > 0): sum over texts of 1 - prod(1 - p[e]). */
export function expectedSizeAt(model: BalanceModel, t: number): number {
  const L = model.levels.length;
  const i0 = firstAbove(model.levels, t);
  let size = model.polyTexts - model.suffixTexts[i0];
  let power = 1;
  for (let j = 0; j < POLY_MAX_IDS; j++) {
    power *= t;
    const s = model.suffixSums[j * (L + 1) + i0];
    if (s === 0) continue;
    size += (j % 2 === 0 ? power : -power) * s;
  }
  const k0 = firstAbove(model.bigMin, t);
  size += k0;
  for (let r = k0; r < model.bigMin.length; r++) {
    let drop = 1;
    for (let q = model.bigOffsets[r]; q < model.bigOffsets[r + 1]; q++) drop *= 1 - t / model.bigCounts[q];
    size += 1 - drop;
  }
  return size;
}

export function statsAt(model: BalanceModel, t: number): BalanceStats {
  const headEntries = headEntriesAt(model, t);
  const headMatches = headEntries > 0 ? model.cumulative[headEntries - 1] : 0;
  return {
    t,
    expectedSize: expectedSizeAt(model, t),
    headEntries,
    headMatches,
    headShare: model.totalMatches > 0 ? headMatches / model.totalMatches : 0,
  };
}

/** Keep probability of entry `id` at t: min(1, t / count). */
export function probabilityAt(model: BalanceModel, id: number, t: number): number {
  const c = model.counts[id];
  return c <= t ? 1 : t / c;
}

/**
 * Per entry (by id): expected number of kept texts that contain it, at t. O(ids); `out` is
 * reused when given (the panel recomputes it as t moves).
 */
export function keptPerEntryAt(model: BalanceModel, t: number, out?: Float64Array): Float64Array {
  const kept = out && out.length === model.numEntries ? out : new Float64Array(model.numEntries);
  kept.fill(0);
  return addKeptOfTexts(model, t, kept, 0, matchedTextCount(model));
}

/** Texts in the model's per-text id lists (the `to` of a whole `addKeptOfTexts` pass). */
export function matchedTextCount(model: BalanceModel): number {
  return Math.max(0, model.offsets.length - 1);
}

/**
 * Adds the expected kept of texts [from, to) to their entries in `kept` (by id): the slices of
 * `keptPerEntryAt`, so the panel can spread a million texts over several tasks and answer input
 * between them. Slices covering all texts once, over a zeroed array, give `keptPerEntryAt`.
 */
export function addKeptOfTexts(
  model: BalanceModel,
  t: number,
  kept: Float64Array,
  from: number,
  to: number,
): Float64Array {
  const { offsets, ids, counts } = model;
  const end = Math.min(to, matchedTextCount(model));
  for (let r = Math.max(0, from); r < end; r++) {
    const a = offsets[r];
    const b = offsets[r + 1];
    let drop = 1;
    for (let q = a; q < b; q++) {
      const c = counts[ids[q]];
      if (c <= t) {
        drop = 0;
        break;
      }
      drop *= 1 - t / c;
    }
    const keep = 1 - drop;
    for (let q = a; q < b; q++) kept[ids[q]] += keep;
  }
  return kept;
}

/**
 * Ranks (0-based) at which to draw a ranked curve of `n` points with at most about `maxPoints`:
 * every rank while few, else spaced evenly on a log scale; the first and the last always in.
 */
export function sampleRanks(n: number, maxPoints: number): Uint32Array {
  if (n <= 0) return new Uint32Array(0);
  if (n <= maxPoints) return Uint32Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const hi = Math.log(n);
  let last = -1;
  for (let i = 0; i < maxPoints; i++) {
    const rank = Math.min(n - 1, Math.round(Math.exp((hi * i) / (maxPoints - 1))) - 1);
    if (rank > last) {
      out.push(rank);
      last = rank;
    }
  }
  if (last !== n - 1) out.push(n - 1);
  return Uint32Array.from(out);
}

/**
 * The cumulative share of matches against the share of entries, at the given ranks: the top
 * (rank + 1) entries are entryShare = (rank + 1) / numEntries of the list and hold matchShare of
 * the matches. Starts at (0, 0).
 */
export function cumulativeShare(
  model: BalanceModel,
  ranks: ArrayLike<number>,
): { entryShare: Float64Array; matchShare: Float64Array } {
  const entryShare = new Float64Array(ranks.length + 1);
  const matchShare = new Float64Array(ranks.length + 1);
  const total = model.totalMatches;
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i];
    entryShare[i + 1] = (r + 1) / model.numEntries;
    matchShare[i + 1] = total > 0 ? model.cumulative[r] / total : 0;
  }
  return { entryShare, matchShare };
}

/**
 * The cumulative-share curve for a log x axis: at log-spaced ranks of the matched entries (about
 * `maxPoints`), x the share of entries (> 0, ascending) and y the share of matches they hold,
 * ending at (1, 1) (the unmatched entries add nothing).
 */
export function cumulativeCurve(
  model: BalanceModel,
  maxPoints: number,
): { x: Float64Array; y: Float64Array } {
  const { entryShare, matchShare } = cumulativeShare(model, sampleRanks(model.matchedEntries, maxPoints));
  const n = entryShare.length - 1;
  const x = new Float64Array(n + 1);
  const y = new Float64Array(n + 1);
  x.set(entryShare.subarray(1));
  y.set(matchShare.subarray(1));
  x[n] = 1;
  y[n] = model.totalMatches > 0 ? 1 : 0;
  // The last matched entry may be the last entry: one point at x = 1.
  return n > 0 && x[n - 1] === 1 ? { x: x.subarray(0, n), y: y.subarray(0, n) } : { x, y };
}

/** Log-spaced thresholds from 1 to just above the largest count (at least `steps` > 1 values). */
export function thresholdGrid(model: BalanceModel, steps: number): Float64Array {
  const max = Math.max(2, model.ranked.length > 0 ? model.ranked[0] * 1.25 : 2);
  const out = new Float64Array(steps);
  const hi = Math.log(max);
  for (let i = 0; i < steps; i++) out[i] = Math.exp((hi * i) / (steps - 1));
  return out;
}

/** Expected curated size at each threshold. */
export function sizeCurve(model: BalanceModel, thresholds: ArrayLike<number>): Float64Array {
  const out = new Float64Array(thresholds.length);
  for (let i = 0; i < thresholds.length; i++) out[i] = expectedSizeAt(model, thresholds[i]);
  return out;
}

/** The typed arrays of a model, for a transfer list (postMessage without copies). */
export function modelBuffers(model: BalanceModel): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of Object.values(model)) if (ArrayBuffer.isView(v)) out.add(v.buffer as ArrayBuffer);
  return [...out];
}
