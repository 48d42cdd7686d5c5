/**
 * The active metadata list as the handlers see it: its model (the open document, else the file on
 * disk), the list chosen by default, each entry's count and keep probability (the active
 * curation's counts and t when there is one, else the samples' and the `t` setting), its curation,
 * and an entry's hover text and location.
 */
import { BROWSE_ENTRY_COMMAND, type BrowseEntryArgs } from '../../../contracts/src/entryBrowserMessages';
import { promises as fsp } from 'node:fs';
import type { Location, Range } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { balanceProbabilities } from '../../engine/src/balance';
import { compactCountsPath, readCounts } from '../../engine/src/counts';
import { loadMetadata } from '../../engine/src/metadata';
import { metadataKindOf, parseMetadata, type MetadataModel } from '../../engine/src/documents/metadataModel';
import { sha256Of, type CurationInfo, type WorldwideLanguageInfo } from './curationIndex';
import { isMetadataUri, isPreviewUri, relativePath, uriOfPath } from './documentKinds';
import { curationSummaryOf, describeEntry, examplesOf } from './entryText';
import type { HoverThumbnail } from './hoverImages';
import type { Curation, ServerState } from './serverState';
import { uriToPath } from './uri';

/** A metadata document and its model. */
export interface MetadataSource {
  doc: TextDocument;
  model: MetadataModel;
}

export function toRange(doc: TextDocument, start: number, end: number): Range {
  return { start: doc.positionAt(start), end: doc.positionAt(end) };
}

/** The model of a metadata document, parsed once per version. */
export function modelOf(state: ServerState, doc: TextDocument): MetadataModel {
  const cached = state.caches.models.get(doc.uri);
  if (cached && cached.version === doc.version) return cached.model;
  const path = uriToPath(doc.uri) ?? doc.uri;
  const model = parseMetadata(doc.getText(), metadataKindOf(path, doc.languageId, doc.getText()));
  state.caches.models.set(doc.uri, { version: doc.version, model });
  return model;
}

/** The active metadata's document (open, or read from disk) and model. */
export async function activeSource(state: ServerState): Promise<MetadataSource | undefined> {
  const uri = state.metadata.activeUri;
  if (!uri) return undefined;
  const open = state.documents.get(uri);
  if (open) return { doc: open, model: modelOf(state, open) };
  const path = uriToPath(uri);
  if (!path) return undefined;
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const disk = state.metadata.diskModel;
  if (disk?.uri === uri && disk.text === text) return disk;
  const doc = TextDocument.create(uri, 'json', 0, text);
  const model = parseMetadata(text, metadataKindOf(path, undefined, text));
  state.metadata.diskModel = { uri, text, model, doc };
  return state.metadata.diskModel;
}

/** The active source without I/O (the open document or the last disk read). */
export function activeSourceSync(state: ServerState): MetadataSource | undefined {
  const { activeUri, diskModel } = state.metadata;
  if (!activeUri) return undefined;
  const open = state.documents.get(activeUri);
  if (open) return { doc: open, model: modelOf(state, open) };
  return diskModel?.uri === activeUri ? diskModel : undefined;
}

/** Without an active list: the first metadata document open, else the workspace's first list. */
export function chooseActive(state: ServerState): void {
  const metadata = state.metadata;
  if (metadata.activeUri) return;
  for (const doc of state.documents.all()) {
    if (!isPreviewUri(doc.uri) && isMetadataUri(state, doc.uri)) {
      metadata.activeUri = doc.uri;
      return;
    }
  }
  if (metadata.workspaceFiles.length > 0) metadata.activeUri = uriOfPath(metadata.workspaceFiles[0]);
}

/** Count used for head/tail and p: the last curation's when there is one, else the samples'. */
export function countOf(state: ServerState, id: number): number {
  const curation = state.curations.current;
  if (curation) return curation.counts[id] ?? 0;
  return state.metadata.active?.counts[id] ?? 0;
}

/** t of keep probabilities: the active curation's, else the `t` setting. */
export function tOf(state: ServerState): number {
  return state.curations.current?.info.t ?? state.config.settings.t;
}

export function probabilityOf(state: ServerState, id: number): number {
  return balanceProbabilities([countOf(state, id)], tOf(state))[0];
}

/** The curation the active list should show now (by its file's sha256 and the user's choice). */
export function desiredCuration(state: ServerState): CurationInfo | undefined {
  const sha = state.metadata.activeSha;
  if (!sha || sha.uri !== state.metadata.activeUri) return undefined;
  return state.curations.workspace.activeCuration(sha.uri, sha.sha, sha.language?.code);
}

/** Whether two curations are the same folder made at the same time (so their counts are the same). */
export function sameCuration(a: CurationInfo | undefined, b: CurationInfo | undefined): boolean {
  return a?.dir === b?.dir && a?.created === b?.created && a?.countsPath === b?.countsPath;
}

/** Whether the curation loaded is no longer the one the active list should show. */
export function curationOutdated(state: ServerState): boolean {
  return !sameCuration(state.curations.current?.info, desiredCuration(state));
}

/** The desired curation with its counts for `entries`, or undefined (a warning when unreadable). */
export async function loadCuration(
  state: ServerState,
  entries: string[],
  warn: (line: string) => void,
): Promise<Curation | undefined> {
  const info = desiredCuration(state);
  const path = info?.countsPath;
  if (!info || !path) return undefined;
  try {
    if (info.language) {
      const listPath = uriToPath(state.metadata.activeUri ?? '');
      return { info, counts: await languageCounts(info.language, path, entries, listPath) };
    }
    const { counts } = await readCounts(path, entries);
    return { info, counts };
  } catch (err) {
    warn(`metacurate: cannot read curation counts ${path}: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * A language's counts from a worldwide curation's counts.bin (global ids: the language's at
 * `offset`). The list's file has the language's sha256; an open, edited list whose entries moved
 * is mapped by entry string through the list on disk.
 */
export async function languageCounts(
  language: WorldwideLanguageInfo,
  countsPath: string,
  entries: readonly string[],
  listPath: string | undefined,
): Promise<Float64Array> {
  const binPath = countsPath.endsWith('.bin') ? countsPath : compactCountsPath(countsPath);
  const { counts: global } = await readCounts(binPath);
  if (global.length < language.offset + language.entries)
    throw new Error(`${global.length} counts, fewer than language ${language.code}'s entries end at`);
  const own = global.slice(language.offset, language.offset + language.entries);
  if (entries.length === own.length || listPath === undefined) return own;
  const byEntry = new Map<string, number>();
  const onDisk = (await loadMetadata(listPath)).entries;
  for (let id = 0; id < onDisk.length && id < own.length; id++) byEntry.set(onDisk[id], own[id]);
  return Float64Array.from(entries, (e) => byEntry.get(e) ?? 0);
}

/** The sha256 of a metadata file on disk, else (a document without a file) of its text. */
export async function shaOf(state: ServerState, uri: string): Promise<string | undefined> {
  const path = uriToPath(uri);
  if (path !== undefined) {
    const sha = await state.curations.workspace.metadataSha256(path);
    if (sha !== undefined) return sha;
  }
  const open = state.documents.get(uri);
  return open ? sha256Of(open.getText()) : undefined;
}

/** The sha256 of the active list, when the last rebuild read it for `uri`. */
export function activeShaOf(state: ServerState, uri: string): string | undefined {
  const sha = state.metadata.activeSha;
  return sha?.uri === uri ? sha.sha : undefined;
}

/** The sample files counted, relative to their workspace folder, in counting order. */
export function sampleFiles(state: ServerState): string[] {
  return [...state.samples.files.keys()].map((path) => relativePath(state, path));
}

export function summaryOf(state: ServerState, info: CurationInfo, active: boolean) {
  return curationSummaryOf(info, relativePath(state, info.dir), uriOfPath(info.dir), active);
}

/** The active id of an entry of a metadata document, when the index agrees with the text. */
export function activeIdOf(
  state: ServerState,
  doc: TextDocument,
  model: MetadataModel,
  id: number,
): number | undefined {
  const active = state.metadata.active;
  if (!active || doc.uri !== active.uri) return undefined;
  return active.entries[id] === model.entries[id] && !active.uncounted.has(id) ? id : undefined;
}

/** The hover text of entry `id` of the active index (there must be one). */
export function describeActiveEntry(
  state: ServerState,
  id: number,
  options: { heading?: boolean; thumbnails?: readonly HoverThumbnail[] } = {},
): string {
  const active = state.metadata.active!;
  const entry = active.entries[id];
  const curation = state.curations.current;
  return describeEntry({
    entry,
    id,
    heading: options.heading !== false,
    sampleCount: active.counts[id],
    records: active.records,
    sampleFiles: sampleFiles(state),
    curation: curation && {
      count: curation.counts[id] ?? 0,
      folder: relativePath(state, curation.info.dir),
      t: curation.info.t,
      language: curation.info.language?.code,
    },
    metadataSha256: activeShaOf(state, active.uri),
    t: tOf(state),
    count: countOf(state, id),
    p: probabilityOf(state, id),
    zeroShot: state.curations.zeroShot.sentence(active.entries, id),
    examples: examplesOf(
      [...state.samples.files.values()].map((s) => s.captions),
      entry,
      active.padding,
    ),
    browse: browseArgsOf(state, curation, id, active.uri),
    thumbnails: options.thumbnails,
  });
}

/**
 * The hover's entry-browser link of entry `id` of the list `metadataUri`: only for a client that
 * runs the command (VS Code; not Neovim, Helix, Emacs).
 */
export function browseArgsOf(
  state: ServerState,
  curation: Curation | undefined,
  id: number,
  metadataUri: string,
): BrowseEntryArgs | undefined {
  if (!state.config.commandLinks.has(BROWSE_ENTRY_COMMAND)) return undefined;
  return {
    // A worldwide curation's records are by global id (the language's offset + id).
    entryId: id + (curation?.info.language?.offset ?? 0),
    source: curation ? { kind: 'curation', folder: curation.info.dir } : { kind: 'samples' },
    metadataUri,
  };
}

/** Location of an entry of the active list in its file. */
export function entryLocation(state: ServerState, id: number): Location | undefined {
  const source = activeSourceSync(state);
  const active = state.metadata.active;
  if (!source || !active) return undefined;
  let at = id;
  if (source.model.entries[id] !== active.entries[id]) at = source.model.entries.indexOf(active.entries[id]);
  if (at < 0) return undefined;
  return {
    uri: active.uri,
    range: toRange(source.doc, source.model.starts[at], source.model.ends[at]),
  };
}
