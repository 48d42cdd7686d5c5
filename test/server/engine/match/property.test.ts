/**
 * The fast matchers against the reference formulation ("look for each padded entry in the spaced
 * text") on random metadata and random texts: spaces, tabs, newlines, the seven wrapped marks,
 * other punctuation, non-ASCII letters, CJK, surrogate pairs, NBSP. And matching UTF-8 bytes
 * in place against decoding them first, on valid and broken UTF-8.
 */
import assert from 'node:assert/strict';
import { createMatcher } from '../../../../server/engine/src/match/matcher';
import { ReferenceMatcher } from '../../../../server/engine/src/match/referenceMatcher';
import type { Padding } from '../../../../server/engine/src/match/spacing';
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

/** Byte sequences that are not UTF-8: decoding replaces each with U+FFFD. */
const BROKEN_UTF8 = [
  [0x80], // lone continuation byte
  [0xbf, 0x80],
  [0xc0, 0x80], // overlong NUL
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80], // overlong
  [0xe6, 0x9d], // truncated 3-byte sequence
  [0xed, 0xa0, 0x80], // UTF-8 of a lone surrogate
  [0xf0, 0x8f, 0xbf, 0xbf], // overlong
  [0xf0, 0x9f, 0x98], // truncated 4-byte sequence
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xf5],
  [0xff],
  [0xc3], // 2-byte lead, then whatever follows
];

/** A random line's bytes: UTF-8 of random phrases, sometimes with broken sequences inside. */
function randomLineBytes(rnd: () => number): Buffer {
  const parts: Buffer[] = [];
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    parts.push(Buffer.from(randomPhrase(rnd, 6, true), 'utf8'));
    if (rnd() < 0.15) parts.push(Buffer.from(BROKEN_UTF8[Math.floor(rnd() * BROKEN_UTF8.length)]));
    if (rnd() < 0.05) parts.push(Buffer.from('\ufeff', 'utf8'));
  }
  return Buffer.concat(parts);
}

describe('matching UTF-8 bytes in place agrees with decoding them first', () => {
  it('reads each kind of broken UTF-8 as the U+FFFD that decoding gives, inside and around tokens', () => {
    for (const sequence of BROKEN_UTF8) {
      const broken = Buffer.from(sequence);
      const line = Buffer.concat([Buffer.from('a'), broken, Buffer.from(' b '), broken, Buffer.from(' a')]);
      const decoded = line.toString('utf8');
      const entries = [
        'a',
        'b',
        Buffer.concat([Buffer.from('a'), broken]).toString('utf8'),
        broken.toString(),
      ];
      const matcher = createMatcher(entries, 'english');
      matcher.begin();
      matcher.collectUtf8(line, 0, line.length);
      assert.deepEqual(Array.from(matcher.sorted()), matcher.match(decoded), `bytes ${line.toString('hex')}`);
      assert.deepEqual(matcher.match(decoded), [0, 1, 2, 3], `bytes ${line.toString('hex')}`);
      // At the end of the line, with bytes after it that would complete the sequence.
      const atEnd = Buffer.concat([Buffer.from('b a'), broken]);
      const buffer = Buffer.concat([atEnd, Buffer.from([0x80, 0x80, 0x80, 0x0a])]);
      matcher.begin();
      matcher.collectUtf8(buffer, 0, atEnd.length);
      assert.deepEqual(
        Array.from(matcher.sorted()),
        matcher.match(atEnd.toString()),
        `bytes ${atEnd.toString('hex')}`,
      );
    }
  });
  for (const padding of ['english', 'worldwide'] as const) {
    it(`${padding} padding: 20 random metadata lists x 300 random lines, valid and broken UTF-8`, () => {
      for (let seed = 1; seed <= 20; seed++) {
        const rnd = mulberry32(seed * 104729);
        // Some entries end in what broken bytes decode to (U+FFFD), so misreading them shows.
        const entries = Array.from({ length: 60 }, () => {
          const entry = Buffer.from(randomPhrase(rnd, 3, rnd() < 0.15), 'utf8');
          if (rnd() >= 0.3) return entry.toString('utf8');
          const broken = Buffer.from(BROKEN_UTF8[Math.floor(rnd() * BROKEN_UTF8.length)]);
          return Buffer.concat([entry, broken]).toString('utf8');
        });
        const matcher = createMatcher(entries, padding);
        for (let i = 0; i < 300; i++) {
          // The line sits inside a larger buffer, as it does in a read buffer.
          const before = randomLineBytes(rnd);
          const line = randomLineBytes(rnd);
          const bytes = Buffer.concat([before, line, randomLineBytes(rnd)]);
          const start = before.length;
          const end = start + line.length;
          matcher.begin();
          matcher.collectUtf8(bytes, start, end);
          const inPlace = Array.from(matcher.sorted());
          const decoded = matcher.match(bytes.toString('utf8', start, end));
          assert.deepEqual(inPlace, decoded, `seed ${seed}, line bytes ${line.toString('hex')}`);
        }
      }
    });
  }
});
