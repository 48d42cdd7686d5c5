/**
 * The synthetic pool of `metacurate generate-pool` (the README's demo): realistic captions whose
 * head is flattened by balancing at the demo's t (docs/spec.md section 4).
 */
import assert from 'node:assert/strict';
import { balanceProbabilities, keepRecord } from '../../../server/engine/src/balance';
import { createMatcher } from '../../../server/engine/src/match/matcher';
import {
  COMMON_CONCEPTS,
  DEMO_RECORDS_PER_T,
  generateCaptions,
  splitHeadAndTail,
} from '../../../server/engine/src/syntheticPool';
import { buildWordnetPart, defaultWordnetDir } from '../../../server/src/metadata/wordnet';

/** Per entry: matching records and kept records of a curation of `captions` at t. */
function curateInMemory(entries: string[], captions: string[], t: number, seed: number) {
  const matcher = createMatcher(entries);
  const ids = captions.map((c) => matcher.match(c));
  const count = new Uint32Array(entries.length);
  for (const list of ids) for (const e of list) count[e]++;
  const p = balanceProbabilities(count, t);
  const kept = new Uint32Array(entries.length);
  ids.forEach((list, r) => {
    if (keepRecord(seed, String(r), list, p)) for (const e of list) kept[e]++;
  });
  return { ids, count, kept };
}

describe('synthetic pool (generate-pool)', () => {
  describe('on the WordNet metadata of the demo', function () {
    // The demo curates 1M records at t = 1,000. Counts grow in proportion to the records, so
    // 200,000 records at t = 200 (the same t per record) give the same keep probabilities.
    const records = 200_000;
    const t = records / DEMO_RECORDS_PER_T;
    let entries: string[];
    let captions: string[];
    let curation: ReturnType<typeof curateInMemory>;
    before(async function () {
      this.timeout(120_000);
      entries = (await buildWordnetPart(defaultWordnetDir())).entries;
      captions = generateCaptions(entries, records, 1);
      curation = curateInMemory(entries, captions, t, 1);
    });

    it('puts common concepts at the top, not template words', () => {
      const top = [...curation.count.keys()]
        .sort((a, b) => curation.count[b] - curation.count[a])
        .slice(0, 10);
      assert.equal(entries[top[0]], 'dog');
      for (const e of top) assert.ok(COMMON_CONCEPTS.includes(entries[e]), `top entry ${entries[e]}`);
    });

    it('every common concept is in the head (matched more than t times)', () => {
      for (const c of COMMON_CONCEPTS) assert.ok(curation.count[entries.indexOf(c)] > t, c);
    });

    it('flattens the head: the top entry keeps under a sixth of its matches, every concept under half', () => {
      const top = entries.indexOf('dog');
      const fraction = curation.kept[top] / curation.count[top];
      assert.ok(fraction < 1 / 6, `dog keeps ${curation.kept[top]} of ${curation.count[top]}`);
      for (const c of COMMON_CONCEPTS) {
        const e = entries.indexOf(c);
        const f = curation.kept[e] / curation.count[e];
        assert.ok(f < 0.5, `${c} keeps ${curation.kept[e]} of ${curation.count[e]}`);
      }
    });

    it('keeps the tail whole: every entry matched at most t times keeps all its matches', () => {
      let tail = 0;
      for (let e = 0; e < entries.length; e++) {
        if (curation.count[e] > 0 && curation.count[e] <= t) {
          tail++;
          assert.equal(curation.kept[e], curation.count[e], entries[e]);
        }
      }
      assert.ok(tail > 10_000, `${tail} tail entries matched`);
    });

    it('a head caption matches only common concepts (its template words are no entries)', () => {
      const concepts = new Set(COMMON_CONCEPTS);
      let headOnly = 0;
      for (const list of curation.ids)
        if (list.length > 0 && list.every((e) => concepts.has(entries[e]))) headOnly++;
      // 45 % of the records are head captions; tail captions that name a concept do not count.
      assert.ok(headOnly / records > 0.43, `${headOnly} head-only captions`);
    });

    it('about 40 % of the records match no entry, as in a raw web pool', () => {
      const unmatched = curation.ids.filter((list) => list.length === 0).length / records;
      assert.ok(unmatched > 0.38 && unmatched < 0.42, `${unmatched}`);
    });
  });

  describe('generateCaptions', () => {
    const entries = ['dog', 'cat', 'golden retriever', 'red car', 'mountain lake', 'St. Louis'];
    it('is deterministic by seed', () => {
      assert.deepEqual(generateCaptions(entries, 500, 3), generateCaptions(entries, 500, 3));
      assert.notDeepEqual(generateCaptions(entries, 500, 3), generateCaptions(entries, 500, 4));
    });
    it('sets only entries that can match (none with punctuation inside)', () => {
      assert.ok(generateCaptions(entries, 2000, 1).every((c) => !c.includes('St. Louis')));
    });
    it('splits the entries into common concepts (head) and the others (tail)', () => {
      const { head, tail } = splitHeadAndTail(entries, 1);
      assert.deepEqual(head, ['dog', 'cat']);
      assert.deepEqual([...tail].sort(), ['golden retriever', 'mountain lake', 'red car']);
    });
    it('without any common concept, takes a tenth of the entries as the head', () => {
      const made = Array.from({ length: 50 }, (_, i) => `thing${i}`);
      const { head, tail } = splitHeadAndTail(made, 1);
      assert.equal(head.length, 5);
      assert.equal(tail.length, 45);
    });
    it('refuses a list with no usable entry', () => {
      assert.throws(() => generateCaptions(['a.b', ''], 10, 1), /no usable entries/);
    });
  });
});
