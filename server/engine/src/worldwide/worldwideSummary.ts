/**
 * summary.json of a worldwide curation: the contract's `worldwide` part (CliWorldwideSummary),
 * per language its list, records, matches, t, head entries, expected and actual kept, and the
 * records whose language has no list. The summary's own head figures are then each entry against
 * its language's t.
 */
import type { CliWorldwideSummary } from '../../../../contracts/src/cliEvents';
import type { CountTaskResult, RunSettings, SelectTaskResult } from '../curateTasks';
import { headEntriesByLanguage, worldwideThresholds } from './worldwideBalance';
import { DEFAULT_MIN_CONFIDENCE } from './languageId';
import { sumLanguageCounts } from './worldwideMatcher';
import { listIndexOfEntry, type WorldwideLists } from './worldwideMetadata';

/** The language identification model (worldwide/languageId.ts). */
export const LID_MODEL = 'fastText lid.176.ftz';

/** Expected kept records per language, summed record by record in pool order (as ExpectedSums). */
export class ExpectedByLanguage {
  readonly expected: Float64Array;

  constructor(
    private readonly lists: WorldwideLists,
    private readonly p: Float64Array,
  ) {
    this.expected = new Float64Array(lists.languages.length);
  }

  addRecord(ids: Uint32Array): void {
    let dropAll = 1;
    for (let k = 0; k < ids.length; k++) dropAll *= 1 - this.p[ids[k]];
    this.expected[listIndexOfEntry(this.lists.languages, ids[0])] += 1 - dropAll;
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
  expected: ExpectedByLanguage;
}): { worldwide: CliWorldwideSummary; head_entries: number; head_share_of_matches: number } {
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
      expected_kept: round3(a.expected.expected[i]),
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
  };
}
