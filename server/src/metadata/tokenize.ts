/**
 * Wikipedia n-gram tokenizer, reproducing the reference's `simple_tokenizer` and `count_ngrams`
 * (facebookresearch/MetaCLIP, metaclip/metadata/build_ngram.py):
 * - case is kept; text is walked by code point;
 * - Python-`isspace()` characters separate tokens;
 * - CJK, Thai, Lao, Burmese, Khmer and Tibetan characters and punctuation (Python's
 *   `string.punctuation` plus the reference's extra list) each form a one-character token;
 * - punctuation tokens are not counted and break the bigram chain.
 * One deviation: C0 control characters (which XML 1.0 forbids anyway) count as whitespace, so every
 * token character sorts above U+0020 and "w1 w2" bigram keys sort like (w1, w2) pairs.
 */

/** Python's `string.punctuation`. */
export const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
/** The reference's `additional_punctuation`. */
const EXTRA_PUNCTUATION = '，。、；：？¿！“”‘’（）【】《》〈〉「」『』～—';

const WORD = 0;
const SPACE = 1;
/** A character that is a token on its own but is counted (CJK and similar scripts). */
const SINGLE = 2;
/** A punctuation character: a token on its own, never counted, breaks bigrams. */
const PUNCT = 3;

const BMP_CLASS = buildBmpClasses();

function buildBmpClasses(): Uint8Array {
  const t = new Uint8Array(0x10000);
  // Python str.isspace(), plus the other C0 controls (see the file comment).
  for (let c = 0; c < 0x20; c++) t[c] = SPACE;
  for (const c of [0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]) t[c] = SPACE;
  for (let c = 0x2000; c <= 0x200a; c++) t[c] = SPACE;
  const ranges: Array<[number, number]> = [
    [0x4e00, 0x9fff],
    [0x3400, 0x4dbf],
    [0xf900, 0xfaff],
    [0x2e80, 0x2eff],
    [0x2f00, 0x2fdf],
    [0x2ff0, 0x2fff],
    [0x0e00, 0x0e7f], // Thai
    [0x0e80, 0x0eff], // Lao
    [0x1000, 0x109f], // Burmese
    [0x1780, 0x17ff], // Khmer
    [0x0f00, 0x0fff], // Tibetan
  ];
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) t[c] = SINGLE;
  for (const ch of ASCII_PUNCTUATION + EXTRA_PUNCTUATION) t[ch.charCodeAt(0)] = PUNCT;
  return t;
}

/** Supplementary-plane CJK ideographs (extensions B..F and G's neighbours, as the reference lists). */
function astralClass(cp: number): number {
  return cp >= 0x20000 && cp <= 0x2ebef ? SINGLE : WORD;
}

/** Whether a one-character string is one of the reference's punctuation characters. */
export function isPunctuationChar(ch: string): boolean {
  return ch.length === 1 && BMP_CLASS[ch.charCodeAt(0)] === PUNCT;
}

/** Receives each token in order; `counted` is false for punctuation, which breaks bigrams. */
export type TokenSink = (token: string, counted: boolean) => void;

/** Splits `text` into tokens as the reference's `simple_tokenizer` does. */
export function scanTokens(text: string, sink: TokenSink): void {
  let start = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    let cls: number;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        width = 2;
      }
      cls = width === 2 ? astralClass(c) : WORD;
    } else {
      cls = BMP_CLASS[c];
    }
    if (cls === WORD) {
      if (start < 0) start = i;
    } else {
      if (start >= 0) {
        sink(text.slice(start, i), true);
        start = -1;
      }
      if (cls !== SPACE) sink(text.slice(i, i + width), cls === SINGLE);
    }
    i += width - 1;
  }
  if (start >= 0) sink(text.slice(start), true);
}

/** The reference tokenizer's output, punctuation tokens included. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  scanTokens(text, (t) => out.push(t));
  return out;
}

/** Unigram and bigram counts; a bigram key is "w1 w2" (tokens never contain a space). */
export interface NgramCounter {
  unigrams: Map<string, number>;
  bigrams: Map<string, number>;
  tokens: number;
}

export function newCounter(): NgramCounter {
  return { unigrams: new Map(), bigrams: new Map(), tokens: 0 };
}

/** Counts one text; bigrams never cross a punctuation token or the start of the text. */
export function countText(text: string, counter: NgramCounter): void {
  scanTokens(text, ngramTokenSink(counter));
}

/**
 * The counting side of a tokenizer, for one text: each counted token adds a unigram and, with the
 * token before it, a bigram keyed `w1 w2`; a token not counted breaks the chain.
 */
export function ngramTokenSink(counter: NgramCounter): (token: string, counted: boolean) => void {
  const { unigrams, bigrams } = counter;
  let prev: string | null = null;
  return (token, counted) => {
    if (!counted) {
      prev = null;
      return;
    }
    counter.tokens++;
    unigrams.set(token, (unigrams.get(token) ?? 0) + 1);
    if (prev !== null) {
      const key = prev + ' ' + token;
      bigrams.set(key, (bigrams.get(key) ?? 0) + 1);
    }
    prev = token;
  };
}
