/**
 * The worldwide matcher (substringMatcher.ts) on inputs built to make its output enumeration
 * quadratic: it gives the reference's ids, and its work (automaton steps, never timed) grows
 * linearly with the text, because a dictionary chain is followed once per text.
 */
import assert from 'node:assert/strict';
import { ReferenceMatcher } from '../../../../server/engine/src/match/referenceMatcher';
import { buildSubstringIndex, SubstringMatcher } from '../../../../server/engine/src/match/substringMatcher';
import { mulberry32 } from '../../../support/fixtures';
import { repeatToken, stressMetadata, stressText } from './stressInputs';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Automaton steps to match each text with a fresh matcher over one index, and the ids. */
function measure(entries: string[], ...texts: string[]): Array<{ steps: number; ids: number[] }> {
  const index = buildSubstringIndex(entries);
  return texts.map((text) => {
    const matcher = new SubstringMatcher(index);
    const ids = matcher.match(text);
    return { steps: matcher.trieSteps, ids };
  });
}

describe('SubstringMatcher: the reference ids on stress inputs', () => {
  it('30 random stress metadata lists x 60 texts', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rnd = mulberry32(seed * 7727);
      const entries = stressMetadata(rnd, 40);
      const matcher = new SubstringMatcher(buildSubstringIndex(entries));
      const reference = new ReferenceMatcher(entries, 'worldwide');
      for (let i = 0; i < 60; i++) {
        const text = stressText(rnd, entries);
        assert.deepEqual(
          matcher.match(text),
          reference.match(text),
          `seed ${seed}, text ${JSON.stringify(text.slice(0, 200))}`,
        );
      }
    }
  });

  it('a record of several texts holds the union of their ids', () => {
    const entries = ['a', 'a a', 'a a a', 'b', 'a'];
    const matcher = new SubstringMatcher(buildSubstringIndex(entries));
    matcher.begin();
    matcher.collect('a a a b');
    matcher.collect('b a a');
    assert.deepEqual(Array.from(matcher.sorted()), [0, 1, 2, 3, 4]);
  });
});

describe('SubstringMatcher: linear work on the worst cases (automaton steps, not time)', () => {
  it('2,000 padded entries that are prefixes of each other against 10,000 and 20,000 copies', () => {
    const entries = range(2000).map((i) => repeatToken('a', i + 1));
    const [small, large] = measure(entries, repeatToken('a', 10_000), repeatToken('a', 20_000));
    assert.deepEqual(large.ids, range(2000));
    // 40,000 code units spaced; without the stamps, up to 2,000 links at each of them.
    assert.ok(large.steps <= 4 * 40_000 + 2 * 2000, `${large.steps} steps for 40,000 units`);
    assert.ok(large.steps <= 2.2 * small.steps, `${small.steps} -> ${large.steps} steps`);
  });

  it('unpadded CJK entries that are prefixes of each other against a long run of the ideograph', () => {
    const entries = range(500).map((i) => '東'.repeat(i + 1));
    const [{ steps, ids }] = measure(entries, '東'.repeat(20_000));
    assert.deepEqual(ids, range(500));
    assert.ok(steps <= 4 * 20_000 + 2 * 500, `${steps} steps for 20,000 units`);
  });

  it('1,000 copies of one entry are added once per text, not once per occurrence', () => {
    const matcher = new SubstringMatcher(buildSubstringIndex(Array(1000).fill('a')));
    assert.deepEqual(matcher.match(repeatToken('a', 20_000)), range(1000));
    // Every add lands in the id buffer: one add per occurrence would grow it to 20 million.
    assert.ok(matcher.ids().length <= 16 * (40_000 + 1000), `id buffer of ${matcher.ids().length}`);
  });

  it('one entry of 2,000 repeated tokens against 20,000 copies of the token', () => {
    const entries = ['a', repeatToken('a', 2000), 'a a'];
    const [{ steps, ids }] = measure(entries, repeatToken('a', 20_000));
    assert.deepEqual(ids, [0, 1, 2]);
    assert.ok(steps <= 4 * 40_000, `${steps} steps for 40,000 units`);
  });
});
