/**
 * The index of the active list and its counts over the sample captions. A rebuild runs in slices
 * between requests (English, a checkpoint yields every few ms) or in a worker thread (worldwide),
 * and stops at its next checkpoint once a newer edit schedules another; requests meanwhile see the
 * previous index. The edit of a few entries (list length unchanged) updates the index and their
 * counts in place.
 */
import { matcherFromPacked } from '../../engine/src/match/matcher';
import type { Padding } from '../../engine/src/match/spacing';
import { activeSource, curationOutdated, loadCuration, shaOf } from './activeList';
import { BuildCancelled } from './indexWorker';
import type { Scheduler } from './scheduling';
import type { ActiveIndex, ServerState } from './serverState';
import { findEntrySpans, SubstringSpanIndex, TokenSpanIndex, type SpanIndex } from './spanIndex';
import { uriToPath } from './uri';
import { LanguageRoutedIndex } from './captionLanguages';
import type { LanguageList } from './languageLists';

/** Edits touching at most this many entries (list length unchanged) update the index in place. */
const MAX_IN_PLACE_CHANGES = 256;
/** Up to this many edited entries are recounted one by one; more, and all entries are recounted. */
const MAX_ENTRY_RECOUNTS = 4;

/** A checkpoint of a long pass: yields to requests every 8 ms, throws BuildCancelled once stale. */
function makeCheckpoint(isStale: () => boolean): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last >= 8) {
      await new Promise((resolve) => setImmediate(resolve));
      last = performance.now();
    }
    if (isStale()) throw new BuildCancelled();
  };
}

/** Rebuilds (or updates in place) the active index, as generation `gen` of the scheduler. */
export async function rebuildIndex(scheduler: Scheduler, gen: number): Promise<void> {
  const { state, connection } = scheduler;
  const { metadata, curations } = state;
  const stale = () => scheduler.isStale(gen);
  const checkpoint = makeCheckpoint(stale);
  const warn = (line: string) => connection.console.warn(line);
  try {
    const source = await activeSource(state);
    if (stale()) return;
    if (!source) {
      metadata.active = undefined;
      scheduler.finishRebuild(gen, 'no metadata list');
      return;
    }
    const { model } = source;
    const entries = model.entries;
    const activeUri = metadata.activeUri!;
    const activePath = uriToPath(activeUri);
    const language = activePath
      ? await state.curations.workspace.languageLists.languageOf(activePath)
      : undefined;
    metadata.activeSha = { uri: activeUri, sha: await shaOf(state, activeUri), language };
    if (stale()) return;
    // A worldwide folder's language list is matched as the worldwide curation matches it.
    const padding = language ? 'worldwide' : state.config.settings.padding;
    const prev = metadata.active;
    if (
      prev &&
      prev.uri === metadata.activeUri &&
      prev.padding === padding &&
      prev.entries.length === entries.length
    ) {
      const changed: number[] = [];
      for (let id = 0; id < entries.length && changed.length <= MAX_IN_PLACE_CHANGES; id++) {
        if (prev.entries[id] !== entries[id]) changed.push(id);
      }
      const inPlace =
        changed.length === 0 ||
        (prev.index instanceof TokenSpanIndex && changed.length <= MAX_IN_PLACE_CHANGES);
      if (inPlace) {
        applyInPlace(state, prev, entries, changed);
        await recountInPlace(state, prev, checkpoint);
        if (stale()) return;
        if (changed.length > 0 || curationOutdated(state)) {
          curations.current = await loadCuration(state, entries, warn);
          if (stale()) return;
        }
        scheduler.finishRebuild(gen);
        return;
      }
    }
    let index: SpanIndex;
    if (padding === 'english') index = await TokenSpanIndex.build(entries, checkpoint);
    else {
      const packed = await state.schedule.builder.build(entries, padding);
      index = new SubstringSpanIndex(matcherFromPacked(packed), entries);
    }
    if (language) index = await routedByLanguage(state, index, language, warn);
    await checkpoint();
    const samplesVersion = state.samples.version;
    const counted = await countAll(state, index, entries.length, checkpoint);
    const curation = await loadCuration(state, entries, warn);
    if (stale()) return;
    metadata.active = {
      uri: metadata.activeUri!,
      entries,
      index,
      padding,
      samplesVersion,
      uncounted: new Set(),
      ...counted,
    };
    state.highlights.indexReplaced();
    curations.current = curation;
    scheduler.finishRebuild(gen);
  } catch (err) {
    if (err instanceof BuildCancelled || stale()) return;
    connection.console.error(`metacurate: index build failed: ${(err as Error).stack ?? err}`);
    scheduler.finishRebuild(gen, `index build failed: ${(err as Error).message}`);
  }
}

/** The edit of a few entries: the index in place; their counts lag until recountInPlace. */
function applyInPlace(state: ServerState, prev: ActiveIndex, entries: string[], changed: number[]): void {
  if (changed.length > 0) {
    const index = prev.index as TokenSpanIndex;
    for (const id of changed) {
      index.replace(id, prev.entries[id], entries[id]);
      prev.uncounted.add(id);
    }
  }
  prev.entries = entries;
  if (changed.length > 0) {
    state.highlights.edited(
      changed,
      changed.map((id) => entries[id]),
    );
  }
}

/**
 * Counts after an in-place edit, in slices (the checkpoint yields to requests and throws when a
 * newer edit arrives; `uncounted` keeps the ids a cancelled pass left, for the next one). A few
 * edited entries are matched one by one against every caption; more than that, or changed
 * samples, and one pass of the index over the captions is cheaper.
 */
async function recountInPlace(
  state: ServerState,
  prev: ActiveIndex,
  checkpoint: () => Promise<void>,
): Promise<void> {
  const samplesVersion = state.samples.version;
  if (prev.samplesVersion !== samplesVersion || prev.uncounted.size > MAX_ENTRY_RECOUNTS) {
    const counted = await countAll(state, prev.index, prev.entries.length, checkpoint);
    Object.assign(prev, counted, { samplesVersion });
    prev.uncounted.clear();
    return;
  }
  if (prev.uncounted.size === 0) return;
  const ids = [...prev.uncounted];
  const counts = await countEntries(
    state,
    ids.map((id) => prev.entries[id]),
    prev.padding,
    checkpoint,
  );
  for (let i = 0; i < ids.length; i++) prev.counts[ids[i]] = counts[i];
  prev.uncounted.clear();
}

/** Per-entry counts over every sample caption (each entry once per caption). */
export async function countAll(
  state: ServerState,
  index: SpanIndex,
  numEntries: number,
  checkpoint?: () => Promise<void>,
): Promise<{ counts: Uint32Array; records: number; matchedRecords: number }> {
  const counts = new Uint32Array(numEntries);
  const seen = new Int32Array(numEntries).fill(-1);
  let records = 0;
  let matchedRecords = 0;
  let any = false;
  const visit = (id: number) => {
    any = true;
    if (seen[id] !== records) {
      seen[id] = records;
      counts[id]++;
    }
  };
  for (const sample of [...state.samples.files.values()]) {
    for (const caption of sample.captions) {
      any = false;
      index.forEachId(caption, visit);
      if (any) matchedRecords++;
      records++;
      if (checkpoint && (records & 1023) === 0) await checkpoint();
    }
  }
  return { counts, records, matchedRecords };
}

/** For each of `entries`, the sample captions it matches. */
async function countEntries(
  state: ServerState,
  entries: string[],
  padding: Padding,
  checkpoint: () => Promise<void>,
): Promise<number[]> {
  const counts = entries.map(() => 0);
  let records = 0;
  for (const sample of [...state.samples.files.values()]) {
    for (const caption of sample.captions) {
      for (let i = 0; i < entries.length; i++)
        if (findEntrySpans(caption, entries[i], padding).length > 0) counts[i]++;
      if ((++records & 255) === 0) await checkpoint();
    }
  }
  return counts;
}

/** A language list's index sees only captions identified as its language (unrouted if the model cannot load). */
async function routedByLanguage(
  state: ServerState,
  index: SpanIndex,
  language: LanguageList,
  warn: (line: string) => void,
): Promise<SpanIndex> {
  const languages = state.captionLanguages;
  const identifier = await languages.identifier(warn);
  if (!identifier) return index;
  const codes = await state.curations.workspace.languageLists.codesOf(language.folder);
  return new LanguageRoutedIndex(index, language.code, language.folder, codes, (caption) =>
    languages.languageOf(identifier, caption),
  );
}
