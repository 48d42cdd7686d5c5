/**
 * The English matcher's two search strategies (tokenMatcher.ts): the trie walk, and the token
 * Aho-Corasick a text switches to when the walk costs too much. Both give the reference's ids
 * on inputs built to make the walk quadratic, and matching work (counted in trie steps, never
 * timed) grows linearly with the text on the worst cases.
 */
import assert from 'node:assert/strict';
import { ReferenceMatcher } from '../../../../server/engine/src/match/referenceMatcher';
import { buildTokenIndex, TokenMatcher } from '../../../../server/engine/src/match/tokenMatcher';
import { generateCaptions, mulberry32, smallMetadata } from '../../../support/fixtures';
import { repeatToken, stressMetadata, stressText } from './stressInputs';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('TokenMatcher: the automaton gives the reference ids', () => {
  it('on 30 random stress metadata lists x 60 texts, on the automaton alone and switching by the walk budget', () => {
    let switched = 0;
    let texts = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const rnd = mulberry32(seed * 6151);
      const entries = stressMetadata(rnd, 40);
      const index = buildTokenIndex(entries);
      const adaptive = new TokenMatcher(index);
      const automaton = new TokenMatcher(index, 'automaton');
      const reference = new ReferenceMatcher(entries);
      for (let i = 0; i < 60; i++) {
        const text = stressText(rnd, entries);
        const expected = reference.match(text);
        const where = `seed ${seed}, text ${JSON.stringify(text.slice(0, 200))}`;
        assert.deepEqual(automaton.match(text), expected, `automaton: ${where}`);
        assert.deepEqual(adaptive.match(text), expected, `adaptive: ${where}`);
      }
      assert.equal(automaton.automatonTexts, 60);
      switched += adaptive.automatonTexts;
      texts += 60;
    }
    // Both of the adaptive matcher's paths were taken through its real budget.
    assert.ok(switched > 0 && switched < texts, `${switched} of ${texts} texts switched`);
  });

  it('keeps the ids of earlier texts of the record when a later one switches', () => {
    const matcher = new TokenMatcher(buildTokenIndex(['b', 'c', repeatToken('a', 50), 'a']));
    matcher.begin();
    matcher.collect('b');
    matcher.collect(repeatToken('a', 400));
    matcher.collect('c');
    assert.deepEqual(Array.from(matcher.sorted()), [0, 1, 2, 3]);
    assert.equal(matcher.automatonTexts, 1);
  });

  it('switches on UTF-8 lines too, with the same ids as the string path', () => {
    const entries = ['a', repeatToken('a', 50), 'a a', 'é a'];
    const text = 'é ' + repeatToken('a', 400);
    const matcher = new TokenMatcher(buildTokenIndex(entries));
    const bytes = Buffer.from(`x\r\n${text}\r\nrest`, 'utf8');
    matcher.begin();
    assert.equal(matcher.collectLine(bytes, 3, bytes.length), bytes.length - 4);
    assert.deepEqual(Array.from(matcher.sorted()), new ReferenceMatcher(entries).match(text));
    assert.deepEqual(Array.from(matcher.sorted()), [0, 1, 2, 3]);
    assert.equal(matcher.automatonTexts, 1);
  });

  it('finds a match the text can only reach after failing out of a longer one', () => {
    // "a a b" walks down "a a a ..." and must fall back to the suffix "a a" to find "a a b".
    const entries = [repeatToken('a', 6), 'a a b', 'b'];
    const matcher = new TokenMatcher(buildTokenIndex(entries), 'automaton');
    assert.deepEqual(matcher.match('a a a a a b'), [1, 2]);
    assert.deepEqual(matcher.match('a a a a a a a b'), [0, 1, 2]);
    assert.deepEqual(matcher.match('a a  b'), [2]);
    assert.deepEqual(matcher.match('a a, b'), [2]);
  });

  it('never switches on real captions, so the automaton is not even built', () => {
    const matcher = new TokenMatcher(buildTokenIndex(smallMetadata()));
    let matched = 0;
    for (const caption of generateCaptions(2000, 7)) matched += matcher.match(caption).length;
    assert.ok(matched > 2000);
    assert.equal(matcher.automatonTexts, 0);
  });
});

describe('TokenMatcher: linear work on the worst cases (trie steps, not time)', () => {
  /** Trie steps to match each text with a fresh matcher over one index, the ids and id buffer. */
  function measure(
    entries: string[],
    ...texts: string[]
  ): Array<{ steps: number; ids: number[]; idBuffer: number }> {
    const index = buildTokenIndex(entries);
    return texts.map((text) => {
      const matcher = new TokenMatcher(index);
      const ids = matcher.match(text);
      return { steps: matcher.trieSteps, ids, idBuffer: matcher.ids().length };
    });
  }

  it('one entry of 2,000 repeated tokens against 10,000 and 20,000 copies of the token', () => {
    const entries = ['a', repeatToken('a', 2000), 'a a', 'b'];
    const [small, large] = measure(entries, repeatToken('a', 10_000), repeatToken('a', 20_000));
    assert.deepEqual(small.ids, [0, 1, 2]);
    assert.deepEqual(large.ids, [0, 1, 2]);
    // The walk alone would take about 2,000 steps per token (40 million for the larger text).
    assert.ok(large.steps <= 12 * 20_000, `${large.steps} steps for 20,000 tokens`);
    assert.ok(large.steps <= 2.2 * small.steps, `${small.steps} -> ${large.steps} steps`);
  });

  it('2,000 entries that are prefixes of each other against 20,000 copies of their token', () => {
    const entries = range(2000).map((i) => repeatToken('a', i + 1));
    const [{ steps, ids }] = measure(entries, repeatToken('a', 20_000));
    assert.deepEqual(ids, range(2000));
    // Each dictionary chain is followed to its end once; later positions stop at its first link.
    assert.ok(steps <= 12 * 20_000 + 2 * 2000, `${steps} steps for 20,000 tokens`);
  });

  it('1,000 copies of one entry are added once per text, not once per occurrence', () => {
    const entries = Array(1000).fill('a');
    const [{ ids, idBuffer }] = measure(entries, repeatToken('a', 20_000));
    assert.deepEqual(ids, range(1000));
    // Every add lands in the id buffer: one add per occurrence would grow it to 20 million.
    assert.ok(idBuffer <= 16 * (20_000 + 1000), `id buffer of ${idBuffer}`);
  });

  it('a periodic entry against a long periodic text', () => {
    const entries = [repeatToken('a b', 500), 'a b a', 'b a b', 'a'];
    const text = repeatToken('a b', 10_000);
    const [{ steps, ids }] = measure(entries, text);
    assert.deepEqual(ids, new ReferenceMatcher(entries).match(text));
    assert.deepEqual(ids, [0, 1, 2, 3]);
    assert.ok(steps <= 12 * 20_000, `${steps} steps for 20,000 tokens`);
  });
});
