/**
 * The entry-balance panel's data (`metacurate/balance`), prepared in the language server: the
 * workspace samples matched once, by the same index and the same sample files as the hovers' counts,
 * or a finished curation read from its files (counts.bin and matches.bin: no matching).
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { prepareBalance } from '../../engine/src/balanceView';
import { readCounts } from '../../engine/src/counts';
import { matchedIdLists, readMatchesFile } from '../../engine/src/matchesFile';
import { loadMetadata } from '../../engine/src/metadata';
import { grow } from '../../engine/src/stringTable';
import type { MatchedIdLists } from '../../engine/src/balance';
import { encodeBalanceModel } from '../../../contracts/src/balanceWire';
import type { BalanceResult } from '../../../contracts/src/lsp';
import { ALL_LANGUAGES, type SourceSpec } from '../../../contracts/src/webview';
import type { CliWorldwideSummary } from '../../../contracts/src/cliEvents';
import { defaultLanguage, worldwideData, worldwideModel } from './worldwideBalance';
import type { SpanIndex } from './spanIndex';

/** Per entry the captions matching it, and per matched caption its distinct ids (ascending). */
export function matchCaptions(
  index: SpanIndex,
  numEntries: number,
  captions: Iterable<string>,
): { counts: Float64Array; lists: MatchedIdLists; texts: number } {
  const counts = new Float64Array(numEntries);
  let offsets = new Uint32Array(1024);
  let ids = new Uint32Array(1024);
  let texts = 0;
  let matched = 0;
  let used = 0;
  const found: number[] = [];
  const seen = new Int32Array(numEntries).fill(-1);
  for (const caption of captions) {
    found.length = 0;
    index.forEachId(caption, (id) => {
      if (seen[id] === texts) return;
      seen[id] = texts;
      found.push(id);
    });
    texts++;
    if (found.length === 0) continue;
    found.sort((a, b) => a - b);
    if (matched + 2 > offsets.length) offsets = grow(offsets, matched + 2);
    if (used + found.length > ids.length) ids = grow(ids, used + found.length);
    for (const id of found) {
      ids[used++] = id;
      counts[id]++;
    }
    offsets[++matched] = used;
  }
  return { counts, lists: { offsets: offsets.subarray(0, matched + 1), ids: ids.subarray(0, used) }, texts };
}

/** The panel's data of the samples the server counts, for the active list. */
export function samplesBalance(
  active: { entries: string[]; index: SpanIndex; metadataPath: string; metadataSha256?: string },
  samples: { files: string[]; captions: Iterable<string> },
  spec: SourceSpec,
): BalanceResult {
  const started = performance.now();
  const { counts, lists, texts } = matchCaptions(active.index, active.entries.length, samples.captions);
  const model = prepareBalance(counts, lists);
  const n = samples.files.length;
  return {
    info: {
      spec,
      label: `Workspace samples (${n} file${n === 1 ? '' : 's'})`,
      metadataPath: active.metadataPath,
      metadataSha256: active.metadataSha256,
      texts,
      files: n,
      fileNames: samples.files.slice(0, 20),
      millis: Math.round(performance.now() - started),
    },
    names: active.entries,
    model: encodeBalanceModel(model),
  };
}

export interface SummaryFile {
  pool?: { records?: number; files?: number };
  kept?: number;
  t?: number;
  seed?: number;
  metadata?: { path?: string; sha256?: string };
  entries?: { id?: unknown; kept?: unknown }[];
  worldwide?: CliWorldwideSummary;
}

/**
 * Kept records per entry id from a summary's `entries` (which lists the matched entries only);
 * undefined when the summary does not record them (a curation made before it did).
 */
export function actualKeptOf(summary: SummaryFile, numEntries: number): Float64Array | undefined {
  const entries = summary.entries;
  if (!Array.isArray(entries) || entries.length === 0) return undefined;
  const kept = new Float64Array(numEntries);
  for (const e of entries) {
    if (typeof e.id !== 'number' || typeof e.kept !== 'number' || !(e.id >= 0 && e.id < numEntries))
      return undefined;
    kept[e.id] = e.kept;
  }
  return kept;
}

/**
 * The panel's data of a finished curation, from its summary.json, counts.bin and matches.bin; of a
 * worldwide one, the language `spec.language` names (else `preferredLanguage`, see defaultLanguage).
 */
export async function curationBalance(
  folder: string,
  spec: SourceSpec,
  preferredLanguage?: string,
): Promise<BalanceResult> {
  const started = performance.now();
  let summary: SummaryFile;
  try {
    summary = JSON.parse(await readFile(join(folder, 'summary.json'), 'utf8')) as SummaryFile;
  } catch (err) {
    throw new Error(`${folder} holds no finished curation (summary.json: ${(err as Error).message})`);
  }
  if (summary.worldwide)
    return worldwideBalance(
      folder,
      { ...summary, worldwide: summary.worldwide },
      spec,
      preferredLanguage,
      started,
    );
  const metadataPath = summary.metadata?.path ?? '';
  let names: string[] | undefined;
  try {
    names = (await loadMetadata(metadataPath)).entries;
  } catch {
    names = undefined; // moved or deleted: entries are shown by id.
  }
  let { counts } = await readCounts(join(folder, 'counts.bin'), names);
  if (names && counts.length !== names.length) {
    names = undefined;
    counts = (await readCounts(join(folder, 'counts.bin'))).counts;
  }
  const { stream } = await readMatchesFile(join(folder, 'matches.bin'));
  const model = prepareBalance(counts, matchedIdLists(stream));
  const actualKept = actualKeptOf(summary, counts.length);
  if (actualKept) model.actualKept = actualKept;
  return {
    info: {
      spec,
      label: `Curation ${basename(folder)} (t = ${summary.t})`,
      metadataPath,
      metadataSha256: summary.metadata?.sha256,
      texts: summary.pool?.records ?? 0,
      files: summary.pool?.files ?? 0,
      t: summary.t,
      seed: summary.seed,
      kept: summary.kept,
      millis: Math.round(performance.now() - started),
    },
    names: names ?? Array.from({ length: counts.length }, (_, i) => `#${i}`),
    model: encodeBalanceModel(model),
  };
}

async function worldwideBalance(
  folder: string,
  summary: SummaryFile & { worldwide: CliWorldwideSummary },
  spec: SourceSpec,
  preferredLanguage: string | undefined,
  started: number,
): Promise<BalanceResult> {
  const requested = spec.kind === 'curation' ? spec.language : undefined;
  const language = requested ?? defaultLanguage(summary.worldwide, preferredLanguage);
  const { counts } = await readCounts(join(folder, 'counts.bin'));
  const { stream } = await readMatchesFile(join(folder, 'matches.bin'));
  const data = await worldwideData(summary, language, {
    counts,
    lists: matchedIdLists(stream),
    actualKept: actualKeptOf(summary, counts.length),
  });
  const shown = language === ALL_LANGUAGES ? 'all languages' : `language ${language}`;
  const tName = language === ALL_LANGUAGES ? 't_en' : `t_${language}`;
  return {
    info: {
      spec: { kind: 'curation', folder, language },
      label: `Curation ${basename(folder)} (worldwide, ${shown}, ${tName} = ${data.t})`,
      metadataPath: data.metadataPath,
      metadataSha256: data.metadataSha256,
      texts: data.texts,
      files: summary.pool?.files ?? 0,
      t: data.t,
      seed: summary.seed,
      kept: data.kept,
      millis: Math.round(performance.now() - started),
      worldwide: data.worldwide,
    },
    names: data.names,
    model: encodeBalanceModel(worldwideModel(data)),
  };
}
