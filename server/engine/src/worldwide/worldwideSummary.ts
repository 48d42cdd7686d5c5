/**
 * summary.json of a worldwide curation: the contract's `worldwide` part (CliWorldwideSummary),
 * per language its list, records, matches, t, head entries, expected and actual kept, and the
 * records whose language has no list. The summary's own head figures and expected-size curve are
 * then each entry against its language's t.
 */
import type { CliWorldwideSummary } from '../../../../contracts/src/cliEvents';
import type { CountTaskResult, RunSettings, SelectTaskResult } from '../curateTasks';
import { logSpacedThresholds, type CurvePoint } from '../balance';
import { headEntriesByLanguage, worldwideThresholds } from './worldwideBalance';
import { ENGLISH } from './thresholds';
import { DEFAULT_MIN_CONFIDENCE } from './languageId';
import { sumLanguageCounts } from './worldwideMatcher';
import { listIndexOfEntry, type WorldwideLists } from './worldwideMetadata';

/** The language identification model (worldwide/languageId.ts). */
export const LID_MODEL = 'fastText lid.176.ftz';

/**
 * Summed record by record in pool order (as ExpectedSums): expected kept records per language,
 * and the expected-size curve over t_en, each point with every language's t derived from it (a
 * curve over one t for all languages would not be a worldwide curation's).
 */
export class WorldwideSums {
  readonly expected: Float64Array;
  /** The curve's t_en values, and at each the t of every language (lists' order). */
  readonly tEnValues: number[];
  private readonly thresholdsAt: Float64Array[];
  private readonly sizes: Float64Array;

  constructor(
    private readonly lists: WorldwideLists,
    private readonly counts: ArrayLike<number>,
    private readonly p: Float64Array,
    tEn: number,
  ) {
    this.expected = new Float64Array(lists.languages.length);
    const english = lists.languages.find((l) => l.code === ENGLISH)!;
    let maxEnglish = 1;
    for (let id = english.offset; id < english.offset + english.entries; id++)
      maxEnglish = Math.max(maxEnglish, counts[id]);
    const values = logSpacedThresholds(1, maxEnglish, 24);
    if (!values.includes(tEn)) values.push(tEn);
    this.tEnValues = values.sort((a, b) => a - b);
    this.thresholdsAt = this.tEnValues.map((t) =>
      Float64Array.from(worldwideThresholds(lists, counts, t).thresholds),
    );
    this.sizes = new Float64Array(this.tEnValues.length);
  }

  /** One matched record's ids (ascending, all in one language's range). */
  addRecord(ids: Uint32Array): void {
    const { p, counts } = this;
    const language = listIndexOfEntry(this.lists.languages, ids[0]);
    let dropAll = 1;
    for (let k = 0; k < ids.length; k++) dropAll *= 1 - p[ids[k]];
    this.expected[language] += 1 - dropAll;
    for (let j = 0; j < this.sizes.length; j++) {
      const t = this.thresholdsAt[j][language];
      let drop = 1;
      for (let k = 0; k < ids.length; k++) {
        const c = counts[ids[k]];
        if (c <= t) {
          drop = 0;
          break;
        }
        drop *= 1 - t / c;
      }
      this.sizes[j] += 1 - drop;
    }
  }

  curve(): CurvePoint[] {
    return this.tEnValues.map((t, j) => ({
      t,
      expectedSize: round3(this.sizes[j]),
      headEntries: headEntriesByLanguage(this.lists, this.counts, [...this.thresholdsAt[j]]).reduce(
        (a, b) => a + b,
        0,
      ),
    }));
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function worldwideSummary(a: {
  lists: WorldwideLists;
  counts: ArrayLike<number>;
  tEn: number;
  run: RunSettings;
  counted: Iterable<CountTaskResult>;
  selected: Iterable<SelectTaskResult>;
  sums: WorldwideSums;
}): {
  worldwide: CliWorldwideSummary;
  head_entries: number;
  head_share_of_matches: number;
  expected_size_curve: CurvePoint[];
} {
  const { lists, counts, tEn } = a;
  const { tailProportion, thresholds } = worldwideThresholds(lists, counts, tEn);
  const heads = headEntriesByLanguage(lists, counts, thresholds);
  const perLanguage = sumLanguageCounts([...a.counted].map((r) => r.worldwide));
  const kept = new Map<string, number>();
  for (const s of a.selected)
    for (const [code, n] of Object.entries(s.keptByLanguage ?? {})) kept.set(code, (kept.get(code) ?? 0) + n);
  let matches = 0;
  let headMatches = 0;
  const languages = lists.languages.map((l, i) => {
    let matchedEntries = 0;
    for (let id = l.offset; id < l.offset + l.entries; id++) {
      const c = counts[id];
      if (c === 0) continue;
      matchedEntries++;
      matches += c;
      if (c > thresholds[i]) headMatches += c;
    }
    const records = perLanguage.languages[l.code];
    return {
      code: l.code,
      file: l.file,
      sha256: l.sha256,
      entries: l.entries,
      offset: l.offset,
      records: records?.records ?? 0,
      matched_records: records?.matchedRecords ?? 0,
      t: thresholds[i],
      head_entries: heads[i],
      matched_entries: matchedEntries,
      expected_kept: round3(a.sums.expected[i]),
      kept: kept.get(l.code) ?? 0,
    };
  });
  const source = a.run.worldwide!;
  return {
    worldwide: {
      metadata_dir: lists.dir,
      t_en: tEn,
      tail_proportion: tailProportion,
      language_source:
        source.languageField !== undefined
          ? { kind: 'field', field: source.languageField }
          : { kind: 'lid', model: LID_MODEL, min_confidence: source.minConfidence ?? DEFAULT_MIN_CONFIDENCE },
      languages,
      without_metadata: perLanguage.withoutMetadata,
    },
    head_entries: heads.reduce((x, y) => x + y, 0),
    head_share_of_matches: matches > 0 ? Math.round((headMatches / matches) * 1e6) / 1e6 : 0,
    expected_size_curve: a.sums.curve(),
  };
}
