/**
 * Metadata and texts built to stress the matchers where they can go quadratic: runs of one
 * token against long entries of it, entries that are prefixes of each other or periodic
 * (long dictionary chains, deep failure chains), duplicates, empty tokens (doubled, leading and
 * trailing spaces), the wrapped marks, other punctuation, non-ASCII tokens.
 */

const TOKENS = ['a', 'a', 'a', 'b', 'ab', 'é', '東', '\u{1F600}', "'", '-', ',', '.', ''];
/** Between pieces of a text: mostly one space, so entries line up; the rest split or block. */
const SEPARATORS = [' ', ' ', ' ', ' ', ' ', '  ', '\t', '\n', '\r', ',', '.', ', ', ' . ', '!', '\u00a0'];

export function repeatToken(token: string, n: number, separator = ' '): string {
  return Array(n).fill(token).join(separator);
}

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)];
}

function randomTokens(rnd: () => number, n: number): string[] {
  return Array.from({ length: n }, () => pick(rnd, TOKENS));
}

/** `count` entries (their ids are positions): a mix of the shapes above. */
export function stressMetadata(rnd: () => number, count: number, longestRun = 40): string[] {
  const entries: string[] = [];
  while (entries.length < count) {
    const r = rnd();
    if (r < 0.25) entries.push(repeatToken('a', 1 + Math.floor(rnd() * longestRun)));
    else if (r < 0.4) {
      const motif = randomTokens(rnd, 1 + Math.floor(rnd() * 3)).join(' ');
      entries.push(repeatToken(motif, 2 + Math.floor(rnd() * 8)));
    } else if (r < 0.5 && entries.length > 0) entries.push(pick(rnd, entries));
    else if (r < 0.6 && entries.length > 0) {
      const tokens = pick(rnd, entries).split(' ');
      entries.push(tokens.slice(0, 1 + Math.floor(rnd() * tokens.length)).join(' '));
    } else entries.push(randomTokens(rnd, 1 + Math.floor(rnd() * 4)).join(' '));
  }
  return entries;
}

/** A text of pieces: long runs, copies of entries, repeated motifs and random tokens. */
export function stressText(rnd: () => number, entries: readonly string[], maxRun = 300): string {
  const pieces: string[] = [];
  const n = 1 + Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.3) pieces.push(repeatToken('a', 1 + Math.floor(rnd() * maxRun), rnd() < 0.9 ? ' ' : '  '));
    else if (r < 0.55) pieces.push(pick(rnd, entries));
    else if (r < 0.75) {
      const motif = randomTokens(rnd, 1 + Math.floor(rnd() * 3)).join(' ');
      pieces.push(repeatToken(motif, 1 + Math.floor(rnd() * 40)));
    } else pieces.push(randomTokens(rnd, 1 + Math.floor(rnd() * 5)).join(pick(rnd, SEPARATORS)));
  }
  let text = '';
  for (const piece of pieces) text += (text === '' ? '' : pick(rnd, SEPARATORS)) + piece;
  return text;
}
