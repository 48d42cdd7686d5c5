/**
 * Balancing of a worldwide curation (docs/spec.md section 2, "Worldwide thresholds", and section
 * 4): English's t fixes the tail share p = t_to_p(counts_en, t_en); each other language gets
 * t_lang = p_to_t(counts_lang, p); then p[e] = t_lang / max(count[e], t_lang) for the entries of
 * each language's range, and the same seeded draws as one list.
 *
 * p_to_t gives 0 when the share nearest p is at the zero counts before the first matched entry
 * (a language with few matches, whose smallest matched entry alone holds far more than p): a
 * threshold of 0 would drop the whole language. Its threshold is then the smallest count of a
 * matched entry, the nearest threshold that keeps any of it: that entry is kept whole and the
 * others are sub-sampled to as many records. A language without matches gets 1 (never used).
 */
import { balanceProbabilities, countHead } from '../balance';
import { UsageError } from '../errors';
import type { Metadata } from '../metadata';
import { ENGLISH, tailProportion, thresholdForProportion } from './thresholds';
import { worldwideOf, type WorldwideLists } from './worldwideMetadata';

export interface LanguageThresholds {
  /** English's tail proportion at t_en. */
  tailProportion: number;
  /** Each language's t, in the lists' order. */
  thresholds: number[];
}

function slice(counts: ArrayLike<number>, offset: number, entries: number): Float64Array {
  const out = new Float64Array(entries);
  for (let i = 0; i < entries; i++) out[i] = counts[offset + i];
  return out;
}

export function worldwideThresholds(
  lists: WorldwideLists,
  counts: ArrayLike<number>,
  tEn: number,
): LanguageThresholds {
  const english = lists.languages.find((l) => l.code === ENGLISH);
  if (english === undefined) throw new UsageError(`${lists.dir} has no English list (${ENGLISH}.json)`);
  const p = tailProportion(slice(counts, english.offset, english.entries), tEn);
  if (Number.isNaN(p))
    throw new UsageError(
      `no record of the pool matched an entry of ${lists.dir}/${english.file}: English's tail share, which sets every language's threshold, is undefined`,
    );
  const thresholds = lists.languages.map((l) => {
    if (l.code === ENGLISH) return tEn;
    const own = slice(counts, l.offset, l.entries);
    const t = thresholdForProportion(own, p);
    if (t > 0) return t;
    let smallest = Infinity;
    for (const c of own) if (c > 0 && c < smallest) smallest = c;
    return Number.isFinite(smallest) ? smallest : 1;
  });
  return { tailProportion: p, thresholds };
}

/** Keep probabilities per global entry: each language's range with its own t. */
export function worldwideProbabilities(
  lists: WorldwideLists,
  counts: ArrayLike<number>,
  tEn: number,
): Float64Array {
  const { thresholds } = worldwideThresholds(lists, counts, tEn);
  const p = new Float64Array(counts.length);
  lists.languages.forEach((l, i) =>
    p.set(balanceProbabilities(slice(counts, l.offset, l.entries), thresholds[i]), l.offset),
  );
  return p;
}

/** The curation's keep probabilities: per language for a worldwide folder, else t for all. */
export function keepProbabilities(metadata: Metadata, counts: ArrayLike<number>, t: number): Float64Array {
  const lists = worldwideOf(metadata);
  return lists ? worldwideProbabilities(lists, counts, t) : balanceProbabilities(counts, t);
}

/** Head entries (count above the language's t) per language and in all. */
export function headEntriesByLanguage(
  lists: WorldwideLists,
  counts: ArrayLike<number>,
  thresholds: number[],
): number[] {
  return lists.languages.map((l, i) => countHead(slice(counts, l.offset, l.entries), thresholds[i]));
}
