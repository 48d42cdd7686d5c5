/**
 * The entry browser over the workspace samples (`metacurate/entryRecords`, source samples): the
 * captions the server already holds, matched by the active list's span index, so nothing is read
 * but the page's files (for their line numbers). An entry's caption ordinals are found once per
 * samples version and index, then paged from memory.
 */
import { readFile } from 'node:fs/promises';
import { extractCaptions, textFieldsOf } from '../../engine/src/documents/samples';
import type { EntryRecord, EntryRecordsParams, EntryRecordsResult } from '../../../contracts/src/lsp';
import { OTHER_ENTRIES_CAP } from '../../../contracts/src/lsp';
import { probabilityOf, tOf } from './activeList';
import { relativePath, uriOfPath } from './documentKinds';
import type { ActiveIndex, SampleFile, ServerState } from './serverState';

/** One caption of the samples: its file, its index in the file, its ordinal among all captions. */
interface CaptionRef {
  file: SampleFile;
  index: number;
  ordinal: number;
}

/** The captions matching each entry asked for so far, for one index and samples version. */
const matchesCache = new WeakMap<ActiveIndex, { version: number; byEntry: Map<number, CaptionRef[]> }>();

function captionsOfEntry(state: ServerState, active: ActiveIndex, entryId: number): CaptionRef[] {
  let cache = matchesCache.get(active);
  if (!cache || cache.version !== state.samples.version) {
    cache = { version: state.samples.version, byEntry: new Map() };
    matchesCache.set(active, cache);
  }
  const known = cache.byEntry.get(entryId);
  if (known) return known;
  const found: CaptionRef[] = [];
  let ordinal = 0;
  for (const file of state.samples.files.values()) {
    file.captions.forEach((caption, index) => {
      let hit = false;
      active.index.forEachId(caption, (id) => {
        if (id === entryId) hit = true;
      });
      if (hit) found.push({ file, index, ordinal });
      ordinal++;
    });
  }
  cache.byEntry.set(entryId, found);
  return found;
}

/** 1-based lines of a sample file's captions, when its text still has the captions the server holds. */
async function captionLines(state: ServerState, file: SampleFile): Promise<number[] | undefined> {
  const open = state.documents.get(uriOfPath(file.path));
  const text = open ? open.getText() : await readFile(file.path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const sites = extractCaptions(text, file.format, textFieldsOf(state.config.settings.textField));
  if (sites.length !== file.captions.length) return undefined;
  return sites.map((s) => s.line + 1);
}

export async function samplesEntryRecords(
  state: ServerState,
  p: EntryRecordsParams,
): Promise<EntryRecordsResult> {
  const active = state.metadata.active;
  if (!active) throw new Error('no metadata list in use (see the setting metacurate.metadataGlobs)');
  if (p.metadataUri !== undefined && p.metadataUri !== active.uri)
    throw new Error(
      `the samples are matched against the active metadata list (${active.uri}), not ${p.metadataUri}; use it first`,
    );
  const e = p.entryId;
  if (e >= active.entries.length)
    throw new Error(`entry id ${e} is not in the metadata list (0 … ${active.entries.length - 1})`);
  const all = captionsOfEntry(state, active, e);
  // The samples are not curated: nothing is kept or dropped, `all` lists every match.
  const listed = p.filter === 'all' ? all : [];
  const page = listed.slice(p.offset, p.offset + p.limit);
  const lines = new Map<SampleFile, number[] | undefined>();
  for (const ref of page) if (!lines.has(ref.file)) lines.set(ref.file, await captionLines(state, ref.file));
  const probability = probabilityOf(state, e);
  const records: EntryRecord[] = page.map((ref) => {
    const text = ref.file.captions[ref.index];
    const spans: [number, number][] = [];
    const others = new Set<number>();
    for (const span of active.index.spans(text)) {
      if (span.id === e) spans.push([span.start, span.end]);
      else others.add(span.id);
    }
    spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const line = lines.get(ref.file)?.[ref.index];
    return {
      key: `${relativePath(state, ref.file.path)}:${line ?? ref.index}`,
      file: ref.file.path,
      ...(line !== undefined ? { line } : {}),
      recordIndex: ref.ordinal,
      text,
      spans,
      probability,
      otherEntries: [...others]
        .sort((a, b) => a - b)
        .slice(0, OTHER_ENTRIES_CAP)
        .map((id) => ({ id, entry: active.entries[id] })),
    };
  });
  return {
    entry: active.entries[e],
    entryId: e,
    total: listed.length,
    totalAll: all.length,
    kept: 0,
    dropped: 0,
    records,
    t: tOf(state),
  };
}
