/**
 * The fast matchers against the reference formulation ("look for each padded entry in the spaced
 * text") on random metadata and random texts: spaces, tabs, newlines, the seven wrapped marks,
 * other punctuation, non-ASCII letters, CJK, surrogate pairs, NBSP.
 */
import assert from 'node:assert/strict';
import { createMatcher } from '../../../../server/src/engine/match/matcher';
import { ReferenceMatcher } from '../../../../server/src/engine/match/referenceMatcher';
import type { Padding } from '../../../../server/src/engine/match/spacing';
import { mulberry32 } from '../../../support/fixtures';

// A tiny alphabet makes collisions (and so matches) frequent.
const ATOMS = [
  'a',
  'b',
  'ab',
  'ba',
  'é',
  'e\u0301',
  '東',
  '京',
  'タ',
  'ไ',
  '\u{1F600}',
  '\u{20000}',
  '-',
  "'",
  '(',
  '+',
];
const SEPARATORS = [
  ' ',
  ' ',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r',
  ',',
  '.',
  ';',
  ':',
  '?',
  '!',
  '`',
  '\u00a0',
  ', ',
  '. ',
];

function randomWord(rnd: () => number): string {
  const n = 1 + Math.floor(rnd() * 2);
  let w = '';
  for (let i = 0; i < n; i++) w += ATOMS[Math.floor(rnd() * ATOMS.length)];
  return w;
}

function randomPhrase(rnd: () => number, maxWords: number, withSeparators: boolean): string {
  const n = 1 + Math.floor(rnd() * maxWords);
  let s = rnd() < 0.05 ? ' ' : '';
  for (let i = 0; i < n; i++) {
    if (i > 0)
      s += withSeparators ? SEPARATORS[Math.floor(rnd() * SEPARATORS.length)] : rnd() < 0.9 ? ' ' : '  ';
    s += randomWord(rnd);
  }
  if (rnd() < 0.1) s += withSeparators ? SEPARATORS[Math.floor(rnd() * SEPARATORS.length)] : ' ';
  return s;
}

function checkAgreement(padding: Padding, seed: number, entriesCount: number, texts: number): void {
  const rnd = mulberry32(seed);
  const entries: string[] = [];
  for (let i = 0; i < entriesCount; i++) {
    // Mostly plain phrases; some with separators, which may never match, and some duplicates.
    const r = rnd();
    if (r < 0.05 && entries.length > 0) entries.push(entries[Math.floor(rnd() * entries.length)]);
    else if (r < 0.2) entries.push(randomPhrase(rnd, 3, true));
    else if (r < 0.22) entries.push('');
    else entries.push(randomPhrase(rnd, 3, false));
  }
  const fast = createMatcher(entries, padding);
  const reference = new ReferenceMatcher(entries, padding);
  for (let i = 0; i < texts; i++) {
    const text = randomPhrase(rnd, 12, true);
    assert.deepEqual(fast.match(text), reference.match(text), `seed ${seed}, text ${JSON.stringify(text)}`);
  }
}

describe('fast matchers agree with the reference formulation on random inputs', () => {
  for (const padding of ['english', 'worldwide'] as const) {
    it(`${padding} padding: 40 random metadata lists x 300 random texts`, () => {
      for (let seed = 1; seed <= 40; seed++) checkAgreement(padding, seed * 7919, 60, 300);
    });
  }
});
