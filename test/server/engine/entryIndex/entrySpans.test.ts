/** Where an entry matches in a text: the spec's padded search, mapped back through the spacing. */
import assert from 'node:assert/strict';
import { entrySpans } from '../../../../server/engine/src/entryIndex/entrySpans';
import { ReferenceMatcher } from '../../../../server/engine/src/match/referenceMatcher';
import { mulberry32 } from '../../../support/fixtures';

describe('entrySpans', () => {
  it('finds every whole-word occurrence, also next to punctuation and line breaks', () => {
    const text = 'a dog, the dog.\ndogs and hotdog dog';
    assert.deepEqual(
      entrySpans(text, 'dog', 'english').map(([s, e]) => [s, e, text.slice(s, e)]),
      [
        [2, 5, 'dog'],
        [11, 14, 'dog'],
        [32, 35, 'dog'],
      ],
    );
  });

  it('covers a multi-word entry whole, and finds nothing where the reference matcher finds nothing', () => {
    assert.deepEqual(entrySpans('in new york city today', 'new york city', 'english'), [[3, 16]]);
    assert.deepEqual(entrySpans('U.S. flag', 'U.S.', 'english'), []);
    assert.equal(new ReferenceMatcher(['U.S.']).match('U.S. flag').length, 0);
  });

  it('has a span exactly when the reference matcher matches, on random texts', () => {
    const words = ['dog', 'cat', 'hot', 'hot dog', ',', '.', '!', 'a', 'dogs'];
    const rnd = mulberry32(11);
    const entries = ['dog', 'hot dog', 'cat', 'a'];
    const reference = new ReferenceMatcher(entries);
    for (let i = 0; i < 500; i++) {
      const n = 1 + Math.floor(rnd() * 8);
      const text = Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(
        rnd() < 0.5 ? ' ' : '',
      );
      const matched = new Set(reference.match(text));
      entries.forEach((entry, id) => {
        const spans = entrySpans(text, entry, 'english');
        assert.equal(spans.length > 0, matched.has(id), `${JSON.stringify(text)} / ${entry}`);
        for (const [s, e] of spans) assert.equal(text.slice(s, e), entry);
      });
    }
  });
});
