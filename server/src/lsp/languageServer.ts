/**
 * The Metacurate language server: wires the pure pieces (metadata model and diagnostics, quick
 * fixes, span index, sample captions, WordNet lemmas, previews) to LSP.
 *
 * State: one active metadata list (the one "used as metadata", else the first metadata document
 * opened, else the first metadata file of the workspace) whose entries are indexed; the captions
 * of the workspace's sample files and their per-entry counts; the last curation's counts when the
 * workspace has a curation output. Rebuilding the index after an edit is debounced, runs in
 * slices between requests (English) or in a worker thread (worldwide), and is cancelled by a newer
 * edit; requests meanwhile see the previous index. The edit of a few entries updates the index and
 * their counts in place.
 */
import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import {
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  Emitter,
  MarkupKind,
  TextDocuments,
  type CancellationToken,
  type CodeAction,
  type CompletionList,
  type Connection,
  type DocumentSymbol,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  type InlayHint,
  type Location,
  type Position,
  type Range,
  type ResponseError,
  type SemanticTokens,
  type SymbolInformation,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { balanceProbabilities } from '../../engine/src/balance';
import { readCounts } from '../../engine/src/counts';
import { matcherFromPacked } from '../../engine/src/match/matcher';
import type { Padding } from '../../engine/src/match/spacing';
import { codeActionsFor } from './codeActions';
import { completeEntry } from './completion';
import { computeDiagnostics } from './diagnostics';
import { formatCount, inlayLabel, inlineCode } from './format';
import type { ZeroShotOverlay } from '../../engine/src/classAccuracy';
import { ZeroShotView } from './zeroShotView';
import { documentSymbols, workspaceSymbols } from './symbols';
import { entryReferences } from './references';
import { SampleHighlights } from './sampleHighlights';
import {
  clientFeatures,
  NO_CLIENT_FEATURES,
  serverCapabilities,
  workspaceFolderPaths,
  type ClientFeatures,
} from './capabilities';
import { FolderWatcher } from './folderWatcher';
import { findFiles, GlobSet, relativeTo } from '../../engine/src/documents/glob';
import { BuildCancelled, IndexBuilder } from './indexWorker';
import { wordnetLemmas } from './lemmas';
import {
  entryAt,
  firstEntryFrom,
  metadataKindOf,
  parseMetadata,
  type MetadataModel,
} from '../../engine/src/documents/metadataModel';
import { PREVIEW_TEXT_FIELD, previewSourcePath, previewUriFor, renderPreview } from './preview';
import {
  DEFAULT_SETTINGS,
  PREVIEW_SCHEME,
  BalanceRequest,
  CurationsRequest,
  PreviewContentRequest,
  PreviewMatchesRequest,
  ReadyRequest,
  RefreshCountsRequest,
  SetActiveCurationRequest,
  SETTINGS_SECTION,
  StatusNotification,
  UseAsMetadataRequest,
  ZeroShotResultsNotification,
  type CurationsResult,
  type MetacurateInitializationOptions,
  type MetacurateSettings,
  type RefreshCountsResult,
  type StatusParams,
} from '../../../contracts/src/lsp';
import { diagnosticsModeOf, PullDiagnostics, type DiagnosticsMode } from './pullDiagnostics';
import {
  extractCaptions,
  sampleFormatOf,
  sourceRange,
  textFieldsOf,
  type CaptionSite,
  type SampleFormat,
} from '../../engine/src/documents/samples';
import {
  CAPPED_SPANS_NOTE,
  findEntrySpans,
  SubstringSpanIndex,
  TokenSpanIndex,
  type SpanIndex,
  type Span,
} from './spanIndex';
import { SettingsChannels } from './settingsSources';
import { createServerConnection } from './transport';
import { canonicalUri, pathToUri, uriToPath } from './uri';
import { cancelledError, waitUntil } from './waiting';
import { sha256Of, type CurationInfo } from './curationIndex';
import { curationSummaryOf, describeEntry, examplesOf } from './entryText';
import { WorkspaceModel } from './workspaceModel';
import { curationBalance, samplesBalance } from './balanceData';

/** Debounce of the index rebuild after an edit of the active metadata. */
const REBUILD_DELAY_MS = 200;
const DIAGNOSTICS_DELAY_MS = 150;
/** Large lists are checked again only after typing pauses longer (the check takes a while). */
const LARGE_DIAGNOSTICS_DELAY_MS = 1000;
const LARGE_DOCUMENT_CHARS = 1_000_000;
const SAMPLE_RECOUNT_DELAY_MS = 500;
/** Edits touching at most this many entries (list length unchanged) update the index in place. */
const MAX_IN_PLACE_CHANGES = 256;
/** Up to this many edited entries are recounted one by one; more, and all entries are recounted. */
const MAX_ENTRY_RECOUNTS = 4;
const MAX_INLAY_HINTS = 5_000;
/** Captions kept in memory for counts and examples, over all sample files. */
const MAX_SAMPLE_CAPTIONS = 5_000_000;
const MAX_SAMPLE_FILE_BYTES = 512 * 1024 * 1024;

interface SampleFile {
  path: string;
  format: SampleFormat;
  captions: string[];
}

/** The indexed metadata: what highlights, counts and hovers refer to (may lag the text briefly). */
interface ActiveIndex {
  uri: string;
  entries: string[];
  index: SpanIndex;
  padding: Padding;
  counts: Uint32Array;
  records: number;
  matchedRecords: number;
  /** The samplesVersion the counts were computed for. */
  samplesVersion: number;
  /** Ids edited in place whose counts are not recomputed yet (hovers and hints wait for them). */
  uncounted: Set<number>;
}

/** The active list's active curation, its counts loaded. */
interface Curation {
  info: CurationInfo;
  counts: Float64Array;
}

interface CachedSites {
  version: number;
  fields: string;
  sites: CaptionSite[];
}

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

export class MetacurateServer {
  readonly documents = new TextDocuments(TextDocument);
  private settings: MetacurateSettings = { ...DEFAULT_SETTINGS };
  private readonly settingsChannels = new SettingsChannels();
  private folders: string[] = [];
  private metadataGlobs = new GlobSet(DEFAULT_SETTINGS.metadataGlobs);
  private sampleGlobs = new GlobSet(DEFAULT_SETTINGS.sampleGlobs);
  private capabilities: ClientFeatures = { ...NO_CLIENT_FEATURES };
  private diagnosticsMode: DiagnosticsMode = 'push';
  private readonly pullDiagnostics = new PullDiagnostics({
    documents: this.documents,
    diagnosticsOf: (doc) =>
      this.isMetadataUri(doc.uri) ? computeDiagnostics(doc, this.modelOf(doc)) : undefined,
    delayOf: (doc) => this.diagnosticsDelay(doc),
  });
  /** The server's own watch of the folders, when the client registers no file watchers. */
  private folderWatcher: FolderWatcher | undefined;
  /** Fires with every status: what waits for the index re-checks then. */
  private readonly statusChanged = new Emitter<void>();
  /** Set once the first workspace scan has finished. */
  private scanned = false;

  /** Metadata files found in the workspace, and documents the user chose with "Use as metadata". */
  private workspaceMetadata: string[] = [];
  private readonly chosenMetadata = new Set<string>();
  private activeUri: string | undefined;
  private diskModel: { uri: string; text: string; model: MetadataModel; doc: TextDocument } | undefined;
  private readonly models = new Map<string, { version: number; model: MetadataModel }>();

  private active: ActiveIndex | undefined;
  private curation: Curation | undefined;
  /** Curations and runs of the workspace, by the metadata they were made with. */
  private readonly workspace = new WorkspaceModel();
  /** Per-class zero-shot accuracy sent by the client, shown only on its curation's list. */
  private readonly zeroShot = new ZeroShotView((runId) =>
    this.workspace.runMadeWith(
      runId,
      this.activeSha?.uri === this.activeUri ? this.activeSha?.sha : undefined,
    ),
  );
  /** The sha256 of the active list's file, as of the last rebuild. */
  private activeSha: { uri: string; sha: string | undefined } | undefined;
  private samples = new Map<string, SampleFile>();
  /** Bumped whenever the sample captions change. */
  private samplesVersion = 0;
  private sampleCaptionTotal = 0;

  private generation = 0;
  private building = false;
  private rebuildTimer: NodeJS.Timeout | undefined;
  private rebuildDone: Promise<void> = Promise.resolve();
  private resolveRebuild: (() => void) | undefined;
  private scanning = false;
  private scanGeneration = 0;
  private statusMessage: string | undefined;
  private readonly builder = new IndexBuilder();
  private readonly siteCache = new Map<string, CachedSites>();
  private readonly highlights = new SampleHighlights();
  private readonly previews = new Map<string, string>();
  private readonly diagnosticTimers = new Map<string, NodeJS.Timeout>();
  private readonly justOpened = new Set<string>();
  /** Sample documents whose capped line (more spans than the editor lists) was logged once. */
  private readonly cappedLogged = new Set<string>();
  private readonly sampleTimers = new Map<string, NodeJS.Timeout>();
  private recountTimer: NodeJS.Timeout | undefined;
  private lemmasErrorLogged = false;
  private entrySetCache = new WeakMap<MetadataModel, Set<string>>();

  constructor(readonly connection: Connection) {
    this.register();
    this.documents.listen(connection);
  }

  // ---------------------------------------------------------------------------------------------
  // Classification of documents
  // ---------------------------------------------------------------------------------------------

  private relativePath(path: string): string {
    for (const folder of this.folders) {
      const rel = relativeTo(folder, path);
      if (rel !== undefined) return rel;
    }
    return basename(path);
  }

  isMetadataUri(uri: string): boolean {
    if (this.chosenMetadata.has(uri) || uri === this.activeUri) return true;
    const path = uriToPath(uri);
    return path !== undefined && this.metadataGlobs.matches(this.relativePath(path));
  }

  private samplesRoots(): string[] {
    return this.folders.map((f) => (this.settings.samplesFolder ? join(f, this.settings.samplesFolder) : f));
  }

  /** A file the user chose with "Use as metadata" (or the active list): never also a sample. */
  private isChosenMetadataPath(path: string): boolean {
    if (this.activeUri && uriToPath(this.activeUri) === path) return true;
    for (const uri of this.chosenMetadata) if (uriToPath(uri) === path) return true;
    return false;
  }

  private isSamplePath(path: string): boolean {
    if (sampleFormatOf(path) === undefined) return false;
    if (this.metadataGlobs.matches(this.relativePath(path)) || this.isChosenMetadataPath(path)) return false;
    if (!this.settings.includeCurationOutputs) {
      const folder = this.folders.find((f) => relativeTo(f, path) !== undefined);
      if (folder !== undefined && this.workspace.isInsideCuration(path, folder)) return false;
    }
    const roots = this.samplesRoots();
    if (roots.length === 0) return this.sampleGlobs.matches(basename(path));
    for (const root of roots) {
      const rel = relativeTo(root, path);
      if (rel !== undefined && this.sampleGlobs.matches(rel)) return true;
    }
    return false;
  }

  /** Format and caption fields of a sample document, or undefined for any other document. */
  private sampleKind(uri: string): { format: SampleFormat; fields: string[] } | undefined {
    if (uri.startsWith(`${PREVIEW_SCHEME}:`)) return { format: 'jsonl', fields: [PREVIEW_TEXT_FIELD] };
    if (this.isMetadataUri(uri)) return undefined;
    const path = uriToPath(uri);
    if (path === undefined || !this.isSamplePath(path)) return undefined;
    return { format: sampleFormatOf(path)!, fields: textFieldsOf(this.settings.textField) };
  }

  /** The URI of a path: documents are keyed by canonical URIs (inbound.ts makes the client's so). */
  private uriOfPath(path: string): string {
    return pathToUri(path);
  }

  // ---------------------------------------------------------------------------------------------
  // Metadata models
  // ---------------------------------------------------------------------------------------------

  modelOf(doc: TextDocument): MetadataModel {
    const cached = this.models.get(doc.uri);
    if (cached && cached.version === doc.version) return cached.model;
    const path = uriToPath(doc.uri) ?? doc.uri;
    const model = parseMetadata(doc.getText(), metadataKindOf(path, doc.languageId, doc.getText()));
    this.models.set(doc.uri, { version: doc.version, model });
    return model;
  }

  /** The active metadata's document (open, or read from disk) and model. */
  private async activeSource(): Promise<{ doc: TextDocument; model: MetadataModel } | undefined> {
    const uri = this.activeUri;
    if (!uri) return undefined;
    const open = this.documents.get(uri);
    if (open) return { doc: open, model: this.modelOf(open) };
    const path = uriToPath(uri);
    if (!path) return undefined;
    let text: string;
    try {
      text = await fsp.readFile(path, 'utf8');
    } catch {
      return undefined;
    }
    if (this.diskModel?.uri === uri && this.diskModel.text === text) return this.diskModel;
    const doc = TextDocument.create(uri, 'json', 0, text);
    const model = parseMetadata(text, metadataKindOf(path, undefined, text));
    this.diskModel = { uri, text, model, doc };
    return this.diskModel;
  }

  /** The active source without I/O (the open document or the last disk read). */
  private activeSourceSync(): { doc: TextDocument; model: MetadataModel } | undefined {
    if (!this.activeUri) return undefined;
    const open = this.documents.get(this.activeUri);
    if (open) return { doc: open, model: this.modelOf(open) };
    return this.diskModel?.uri === this.activeUri ? this.diskModel : undefined;
  }

  private chooseActive(): void {
    if (this.activeUri) return;
    for (const doc of this.documents.all()) {
      if (!doc.uri.startsWith(`${PREVIEW_SCHEME}:`) && this.isMetadataUri(doc.uri)) {
        this.activeUri = doc.uri;
        return;
      }
    }
    if (this.workspaceMetadata.length > 0) this.activeUri = this.uriOfPath(this.workspaceMetadata[0]);
  }

  // ---------------------------------------------------------------------------------------------
  // Index, counts, status
  // ---------------------------------------------------------------------------------------------

  /** Count used for head/tail and p: the last curation's when there is one, else the samples'. */
  private countOf(id: number): number {
    if (this.curation) return this.curation.counts[id] ?? 0;
    return this.active?.counts[id] ?? 0;
  }

  /** t of keep probabilities: the active curation's, else the `t` setting. */
  private tOf(): number {
    return this.curation?.info.t ?? this.settings.t;
  }

  private probabilityOf(id: number): number {
    return balanceProbabilities([this.countOf(id)], this.tOf())[0];
  }

  /** The curation the active list should show now (by its file's sha256 and the user's choice). */
  private desiredCuration(): CurationInfo | undefined {
    const sha = this.activeSha;
    if (!sha || sha.uri !== this.activeUri) return undefined;
    return this.workspace.activeCuration(sha.uri, sha.sha);
  }

  /** The sha256 of a metadata file on disk, else (a document without a file) of its text. */
  private async shaOf(uri: string): Promise<string | undefined> {
    const path = uriToPath(uri);
    if (path !== undefined) {
      const sha = await this.workspace.metadataSha256(path);
      if (sha !== undefined) return sha;
    }
    const open = this.documents.get(uri);
    return open ? sha256Of(open.getText()) : undefined;
  }

  /** The sample files counted, relative to their workspace folder, in counting order. */
  private sampleFiles(): string[] {
    return [...this.samples.keys()].map((path) => this.relativePath(path));
  }

  private status(): StatusParams {
    const uris = new Set<string>();
    if (this.activeUri) uris.add(this.activeUri);
    for (const u of this.chosenMetadata) uris.add(u);
    for (const p of this.workspaceMetadata) uris.add(this.uriOfPath(p));
    let records = 0;
    for (const s of this.samples.values()) records += s.captions.length;
    return {
      entries: this.active?.entries.length ?? 0,
      metadataUris: [...uris],
      samplesIndexed: this.samples.size,
      sampleRecords: records,
      sampleFiles: this.sampleFiles().slice(0, 20),
      curation: this.curation ? this.summaryOf(this.curation.info, true) : undefined,
      busy: this.building || this.scanning,
      message: this.statusMessage,
    };
  }

  private sendStatus(): void {
    void this.connection.sendNotification(StatusNotification, this.status()).catch(() => undefined);
    this.statusChanged.fire();
  }

  /** True once the workspace is scanned and no index build, scan or recount is pending. */
  private isReady(): boolean {
    return this.scanned && !this.building && !this.scanning && !this.recountTimer;
  }

  /** Waits until isReady(); false when `token` is cancelled first. */
  private ready(token: CancellationToken): Promise<boolean> {
    return waitUntil(() => this.isReady(), this.statusChanged.event, token);
  }

  /**
   * Whether a request about `uri` would be answered from an index that is about to change for
   * reasons other than typing: the list's first index, or counts of samples that a scan or a
   * recount is replacing (the workspace scan at start-up, a sample added). Such requests wait
   * rather than answer empty or zero, for clients that cannot be asked to refresh. Edits of the
   * list itself do not make them wait: they see the previous index, as designed.
   */
  private awaitsIndex(uri: string): boolean {
    if (this.isReady()) return false;
    const active = this.active;
    if (this.isMetadataUri(uri)) {
      if (this.activeUri && this.activeUri !== uri) return false;
      return active?.uri !== uri || !this.scanned || active.samplesVersion !== this.samplesVersion;
    }
    return (!active || !this.scanned) && this.sampleKind(uri) !== undefined;
  }

  /** Resolves when no rebuild is pending or running. */
  whenIdle(): Promise<void> {
    return this.rebuildDone;
  }

  scheduleRebuild(delay = REBUILD_DELAY_MS): void {
    this.generation++;
    this.builder.cancel();
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    if (!this.resolveRebuild) {
      this.rebuildDone = new Promise((resolve) => (this.resolveRebuild = resolve));
    }
    if (!this.building) {
      this.building = true;
      this.sendStatus();
    }
    const gen = this.generation;
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = undefined;
      void this.rebuild(gen);
    }, delay);
  }

  private async rebuild(gen: number): Promise<void> {
    const stale = () => gen !== this.generation;
    const checkpoint = makeCheckpoint(stale);
    try {
      const source = await this.activeSource();
      if (stale()) return;
      if (!source) {
        this.active = undefined;
        this.finishRebuild(gen, 'no metadata list');
        return;
      }
      const { model } = source;
      const entries = model.entries;
      const activeUri = this.activeUri!;
      this.activeSha = { uri: activeUri, sha: await this.shaOf(activeUri) };
      if (stale()) return;
      const padding = this.settings.padding;
      const prev = this.active;
      if (
        prev &&
        prev.uri === this.activeUri &&
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
          this.applyInPlace(prev, entries, changed);
          await this.recountInPlace(prev, checkpoint);
          if (stale()) return;
          if (changed.length > 0 || !sameCuration(this.curation?.info, this.desiredCuration())) {
            this.curation = await this.loadCuration(entries);
            if (stale()) return;
          }
          this.finishRebuild(gen);
          return;
        }
      }
      let index: SpanIndex;
      if (padding === 'english') index = await TokenSpanIndex.build(entries, checkpoint);
      else {
        const packed = await this.builder.build(entries, padding);
        index = new SubstringSpanIndex(matcherFromPacked(packed), entries);
      }
      await checkpoint();
      const samplesVersion = this.samplesVersion;
      const counted = await this.countAll(index, entries.length, checkpoint);
      const curation = await this.loadCuration(entries);
      if (stale()) return;
      this.active = {
        uri: this.activeUri!,
        entries,
        index,
        padding,
        samplesVersion,
        uncounted: new Set(),
        ...counted,
      };
      this.highlights.indexReplaced();
      this.curation = curation;
      this.finishRebuild(gen);
    } catch (err) {
      if (err instanceof BuildCancelled || stale()) return;
      this.connection.console.error(`metacurate: index build failed: ${(err as Error).stack ?? err}`);
      this.finishRebuild(gen, `index build failed: ${(err as Error).message}`);
    }
  }

  /** The edit of a few entries: the index in place; their counts lag until recountInPlace. */
  private applyInPlace(prev: ActiveIndex, entries: string[], changed: number[]): void {
    if (changed.length > 0) {
      const index = prev.index as TokenSpanIndex;
      for (const id of changed) {
        index.replace(id, prev.entries[id], entries[id]);
        prev.uncounted.add(id);
      }
    }
    prev.entries = entries;
    if (changed.length > 0) {
      this.highlights.edited(
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
  private async recountInPlace(prev: ActiveIndex, checkpoint: () => Promise<void>): Promise<void> {
    const samplesVersion = this.samplesVersion;
    if (prev.samplesVersion !== samplesVersion || prev.uncounted.size > MAX_ENTRY_RECOUNTS) {
      const counted = await this.countAll(prev.index, prev.entries.length, checkpoint);
      Object.assign(prev, counted, { samplesVersion });
      prev.uncounted.clear();
      return;
    }
    if (prev.uncounted.size === 0) return;
    const ids = [...prev.uncounted];
    const counts = await this.countEntries(
      ids.map((id) => prev.entries[id]),
      prev.padding,
      checkpoint,
    );
    for (let i = 0; i < ids.length; i++) prev.counts[ids[i]] = counts[i];
    prev.uncounted.clear();
  }

  private finishRebuild(gen: number, message?: string): void {
    if (gen !== this.generation) return;
    this.building = false;
    this.statusMessage = message;
    this.highlights.invalidate();
    this.sendStatus();
    this.refreshEditors();
    const resolve = this.resolveRebuild;
    this.resolveRebuild = undefined;
    resolve?.();
  }

  private refreshEditors(): void {
    if (this.capabilities.semanticRefresh)
      void this.connection.languages.semanticTokens.refresh().catch(() => undefined);
    if (this.capabilities.inlayRefresh)
      void this.connection.languages.inlayHint.refresh().catch(() => undefined);
  }

  /** Per-entry counts over every sample caption (each entry once per caption). */
  private async countAll(
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
    for (const sample of [...this.samples.values()]) {
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
  private async countEntries(
    entries: string[],
    padding: Padding,
    checkpoint: () => Promise<void>,
  ): Promise<number[]> {
    const counts = entries.map(() => 0);
    let records = 0;
    for (const sample of [...this.samples.values()]) {
      for (const caption of sample.captions) {
        for (let i = 0; i < entries.length; i++)
          if (findEntrySpans(caption, entries[i], padding).length > 0) counts[i]++;
        if ((++records & 255) === 0) await checkpoint();
      }
    }
    return counts;
  }

  /** Recounts the samples with the active index; false when there was nothing to count. */
  private async recount(): Promise<boolean> {
    const active = this.active;
    if (!active) return false;
    const samplesVersion = this.samplesVersion;
    const counted = await this.countAll(active.index, active.entries.length);
    if (this.active !== active) return false;
    Object.assign(active, counted, { samplesVersion });
    active.uncounted.clear();
    this.highlights.invalidate();
    this.sendStatus();
    this.refreshEditors();
    return true;
  }

  private scheduleRecount(): void {
    if (this.recountTimer) clearTimeout(this.recountTimer);
    this.recountTimer = setTimeout(() => {
      this.recountTimer = undefined;
      // A status tells the requests waiting for isReady(), even when there was nothing to count.
      void this.recount().then((sent) => sent || this.sendStatus());
    }, SAMPLE_RECOUNT_DELAY_MS);
  }

  private async loadCuration(entries: string[]): Promise<Curation | undefined> {
    const info = this.desiredCuration();
    const path = info?.countsPath;
    if (!info || !path) return undefined;
    try {
      const { counts } = await readCounts(path, entries);
      return { info, counts };
    } catch (err) {
      this.connection.console.warn(
        `metacurate: cannot read curation counts ${path}: ${(err as Error).message}`,
      );
      return undefined;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Workspace scan: metadata files, sample files, curation output
  // ---------------------------------------------------------------------------------------------

  async rescanWorkspace(): Promise<void> {
    const gen = ++this.scanGeneration;
    this.scanning = true;
    this.sendStatus();
    try {
      const metadata: string[] = [];
      const samples = new Map<string, SampleFile>();
      let total = 0;
      // Curations first: the samples exclude their folders.
      await this.workspace.scan(this.folders);
      for (const folder of this.folders) metadata.push(...(await findFiles(folder, this.metadataGlobs)));
      for (const root of this.samplesRoots()) {
        for (const path of await findFiles(root, this.sampleGlobs)) {
          if (!this.isSamplePath(path) || samples.has(path)) continue;
          const sample = await this.readSample(path);
          if (!sample) continue;
          if (total + sample.captions.length > MAX_SAMPLE_CAPTIONS) {
            this.statusMessage = `sample captions capped at ${formatCount(MAX_SAMPLE_CAPTIONS)}`;
            break;
          }
          total += sample.captions.length;
          samples.set(path, sample);
        }
      }
      // Without a workspace folder, the samples are the open sample documents.
      if (this.folders.length === 0) {
        for (const doc of this.documents.all()) {
          const sample = this.openSampleOf(doc);
          if (sample) {
            samples.set(sample.path, sample);
            total += sample.captions.length;
          }
        }
      }
      if (gen !== this.scanGeneration) return;
      // The default list: the first glob's match first (metadata.json), then the shallowest.
      const rank = (path: string) => {
        const rel = this.relativePath(path);
        return [this.metadataGlobs.firstMatch(rel), rel.split('/').length, rel] as const;
      };
      metadata.sort((a, b) => {
        const [ga, da, ra] = rank(a);
        const [gb, db, rb] = rank(b);
        return ga - gb || da - db || (ra < rb ? -1 : ra > rb ? 1 : 0);
      });
      this.workspaceMetadata = metadata;
      this.samples = samples;
      this.samplesVersion++;
      this.sampleCaptionTotal = total;
      this.chooseActive();
    } finally {
      if (gen === this.scanGeneration) {
        this.scanning = false;
        this.scanned = true;
        this.scheduleRebuild(0);
      }
    }
  }

  /** An open document as a sample file (its text, not the file's), or undefined if not a sample. */
  private openSampleOf(doc: TextDocument): SampleFile | undefined {
    const path = uriToPath(doc.uri);
    const kind = this.sampleKind(doc.uri);
    if (path === undefined || !kind) return undefined;
    return { path, format: kind.format, captions: this.sitesOf(doc, kind).map((s) => s.text) };
  }

  /** Without a workspace folder, opening or closing a sample adds it to or removes it from the counts. */
  private updateOpenSample(doc: TextDocument, open: boolean): void {
    if (this.folders.length > 0) return;
    const path = uriToPath(doc.uri);
    if (path === undefined) return;
    const before = this.samples.get(path);
    const after = open ? this.openSampleOf(doc) : undefined;
    if (!before && !after) return;
    if (before) this.samples.delete(path);
    if (after) this.samples.set(path, after);
    this.sampleCaptionTotal += (after?.captions.length ?? 0) - (before?.captions.length ?? 0);
    this.samplesVersion++;
    this.sendStatus();
    this.scheduleRecount();
  }

  private async readSample(path: string): Promise<SampleFile | undefined> {
    const format = sampleFormatOf(path);
    if (!format) return undefined;
    const uri = this.uriOfPath(path);
    const open = this.documents.get(uri);
    let text: string;
    if (open) text = open.getText();
    else {
      try {
        const size = (await fsp.stat(path)).size;
        if (size > MAX_SAMPLE_FILE_BYTES) return undefined;
        text = await fsp.readFile(path, 'utf8');
      } catch {
        return undefined;
      }
    }
    const captions = extractCaptions(text, format, textFieldsOf(this.settings.textField)).map((s) => s.text);
    return { path, format, captions };
  }

  // ---------------------------------------------------------------------------------------------
  // Sample documents: caption sites and spans
  // ---------------------------------------------------------------------------------------------

  private sitesOf(doc: TextDocument, kind: { format: SampleFormat; fields: string[] }): CaptionSite[] {
    const key = kind.fields.join('\u0000') + '|' + kind.format;
    const cached = this.siteCache.get(doc.uri);
    if (cached && cached.version === doc.version && cached.fields === key) return cached.sites;
    const sites = extractCaptions(doc.getText(), kind.format, kind.fields);
    this.siteCache.set(doc.uri, { version: doc.version, fields: key, sites });
    return sites;
  }

  /** The caption site containing a source offset, and the offset inside the caption. */
  private siteAt(sites: CaptionSite[], offset: number): { site: CaptionSite; at: number } | undefined {
    let lo = 0;
    let hi = sites.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const start = sites[mid].map ? sites[mid].map![0] : sites[mid].start;
      if (start <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const site = sites[found];
    const len = site.text.length;
    const end = sourceRange(site, len, len)[0];
    if (offset > end) return undefined;
    if (!site.map) return { site, at: offset - site.start };
    let a = 0;
    let b = len;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (site.map[mid] <= offset) a = mid;
      else b = mid - 1;
    }
    return { site, at: a };
  }

  /** Matched spans of the active index covering a position of a sample document, longest first. */
  private spansAt(
    doc: TextDocument,
    position: Position,
  ): { site: CaptionSite; spans: Span[]; capped: boolean } | undefined {
    const kind = this.sampleKind(doc.uri);
    const active = this.active;
    if (!kind || !active) return undefined;
    const hit = this.siteAt(this.sitesOf(doc, kind), doc.offsetAt(position));
    if (!hit) return undefined;
    // Only the spans covering the position, and at most MAX_SPANS_PER_LINE of them (said, never silent).
    const found = active.index.findSpans(hit.site.text, hit.at);
    const spans = found.spans
      .filter((s) => s.start <= hit.at && hit.at < s.end)
      .sort((x, y) => y.end - y.start - (x.end - x.start) || x.id - y.id);
    if (found.capped && !this.cappedLogged.has(doc.uri)) {
      this.cappedLogged.add(doc.uri);
      this.connection.console.warn(`${doc.uri}: ${CAPPED_SPANS_NOTE}`);
    }
    if (spans.length === 0) return undefined;
    return { site: hit.site, spans, capped: found.capped };
  }

  private toRange(doc: TextDocument, start: number, end: number): Range {
    return { start: doc.positionAt(start), end: doc.positionAt(end) };
  }

  semanticTokens(doc: TextDocument, range?: Range): SemanticTokens {
    const kind = this.sampleKind(doc.uri);
    const active = this.active;
    if (!kind || !active) return { data: [] };
    const t = this.tOf();
    return this.highlights.tokens(
      doc,
      kind.format,
      this.sitesOf(doc, kind),
      { index: active.index, padding: active.padding, isHead: (id) => this.countOf(id) > t },
      range,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Entry descriptions
  // ---------------------------------------------------------------------------------------------

  /** The active id of an entry of a metadata document, when the index agrees with the text. */
  private activeIdOf(doc: TextDocument, model: MetadataModel, id: number): number | undefined {
    const active = this.active;
    if (!active || doc.uri !== active.uri) return undefined;
    return active.entries[id] === model.entries[id] && !active.uncounted.has(id) ? id : undefined;
  }

  private describeEntry(id: number, options: { heading?: boolean } = {}): string {
    const active = this.active!;
    const entry = active.entries[id];
    const curation = this.curation;
    return describeEntry({
      entry,
      id,
      heading: options.heading !== false,
      sampleCount: active.counts[id],
      records: active.records,
      sampleFiles: this.sampleFiles(),
      curation: curation && {
        count: curation.counts[id] ?? 0,
        folder: this.relativePath(curation.info.dir),
        t: curation.info.t,
      },
      metadataSha256: this.activeSha?.uri === active.uri ? this.activeSha.sha : undefined,
      t: this.tOf(),
      count: this.countOf(id),
      p: this.probabilityOf(id),
      zeroShot: this.zeroShot.sentence(active.entries, id),
      examples: examplesOf(
        [...this.samples.values()].map((s) => s.captions),
        entry,
        active.padding,
      ),
    });
  }

  // ---------------------------------------------------------------------------------------------
  // LSP handlers
  // ---------------------------------------------------------------------------------------------

  private register(): void {
    const c = this.connection;
    c.onInitialize((params) => this.initialize(params));
    c.onInitialized(() => void this.initialized());
    c.onDidChangeConfiguration((p) => {
      this.settingsChannels.setPushed(p.settings);
      void this.reloadSettings();
    });
    c.onDidChangeWatchedFiles(() => this.scheduleRescan());
    c.onShutdown(() => {
      this.builder.dispose();
      this.folderWatcher?.dispose();
    });

    this.documents.onDidOpen((e) => this.onOpen(e.document));
    this.documents.onDidChangeContent((e) => this.onChange(e.document));
    this.documents.onDidClose((e) => this.onClose(e.document));

    c.onHover((p) => this.hover(p.textDocument.uri, p.position));
    c.onDefinition((p) => this.definition(p.textDocument.uri, p.position));
    c.onReferences((p) => this.references(p.textDocument.uri, p.position, p.context.includeDeclaration));
    c.onDocumentSymbol((p) => this.documentSymbols(p.textDocument.uri));
    c.onWorkspaceSymbol((p) => this.workspaceSymbols(p.query));
    c.onCompletion((p) => this.completion(p.textDocument.uri, p.position));
    c.onCodeAction((p) => this.codeActions(p.textDocument.uri, p.context.diagnostics));
    c.languages.inlayHint.on(async (p, token) => {
      if (this.awaitsIndex(p.textDocument.uri) && !(await this.ready(token))) return cancelledError();
      return this.inlayHints(p.textDocument.uri, p.range);
    });
    c.languages.semanticTokens.on(async (p, token) =>
      this.semanticTokensWhenIndexed(p.textDocument.uri, token),
    );
    c.languages.semanticTokens.onRange(async (p, token) =>
      this.semanticTokensWhenIndexed(p.textDocument.uri, token, p.range),
    );
    c.languages.diagnostics.on((p, token) => this.pullDiagnostics.report(p, token));
    c.onRequest(ReadyRequest, async (_p, token) =>
      (await this.ready(token)) ? this.status() : cancelledError(),
    );

    c.onRequest(UseAsMetadataRequest, (p) => this.useAsMetadata(p.uri));
    c.onRequest(PreviewMatchesRequest, async (p) => {
      const previewUri = previewUriFor(p.uri);
      const content = await this.renderPreviewFor(previewUri, p.limit);
      return { previewUri, content };
    });
    c.onRequest(PreviewContentRequest, async (p) => ({
      content: this.previews.get(p.uri) ?? (await this.renderPreviewFor(p.uri)),
    }));
    c.onRequest(RefreshCountsRequest, () => this.refreshCounts());
    c.onRequest(CurationsRequest, async (p) => this.curationsOf(p.uri ?? this.activeUri));
    c.onRequest(BalanceRequest, async (p, token) => {
      if (p.source.kind === 'curation') return curationBalance(p.source.folder, p.source);
      if (!(await this.ready(token))) return cancelledError();
      const active = this.active;
      if (!active) throw new Error('no metadata list in use (see the setting metacurate.metadataGlobs)');
      const samples = [...this.samples.values()];
      return samplesBalance(
        {
          entries: active.entries,
          index: active.index,
          metadataPath: uriToPath(active.uri) ?? active.uri,
          metadataSha256: this.activeSha?.uri === active.uri ? this.activeSha.sha : undefined,
        },
        { files: this.sampleFiles(), captions: samples.flatMap((sample) => sample.captions) },
        p.source,
      );
    });
    c.onRequest(SetActiveCurationRequest, async (p) => {
      this.workspace.choose(p.uri, p.curation ? uriToPath(p.curation) : undefined);
      if (p.uri === this.activeUri) {
        this.scheduleRebuild(0);
        await this.whenIdle();
      }
      return this.curationsOf(p.uri);
    });
    c.onNotification(ZeroShotResultsNotification, (p) => {
      this.zeroShot.set(p.overlay ?? undefined);
      void this.learnRunsOf(this.zeroShot.sent).then(() => {
        if (this.capabilities.inlayRefresh)
          void this.connection.languages.inlayHint.refresh().catch(() => undefined);
      });
    });
  }

  /**
   * Reads the workspace's curations and runs again when an overlay names a run the last scan did
   * not see (a run created since, its folder not reported by a file watcher): which list may show
   * its results depends on its curation.
   */
  private async learnRunsOf(overlay: ZeroShotOverlay | undefined): Promise<void> {
    if (!overlay) return;
    const ids = [overlay.runId, ...(overlay.baseline ? [overlay.baseline.runId] : [])];
    if (ids.every((id) => this.workspace.knowsRun(id))) return;
    await this.workspace.scan(this.folders);
    if (!sameCuration(this.curation?.info, this.desiredCuration())) this.scheduleRebuild(0);
  }

  /** Semantic tokens, once there is an index to take them from (see awaitsIndex). */
  private async semanticTokensWhenIndexed(
    uri: string,
    token: CancellationToken,
    range?: Range,
  ): Promise<SemanticTokens | ResponseError<void>> {
    if (this.awaitsIndex(uri) && !(await this.ready(token))) return cancelledError();
    const doc = this.documents.get(uri);
    return doc ? this.semanticTokens(doc, range) : { data: [] };
  }

  private initialize(params: InitializeParams): InitializeResult {
    this.folders = workspaceFolderPaths(params);
    this.capabilities = clientFeatures(params.capabilities);
    const init = params.initializationOptions as MetacurateInitializationOptions | null | undefined;
    this.settingsChannels.setInitial(init);
    for (const [metadata, curation] of Object.entries(init?.activeCurations ?? {}))
      if (typeof curation === 'string') this.workspace.choose(canonicalUri(metadata), uriToPath(curation));
    this.applySettings(this.settingsChannels.effective);
    this.diagnosticsMode = diagnosticsModeOf(init?.diagnostics, params.capabilities);
    return {
      capabilities: serverCapabilities(this.diagnosticsMode),
      serverInfo: { name: 'metacurate', version: '0.1.0' },
    };
  }

  private applySettings(settings: MetacurateSettings): void {
    this.settings = settings;
    this.metadataGlobs = new GlobSet(settings.metadataGlobs);
    this.sampleGlobs = new GlobSet(settings.sampleGlobs);
    this.siteCache.clear();
  }

  private async initialized(): Promise<void> {
    if (this.capabilities.configurationChange) {
      void this.connection.client.register(DidChangeConfigurationNotification.type, {
        section: SETTINGS_SECTION,
      });
    }
    if (this.capabilities.watchedFiles) {
      const globs = new Set([
        ...this.settings.metadataGlobs,
        ...this.settings.sampleGlobs,
        '**/summary.json',
        '**/counts.json',
        '**/counts.bin',
      ]);
      void this.connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [...globs].map((globPattern) => ({ globPattern })),
      });
    }
    await this.reloadSettings(false);
    if (!this.capabilities.watchedFiles && this.folders.length > 0) this.watchFolders();
    await this.rescanWorkspace();
  }

  /** Watches the workspace folders for sample, metadata and curation files (see folderWatcher.ts). */
  private watchFolders(): void {
    const curationFile = /(^|\/)(summary\.json|counts\.json|counts\.bin)$/;
    this.folderWatcher = new FolderWatcher(this.folders, {
      isRelevant: (path) =>
        this.metadataGlobs.matches(this.relativePath(path)) ||
        this.isSamplePath(path) ||
        curationFile.test(this.relativePath(path)),
      onChange: () => this.scheduleRescan(),
      log: (line) => this.connection.console.warn(line),
    });
    void this.folderWatcher.start();
  }

  private async reloadSettings(rescan = true): Promise<void> {
    if (this.capabilities.configuration) {
      try {
        const [fromClient] = await this.connection.workspace.getConfiguration([
          { section: SETTINGS_SECTION },
        ]);
        this.settingsChannels.setPulled(fromClient);
      } catch {
        // Keep what the client said before.
      }
    }
    this.applySettings(this.settingsChannels.effective);
    if (rescan) {
      this.refreshPulledDiagnostics();
      await this.rescanWorkspace();
    }
  }

  /** Pulling clients ask again: which documents are metadata lists may have changed. */
  private refreshPulledDiagnostics(): void {
    if (this.diagnosticsMode !== 'pull') return;
    this.pullDiagnostics.invalidate();
    if (this.capabilities.diagnosticRefresh)
      void this.connection.languages.diagnostics.refresh().catch(() => undefined);
  }

  private diagnosticsDelay(doc: TextDocument): number {
    return doc.getText().length > LARGE_DOCUMENT_CHARS ? LARGE_DIAGNOSTICS_DELAY_MS : DIAGNOSTICS_DELAY_MS;
  }

  private rescanTimer: NodeJS.Timeout | undefined;
  private scheduleRescan(): void {
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = undefined;
      void this.rescanWorkspace();
    }, 500);
  }

  private onOpen(doc: TextDocument): void {
    // TextDocuments reports an open as a content change too: onChange skips that one.
    this.justOpened.add(doc.uri);
    if (this.isMetadataUri(doc.uri)) {
      this.publishDiagnostics(doc);
      if (!this.activeUri) this.activeUri = doc.uri;
      if (doc.uri === this.activeUri) this.scheduleRebuild(0);
      return;
    }
    this.updateOpenSample(doc, true);
  }

  private onChange(doc: TextDocument): void {
    this.highlights.changed(doc.uri);
    if (this.justOpened.delete(doc.uri)) return;
    if (this.isMetadataUri(doc.uri)) {
      this.pullDiagnostics.noteChange(doc.uri);
      if (this.diagnosticsMode === 'push') {
        const timer = this.diagnosticTimers.get(doc.uri);
        if (timer) clearTimeout(timer);
        this.diagnosticTimers.set(
          doc.uri,
          setTimeout(() => {
            this.diagnosticTimers.delete(doc.uri);
            const current = this.documents.get(doc.uri);
            if (current) this.publishDiagnostics(current);
          }, this.diagnosticsDelay(doc)),
        );
      }
      if (doc.uri === this.activeUri) this.scheduleRebuild();
      return;
    }
    const path = uriToPath(doc.uri);
    if (path && this.samples.has(path)) {
      const prev = this.sampleTimers.get(path);
      if (prev) clearTimeout(prev);
      this.sampleTimers.set(
        path,
        setTimeout(() => {
          this.sampleTimers.delete(path);
          void this.readSample(path).then((sample) => {
            if (sample && this.samples.has(path)) {
              this.samples.set(path, sample);
              this.samplesVersion++;
              this.scheduleRecount();
            }
          });
        }, SAMPLE_RECOUNT_DELAY_MS),
      );
    }
  }

  private onClose(doc: TextDocument): void {
    this.models.delete(doc.uri);
    this.highlights.forget(doc.uri);
    this.siteCache.delete(doc.uri);
    this.pullDiagnostics.forget(doc.uri);
    if (doc.uri.startsWith(`${PREVIEW_SCHEME}:`)) return;
    if (this.isMetadataUri(doc.uri)) {
      if (this.diagnosticsMode === 'push')
        void this.connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
      // The active list falls back to the file on disk (unsaved edits are gone).
      if (doc.uri === this.activeUri) this.scheduleRebuild(0);
      return;
    }
    this.updateOpenSample(doc, false);
  }

  /** Pushes a metadata document's diagnostics (pulling clients ask for them instead). */
  private publishDiagnostics(doc: TextDocument): void {
    if (this.diagnosticsMode !== 'push') return;
    const diagnostics = computeDiagnostics(doc, this.modelOf(doc));
    void this.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  }

  private hover(uri: string, position: Position): Hover | null {
    const doc = this.documents.get(uri);
    if (!doc) return null;
    if (this.isMetadataUri(uri)) {
      const model = this.modelOf(doc);
      const id = entryAt(model, doc.offsetAt(position));
      if (id < 0) return null;
      const range = this.toRange(doc, model.starts[id], model.ends[id]);
      const activeId = this.activeIdOf(doc, model, id);
      let value: string;
      if (activeId !== undefined) value = this.describeEntry(activeId);
      else {
        const why =
          this.active && doc.uri === this.active.uri
            ? 'Counting is being updated for the latest edit.'
            : 'Not the active metadata list: use **Use as metadata** to count and highlight its entries.';
        value = `**Entry** ${inlineCode(model.entries[id])} · id ${id}\n\n${why}`;
      }
      return { contents: { kind: MarkupKind.Markdown, value }, range };
    }
    const hit = this.spansAt(doc, position);
    if (!hit) return null;
    const sections = hit.spans
      .filter(
        (s, i, all) => all.findIndex((o) => this.active!.entries[o.id] === this.active!.entries[s.id]) === i,
      )
      .map((s) => this.describeEntry(s.id));
    if (hit.capped) sections.push(`*${CAPPED_SPANS_NOTE}*`);
    const best = hit.spans[0];
    const [s, e] = sourceRange(hit.site, best.start, best.end);
    return {
      contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') },
      range: this.toRange(doc, s, e),
    };
  }

  /** Location of an entry of the active list in its file. */
  private entryLocation(id: number): Location | undefined {
    const source = this.activeSourceSync();
    const active = this.active;
    if (!source || !active) return undefined;
    let at = id;
    if (source.model.entries[id] !== active.entries[id])
      at = source.model.entries.indexOf(active.entries[id]);
    if (at < 0) return undefined;
    return {
      uri: active.uri,
      range: this.toRange(source.doc, source.model.starts[at], source.model.ends[at]),
    };
  }

  private definition(uri: string, position: Position): Location[] | null {
    const doc = this.documents.get(uri);
    if (!doc) return null;
    const hit = this.spansAt(doc, position);
    if (!hit) return null;
    const out: Location[] = [];
    for (const s of hit.spans) {
      const loc = this.entryLocation(s.id);
      if (
        loc &&
        !out.some(
          (o) =>
            o.range.start.line === loc.range.start.line &&
            o.range.start.character === loc.range.start.character,
        )
      )
        out.push(loc);
    }
    return out;
  }

  private async references(
    uri: string,
    position: Position,
    includeDeclaration: boolean,
  ): Promise<Location[] | null> {
    const doc = this.documents.get(uri);
    if (!doc) return null;
    let entry: string;
    let declaration: Location | undefined;
    if (this.isMetadataUri(uri)) {
      const model = this.modelOf(doc);
      const id = entryAt(model, doc.offsetAt(position));
      if (id < 0) return null;
      entry = model.entries[id];
      declaration = { uri, range: this.toRange(doc, model.starts[id], model.ends[id]) };
    } else {
      const hit = this.spansAt(doc, position);
      if (!hit) return null;
      entry = this.active!.entries[hit.spans[0].id];
      declaration = this.entryLocation(hit.spans[0].id);
    }
    const openSamples: { doc: TextDocument; sites: CaptionSite[] }[] = [];
    for (const open of this.documents.all()) {
      const kind = this.sampleKind(open.uri);
      if (kind) openSamples.push({ doc: open, sites: this.sitesOf(open, kind) });
    }
    return entryReferences({
      entry,
      padding: this.settings.padding,
      declaration: includeDeclaration ? declaration : undefined,
      openSamples,
      files: this.samples.values(),
      fields: textFieldsOf(this.settings.textField),
      log: (line) => this.connection.console.info(line),
    });
  }

  private documentSymbols(uri: string): DocumentSymbol[] | null {
    const doc = this.documents.get(uri);
    if (!doc || !this.isMetadataUri(uri)) return null;
    return documentSymbols(doc, this.modelOf(doc));
  }

  /** Workspace symbols over the lists in use: the active one, then the open metadata documents. */
  private workspaceSymbols(query: string): SymbolInformation[] {
    const sources: { doc: TextDocument; model: MetadataModel }[] = [];
    const seen = new Set<string>();
    const active = this.activeSourceSync();
    if (active) {
      sources.push(active);
      seen.add(active.doc.uri);
    }
    for (const doc of this.documents.all()) {
      if (seen.has(doc.uri) || doc.uri.startsWith(`${PREVIEW_SCHEME}:`) || !this.isMetadataUri(doc.uri))
        continue;
      sources.push({ doc, model: this.modelOf(doc) });
      seen.add(doc.uri);
    }
    return workspaceSymbols(sources, query);
  }

  private completion(uri: string, position: Position): CompletionList | null {
    const doc = this.documents.get(uri);
    if (!doc || !this.isMetadataUri(uri)) return null;
    const model = this.modelOf(doc);
    let present = this.entrySetCache.get(model);
    if (!present) {
      present = new Set(model.entries);
      this.entrySetCache.set(model, present);
    }
    const wordnet = wordnetLemmas();
    if (wordnet.error && !this.lemmasErrorLogged) {
      this.lemmasErrorLogged = true;
      this.connection.console.error(`metacurate: no WordNet completion: ${wordnet.error}`);
    }
    return completeEntry(doc, model, position, present, wordnet);
  }

  private codeActions(uri: string, diagnostics: Parameters<typeof codeActionsFor>[2]): CodeAction[] {
    const doc = this.documents.get(uri);
    if (!doc || !this.isMetadataUri(uri)) return [];
    return codeActionsFor(doc, this.modelOf(doc), diagnostics);
  }

  private inlayHints(uri: string, range: Range): InlayHint[] {
    const doc = this.documents.get(uri);
    const active = this.active;
    if (!doc || !active || uri !== active.uri) return [];
    const model = this.modelOf(doc);
    const from = doc.offsetAt(range.start);
    const to = doc.offsetAt(range.end);
    const out: InlayHint[] = [];
    for (
      let id = Math.max(0, firstEntryFrom(model, from) - 1);
      id < model.entries.length && out.length < MAX_INLAY_HINTS;
      id++
    ) {
      if (model.starts[id] > to) break;
      if (model.ends[id] < from) continue;
      if (active.entries[id] !== model.entries[id] || active.uncounted.has(id)) continue;
      const zeroShot = this.zeroShot.hint(active.entries, id);
      out.push({
        position: doc.positionAt(model.ends[id]),
        label: inlayLabel(this.countOf(id), this.probabilityOf(id)) + (zeroShot?.label ?? ''),
        tooltip: zeroShot ? { kind: MarkupKind.Markdown, value: zeroShot.tooltip } : undefined,
        paddingLeft: true,
      });
    }
    return out;
  }

  private async useAsMetadata(uri: string): Promise<{ entries: number }> {
    this.chosenMetadata.add(uri);
    this.activeUri = uri;
    this.siteCache.delete(uri);
    this.highlights.forget(uri);
    // A `.txt` list under the samples folder was read as a sample too: its lines are not captions.
    const path = uriToPath(uri);
    const asSample = path === undefined ? undefined : this.samples.get(path);
    if (asSample) {
      this.samples.delete(path!);
      this.sampleCaptionTotal -= asSample.captions.length;
      this.samplesVersion++;
      this.sendStatus();
    }
    const doc = this.documents.get(uri);
    if (doc) this.publishDiagnostics(doc);
    this.refreshPulledDiagnostics();
    this.scheduleRebuild(0);
    const source = await this.activeSource();
    return { entries: source?.model.entries.length ?? 0 };
  }

  private async renderPreviewFor(previewUri: string, limit?: number): Promise<string> {
    const path = previewSourcePath(previewUri);
    if (!path) throw new Error(`not a preview URI: ${previewUri}`);
    const { content } = await renderPreview(
      path,
      limit ?? this.settings.previewRecords,
      this.settings.textField,
    );
    this.previews.set(previewUri, content);
    return content;
  }

  private summaryOf(info: CurationInfo, active: boolean) {
    return curationSummaryOf(info, this.relativePath(info.dir), this.uriOfPath(info.dir), active);
  }

  /** The curations made with the metadata file `uri`, the active one marked. */
  private async curationsOf(uri: string | undefined): Promise<CurationsResult> {
    if (!uri) return { uri: null, metadataSha256: null, curations: [] };
    const sha = await this.shaOf(uri);
    const active = this.workspace.activeCuration(uri, sha);
    return {
      uri,
      metadataSha256: sha ?? null,
      curations: this.workspace.curationsOf(sha).map((c) => this.summaryOf(c, c === active)),
    };
  }

  private async refreshCounts(): Promise<RefreshCountsResult> {
    await this.rescanWorkspace();
    await this.whenIdle();
    return {
      samples: this.samples.size,
      records: this.active?.records ?? this.sampleCaptionTotal,
      matchedRecords: this.active?.matchedRecords ?? 0,
    };
  }
}

/** Whether two curations are the same folder made at the same time (so their counts are the same). */
function sameCuration(a: CurationInfo | undefined, b: CurationInfo | undefined): boolean {
  return a?.dir === b?.dir && a?.created === b?.created && a?.countsPath === b?.countsPath;
}

/** Starts the server on a connection (stdio / IPC from argv by default); resolves when it exits. */
export function startServer(connection: Connection = createServerConnection()): Promise<void> {
  new MetacurateServer(connection);
  connection.listen();
  return new Promise((resolve) => connection.onExit(() => resolve()));
}
