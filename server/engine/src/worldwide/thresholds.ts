/**
 * Per-language thresholds of worldwide curation (docs/spec.md section 2, "Worldwide thresholds"):
 * English's t fixes the share of matches that falls in the tail (entries counted below t), and
 * every other language gets the threshold that puts the same share in its tail. Both functions
 * take a language's full count array (every entry of its metadata, zeros included) and compute
 * in float64 what the reference computes with numpy, so the thresholds are the reference's.
 */

/** The code of the language whose threshold the user gives. */
export const ENGLISH = 'en';

function total(counts: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i]!;
  return sum;
}

/**
 * t_to_p: the share of all matches held by entries counted strictly below `t`,
 * `sum(counts[counts < t]) / sum(counts)`. With no matches at all (an empty or all-zero array)
 * the share is 0/0: NaN, as in the reference.
 */
export function tailProportion(counts: ArrayLike<number>, t: number): number {
  let tail = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! < t) tail += counts[i]!;
  return tail / total(counts);
}

/**
 * p_to_t: the count at which the ascending cumulative share of matches comes closest to `p`.
 * Sort ascending, `portion[i] = cumsum(sorted)[i] / sum(counts)`, take the first `i` minimising
 * `|portion[i] - p|` and return `sorted[i]`. With no matches (all zeros) every portion is 0/0 and
 * numpy's argmin takes the first, so the answer is `sorted[0]`, 0; a NaN `p` likewise gives
 * `sorted[0]`. Such a language has no matched text, so its threshold is never used. Throws for an
 * empty array (the reference's argmin of nothing is an error).
 */
export function thresholdForProportion(counts: ArrayLike<number>, p: number): number {
  if (counts.length === 0) throw new RangeError('a threshold needs at least one count');
  const sorted = Float64Array.from(counts).sort();
  const sum = total(sorted);
  let best = 0;
  let bestDistance = Math.abs(sorted[0]! / sum - p);
  let cumulative = sorted[0]!;
  for (let i = 1; i < sorted.length; i++) {
    cumulative += sorted[i]!;
    const distance = Math.abs(cumulative / sum - p);
    // Strictly smaller: ties keep the first index. A NaN distance never wins, as in numpy when
    // the first distance is NaN too (all of them are then).
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return sorted[best]!;
}

/**
 * t_lang for every language: `p = tailProportion(counts[en], tEn)`, then
 * `thresholdForProportion(counts[lang], p)`. English keeps `tEn` itself (it fixes the share; its
 * nearest cumulative count need not be `tEn`). Throws when English is missing or has no matches:
 * the share is then undefined and no other threshold can be derived from it.
 */
export function languageThresholds(
  countsByLanguage: ReadonlyMap<string, ArrayLike<number>>,
  tEn: number,
  english = ENGLISH,
): Map<string, number> {
  const englishCounts = countsByLanguage.get(english);
  if (!englishCounts) throw new RangeError(`no counts for the language ${english}`);
  const p = tailProportion(englishCounts, tEn);
  if (Number.isNaN(p))
    throw new RangeError(`the language ${english} has no matches: its tail share is undefined`);
  const out = new Map<string, number>();
  for (const [lang, counts] of countsByLanguage) {
    out.set(lang, lang === english ? tEn : thresholdForProportion(counts, p));
  }
  return out;
}
