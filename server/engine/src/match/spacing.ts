/**
 * The reference's text spacing and entry padding (docs/spec.md section 2). These are the definitions;
 * the fast matchers are checked against matchers written directly on top of them.
 */

/** Characters the reference wraps in spaces before matching. */
export const WRAPPED_PUNCTUATION = [',', '.', ';', ':', '?', '!', '`'] as const;
/** Characters the reference turns into a single space. */
export const SPACED_CONTROLS = ['\t', '\n', '\r'] as const;

export type Padding = 'english' | 'worldwide';

/** `" " + text + " "`, punctuation wrapped in spaces, then tab/newline/CR replaced by a space. */
export function spacedText(text: string): string {
  let s = ' ' + text + ' ';
  for (const p of WRAPPED_PUNCTUATION) s = s.split(p).join(` ${p} `);
  for (const c of SPACED_CONTROLS) s = s.split(c).join(' ');
  return s;
}

/** ASCII punctuation (Python's string.punctuation) plus the CJK punctuation MetaCLIP 2 adds. */
const WORLDWIDE_PUNCTUATION = new Set([
  ...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  ...'，。、；：？！“”‘’（）【】《》〈〉「」『』～—',
]);

/**
 * True for characters that MetaCLIP 2 does not pad with a space: CJK ideographs and radicals,
 * Thai, Lao, Burmese, Khmer, Tibetan, and punctuation. Kana and Hangul are not in the list
 * (they are padded), which is what the reference does.
 */
export function isUnpaddedCharacter(codePoint: number): boolean {
  const c = codePoint;
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x20000 && c <= 0x2a6df) ||
    (c >= 0x2a700 && c <= 0x2ebef) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x2e80 && c <= 0x2fdf) ||
    (c >= 0x2ff0 && c <= 0x2fff) ||
    (c >= 0x0e00 && c <= 0x0eff) ||
    (c >= 0x1000 && c <= 0x109f) ||
    (c >= 0x1780 && c <= 0x17ff) ||
    (c >= 0x0f00 && c <= 0x0fff) ||
    WORLDWIDE_PUNCTUATION.has(String.fromCodePoint(c))
  );
}

/**
 * The string searched for in the spaced text. English: the entry with a space on each side.
 * Worldwide: a space on a side only if the entry's character at that end is padded.
 * An empty entry is padded on both sides in either mode.
 */
export function paddedEntry(entry: string, padding: Padding): string {
  if (padding === 'english' || entry.length === 0) return ' ' + entry + ' ';
  const first = entry.codePointAt(0)!;
  const lastIndex =
    entry.length >= 2 && isLowSurrogate(entry.charCodeAt(entry.length - 1))
      ? entry.length - 2
      : entry.length - 1;
  const last = entry.codePointAt(lastIndex)!;
  return (isUnpaddedCharacter(first) ? '' : ' ') + entry + (isUnpaddedCharacter(last) ? '' : ' ');
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
