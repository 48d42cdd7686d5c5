/** Balancing (docs/spec.md section 4) stated on hand-computed cases. */
import assert from 'node:assert/strict';
import {
  balanceProbabilities,
  countHead,
  entryDraw,
  expectedCuratedSize,
  expectedKeptPerEntry,
  expectedSizeCurve,
  keepProbability,
  keepRecord,
  keyHash,
  keyHashInto,
  logSpacedThresholds,
  PrefixedKeyHash,
} from '../../../server/engine/src/balance';

describe('balancing', () => {
  describe('balanceProbabilities: p[e] = t / max(count[e], t)', () => {
    it('keeps tail entries whole and flattens head entries to about t', () => {
      assert.deepEqual(Array.from(balanceProbabilities([0, 5, 10, 20, 40], 10)), [1, 1, 1, 0.5, 0.25]);
    });
  });

  describe('keepProbability: 1 - prod(1 - p)', () => {
    it('is p for one entry and combines independent draws for several', () => {
      const p = Float64Array.from([0.5, 0.25, 1]);
      assert.equal(keepProbability([0], p), 0.5);
      assert.equal(keepProbability([0, 1], p), 1 - 0.5 * 0.75);
      assert.equal(keepProbability([1, 2], p), 1);
      assert.equal(keepProbability([], p), 0);
    });
  });

  describe('seeded decisions', () => {
    it('draws are uniform in [0, 1)', () => {
      const buckets = new Array(10).fill(0);
      for (let i = 0; i < 100000; i++) {
        const u = entryDraw(keyHash(7, `k${i}`), i % 13);
        assert.ok(u >= 0 && u < 1);
        buckets[Math.floor(u * 10)]++;
      }
      for (const b of buckets) assert.ok(Math.abs(b - 10000) < 500, `bucket ${b}`);
    });
    it('depend only on (seed, key, entry id)', () => {
      const p = Float64Array.from([0.3, 0.3, 0.3]);
      for (let i = 0; i < 200; i++) {
        assert.equal(keepRecord(5, `key-${i}`, [0, 2], p), keepRecord(5, `key-${i}`, [0, 2], p));
      }
      const differ = [...Array(200).keys()].filter(
        (i) => keepRecord(5, `k${i}`, [0], p) !== keepRecord(6, `k${i}`, [0], p),
      );
      assert.ok(differ.length > 40, 'another seed changes decisions');
    });
    it('keep records at the rate 1 - prod(1 - p)', () => {
      const p = Float64Array.from([0.2, 0.1]);
      let kept = 0;
      const n = 200000;
      for (let i = 0; i < n; i++) if (keepRecord(1, String(i), [0, 1], p)) kept++;
      const expected = 1 - 0.8 * 0.9;
      assert.ok(Math.abs(kept / n - expected) < 0.005, `${kept / n} vs ${expected}`);
    });
    it('never keep unmatched records and always keep records with a tail entry', () => {
      const p = Float64Array.from([1, 0.01]);
      assert.equal(keepRecord(1, 'a', [], p), false);
      for (let i = 0; i < 100; i++) assert.equal(keepRecord(1, String(i), [0, 1], p), true);
    });
  });

  describe('PrefixedKeyHash: keyHash of <prefix><n> without the key string', () => {
    it('equals keyHash of the built key for random prefixes, seeds and numbers', () => {
      let state = 12345;
      const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
      const prefixes = ['', 'pool-0.jsonl:', 'dir/é☃:', '\ud83d\ude00x:', 'a"b\\c:'];
      const out: [number, number] = [0, 0];
      for (const prefix of prefixes) {
        for (const seed of [0, 1, 7, 4294967296 + 3, 2 ** 52 - 1]) {
          const hasher = new PrefixedKeyHash(seed, prefix);
          const numbers = [0, 9, 10, 99, 100, 2 ** 31, 2 ** 53 - 1];
          for (let i = 0; i < 200; i++) numbers.push(next() % 10 ** (1 + (i % 9)));
          for (const n of numbers) {
            hasher.hashInto(n, out);
            assert.deepEqual(out, keyHash(seed, prefix + String(n)), `${prefix}${n} seed ${seed}`);
          }
        }
      }
    });
    it('keyHashInto equals keyHash', () => {
      const out: [number, number] = [0, 0];
      for (const key of ['', 'a', 'key-1', 'é☃\ud83d']) {
        keyHashInto(3, key, out);
        assert.deepEqual(out, keyHash(3, key));
      }
    });
  });

  describe('expected curated size, exact from per-record ids', () => {
    // counts: e0 = 4, e1 = 2, e2 = 1; records: {0}, {0}, {0,1}, {0,1}, {2}
    const lists = { offsets: [0, 1, 2, 4, 6, 7], ids: [0, 0, 0, 1, 0, 1, 2] };
    const counts = [4, 2, 1];
    it('at t = 1: p = (1/4, 1/2, 1)', () => {
      const expected = 0.25 + 0.25 + (1 - 0.75 * 0.5) * 2 + 1;
      assert.equal(expectedCuratedSize(lists, counts, 1), expected);
    });
    it('at t >= the largest count every matched record is kept', () => {
      assert.equal(expectedCuratedSize(lists, counts, 4), 5);
    });
    it('per entry: each record credits its keep probability to each of its entries', () => {
      const kept = expectedKeptPerEntry(lists, balanceProbabilities(counts, 1));
      assert.deepEqual(Array.from(kept), [0.25 + 0.25 + 0.625 * 2, 0.625 * 2, 1]);
    });
    it('the curve lists expected size and head entries per t', () => {
      const curve = expectedSizeCurve(lists, counts, [1, 2, 4]);
      assert.deepEqual(
        curve.map((c) => [c.t, c.headEntries]),
        [
          [1, 2],
          [2, 1],
          [4, 0],
        ],
      );
      assert.equal(curve[1].expectedSize, 0.5 + 0.5 + 1 + 1 + 1);
      assert.equal(countHead(counts, 1), 2);
    });
    it('log-spaced thresholds span the range', () => {
      assert.deepEqual(logSpacedThresholds(1, 10000, 5), [1, 10, 100, 1000, 10000]);
    });
  });
});
