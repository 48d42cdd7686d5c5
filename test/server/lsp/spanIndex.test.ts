/**
 * Span finding: where entries match inside a caption. The ids of the spans must be exactly the
 * engine matcher's ids (spec section 2), and each English span must cover the entry's words.
 */
import assert from 'node:assert/strict';
import { createMatcher } from '../../../server/src/engine/match/matcher';
import {
  captionTokens,
  findEntrySpans,
  matchedIds,
  segmentSpans,
  SubstringSpanIndex,
  TokenSpanIndex,
  type Span,
} from '../../../server/src/lsp/spanIndex';
import { mulberry32 } from '../../support/fixtures';

const WORDS = [
  'new',
  'york',
  'city',
  'dog',
  'hot',
  "dog's",
  '(dog)',
  'T-shirt',
  'St',
  'Louis',
  'a',
  'é',
  '東京',
  '猫',
];
const SEPARATORS = [' ', ' ', ' ', '  ', '\t', '\n', '.', ', ', ';', ':', '?', '!', '`', '\u00a0', ''];

function randomText(rand: () => number, words = WORDS): string {
  let s = '';
  const n = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) {
    if (rand() < 0.3) s += SEPARATORS[Math.floor(rand() * SEPARATORS.length)];
    s += words[Math.floor(rand() * words.length)];
    s += SEPARATORS[Math.floor(rand() * SEPARATORS.length)];
  }
  return s;
}

const ENTRIES = [
  'new',
  'york',
  'new york',
  'new york city',
  'york city',
  'dog',
  'hot dog',
  'hot  dog',
  "dog's",
  '(dog)',
  'T-shirt',
  'St. Louis',
  'St . Louis',
  'a . b',
  '.',
  ', dog',
  ' dog',
  'dog ',
  '',
  'dog',
  'é',
  '東京',
  '猫',
  'city !',
];

describe('lsp span index', () => {
  it('cuts a caption into the inner tokens of the spaced text, with their ranges', () => {
    const t = captionTokens('a.b  c');
    assert.deepEqual(t.texts.slice(0, t.count), ['a', '.', 'b', '', 'c']);
    assert.deepEqual(t.starts.slice(0, t.count), [0, 1, 2, 4, 5]);
    assert.deepEqual(t.ends.slice(0, t.count), [1, 2, 3, 4, 6]);
  });

  it('English: span ids equal the matcher ids on random texts, and spans cover the entry words', () => {
    const matcher = createMatcher(ENTRIES, 'english');
    const index = TokenSpanIndex.buildSync(ENTRIES);
    const rand = mulberry32(7);
    for (let i = 0; i < 3000; i++) {
      const text = randomText(rand);
      assert.deepEqual(matchedIds(index, text), matcher.match(text), JSON.stringify(text));
      for (const span of index.spans(text)) {
        const covered = text.slice(span.start, span.end).replace(/[\t\n\r]/g, ' ');
        const entry = ENTRIES[span.id];
        // Punctuation is spaced in the caption, so compare with the spaced form.
        const spaced = covered
          .replace(/([,.;:?!`])/g, ' $1 ')
          .replace(/ +/g, ' ')
          .trim();
        assert.equal(
          spaced,
          entry.replace(/ +/g, ' ').trim(),
          `${JSON.stringify(text)} ${JSON.stringify(entry)}`,
        );
      }
    }
  });

  it('worldwide: span ids equal the matcher ids on random texts', () => {
    const matcher = createMatcher(ENTRIES, 'worldwide');
    const index = new SubstringSpanIndex(matcher, ENTRIES);
    const rand = mulberry32(11);
    for (let i = 0; i < 2000; i++) {
      const text = randomText(rand);
      assert.deepEqual(matchedIds(index, text), matcher.match(text), JSON.stringify(text));
      for (const span of index.spans(text)) {
        if (ENTRIES[span.id].trim() === ENTRIES[span.id] && !/[,.;:?!`]/.test(ENTRIES[span.id]))
          assert.equal(text.slice(span.start, span.end).replace(/[\t\n\r]/g, ' '), ENTRIES[span.id]);
      }
    }
  });

  it('finds nested and overlapping entries with exact ranges', () => {
    const index = TokenSpanIndex.buildSync(ENTRIES);
    // The final '.' also matches the entries '.' and '' (the spaced text ends in "city .  ").
    const caption = 'I love new york city.';
    const spans = index
      .spans(caption)
      .filter((s) => ENTRIES[s.id].length > 1)
      .map((s) => [ENTRIES[s.id], caption.slice(s.start, s.end)])
      .sort();
    assert.deepEqual(spans, [
      ['new york city', 'new york city'],
      ['new york', 'new york'],
      ['new', 'new'],
      ['york city', 'york city'],
      ['york', 'york'],
    ]);
    // Captions are spaced: "St. Louis" is "St .  Louis" (two spaces) when matched.
    assert.deepEqual(findEntrySpans('St. Louis at St . Louis', 'St .  Louis', 'english'), [[0, 9]]);
    assert.deepEqual(findEntrySpans('St. Louis at St . Louis', 'St . Louis', 'english'), []);
    assert.deepEqual(findEntrySpans('a.b', 'a . b', 'english'), [[0, 3]]);
  });

  it('updates in place when entries are edited, like a rebuild', () => {
    const entries = [...ENTRIES];
    const index = TokenSpanIndex.buildSync(entries);
    const rand = mulberry32(3);
    for (let round = 0; round < 200; round++) {
      const id = Math.floor(rand() * entries.length);
      const next = randomText(rand)
        .trim()
        .replace(/[\t\n]/g, ' ');
      index.replace(id, entries[id], next);
      entries[id] = next;
      const matcher = createMatcher(entries, 'english');
      for (let i = 0; i < 20; i++) {
        const text = randomText(rand);
        assert.deepEqual(
          matchedIds(index, text),
          matcher.match(text),
          `${JSON.stringify(text)} after ${round}`,
        );
      }
    }
  });

  it('gives each highlighted character to the longest entry covering it (index segments)', () => {
    const entries = [...ENTRIES, 'dog stand', 'stand', 'a a'];
    for (const index of [
      TokenSpanIndex.buildSync(entries),
      new SubstringSpanIndex(createMatcher(entries, 'worldwide'), entries),
    ]) {
      const rand = mulberry32(5);
      for (let i = 0; i < 2000; i++) {
        const text = randomText(rand, [...WORDS, 'stand', 'a']);
        const spans = index.spans(text).filter((s) => s.end > s.start);
        const segs = index.segments(text) ?? [];
        for (let k = 1; k < segs.length; k++)
          assert.ok(segs[k].start >= segs[k - 1].end, 'segments do not overlap');
        for (let p = 0; p < text.length; p++) {
          if (/[ \t\n\r]/.test(text[p])) continue;
          const covering = spans.filter((s) => s.start <= p && p < s.end);
          const seg = segs.find((s) => s.start <= p && p < s.end);
          if (covering.length === 0) {
            assert.equal(seg, undefined, `${JSON.stringify(text)} @${p}`);
            continue;
          }
          assert.ok(seg, `${JSON.stringify(text)} @${p} is not highlighted`);
          const longest = Math.max(...covering.map((s) => s.end - s.start));
          const winner = spans.find((s) => s.id === seg.id && s.start <= p && p < s.end);
          assert.ok(winner && winner.end - winner.start === longest, `${JSON.stringify(text)} @${p}`);
        }
      }
    }
  });

  it('segments overlapping spans into non-overlapping highlights, longest entry first', () => {
    const s = (start: number, end: number, id: number): Span => ({ start, end, id });
    // "new york city": new(0,3) york(4,8) city(9,13) new york(0,8) york city(4,13) new york city(0,13)
    assert.deepEqual(segmentSpans([s(0, 3, 0), s(4, 8, 1), s(0, 8, 2), s(0, 13, 3), s(4, 13, 4)]), [
      s(0, 13, 3),
    ]);
    // "hot dog stand" with entries "hot dog"(0,7) and "dog stand"(4,13): the shared word goes to
    // the longer entry, and the space left at the cut is trimmed.
    assert.deepEqual(segmentSpans([s(0, 7, 5), s(4, 13, 6)], 'hot dog stand'), [s(0, 3, 5), s(4, 13, 6)]);
    // Ties go to the lower id.
    assert.deepEqual(segmentSpans([s(0, 7, 6), s(4, 11, 5)]), [s(0, 4, 6), s(4, 11, 5)]);
    assert.deepEqual(segmentSpans([s(2, 2, 1)]), []);
  });
});
