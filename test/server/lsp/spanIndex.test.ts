/**
 * Span finding: where entries match inside a caption. The ids of the spans must be exactly the
 * engine matcher's ids (docs/spec.md section 2), and each English span must cover the entry's words.
 */
import assert from 'node:assert/strict';
import { createMatcher } from '../../../server/engine/src/match/matcher';
import { ReferenceMatcher } from '../../../server/engine/src/match/referenceMatcher';
import { paddedEntry, spacedText, type Padding } from '../../../server/engine/src/match/spacing';
import {
  CAPPED_SPANS_NOTE,
  captionTokens,
  findEntrySpans,
  matchedIds,
  MAX_SPANS_PER_LINE,
  segmentSpans,
  SubstringSpanIndex,
  TokenSpanIndex,
  type Span,
  type SpanList,
} from '../../../server/src/lsp/spanIndex';
import { mulberry32 } from '../../support/fixtures';
import { repeatToken, stressMetadata, stressText } from '../engine/match/stressInputs';

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

// ---------------------------------------------------------------------------------------------
// Linear worst case (issue 9, item 10): the spans are the spec's on inputs built to make a naive
// search quadratic, by the walk and by the automaton, and the work (trie steps, never time)
// grows linearly with the line; a line's spans are capped at MAX_SPANS_PER_LINE, and said so.
// ---------------------------------------------------------------------------------------------

/** A span with the tokens (English) or spaced characters (worldwide) it was found at. */
interface ReferenceSpan extends Span {
  /** Where the search finds it: its last token or spaced character, then longest first. */
  last: number;
  length: number;
}

/** The capped lines' order: by where the span ends, longest first, then by id. */
function foundOrder(x: ReferenceSpan, y: ReferenceSpan): number {
  return x.last - y.last || y.length - x.length || x.id - y.id;
}

/** A number per span, sorted: spans as a set, compared fast. */
function spanKeys(spans: readonly Span[]): Float64Array {
  const keys = new Float64Array(spans.length);
  spans.forEach((s, i) => {
    assert.ok(s.end < 65536 && s.id < 4096, 'span too large for its key');
    keys[i] = (s.start * 65536 + s.end) * 4096 + s.id;
  });
  return keys.sort();
}

/** Asserts that two lists hold the same spans, in any order (showing "start:end:id" if not). */
function assertSameSpans(actual: readonly Span[], expected: readonly Span[], where: string): void {
  const a = spanKeys(actual);
  const b = spanKeys(expected);
  if (a.length === b.length && a.every((key, i) => key === b[i])) return;
  const readable = (spans: readonly Span[]) =>
    spans
      .map((s) => [s.start, s.end, s.id])
      .sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2])
      .map((s) => s.join(':'));
  assert.deepEqual(readable(actual), readable(expected), where);
}

/** Ids by entry string. */
function idsByString(entries: readonly string[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  entries.forEach((e, id) => map.set(e, [...(map.get(e) ?? []), id]));
  return map;
}

/**
 * The spec's English spans ("equivalent formulation"): every run of inner tokens [a, b] of the
 * spaced text equal to an entry's tokens (the entry split on a space), for each id of that entry.
 */
function referenceEnglishSpans(entries: readonly string[], caption: string): ReferenceSpan[] {
  const t = captionTokens(caption);
  const out: ReferenceSpan[] = [];
  for (const [entry, ids] of idsByString(entries)) {
    const parts = entry.split(' ');
    for (let a = 0; a + parts.length <= t.count; a++) {
      let j = 0;
      while (j < parts.length && t.texts[a + j] === parts[j]) j++;
      if (j < parts.length) continue;
      const b = a + parts.length - 1;
      for (const id of ids)
        out.push({ start: t.starts[a], end: t.ends[b], id, last: b, length: parts.length });
    }
  }
  return out;
}

/** The spaced text built character by character, with the caption range of each character. */
function spacedOrigins(caption: string): { text: string; lo: number[]; hi: number[] } {
  let text = ' ';
  const lo = [0];
  const hi = [0];
  for (let i = 0; i < caption.length; i++) {
    const c = caption[i];
    if (',.;:?!`'.includes(c)) {
      text += ` ${c} `;
      lo.push(i, i, i + 1);
      hi.push(i, i + 1, i + 1);
    } else {
      text += '\t\n\r'.includes(c) ? ' ' : c;
      lo.push(i);
      hi.push(i + 1);
    }
  }
  lo.push(caption.length);
  hi.push(caption.length);
  text += ' ';
  assert.equal(text, spacedText(caption));
  return { text, lo, hi };
}

/**
 * The spec's worldwide spans: every occurrence of an entry's padded string in the spaced text,
 * the entry's own characters mapped back to the caption (an empty entry: [0, 0)).
 */
function referenceWorldwideSpans(entries: readonly string[], caption: string): ReferenceSpan[] {
  const { text, lo, hi } = spacedOrigins(caption);
  const out: ReferenceSpan[] = [];
  entries.forEach((entry, id) => {
    const padded = paddedEntry(entry, 'worldwide');
    const lead = padded.startsWith(' ') ? 1 : 0;
    for (let k = text.indexOf(padded); k !== -1; k = text.indexOf(padded, k + 1)) {
      const start = entry.length > 0 ? lo[k + lead] : 0;
      const end = entry.length > 0 ? hi[k + lead + entry.length - 1] : 0;
      out.push({ start, end, id, last: k + padded.length - 1, length: padded.length });
    }
  });
  return out;
}

/**
 * English highlighting by its definition: each token goes to the longest span covering it (in
 * characters; zero-width spans never), the lowest id and then the earliest start on ties; runs
 * of tokens given to the same span are one segment, which starts on a non-empty token.
 */
function referenceEnglishSegments(spans: readonly ReferenceSpan[], caption: string): Span[] | null {
  const t = captionTokens(caption);
  const best: Array<ReferenceSpan | undefined> = new Array(t.count);
  const firstOf = (s: ReferenceSpan) => s.last - s.length + 1;
  for (const s of spans) {
    const width = s.end - s.start;
    if (width <= 0) continue;
    for (let k = firstOf(s); k <= s.last; k++) {
      const b = best[k];
      const d = b ? width - (b.end - b.start) : 1;
      if (!b || d > 0 || (d === 0 && (s.id < b.id || (s.id === b.id && firstOf(s) < firstOf(b)))))
        best[k] = s;
    }
  }
  if (best.every((b) => b === undefined)) return null;
  const out: Span[] = [];
  let last: Span | undefined;
  let lastOwner: ReferenceSpan | undefined;
  for (let k = 0; k < t.count; k++) {
    const owner = best[k];
    if (!owner) continue;
    if (last && owner === lastOwner && best[k - 1] === owner) last.end = t.ends[k];
    else if (t.ends[k] > t.starts[k]) {
      last = { start: t.starts[k], end: t.ends[k], id: owner.id };
      lastOwner = owner;
      out.push(last);
    } else if (owner !== lastOwner) last = undefined;
  }
  return out;
}

/** What findSpans must return: all spans, or the first MAX_SPANS_PER_LINE as found. */
function expectedList(reference: ReferenceSpan[], covering?: number): SpanList {
  const covers = reference.filter((s) => covering === undefined || (s.start <= covering && covering < s.end));
  const capped = covers.length > MAX_SPANS_PER_LINE;
  return { spans: capped ? [...covers].sort(foundOrder).slice(0, MAX_SPANS_PER_LINE) : covers, capped };
}

function assertList(actual: SpanList, reference: ReferenceSpan[], where: string, covering?: number): void {
  const expected = expectedList(reference, covering);
  assert.equal(actual.capped, expected.capped, `capped: ${where}`);
  assertSameSpans(actual.spans, expected.spans, where);
}

describe('lsp span index: the spec spans on stress inputs', () => {
  it('cuts captions into the inner tokens of the spec spaced text', () => {
    const rnd = mulberry32(101);
    for (let i = 0; i < 500; i++) {
      const text = stressText(rnd, stressMetadata(rnd, 10));
      const t = captionTokens(text);
      assert.deepEqual(t.texts.slice(0, t.count), spacedText(text).split(' ').slice(1, -1));
    }
  });

  it('English: 20 stress metadata lists x 40 lines, on the automaton alone and switching by the walk budget', () => {
    let switched = 0;
    let lines = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = mulberry32(seed * 7919);
      const entries = stressMetadata(rnd, 40);
      const adaptive = TokenSpanIndex.buildSync(entries);
      const automaton = TokenSpanIndex.buildSync(entries, 'automaton');
      const reference = new ReferenceMatcher(entries);
      for (let i = 0; i < 40; i++) {
        const text = stressText(rnd, entries);
        const spans = referenceEnglishSpans(entries, text);
        const covering = Math.floor(rnd() * (text.length + 1));
        const segments = referenceEnglishSegments(spans, text);
        const ids = reference.match(text);
        for (const [name, index] of [
          ['adaptive', adaptive],
          ['automaton', automaton],
        ] as const) {
          const where = `${name}, seed ${seed}, text ${JSON.stringify(text.slice(0, 200))}`;
          assertList(index.findSpans(text), spans, where);
          assertList(index.findSpans(text, covering), spans, `${where} at ${covering}`, covering);
          assert.deepEqual(matchedIds(index, text), ids, where);
          assert.deepEqual(index.segments(text), segments, where);
        }
      }
      // Each line went to the automaton for its spans, ids and segments (and spans at a
      // position, unless the position is past the last token).
      assert.ok(automaton.automatonLines >= 40 * 3, `${automaton.automatonLines} searches`);
      switched += adaptive.automatonLines;
      lines += 40 * 4;
    }
    // Both of the adaptive index's paths were taken through its real budget.
    assert.ok(switched > 0 && switched < lines, `${switched} of ${lines} searches switched`);
  });

  it('English: entries edited in place, on both paths, like a rebuild', () => {
    const rnd = mulberry32(4242);
    const entries = stressMetadata(rnd, 40);
    const indexes = [TokenSpanIndex.buildSync(entries), TokenSpanIndex.buildSync(entries, 'automaton')];
    for (let round = 0; round < 60; round++) {
      const id = Math.floor(rnd() * entries.length);
      const next = stressMetadata(rnd, 1)[0];
      for (const index of indexes) index.replace(id, entries[id], next);
      entries[id] = next;
      for (let i = 0; i < 5; i++) {
        const text = stressText(rnd, entries);
        const spans = referenceEnglishSpans(entries, text);
        for (const index of indexes) {
          assertList(index.findSpans(text), spans, `round ${round}, ${JSON.stringify(text.slice(0, 200))}`);
        }
      }
    }
  });

  it('worldwide: 30 stress metadata lists x 60 lines', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rnd = mulberry32(seed * 104729);
      const entries = stressMetadata(rnd, 40);
      const index = new SubstringSpanIndex(createMatcher(entries, 'worldwide'), entries);
      for (let i = 0; i < 60; i++) {
        // Shorter runs than the English test's: the reference segmentSpans is quadratic in spans.
        const text = stressText(rnd, entries, 100);
        const spans = referenceWorldwideSpans(entries, text);
        const covering = Math.floor(rnd() * (text.length + 1));
        const where = `seed ${seed}, text ${JSON.stringify(text.slice(0, 200))}`;
        assertList(index.findSpans(text), spans, where);
        assertList(index.findSpans(text, covering), spans, `${where} at ${covering}`, covering);
        const segments = segmentSpans(spans, text);
        assert.deepEqual(index.segments(text), segments.length === 0 ? null : segments, where);
      }
    }
  });

  it('findEntrySpans gives the spec spans of one entry, both paddings', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rnd = mulberry32(seed * 31337);
      const entries = stressMetadata(rnd, 20);
      for (let i = 0; i < 40; i++) {
        const text = stressText(rnd, entries);
        const english = referenceEnglishSpans(entries, text);
        const worldwide = referenceWorldwideSpans(entries, text).filter((s) => entries[s.id].length > 0);
        entries.forEach((entry, id) => {
          const where = `entry ${JSON.stringify(entry)}, text ${JSON.stringify(text.slice(0, 200))}`;
          const mine = (spans: ReferenceSpan[]) =>
            spans.filter((s) => s.id === id).map((s) => `${s.start}:${s.end}`);
          const found = (padding: Padding) =>
            findEntrySpans(text, entry, padding).map(([start, end]) => `${start}:${end}`);
          assert.deepEqual(found('english'), mine(english), `english: ${where}`);
          assert.deepEqual(found('worldwide'), mine(worldwide), `worldwide: ${where}`);
        });
      }
    }
  });

  it('caps a line of many nested spans at MAX_SPANS_PER_LINE, the first ones by their end, and says so', () => {
    // 200 prefixes of each other against 300 copies of their token: about 40,000 spans.
    const entries = Array.from({ length: 200 }, (_, i) => repeatToken('a', i + 1));
    const text = repeatToken('a', 300);
    const english = referenceEnglishSpans(entries, text);
    const worldwide = referenceWorldwideSpans(entries, text);
    assert.ok(english.length > 4 * MAX_SPANS_PER_LINE && worldwide.length === english.length);
    const indexes = [
      TokenSpanIndex.buildSync(entries),
      TokenSpanIndex.buildSync(entries, 'automaton'),
      new SubstringSpanIndex(createMatcher(entries, 'worldwide'), entries),
    ];
    for (const index of indexes) {
      const reference = index.padding === 'english' ? english : worldwide;
      const list = index.findSpans(text);
      assert.equal(list.capped, true);
      assert.equal(list.spans.length, MAX_SPANS_PER_LINE);
      assertList(list, reference, index.padding);
      assert.deepEqual(index.spans(text), list.spans);
      // At a position: the spans covering it are capped on their own (about 20,000 of them).
      const middle = text.length / 2;
      assertList(index.findSpans(text, middle), reference, `${index.padding} at ${middle}`, middle);
      assert.equal(index.findSpans(text, middle).capped, true);
      // Near the end, fewer cover the position: all of them, not capped.
      assertList(index.findSpans(text, text.length - 1), reference, index.padding, text.length - 1);
      assert.equal(index.findSpans(text, text.length - 1).capped, false);
    }
    assert.match(CAPPED_SPANS_NOTE, /10,000/);
  });

  it('a line of exactly MAX_SPANS_PER_LINE spans is not capped', () => {
    const entries = ['a'];
    const text = repeatToken('a', MAX_SPANS_PER_LINE);
    for (const index of [TokenSpanIndex.buildSync(entries), TokenSpanIndex.buildSync(entries, 'automaton')]) {
      const list = index.findSpans(text);
      assert.equal(list.capped, false);
      assert.equal(list.spans.length, MAX_SPANS_PER_LINE);
    }
    assert.equal(TokenSpanIndex.buildSync(entries).findSpans(`${text} a`).capped, true);
  });
});

describe('lsp span index: linear work on the worst cases (trie steps, not time)', () => {
  /** Steps one call takes on the index, and its result. */
  function counted<T>(index: { trieSteps: number }, call: () => T): { steps: number; result: T } {
    const before = index.trieSteps;
    const result = call();
    return { steps: index.trieSteps - before, result };
  }

  /** Segments when every token is owned by the latest `n`-token span covering it from the start. */
  function expectedRunSegments(text: string, n: number, id: number): Span[] {
    const t = captionTokens(text);
    const out: Span[] = [{ start: 0, end: t.ends[n - 1], id }];
    for (let k = n; k < t.count; k++) out.push({ start: t.starts[k], end: t.ends[k], id });
    return out;
  }

  it('one entry of 2,000 repeated tokens against 10,000 and 20,000 copies of the token', () => {
    const entries = ['a', repeatToken('a', 2000), 'a a', 'b'];
    const small = repeatToken('a', 10_000);
    const large = repeatToken('a', 20_000);
    const index = TokenSpanIndex.buildSync(entries);
    const idsSmall = counted(index, () => matchedIds(index, small));
    const idsLarge = counted(index, () => matchedIds(index, large));
    assert.deepEqual(idsLarge.result, [0, 1, 2]);
    // The walk alone would take about 2,000 steps per token (40 million for the larger line).
    assert.ok(idsLarge.steps <= 12 * 20_000, `${idsLarge.steps} steps for 20,000 tokens`);
    assert.ok(idsLarge.steps <= 2.2 * idsSmall.steps, `${idsSmall.steps} -> ${idsLarge.steps} steps`);

    const spans = counted(index, () => index.findSpans(large));
    assertList(spans.result, referenceEnglishSpans(entries, large), 'spans');
    assert.ok(spans.steps <= 12 * 20_000 + MAX_SPANS_PER_LINE, `${spans.steps} steps`);

    // The 10,001st token: in one span of `a`, two of `a a` and 2,000 of the long entry.
    const middle = 2 * 10_000;
    const covering = counted(index, () => index.findSpans(large, middle));
    assertList(covering.result, referenceEnglishSpans(entries, large), 'at the middle', middle);
    assert.equal(covering.result.spans.length, 2003);
    assert.ok(covering.steps <= 12 * 20_000 + 2003, `${covering.steps} steps`);

    const segments = counted(index, () => index.segments(large));
    assert.deepEqual(segments.result, expectedRunSegments(large, 2000, 1));
    assert.ok(segments.steps <= 12 * 20_000, `${segments.steps} steps`);
  });

  it('2,000 entries that are prefixes of each other against 20,000 copies of their token', () => {
    const entries = Array.from({ length: 2000 }, (_, i) => repeatToken('a', i + 1));
    const text = repeatToken('a', 20_000);
    const index = TokenSpanIndex.buildSync(entries);
    const ids = counted(index, () => matchedIds(index, text));
    assert.deepEqual(
      ids.result,
      entries.map((_, id) => id),
    );
    // Each dictionary chain is followed to its end once; later positions stop at its first link.
    assert.ok(ids.steps <= 12 * 20_000 + 2 * 2000, `${ids.steps} steps`);

    // 39 million spans: the first 10,000 by their last token, longest first.
    const spans = counted(index, () => index.findSpans(text));
    const expected: Span[] = [];
    for (let b = 0; expected.length < MAX_SPANS_PER_LINE; b++) {
      for (let a = Math.max(0, b - 1999); a <= b && expected.length < MAX_SPANS_PER_LINE; a++) {
        expected.push({ start: 2 * a, end: 2 * b + 1, id: b - a });
      }
    }
    assert.equal(spans.result.capped, true);
    assertSameSpans(spans.result.spans, expected, 'the first 10,000');
    assert.ok(spans.steps <= 12 * 20_000 + 2 * MAX_SPANS_PER_LINE, `${spans.steps} steps`);

    const middle = 2 * 10_000;
    const covering = counted(index, () => index.findSpans(text, middle));
    assert.equal(covering.result.capped, true);
    for (const s of covering.result.spans) {
      assert.ok(s.start <= middle && middle < s.end);
      assert.equal(text.slice(s.start, s.end), entries[s.id]);
    }
    assert.ok(covering.steps <= 12 * 20_000 + 2 * MAX_SPANS_PER_LINE, `${covering.steps} steps`);

    const segments = counted(index, () => index.segments(text));
    assert.deepEqual(segments.result, expectedRunSegments(text, 2000, 1999));
    assert.ok(segments.steps <= 12 * 20_000, `${segments.steps} steps`);
  });

  it('1,000 copies of one entry are visited once per line, not once per occurrence', () => {
    const entries = Array<string>(1000).fill('a');
    const text = repeatToken('a', 20_000);
    const index = TokenSpanIndex.buildSync(entries);
    let visits = 0;
    const ids = counted(index, () => index.forEachId(text, () => visits++));
    // One visit per occurrence would be 20 million.
    assert.ok(visits <= 16 * (20_000 + 1000), `${visits} visits`);
    assert.ok(ids.steps <= 12 * 20_000 + 2 * 1000, `${ids.steps} steps`);
    assert.deepEqual(
      matchedIds(index, text),
      entries.map((_, id) => id),
    );
  });

  it('a periodic entry against a long periodic line', () => {
    const entries = [repeatToken('a b', 500), 'a b a', 'b a b', 'a'];
    const text = repeatToken('a b', 10_000);
    const index = TokenSpanIndex.buildSync(entries);
    const reference = referenceEnglishSpans(entries, text);
    const spans = counted(index, () => index.findSpans(text));
    assertList(spans.result, reference, 'periodic');
    assert.ok(spans.steps <= 12 * 20_000 + MAX_SPANS_PER_LINE, `${spans.steps} steps`);
    const segments = counted(index, () => index.segments(text));
    assert.ok(segments.steps <= 12 * 20_000, `${segments.steps} steps`);
    assert.deepEqual(segments.result, referenceEnglishSegments(reference, text));
  });

  it('worldwide: a 2,000-token entry and 2,000 prefixes against 20,000 copies of the token', () => {
    const text = repeatToken('a', 20_000);
    for (const entries of [
      ['a', repeatToken('a', 2000), 'a a', 'b'],
      Array.from({ length: 2000 }, (_, i) => repeatToken('a', i + 1)),
    ]) {
      const index = new SubstringSpanIndex(createMatcher(entries, 'worldwide'), entries);
      const spans = counted(index, () => index.findSpans(text));
      assert.equal(spans.result.capped, true);
      for (const s of spans.result.spans) assert.equal(text.slice(s.start, s.end), entries[s.id]);
      // One transition per spaced character (40,002 of them), one link per span.
      assert.ok(spans.steps <= 3 * 40_002 + MAX_SPANS_PER_LINE, `${spans.steps} steps`);
      const segments = counted(index, () => index.segments(text));
      const longest = entries.length === 4 ? 1 : 1999;
      // segmentSpans merges a run of one entry's occurrences: the whole line is one segment.
      assert.deepEqual(segments.result, [{ start: 0, end: text.length, id: longest }]);
      assert.ok(segments.steps <= 4 * 40_002, `${segments.steps} steps`);
    }
  });

  it('findEntrySpans: a 2,000-token entry against 20,000 copies of its token', () => {
    const entry = repeatToken('a', 2000);
    const text = repeatToken('a', 20_000);
    for (const padding of ['english', 'worldwide'] as const) {
      const spans = findEntrySpans(text, entry, padding);
      assert.equal(spans.length, 18_001);
      assert.deepEqual(spans[0], [0, entry.length]);
      assert.deepEqual(spans[18_000], [text.length - entry.length, text.length]);
    }
  });
});
