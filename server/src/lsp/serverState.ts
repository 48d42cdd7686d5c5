/**
 * The language server's mutable state, in one object with named parts: the open documents and
 * their caches, the settings and client, the metadata lists and the active list's index, the
 * sample files, the workspace's curations and runs, and the scheduling (timers, generations,
 * flags). The modules that read it (documentKinds.ts, activeList.ts, sampleSites.ts), the
 * scheduler (scheduling.ts) and the feature handlers (handlers/) own the logic; this file owns none.
 */
import { CaptionLanguages } from './captionLanguages';
import type { LanguageList } from './languageLists';
import { LanguageIndexes } from './languageIndexes';
import { TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { GlobSet } from '../../engine/src/documents/glob';
import type { MetadataModel } from '../../engine/src/documents/metadataModel';
import type { CaptionSite, SampleFormat } from '../../engine/src/documents/samples';
import type { Padding } from '../../engine/src/match/spacing';
import { DEFAULT_SETTINGS, type MetacurateSettings } from '../../../contracts/src/lsp';
import { NO_CLIENT_FEATURES, type ClientFeatures } from './capabilities';
import type { CurationInfo } from './curationIndex';
import { computeDiagnostics } from './diagnostics';
import type { FolderWatcher } from './folderWatcher';
import { IndexBuilder } from './indexWorker';
import { PullDiagnostics, type DiagnosticsMode } from './pullDiagnostics';
import { SampleHighlights } from './sampleHighlights';
import { SettingsChannels } from './settingsSources';
import type { SpanIndex } from './spanIndex';
import { WorkspaceModel } from './workspaceModel';
import { ZeroShotView } from './zeroShotView';
import { isMetadataUri, paddingOfList } from './documentKinds';
import { modelOf } from './activeList';

const DIAGNOSTICS_DELAY_MS = 150;
/** Large lists are checked again only after typing pauses longer (the check takes a while). */
const LARGE_DIAGNOSTICS_DELAY_MS = 1000;
const LARGE_DOCUMENT_CHARS = 1_000_000;

/** How long typing in `doc` must pause before its diagnostics are computed again. */
export function diagnosticsDelay(doc: TextDocument): number {
  return doc.getText().length > LARGE_DOCUMENT_CHARS ? LARGE_DIAGNOSTICS_DELAY_MS : DIAGNOSTICS_DELAY_MS;
}

export interface SampleFile {
  path: string;
  format: SampleFormat;
  captions: string[];
}

/** The indexed metadata: what highlights, counts and hovers refer to (may lag the text briefly). */
export interface ActiveIndex {
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
export interface Curation {
  info: CurationInfo;
  counts: Float64Array;
}

/** A metadata list read from disk (the active list when no editor has it open). */
export interface DiskModel {
  uri: string;
  text: string;
  model: MetadataModel;
  doc: TextDocument;
}

/** Caches keyed by the open documents (dropped when a document closes). */
export interface DocumentCaches {
  models: Map<string, { version: number; model: MetadataModel }>;
  /** The caption sites of sample documents, for their version and caption fields. */
  sites: Map<string, { version: number; fields: string; sites: CaptionSite[] }>;
  /** Rendered previews by preview URI. */
  previews: Map<string, string>;
  /** Documents just opened: their first content change is the open itself. */
  justOpened: Set<string>;
  /** Sample documents whose capped line (more spans than the editor lists) was logged once. */
  cappedLogged: Set<string>;
  /** The entries of a model as a set (completion skips those present). */
  entrySets: WeakMap<MetadataModel, Set<string>>;
}

/** The settings, the workspace folders and what the client can do. */
export interface ConfigState {
  settings: MetacurateSettings;
  readonly channels: SettingsChannels;
  folders: string[];
  metadataGlobs: GlobSet;
  sampleGlobs: GlobSet;
  client: ClientFeatures;
  diagnosticsMode: DiagnosticsMode;
  /** The client commands hovers may link to (`initializationOptions.commandLinks`). */
  commandLinks: ReadonlySet<string>;
  /** Whether hovers may carry `data:` image thumbnails (`initializationOptions.hoverImages`). */
  hoverImages: boolean;
  /** The server's own watch of the folders, when the client registers no file watchers. */
  folderWatcher: FolderWatcher | undefined;
  /** Whether the missing WordNet lemmas were reported once. */
  lemmasErrorLogged: boolean;
}

/** The metadata lists and the active one's index. */
export interface MetadataState {
  /** Metadata files found in the workspace, by rank (the default list first). */
  workspaceFiles: string[];
  /** Documents the user chose with "Use as metadata". */
  readonly chosen: Set<string>;
  activeUri: string | undefined;
  /** The active list read from disk, when it is not open. */
  diskModel: DiskModel | undefined;
  active: ActiveIndex | undefined;
  /** The sha256 of the active list's file, as of the last rebuild. */
  activeSha: { uri: string; sha: string | undefined; language?: LanguageList } | undefined;
}

/** The captions of the workspace's sample files. */
export interface SamplesState {
  files: Map<string, SampleFile>;
  /** Bumped whenever the sample captions change. */
  version: number;
  captionTotal: number;
}

/** Curations and runs of the workspace, by the metadata they were made with. */
export interface CurationsState {
  readonly workspace: WorkspaceModel;
  /** The active list's active curation, loaded by the last rebuild. */
  current: Curation | undefined;
  /** Per-class zero-shot accuracy sent by the client, shown only on its curation's list. */
  readonly zeroShot: ZeroShotView;
}

/** Timers, generations and flags of the index rebuild, the workspace scan and the recounts. */
export interface ScheduleState {
  /** Bumped by each scheduled rebuild: a rebuild of an older generation stops. */
  generation: number;
  building: boolean;
  rebuildTimer: NodeJS.Timeout | undefined;
  /** Resolves when no rebuild is pending or running. */
  rebuildDone: Promise<void>;
  resolveRebuild: (() => void) | undefined;
  readonly builder: IndexBuilder;
  scanning: boolean;
  scanGeneration: number;
  /** Set once the first workspace scan has finished. */
  scanned: boolean;
  statusMessage: string | undefined;
  rescanTimer: NodeJS.Timeout | undefined;
  recountTimer: NodeJS.Timeout | undefined;
  readonly diagnosticTimers: Map<string, NodeJS.Timeout>;
  /** Sample files whose open document changed, re-read after typing pauses. */
  readonly sampleTimers: Map<string, NodeJS.Timeout>;
}

export class ServerState {
  readonly documents = new TextDocuments(TextDocument);
  readonly caches: DocumentCaches = {
    models: new Map(),
    sites: new Map(),
    previews: new Map(),
    justOpened: new Set(),
    cappedLogged: new Set(),
    entrySets: new WeakMap(),
  };
  readonly config: ConfigState = {
    settings: { ...DEFAULT_SETTINGS },
    channels: new SettingsChannels(),
    folders: [],
    metadataGlobs: new GlobSet(DEFAULT_SETTINGS.metadataGlobs),
    sampleGlobs: new GlobSet(DEFAULT_SETTINGS.sampleGlobs),
    client: { ...NO_CLIENT_FEATURES },
    diagnosticsMode: 'push',
    commandLinks: new Set(),
    hoverImages: false,
    folderWatcher: undefined,
    lemmasErrorLogged: false,
  };
  readonly metadata: MetadataState = {
    workspaceFiles: [],
    chosen: new Set(),
    activeUri: undefined,
    diskModel: undefined,
    active: undefined,
    activeSha: undefined,
  };
  readonly samples: SamplesState = { files: new Map(), version: 0, captionTotal: 0 };
  readonly curations: CurationsState;
  readonly schedule: ScheduleState = {
    generation: 0,
    building: false,
    rebuildTimer: undefined,
    rebuildDone: Promise.resolve(),
    resolveRebuild: undefined,
    builder: new IndexBuilder(),
    scanning: false,
    scanGeneration: 0,
    scanned: false,
    statusMessage: undefined,
    rescanTimer: undefined,
    recountTimer: undefined,
    diagnosticTimers: new Map(),
    sampleTimers: new Map(),
  };
  readonly highlights = new SampleHighlights();
  /** The languages of sample captions, when the active list is a language list. */
  readonly captionLanguages = new CaptionLanguages();
  /** The other language lists of the active language list's folder, indexed on first need. */
  readonly languageIndexes = new LanguageIndexes();
  readonly pullDiagnostics: PullDiagnostics;

  constructor() {
    const workspace = new WorkspaceModel();
    const metadata = this.metadata;
    this.curations = {
      workspace,
      current: undefined,
      zeroShot: new ZeroShotView((runId) =>
        workspace.runMadeWith(
          runId,
          metadata.activeSha?.uri === metadata.activeUri ? metadata.activeSha?.sha : undefined,
        ),
      ),
    };
    this.pullDiagnostics = new PullDiagnostics({
      documents: this.documents,
      diagnosticsOf: (doc) =>
        isMetadataUri(this, doc.uri)
          ? computeDiagnostics(doc, modelOf(this, doc), undefined, paddingOfList(this, doc.uri))
          : undefined,
      delayOf: (doc) => diagnosticsDelay(doc),
    });
  }
}
