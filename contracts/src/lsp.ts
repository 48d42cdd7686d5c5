/**
 * The Metacurate language server's own protocol: custom requests and notifications, the semantic
 * token legend and the settings shape. Imported by the server (server/src/lsp) and by the VS Code
 * client (client/src), so it depends on `vscode-languageserver-protocol` only (no `vscode`).
 * Keep it stable: both sides code against it.
 */
// The package entry points for `moduleResolution: node`, for projects that compile this file alone.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./modules.d.ts" />
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { EncodedBalanceModel } from './balanceWire';
import type { SourceInfo, SourceSpec } from './webview';
import type { ZeroShotOverlay } from './zeroShot';

// ---------------------------------------------------------------------------------------------
// Settings (configuration section `metacurate`)
// ---------------------------------------------------------------------------------------------

/** The configuration section the server reads with `workspace/configuration`. */
export const SETTINGS_SECTION = 'metacurate';

export interface MetacurateSettings {
  /** Globs (relative to a workspace folder) of files treated as metadata lists. */
  metadataGlobs: string[];
  /** Globs (relative to `samplesFolder`) of sample caption files. */
  sampleGlobs: string[];
  /** Folder (relative to the workspace folder, '' = the folder itself) holding the samples. */
  samplesFolder: string;
  /** Caption field of JSONL/CSV/TSV samples; '' tries `caption`, `text`, `TEXT` in that order. */
  textField: string;
  /** Balancing threshold t: an entry matched n times is kept with probability min(1, t / n). */
  t: number;
  /** How many records "Preview matches" shows for Parquet and WebDataset samples. */
  previewRecords: number;
  /** Entry padding rule of the matcher (docs/spec.md section 2). */
  padding: 'english' | 'worldwide';
  /**
   * Count files inside curation folders (a curated pool's outputs, pools kept in such a folder) as
   * samples too. Off by default: a curation's output is a subset of its pool, counted twice.
   * VS Code: `metacurate.samples.includeCurationOutputs`.
   */
  includeCurationOutputs: boolean;
  /**
   * The record field that names each record's image (`metacurate.imageField`, as for the entry
   * browser); '' : a WebDataset sample's image member. Hover thumbnails use it.
   */
  imageField: string;
  /**
   * The record field holding each sample caption's language code (`metacurate.worldwide.languageField`),
   * for worldwide language lists; '' (or a record without it): the language is identified (fastText).
   */
  languageField: string;
}

export const DEFAULT_SETTINGS: Readonly<MetacurateSettings> = Object.freeze({
  metadataGlobs: ['**/metadata.json', '**/*.metadata.json', '**/*.entries.txt'],
  sampleGlobs: ['**/*.jsonl', '**/*.tsv', '**/*.csv', '**/*.txt'],
  samplesFolder: '',
  textField: '',
  t: 20000,
  previewRecords: 50,
  padding: 'english' as const,
  includeCurationOutputs: false,
  imageField: '',
  languageField: '',
});

/**
 * The `initializationOptions` the server reads. `settings` may also be the whole settings object
 * of the client (`{ "metacurate": { ... } }`); see settingsSources.ts for every accepted shape.
 */
export interface MetacurateInitializationOptions {
  settings?: Partial<MetacurateSettings> | { metacurate?: Partial<MetacurateSettings> };
  /**
   * How diagnostics reach the client: "push" (publishDiagnostics), "pull" (textDocument/diagnostic)
   * or "auto" (the default: pull when the client says it can).
   */
  diagnostics?: 'auto' | 'push' | 'pull';
  /**
   * The curation the user chose for each metadata file (metadata URI → curation folder URI), as
   * remembered by the client; a file without one shows its newest curation.
   */
  activeCurations?: Record<string, string>;
  /**
   * The client's commands that hovers may link to (`command:` links), e.g. VS Code's
   * `metacurate.browseEntry` ("Browse records"). Other editors leave it out and get no such links.
   */
  commandLinks?: string[];
  /**
   * The client shows `data:` images in hover markdown (VS Code): an entry's hover then carries a
   * few thumbnails of the records its curation kept. Other editors leave it out and get none.
   */
  hoverImages?: boolean;
}

/** Caption fields tried in order when `textField` is ''. */
export const DEFAULT_TEXT_FIELDS: readonly string[] = ['caption', 'text', 'TEXT'];

// ---------------------------------------------------------------------------------------------
// Semantic tokens
// ---------------------------------------------------------------------------------------------

/** Token type of a matched entry span in a sample file. */
export const ENTRY_TOKEN_TYPE = 'metacurateEntry';
/** Modifier `head`: the entry's count is above t (it is subsampled). `tail`: at or below t. */
export const HEAD_MODIFIER = 'head';
export const TAIL_MODIFIER = 'tail';

export const SEMANTIC_TOKEN_LEGEND = {
  tokenTypes: [ENTRY_TOKEN_TYPE] as string[],
  tokenModifiers: [HEAD_MODIFIER, TAIL_MODIFIER] as string[],
};

// ---------------------------------------------------------------------------------------------
// Custom messages
// ---------------------------------------------------------------------------------------------

/** URI scheme of the read-only preview documents of Parquet / WebDataset samples. */
export const PREVIEW_SCHEME = 'metacurate-preview';

export interface StatusParams {
  /** Entries in the active metadata list (0 when none). */
  entries: number;
  /** URIs of the metadata files in use (the first is the active one). */
  metadataUris: string[];
  /** Sample files indexed for counts. */
  samplesIndexed: number;
  /** Records (captions) read from those samples. */
  sampleRecords: number;
  /** The sample files counted, relative to their workspace folder (at most 20; see samplesIndexed). */
  sampleFiles?: string[];
  /** The active list's active curation: what its counts, t and zero-shot results come from. */
  curation?: CurationSummary;
  /** True while an index rebuild or a sample scan runs. */
  busy: boolean;
  message?: string;
}

/** Server → client, whenever the state above changes. */
export const StatusNotification = new NotificationType<StatusParams>('metacurate/status');

export interface UseAsMetadataParams {
  uri: string;
}
export interface UseAsMetadataResult {
  entries: number;
}
/** Client → server: treat this open JSON or text document as the (active) metadata list. */
export const UseAsMetadataRequest = new RequestType<UseAsMetadataParams, UseAsMetadataResult, void>(
  'metacurate/useAsMetadata',
);

export interface PreviewMatchesParams {
  /** A Parquet or WebDataset (.tar) sample file. */
  uri: string;
  /** Records to show; default `previewRecords`. */
  limit?: number;
}
export interface PreviewMatchesResult {
  /** `metacurate-preview:` URI the client opens as a read-only document. */
  previewUri: string;
  content: string;
}
export const PreviewMatchesRequest = new RequestType<PreviewMatchesParams, PreviewMatchesResult, void>(
  'metacurate/previewMatches',
);

export interface PreviewContentParams {
  uri: string;
}
export interface PreviewContentResult {
  content: string;
}
/** Client → server: the text of a preview URI (for the client's TextDocumentContentProvider). */
export const PreviewContentRequest = new RequestType<PreviewContentParams, PreviewContentResult, void>(
  'metacurate/previewContent',
);

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type RefreshCountsParams = {};
export interface RefreshCountsResult {
  samples: number;
  records: number;
  matchedRecords: number;
}
/** Client → server: rescan the sample files and recompute the per-entry counts. */
export const RefreshCountsRequest = new RequestType<RefreshCountsParams, RefreshCountsResult, void>(
  'metacurate/refreshCounts',
);

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type ReadyParams = {};
/**
 * Client → server: answers once the workspace is scanned and the active list indexed (at once when
 * they are), with the status then. For clients without `workspace/semanticTokens/refresh` or
 * `workspace/inlayHint/refresh`: send it, then ask for highlights and hints again. Cancellable.
 */
export const ReadyRequest = new RequestType<ReadyParams, StatusParams, void>('metacurate/ready');

/**
 * Client → server: per-class zero-shot accuracy of a training run (and of a baseline run) to show
 * next to the metadata entries that name the classes (inlay hints and hovers); null clears it.
 */
export interface ZeroShotResultsParams {
  overlay: ZeroShotOverlay | null;
}
export const ZeroShotResultsNotification = new NotificationType<ZeroShotResultsParams>(
  'metacurate/zeroShotResults',
);

// ---------------------------------------------------------------------------------------------
// Curations of a metadata file (the workspace model)
// ---------------------------------------------------------------------------------------------

/** A curation made with a metadata file's content (equal sha256). */
export interface CurationSummary {
  /** The curation folder's URI. */
  uri: string;
  /** The folder relative to its workspace folder. */
  folder: string;
  t?: number;
  seed?: number;
  /** Pool records counted. */
  records?: number;
  /** Records kept. */
  kept?: number;
  /** When it was made (ISO 8601). */
  created: string;
  active: boolean;
}

export interface CurationsParams {
  /** A metadata file; omitted: the active metadata list. */
  uri?: string;
}
export interface CurationsResult {
  /** The metadata file the answer is about. */
  uri: string | null;
  /** sha256 (hex) of the file's bytes on disk; null when it cannot be read. */
  metadataSha256: string | null;
  /** Its curations, newest first; one is active when there is any. */
  curations: CurationSummary[];
}
/** Client → server: the curations made with a metadata file, and which one is active. */
export const CurationsRequest = new RequestType<CurationsParams, CurationsResult, void>(
  'metacurate/curations',
);

export interface SetActiveCurationParams {
  /** The metadata file. */
  uri: string;
  /** The curation folder's URI; null: back to the default (the newest). */
  curation: string | null;
}
/**
 * Client → server: make a curation the active one of a metadata file (its counts, t and runs are
 * what the editor shows). Answers the curations as `metacurate/curations` does.
 */
export const SetActiveCurationRequest = new RequestType<SetActiveCurationParams, CurationsResult, void>(
  'metacurate/setActiveCuration',
);

// ---------------------------------------------------------------------------------------------
// The entry-balance panel's data
// ---------------------------------------------------------------------------------------------

export interface BalanceParams {
  /** The workspace samples (matched against the active metadata list) or a finished curation. */
  source: SourceSpec;
}
export interface BalanceResult {
  info: SourceInfo;
  /** Entry strings by id. */
  names: string[];
  /** The prepared model, its typed arrays base64 (decodeBalanceModel in balanceWire.ts). */
  model: EncodedBalanceModel;
}
/**
 * Client → server: the data of the entry-balance panel. The samples are the ones the server counts
 * (its hovers' figures, matched once, here); a curation's are read from its counts.bin and
 * matches.bin. Answers once the workspace is indexed. Cancellable.
 */
export const BalanceRequest = new RequestType<BalanceParams, BalanceResult, void>('metacurate/balance');

// ---------------------------------------------------------------------------------------------
// The entry browser (records behind an entry): contracts/src/entryRecords.ts
// ---------------------------------------------------------------------------------------------

export * from './entryRecords';
