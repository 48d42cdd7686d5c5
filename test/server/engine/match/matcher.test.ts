/**
 * The matching rules of the spec (section 2), stated case by case, for both padding rules and
 * for both the fast matchers and the reference formulation they must agree with.
 */
import assert from 'node:assert/strict';
import { createMatcher } from '../../../../server/engine/src/match/matcher';
import { ReferenceMatcher } from '../../../../server/engine/src/match/referenceMatcher';
import { spacedText, paddedEntry } from '../../../../server/engine/src/match/spacing';

// The metadata of the table below; ids are positions.
const METADATA = [
  /* 0 */ 'dog',
  /* 1 */ 'cat',
  /* 2 */ 'hot dog',
  /* 3 */ 'T-shirt',
  /* 4 */ 'shirt',
  /* 5 */ 'adult',
  /* 6 */ 'Adult',
  /* 7 */ 'St. Louis',
  /* 8 */ 'U.S.',
  /* 9 */ 'Yahoo!',
  /* 10 */ 'a . b',
  /* 11 */ 'new',
  /* 12 */ 'york',
  /* 13 */ 'city',
  /* 14 */ 'new york',
  /* 15 */ 'york city',
  /* 16 */ 'new york city',
  /* 17 */ ' leading',
  /* 18 */ "dog's",
  /* 19 */ '(dog)',
  /* 20 */ 'caf\u00e9',
  /* 21 */ '東京',
  /* 22 */ '東京タワー',
  /* 23 */ 'タワー',
  /* 24 */ '写真',
  /* 25 */ '1',
  /* 26 */ '2',
  /* 27 */ '20',
  /* 28 */ 'C++',
  /* 29 */ 'e-mail',
];

interface Case {
  rule: string;
  text: string;
  spaced: string;
  english: number[];
  /** Worldwide ids when they differ from English. */
  worldwide?: number[];
}

const CASES: Case[] = [
  {
    rule: 'case-sensitive: each casing is its own entry',
    text: 'Adult T-shirt',
    spaced: ' Adult T-shirt ',
    english: [3, 6],
  },
  {
    rule: 'a hyphenated word matches only whole',
    text: 'Adult T-shirt',
    spaced: ' Adult T-shirt ',
    english: [3, 6],
  },
  {
    rule: 'commas and full stops are split off the word',
    text: 'dog, cat.',
    spaced: ' dog ,  cat .  ',
    english: [0, 1],
  },
  { rule: 'two spaces do not match one space', text: 'hot  dog', spaced: ' hot  dog ', english: [0] },
  { rule: 'a tab counts as a space', text: 'hot\tdog', spaced: ' hot dog ', english: [0, 2] },
  {
    rule: 'a trailing comma does not hide the phrase',
    text: 'hot dog,',
    spaced: ' hot dog ,  ',
    english: [0, 2],
  },
  { rule: 'plurals are other words', text: 'dogs and cats', spaced: ' dogs and cats ', english: [] },
  { rule: 'an apostrophe stays inside the token', text: "dog's bowl", spaced: " dog's bowl ", english: [18] },
  { rule: 'parentheses stay inside the token', text: '(dog) toy', spaced: ' (dog) toy ', english: [19] },
  {
    rule: 'an entry with a full stop never matches',
    text: 'I love St. Louis',
    spaced: ' I love St .  Louis ',
    english: [],
  },
  {
    rule: 'abbreviations with full stops never match',
    text: 'made in U.S.',
    spaced: ' made in U . S .  ',
    english: [],
  },
  { rule: 'an exclamation mark is split off', text: 'Yahoo! news', spaced: ' Yahoo !  news ', english: [] },
  {
    rule: 'an entry already spaced around punctuation matches it',
    text: 'a.b',
    spaced: ' a . b ',
    english: [10],
  },
  {
    rule: 'nested and overlapping entries all match',
    text: 'new york city',
    spaced: ' new york city ',
    english: [11, 12, 13, 14, 15, 16],
  },
  {
    rule: 'a leading-space entry matches after punctuation',
    text: 'x, leading',
    spaced: ' x ,  leading ',
    english: [17],
  },
  { rule: 'a leading-space entry needs two spaces', text: 'x leading', spaced: ' x leading ', english: [] },
  {
    rule: 'precomposed letters match as written',
    text: 'caf\u00e9 latte',
    spaced: ' caf\u00e9 latte ',
    english: [20],
  },
  {
    rule: 'no Unicode normalisation (NFD text, NFC entry)',
    text: 'cafe\u0301 latte',
    spaced: ' cafe\u0301 latte ',
    english: [],
  },
  {
    rule: 'a non-breaking space is not a space',
    text: 'dog\u00a0cat',
    spaced: ' dog\u00a0cat ',
    english: [],
  },
  {
    rule: 'CJK inside a word: English needs spaces, worldwide does not pad ideographs',
    text: '東京タワーの写真',
    spaced: ' 東京タワーの写真 ',
    english: [],
    worldwide: [21, 24],
  },
  {
    rule: 'space-separated CJK words match in both',
    text: '東京 タワー',
    spaced: ' 東京 タワー ',
    english: [21, 23],
  },
  { rule: 'a whole CJK caption matches', text: '写真', spaced: ' 写真 ', english: [24] },
  {
    rule: 'numbers match as whole tokens only',
    text: '1 2 20 120',
    spaced: ' 1 2 20 120 ',
    english: [25, 26, 27],
  },
  {
    rule: 'symbols other than the seven marks stay in tokens',
    text: 'C++ book',
    spaced: ' C++ book ',
    english: [28],
  },
  { rule: 'a hyphen is part of the word', text: 'e-mail me', spaced: ' e-mail me ', english: [29] },
  { rule: 'upper case does not match lower case', text: 'DOG', spaced: ' DOG ', english: [] },
  { rule: 'an entry counts once per text', text: 'dog dog dog', spaced: ' dog dog dog ', english: [0] },
];

describe('matching (spec section 2)', () => {
  const english = createMatcher(METADATA, 'english');
  const worldwide = createMatcher(METADATA, 'worldwide');
  const englishReference = new ReferenceMatcher(METADATA, 'english');
  const worldwideReference = new ReferenceMatcher(METADATA, 'worldwide');

  for (const c of CASES) {
    describe(`${c.rule}: ${JSON.stringify(c.text)}`, () => {
      it('spaces the text as the reference does', () => {
        assert.equal(spacedText(c.text), c.spaced);
      });
      it('English padding gives the expected ids (fast and reference)', () => {
        assert.deepEqual(english.match(c.text), c.english);
        assert.deepEqual(englishReference.match(c.text), c.english);
      });
      it('worldwide padding gives the expected ids (fast and reference)', () => {
        const expected = c.worldwide ?? c.english;
        assert.deepEqual(worldwide.match(c.text), expected);
        assert.deepEqual(worldwideReference.match(c.text), expected);
      });
    });
  }

  describe('padding', () => {
    it('English pads every entry on both sides', () => {
      assert.equal(paddedEntry('東京', 'english'), ' 東京 ');
    });
    it('worldwide leaves ideograph and punctuation ends unpadded, kana padded', () => {
      assert.equal(paddedEntry('東京', 'worldwide'), '東京');
      assert.equal(paddedEntry('東京タワー', 'worldwide'), '東京タワー ');
      assert.equal(paddedEntry('U.S.', 'worldwide'), ' U.S.');
      assert.equal(paddedEntry('(dog)', 'worldwide'), '(dog)');
      assert.equal(paddedEntry('ไทย', 'worldwide'), 'ไทย');
      assert.equal(paddedEntry('\u{20000}x\u{20001}', 'worldwide'), '\u{20000}x\u{20001}');
    });
  });

  describe('duplicates and odd entries', () => {
    it('reports every id of a duplicated entry, ascending', () => {
      const m = createMatcher(['dog', 'cat', 'dog', 'dog'], 'english');
      assert.deepEqual(m.match('a dog'), [0, 2, 3]);
      const w = createMatcher(['dog', 'cat', 'dog'], 'worldwide');
      assert.deepEqual(w.match('a dog'), [0, 2]);
    });
    it('the empty entry matches wherever the spaced text has two spaces in a row', () => {
      const m = createMatcher(['', 'x'], 'english');
      assert.deepEqual(m.match('x'), [1]);
      assert.deepEqual(m.match('x, y'), [0, 1]);
      assert.deepEqual(m.match(''), [0]);
    });
    it('entries with a tab, newline or CR can never match', () => {
      const m = createMatcher(['hot\tdog', 'a\nb', 'a\rb'], 'english');
      assert.deepEqual(m.match('hot\tdog a\nb a\rb'), []);
    });
    it('a long run of wrapped marks (two tokens each) loses no token', () => {
      const text = ','.repeat(300) + ' x';
      const m = createMatcher(['x', ','], 'english');
      assert.deepEqual(m.match(text), [0, 1]);
      m.begin();
      m.collectUtf8(Buffer.from(text), 0, text.length);
      assert.deepEqual(Array.from(m.sorted()), [0, 1]);
    });
    it('several texts of one record union their ids', () => {
      const m = createMatcher(METADATA, 'english');
      m.begin();
      m.collect('a cat');
      m.collect('a dog and a cat');
      assert.deepEqual(Array.from(m.sorted()), [0, 1]);
    });
  });
});
