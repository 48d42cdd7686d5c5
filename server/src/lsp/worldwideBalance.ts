/**
 * The entry-balance panel's data of a worldwide curation (docs/spec.md section 2, "Worldwide
 * thresholds"): one language's list at a time (its slice of the global ids of counts.bin and
 * matches.bin, its names from the metadata folder, its t_lang), or "All languages" (the whole
 * curation by global id, and each language's rank-frequency curve).
 */
import { join } from 'node:path';
import type { MatchedIdLists } from '../../engine/src/balance';
import { prepareBalance, sampleRanks } from '../../engine/src/balanceView';
import { loadMetadata } from '../../engine/src/metadata';
import type { CliWorldwideLanguage, CliWorldwideSummary } from '../../../contracts/src/cliEvents';
import {
  ALL_LANGUAGES,
  type LanguageChoice,
  type LanguageCurve,
  type WorldwideInfo,
} from '../../../contracts/src/webview';

/** Points of each language's curve in the "All languages" view. */
export const CURVE_POINTS = 256;

/** The language shown when the panel names none: `preferred` (the active list's), else en, else the first. */
export function defaultLanguage(worldwide: CliWorldwideSummary, preferred: string | undefined): string {
  const codes = worldwide.languages.map((l) => l.code);
  if (preferred && codes.includes(preferred)) return preferred;
  return codes.includes('en') ? 'en' : (codes[0] ?? ALL_LANGUAGES);
}

export function languageChoices(worldwide: CliWorldwideSummary): LanguageChoice[] {
  return worldwide.languages.map((l) => ({
    code: l.code,
    t: l.t,
    records: l.records,
    matchedRecords: l.matched_records,
    kept: l.kept,
    entries: l.entries,
    offset: l.offset,
    sha256: l.sha256,
  }));
}

/** The matched texts of one language: texts whose ids lie in its range, ids made local. */
export function languageLists(lists: MatchedIdLists, offset: number, entries: number): MatchedIdLists {
  const offsets: number[] = [0];
  const ids: number[] = [];
  const end = offset + entries;
  for (let r = 0; r + 1 < lists.offsets.length; r++) {
    const before = ids.length;
    for (let i = lists.offsets[r]; i < lists.offsets[r + 1]; i++) {
      const id = lists.ids[i];
      if (id >= offset && id < end) ids.push(id - offset);
    }
    if (ids.length > before) offsets.push(ids.length);
  }
  return { offsets: Uint32Array.from(offsets), ids: Uint32Array.from(ids) };
}

/** A language's curve: its counts ranked (largest first, zeros left out), sampled on a log scale. */
export function languageCurve(code: string, t: number, counts: ArrayLike<number>): LanguageCurve {
  const ranked = Array.from(counts)
    .filter((c) => c > 0)
    .sort((a, b) => b - a);
  const at = sampleRanks(ranked.length, CURVE_POINTS);
  return { code, t, ranks: Array.from(at, (r) => r + 1), counts: Array.from(at, (r) => ranked[r]) };
}

/** The list of a language, by entry id; undefined when the folder's file cannot be read. */
async function namesOf(dir: string, language: CliWorldwideLanguage): Promise<string[] | undefined> {
  try {
    const { entries } = await loadMetadata(join(dir, language.file));
    return entries.length === language.entries ? entries : undefined;
  } catch {
    return undefined;
  }
}

export interface WorldwideData {
  names: string[];
  counts: Float64Array;
  lists: MatchedIdLists;
  actualKept?: Float64Array;
  metadataPath: string;
  metadataSha256: string | undefined;
  texts: number;
  t: number;
  kept: number | undefined;
  worldwide: WorldwideInfo;
}

/**
 * One language's data (or all of them) of a worldwide curation read from its files: `counts` and
 * `lists` by global id, `actualKept` by global id when recorded.
 */
export async function worldwideData(
  summary: {
    worldwide: CliWorldwideSummary;
    metadata?: { sha256?: string };
    kept?: number;
    pool?: { records?: number };
  },
  language: string,
  global: { counts: Float64Array; lists: MatchedIdLists; actualKept?: Float64Array },
): Promise<WorldwideData> {
  const ww = summary.worldwide;
  const info: WorldwideInfo = {
    languages: languageChoices(ww),
    language,
    tEn: ww.t_en,
    tailProportion: ww.tail_proportion,
  };
  if (language === ALL_LANGUAGES) {
    const names: string[] = Array.from({ length: global.counts.length }, (_, i) => `#${i}`);
    info.curves = [];
    for (const l of ww.languages) {
      const own = global.counts.subarray(l.offset, l.offset + l.entries);
      info.curves.push(languageCurve(l.code, l.t, own));
      const list = await namesOf(ww.metadata_dir, l);
      if (list) for (let id = 0; id < list.length; id++) names[l.offset + id] = `${l.code}: ${list[id]}`;
    }
    return {
      names,
      counts: global.counts,
      lists: global.lists,
      actualKept: global.actualKept,
      metadataPath: ww.metadata_dir,
      metadataSha256: summary.metadata?.sha256,
      texts: summary.pool?.records ?? 0,
      t: ww.t_en,
      kept: summary.kept,
      worldwide: info,
    };
  }
  const l = ww.languages.find((x) => x.code === language);
  if (!l) throw new Error(`the worldwide curation has no list of language ${language}`);
  if (global.counts.length < l.offset + l.entries)
    throw new Error(`counts.bin holds ${global.counts.length} entries, fewer than language ${l.code}'s end`);
  const end = l.offset + l.entries;
  return {
    names: (await namesOf(ww.metadata_dir, l)) ?? Array.from({ length: l.entries }, (_, i) => `#${i}`),
    counts: global.counts.slice(l.offset, end),
    lists: languageLists(global.lists, l.offset, l.entries),
    actualKept: global.actualKept?.slice(l.offset, end),
    metadataPath: join(ww.metadata_dir, l.file),
    metadataSha256: l.sha256,
    texts: l.records,
    t: l.t,
    kept: l.kept,
    worldwide: info,
  };
}

/** The model of worldwide data, for the panel. */
export function worldwideModel(data: WorldwideData) {
  const model = prepareBalance(data.counts, data.lists);
  if (data.actualKept) model.actualKept = data.actualKept;
  return model;
}
