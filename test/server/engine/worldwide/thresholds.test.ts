/**
 * Worldwide thresholds (docs/spec.md section 2, "Worldwide thresholds"): hand-worked cases, and
 * random count arrays (with ties and zeros) against a brute-force reading of the definitions.
 */
import assert from 'node:assert/strict';
import {
  languageThresholds,
  tailProportion,
  thresholdForProportion,
} from '../../../../server/engine/src/worldwide/thresholds';
import { mulberry32 } from '../../../support/fixtures';

/** t_to_p read literally: filter, sum, divide. */
function bruteTailProportion(counts: number[], t: number): number {
  const sum = counts.reduce((a, b) => a + b, 0);
  return counts.filter((c) => c < t).reduce((a, b) => a + b, 0) / sum;
}

/** p_to_t read literally: every portion computed from its own prefix, then a scan for the first minimum. */
function bruteThresholdForProportion(counts: number[], p: number): number {
  const sorted = [...counts].sort((a, b) => a - b);
  const sum = counts.reduce((a, b) => a + b, 0);
  const distances = sorted.map((_, i) =>
    Math.abs(sorted.slice(0, i + 1).reduce((a, b) => a + b, 0) / sum - p),
  );
  const min = Math.min(...distances);
  return sorted[distances.indexOf(min)]!;
}

/** Counts like a metadata's: many zeros, small ties, a few large heads. */
function randomCounts(random: () => number): number[] {
  const n = 1 + Math.floor(random() * 40);
  return Array.from({ length: n }, () => {
    const r = random();
    if (r < 0.3) return 0;
    if (r < 0.7) return 1 + Math.floor(random() * 5);
    return Math.floor(random() ** 3 * 10_000);
  });
}

describe('worldwide thresholds', () => {
  describe('tailProportion (t_to_p)', () => {
    it('sums the counts strictly below t over the total', () => {
      // total 100; below 10: 0 + 5 + 5 = 10 (the 10 itself is not below)
      assert.equal(tailProportion([0, 5, 5, 10, 80], 10), 0.1);
      assert.equal(tailProportion([0, 5, 5, 10, 80], 11), 0.2);
      assert.equal(tailProportion([0, 5, 5, 10, 80], 1000), 1);
      assert.equal(tailProportion([0, 5, 5, 10, 80], 0), 0);
    });
    it('is NaN with no matches (0/0, as the reference)', () => {
      assert.ok(Number.isNaN(tailProportion([0, 0, 0], 5)));
      assert.ok(Number.isNaN(tailProportion([], 5)));
    });
    it('agrees with the literal definition on random arrays', () => {
      const random = mulberry32(1401);
      for (let trial = 0; trial < 500; trial++) {
        const counts = randomCounts(random);
        if (counts.every((c) => c === 0)) continue;
        const t = Math.floor(random() * 200);
        assert.equal(
          tailProportion(Uint32Array.from(counts), t),
          bruteTailProportion(counts, t),
          `${counts} t=${t}`,
        );
      }
    });
  });

  describe('thresholdForProportion (p_to_t)', () => {
    it('returns the count where the cumulative share is closest to p', () => {
      // sorted [0, 5, 5, 10, 80]; portions [0, .05, .1, .2, 1]
      const counts = [80, 5, 0, 10, 5];
      assert.equal(thresholdForProportion(counts, 0.1), 5);
      assert.equal(thresholdForProportion(counts, 0.2), 10);
      assert.equal(thresholdForProportion(counts, 0.55), 10); // |.2-.55| = .35 < |1-.55| = .45
      assert.equal(thresholdForProportion(counts, 0.7), 80);
      assert.equal(thresholdForProportion(counts, 0), 0);
    });
    it('takes the first index on a tie of distances', () => {
      // sorted [1, 1, 2]; portions [.25, .5, 1]; p = .375 is .125 from both .25 and .5: index 0
      assert.equal(thresholdForProportion([2, 1, 1], 0.375), 1);
      // sorted [1, 3]; portions [.25, 1]; p = .625 is .375 from both: the first, 1 (not 3)
      assert.equal(thresholdForProportion([3, 1], 0.625), 1);
    });
    it('gives 0 for an all-zero array or a NaN p, and throws for an empty one', () => {
      assert.equal(thresholdForProportion([0, 0, 0], 0.3), 0);
      assert.equal(thresholdForProportion([4, 2, 9], Number.NaN), 2);
      assert.throws(() => thresholdForProportion([], 0.3), RangeError);
    });
    it('agrees with the literal definition on random arrays with ties and zeros', () => {
      const random = mulberry32(1402);
      for (let trial = 0; trial < 500; trial++) {
        const counts = randomCounts(random);
        if (counts.every((c) => c === 0)) continue;
        // p from a real tail share half the time, so exact hits and their neighbours are tried
        const p = random() < 0.5 ? tailProportion(counts, Math.floor(random() * 50)) : random();
        assert.equal(
          thresholdForProportion(counts, p),
          bruteThresholdForProportion(counts, p),
          `${counts} p=${p}`,
        );
      }
    });
    it('inverts tailProportion on the tail share a count gives', () => {
      // distinct positive counts: the share below sorted[i+1] is the cumulative share up to sorted[i]
      const counts = [1, 2, 4, 8, 16, 32, 64];
      for (let i = 0; i + 1 < counts.length; i++) {
        assert.equal(thresholdForProportion(counts, tailProportion(counts, counts[i + 1]!)), counts[i]);
      }
    });
  });

  describe('languageThresholds', () => {
    it("gives every language the t of English's tail share, and English its own t", () => {
      const counts = new Map<string, number[]>([
        ['en', [0, 5, 5, 10, 80]], // t 10: share .1
        ['de', [1, 1, 2, 6, 10]], // portions [.05, .1, .2, .5, 1]: .1 at index 1, count 1
        ['th', [0, 0, 0]],
      ]);
      const t = languageThresholds(counts, 10);
      assert.deepEqual(
        [...t],
        [
          ['en', 10],
          ['de', 1],
          ['th', 0],
        ],
      );
    });
    it('matches the definitions on random languages', () => {
      const random = mulberry32(1403);
      for (let trial = 0; trial < 100; trial++) {
        let en = randomCounts(random);
        if (en.every((c) => c === 0)) en = [...en, 1];
        const others = Array.from({ length: 3 }, () => randomCounts(random));
        const tEn = 1 + Math.floor(random() * 100);
        const map = new Map<string, number[]>([
          ['en', en],
          ...others.map((c, i): [string, number[]] => [`l${i}`, c]),
        ]);
        const p = bruteTailProportion(en, tEn);
        const t = languageThresholds(map, tEn);
        assert.equal(t.get('en'), tEn);
        others.forEach((c, i) => {
          const expected = c.every((x) => x === 0) ? 0 : bruteThresholdForProportion(c, p);
          assert.equal(t.get(`l${i}`), expected);
        });
      }
    });
    it('throws when English is missing or has no matches', () => {
      assert.throws(() => languageThresholds(new Map([['de', [1, 2]]]), 10), /no counts for the language en/);
      assert.throws(() => languageThresholds(new Map([['en', [0, 0]]]), 10), /has no matches/);
    });
  });
});
