/**
 * How each Wikipedia language is cut into words for the unigram and bigram parts (MetaCLIP 2
 * per-language metadata), in one table.
 *
 * | script (wikis)                                   | tokenizer               | bigram joined by |
 * | ------------------------------------------------ | ----------------------- | ---------------- |
 * | written with spaces (en, ru, ar, hi, ko, ...)    | reference simple_tokenizer (tokenize.ts) | a space |
 * | Han (zh, zh-yue, zh-classical, wuu, gan)         | Intl.Segmenter words    | nothing          |
 * | Japanese (ja)                                    | Intl.Segmenter words    | nothing          |
 * | Thai (th), Lao (lo), Khmer (km)                  | Intl.Segmenter words    | nothing          |
 * | Myanmar script (my, shn, mnw)                    | Intl.Segmenter words    | nothing          |
 * | Tibetan script (bo, dz)                          | Intl.Segmenter syllables | nothing (rare: the tsheg breaks pairs) |
 *
 * Why: the reference tokenizer makes every CJK/Thai/... character its own token, so in those
 * languages its "unigrams" are characters and its "bigrams" character pairs. Node's ICU segments
 * Chinese and Japanese by dictionary, and Thai, Lao, Khmer and Burmese by dictionary too; Tibetan
 * has no ICU dictionary, so its words are syllables (the tsheg is a non-word segment and breaks
 * bigrams). The worldwide matcher (docs/spec.md section 2) does not pad CJK/Thai/... ends with a
 * space, so an entry of such a language is found as a plain substring: a bigram is written as
 * its two words with nothing between them, and it is counted only where the two words touch in the
 * text (a space or any other non-word segment between them breaks the pair, since the joined form
 * would not occur there).
 */
import { UsageError } from '../../engine/src/errors';
import { countText, ngramTokenSink, type NgramCounter } from './tokenize';

/** A lowercase Wikipedia language code: `en`, `zh`, `simple`, `zh-yue`, `zh-min-nan`. */
export const LANGUAGE_CODE = /^(?:[a-z]{2,3}|simple)(?:-[a-z]+){0,2}$/;

/**
 * Wikis written without spaces, with the BCP 47 locale Intl.Segmenter is given (Wikipedia's codes
 * are not all valid locales: `zh-yue` is refused by ICU).
 */
const UNSPACED: Record<string, string> = {
  zh: 'zh',
  'zh-yue': 'yue',
  'zh-classical': 'lzh',
  wuu: 'wuu',
  gan: 'gan',
  ja: 'ja',
  th: 'th',
  lo: 'lo',
  km: 'km',
  my: 'my',
  shn: 'shn',
  mnw: 'mnw',
  bo: 'bo',
  dz: 'dz',
};

/** The reference tokenizer's id; unchanged so that English work folders keep resuming. */
const SIMPLE_TOKENIZER_ID = 'metaclip-simple-tokenizer/1';

export interface LanguageTokenizer {
  lang: string;
  /** Also the resume key of the n-gram counts: counts of another tokenizer are not reused. */
  id: string;
  method: 'simple_tokenizer' | 'Intl.Segmenter';
  /** The locale given to Intl.Segmenter; null for the reference tokenizer. */
  locale: string | null;
  /** What a bigram's two words are joined by in the metadata. */
  bigramJoiner: '' | ' ';
  description: string;
}

/** Checks a `--lang` value; anything but a Wikipedia language code is a usage error. */
export function checkLanguageCode(lang: string): string {
  if (!LANGUAGE_CODE.test(lang))
    throw new UsageError(
      `--lang: '${lang}' is not a lowercase Wikipedia language code (like en, zh, th, simple, zh-yue)`,
    );
  return lang;
}

export function tokenizerFor(lang: string): LanguageTokenizer {
  checkLanguageCode(lang);
  const locale = UNSPACED[lang];
  if (locale === undefined)
    return {
      lang,
      id: SIMPLE_TOKENIZER_ID,
      method: 'simple_tokenizer',
      locale: null,
      bigramJoiner: ' ',
      description:
        'reference simple_tokenizer (metaclip/metadata/build_ngram.py): whitespace splits, punctuation and CJK-like ' +
        'characters are single tokens, case kept, punctuation breaks bigrams; per article: title, blank line, text',
    };
  return {
    lang,
    // ICU's dictionaries change between versions, and with them the words.
    id: `intl-segmenter-word/1:${locale}:icu-${process.versions.icu ?? 'unknown'}`,
    method: 'Intl.Segmenter',
    locale,
    bigramJoiner: '',
    description:
      `Intl.Segmenter('${locale}', { granularity: 'word' }) of ICU ${process.versions.icu ?? '?'}: word-like ` +
      'segments are tokens, case kept; a bigram is two words that touch in the text, written without a space; ' +
      'any other segment (space, punctuation) breaks bigrams; per article: title, blank line, text',
  };
}

/** Counts one text's words and bigrams into `counter` the way `tokenizer` cuts it. */
export type TextCounter = (text: string, counter: NgramCounter) => void;

export function textCounterFor(tokenizer: LanguageTokenizer): TextCounter {
  if (tokenizer.locale === null) return countText;
  const segmenter = new Intl.Segmenter(tokenizer.locale, { granularity: 'word' });
  return (text, counter) => countSegmentedText(segmenter, text, counter);
}

/**
 * Bigram keys stay "w1 w2" inside the counts (the PMI join splits them at the space); a word-like
 * segment with a space or control character in it would break that, so it is not counted.
 */
function hasSpaceOrControl(token: string): boolean {
  for (let i = 0; i < token.length; i++) if (token.charCodeAt(i) <= 0x20) return true;
  return false;
}

export function countSegmentedText(segmenter: Intl.Segmenter, text: string, counter: NgramCounter): void {
  const count = ngramTokenSink(counter);
  forEachSegment(segmenter, text, (token, wordLike) => count(token, wordLike && !hasSpaceOrControl(token)));
}

/**
 * Characters given to Intl.Segmenter at a time. V8's segment iterator costs time in proportion to
 * the whole string at every step (measured on Node 20: 64,000 characters take 1-2 s, 1.2 MB ten
 * minutes), and an article can be megabytes: cut into windows it is linear, 3-5 MB/s per thread.
 */
export const SEGMENT_WINDOW = 1024;

/**
 * Visits the segments of `text` window by window. A window ends after its last non-word segment
 * (a space or punctuation) that is followed by another segment: the words before it do not depend
 * on what follows (ICU segments a run of letters between such characters on its own), so the
 * segments are those of the whole text. A window without one (a run of more than SEGMENT_WINDOW
 * letters) ends before its last word, which is segmented again in the next window.
 */
export function forEachSegment(
  segmenter: Intl.Segmenter,
  text: string,
  visit: (segment: string, wordLike: boolean) => void,
): void {
  let pos = 0;
  while (pos < text.length) {
    if (text.length - pos <= SEGMENT_WINDOW) {
      for (const s of segmenter.segment(text.slice(pos))) visit(s.segment, s.isWordLike === true);
      return;
    }
    // Never between the two halves of a surrogate pair.
    const cut = pos + SEGMENT_WINDOW - (isHighSurrogate(text.charCodeAt(pos + SEGMENT_WINDOW - 1)) ? 1 : 0);
    const segments = [...segmenter.segment(text.slice(pos, cut))];
    let last = segments.length - 2;
    while (last >= 0 && segments[last].isWordLike === true) last--;
    // No break in the window: keep all but the last (maybe cut) segment; one segment: all of it.
    if (last < 0) last = segments.length > 1 ? segments.length - 2 : 0;
    for (let i = 0; i <= last; i++) visit(segments[i].segment, segments[i].isWordLike === true);
    pos += segments[last].index + segments[last].segment.length;
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** The metadata entry of a counted bigram key "w1 w2". */
export function bigramEntry(key: string, tokenizer: LanguageTokenizer): string {
  if (tokenizer.bigramJoiner === ' ') return key;
  const space = key.indexOf(' ');
  return key.slice(0, space) + tokenizer.bigramJoiner + key.slice(space + 1);
}
