/** The entry-balance panel's data preparation, on hand-computed cases. */
import assert from 'node:assert/strict';
import {
  expectedCuratedSize,
  expectedKeptPerEntry,
  balanceProbabilities,
} from '../../../server/engine/src/balance';
import {
  addKeptOfTexts,
  cumulativeCurve,
  cumulativeShare,
  expectedSizeAt,
  headEntriesAt,
  keptPerEntryAt,
  matchedTextCount,
  POLY_MAX_IDS,
  prepareBalance,
  probabilityAt,
  sampleRanks,
  sizeCurve,
  statsAt,
  thresholdGrid,
} from '../../../server/engine/src/balanceView';

/** Per-text id lists in the flat form. */
function lists(texts: number[][]): { offsets: Uint32Array; ids: Uint32Array } {
  const offsets = [0];
  const ids: number[] = [];
  for (const t of texts) {
    ids.push(...t);
    offsets.push(ids.length);
  }
  return { offsets: Uint32Array.from(offsets), ids: Uint32Array.from(ids) };
}

function countsOf(texts: number[][], entries: number): Float64Array {
  const counts = new Float64Array(entries);
  for (const t of texts) for (const id of t) counts[id]++;
  return counts;
}

function close(actual: number, expected: number, message?: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${message ?? ''} ${actual} != ${expected}`,
  );
}

// Entries A=0 (4 matches), B=1 (2), C=2 (1), D=3 (0); five texts.
const TEXTS = [[0], [0, 1], [0, 2], [0], [1]];
const COUNTS = [4, 2, 1, 0];

describe('balance view (panel data preparation)', () => {
  const model = prepareBalance(COUNTS, lists(TEXTS));

  it('ranks entries by count, descending, with the cumulative matches', () => {
    assert.deepEqual(Array.from(model.order), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(model.ranked), [4, 2, 1, 0]);
    assert.deepEqual(Array.from(model.cumulative), [4, 6, 7, 7]);
    assert.equal(model.totalMatches, 7);
    assert.equal(model.matchedEntries, 3);
    assert.equal(model.matchedTexts, 5);
  });

  it('breaks ties by id and keeps the ranking stable', () => {
    const m = prepareBalance(
      [1, 3, 1, 3, 0],
      lists([
        [1, 3],
        [1, 3],
        [1, 3],
        [0, 2],
      ]),
    );
    assert.deepEqual(Array.from(m.order), [1, 3, 0, 2, 4]);
  });

  it('gives the cumulative share of matches against the share of entries', () => {
    const { entryShare, matchShare } = cumulativeShare(model, [0, 1, 2, 3]);
    assert.deepEqual(Array.from(entryShare), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(Array.from(matchShare), [0, 4 / 7, 6 / 7, 1, 1]);
  });

  it('gives the cumulative curve for a log x axis: shares above 0, ascending, ending at (1, 1)', () => {
    // 4 entries, 3 matched (4, 2, 1 matches): the unmatched one adds nothing.
    const { x, y } = cumulativeCurve(model, 100);
    assert.deepEqual(Array.from(x), [0.25, 0.5, 0.75, 1]);
    assert.deepEqual(Array.from(y), [4 / 7, 6 / 7, 1, 1]);
    const all = prepareBalance([3, 1], lists([[0], [0], [0, 1]]));
    assert.deepEqual(Array.from(cumulativeCurve(all, 100).x), [0.5, 1], 'one point at x = 1');
    const many = prepareBalance(
      Float64Array.from({ length: 100_000 }, (_, i) => 100_000 - i),
      { offsets: [0], ids: [] },
    );
    const big = cumulativeCurve(many, 200);
    assert.ok(big.x.length <= 201 && big.x[0] === 1e-5, `${big.x.length} points from ${big.x[0]}`);
    for (let i = 1; i < big.x.length; i++) assert.ok(big.x[i] > big.x[i - 1] && big.y[i] >= big.y[i - 1]);
  });

  it('counts the head entries and their share of the matches at t', () => {
    assert.deepEqual(
      [0.5, 1, 2, 3, 4, 10].map((t) => headEntriesAt(model, t)),
      [3, 2, 1, 1, 0, 0],
    );
    const s1 = statsAt(model, 1);
    assert.equal(s1.headEntries, 2);
    assert.equal(s1.headMatches, 6);
    close(s1.headShare, 6 / 7);
    const s4 = statsAt(model, 4);
    assert.equal(s4.headEntries, 0);
    assert.equal(s4.headShare, 0);
  });

  it('computes the exact expected curated size (hand-computed)', () => {
    // t = 1: p = (1/4, 1/2, 1): texts 1/4 + (1 - 3/4 * 1/2) + 1 + 1/4 + 1/2 = 2.625.
    close(expectedSizeAt(model, 1), 2.625);
    // t = 2: p = (1/2, 1, 1): 1/2 + 1 + 1 + 1/2 + 1 = 4.
    close(expectedSizeAt(model, 2), 4);
    // t = 0.5: p = (1/8, 1/4, 1/2): 1/8 + (1 - 7/8 * 3/4) + (1 - 7/8 * 1/2) + 1/8 + 1/4.
    close(
      expectedSizeAt(model, 0.5),
      1 / 8 + (1 - (7 / 8) * (3 / 4)) + (1 - (7 / 8) * (1 / 2)) + 1 / 8 + 1 / 4,
    );
    // Every entry in the tail: every matched text is kept.
    close(expectedSizeAt(model, 4), 5);
    close(expectedSizeAt(model, 1e9), 5);
    assert.equal(statsAt(model, 1).expectedSize, expectedSizeAt(model, 1));
  });

  it('gives the expected kept texts per entry and the keep probability', () => {
    // t = 1: A is in texts 1-4 (1/4 + 5/8 + 1 + 1/4), B in texts 2 and 5 (5/8 + 1/2), C in text 3.
    const kept = keptPerEntryAt(model, 1);
    close(kept[0], 2.125);
    close(kept[1], 1.125);
    close(kept[2], 1);
    assert.equal(kept[3], 0);
    assert.equal(probabilityAt(model, 0, 1), 0.25);
    assert.equal(probabilityAt(model, 2, 1), 1);
    assert.equal(probabilityAt(model, 3, 1), 1);
  });

  it('gives the same expected kept per entry in slices of texts as in one pass', () => {
    // The panel adds a million texts in slices between input events; here [0, 2), [2, 3), [3, 5).
    assert.equal(matchedTextCount(model), 5);
    const sliced = new Float64Array(model.numEntries);
    addKeptOfTexts(model, 1, sliced, 0, 2);
    // After the first two texts only: A has 1/4 + 5/8, B 5/8.
    close(sliced[0], 0.875);
    close(sliced[1], 0.625);
    addKeptOfTexts(model, 1, sliced, 2, 3);
    addKeptOfTexts(model, 1, sliced, 3, 99); // past the end: up to the last text
    assert.deepEqual(sliced, keptPerEntryAt(model, 1));
  });

  it('handles texts with more ids than the polynomial groups take', () => {
    const k = POLY_MAX_IDS + 3;
    const many = Array.from({ length: k }, (_, i) => i);
    const texts = [many, many.slice(0, k - 1), [0], [1, 2], many];
    const counts = countsOf(texts, k + 2);
    const m = prepareBalance(counts, lists(texts));
    assert.equal(m.bigMin.length, 3);
    for (const t of [0.5, 1, 1.5, 2, 3, 4, 5, 100]) {
      close(expectedSizeAt(m, t), expectedCuratedSize(lists(texts), counts, t), `t=${t}`);
    }
  });

  it('agrees with the engine on random pools for any t', () => {
    let seed = 12345;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    for (let trial = 0; trial < 20; trial++) {
      const entries = 5 + Math.floor(rand() * 200);
      const texts: number[][] = [];
      const n = Math.floor(rand() * 3000);
      for (let i = 0; i < n; i++) {
        const k = Math.floor(rand() * rand() * (POLY_MAX_IDS + 6));
        const set = new Set<number>();
        // Zipf-ish ids: a few entries very common.
        for (let j = 0; j < k; j++) set.add(Math.floor(entries * rand() ** 3));
        texts.push([...set].sort((a, b) => a - b));
      }
      const counts = countsOf(texts, entries);
      const l = lists(texts);
      const m = prepareBalance(counts, l);
      for (const t of [0.3, 1, 2, 3.5, 7, 20, 100, 1000, 1e6]) {
        close(expectedSizeAt(m, t), expectedCuratedSize(l, counts, t), `trial ${trial} t=${t}`);
        const a = keptPerEntryAt(m, t);
        const b = expectedKeptPerEntry(l, balanceProbabilities(counts, t));
        for (let e = 0; e < entries; e++) close(a[e], b[e], `kept[${e}]`);
      }
    }
  });

  it('samples ranks on a log scale with the first and the last', () => {
    assert.deepEqual(Array.from(sampleRanks(4, 10)), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(sampleRanks(0, 10)), []);
    const r = sampleRanks(1_000_000, 100);
    assert.equal(r[0], 0);
    assert.equal(r[r.length - 1], 999_999);
    assert.ok(r.length <= 101);
    for (let i = 1; i < r.length; i++) assert.ok(r[i] > r[i - 1]);
    // Log spacing: about as many points in the first decade as in the last.
    const decade = (lo: number, hi: number) => Array.from(r).filter((x) => x >= lo && x < hi).length;
    assert.ok(Math.abs(decade(1000, 10000) - decade(100000, 1000000)) <= 1);
  });

  it('spans t from 1 past the largest count for the size curve', () => {
    const grid = thresholdGrid(model, 5);
    assert.equal(grid[0], 1);
    close(grid[4], 5);
    const curve = sizeCurve(model, [1, 2, 4]);
    assert.deepEqual(
      Array.from(curve).map((v) => Math.round(v * 1e9) / 1e9),
      [2.625, 4, 5],
    );
  });

  it('answers t updates for a million texts from the prepared sums, equal to the direct sum', () => {
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const entries = 100_000;
    const offsets = new Uint32Array(1_000_001);
    const ids: number[] = [];
    for (let r = 0; r < 1_000_000; r++) {
      const k = Math.floor(rand() * 5);
      const set = new Set<number>();
      for (let j = 0; j < k; j++) set.add(Math.floor(entries * rand() ** 4));
      ids.push(...[...set].sort((a, b) => a - b));
      offsets[r + 1] = ids.length;
    }
    const l = { offsets, ids: Uint32Array.from(ids) };
    const counts = new Float64Array(entries);
    for (const id of l.ids) counts[id]++;
    const m = prepareBalance(counts, l);
    // Its speed is measured by `npm run bench` (scripts/bench/panel.mjs), not asserted here.
    for (const t of [10, 500, 3_000]) {
      close(statsAt(m, t).expectedSize, expectedCuratedSize(l, counts, t));
      close(expectedSizeAt(m, t), expectedCuratedSize(l, counts, t));
    }
  });
});
