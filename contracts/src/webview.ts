/**
 * The one protocol between the entry-balance panel's host side (client/src/balancePanel.ts, in the
 * extension host) and its webview (webview/src/main.ts). Both import this file, so a message
 * changed here is checked on both sides. No DOM and no `vscode` types: plain data only.
 *
 * The data travel as typed arrays (VS Code transfers their buffers without JSON-encoding them):
 * the host reads the samples or a curation, prepares a `BalanceModel` (ranking, cumulative sums,
 * the exact expected-size sums) in a worker thread, and the webview answers every move of t from it.
 *
 * The panel also shows a threshold sweep (`metacurate experiment sweep --out DIR`): the host reads
 * DIR/summary.json (client/src/sweepView.ts), sends it as a `SweepView` and again whenever the file
 * changes; each t's curation opens in the balance view above.
 */
import type { BalanceModel } from './balanceModel';
import type { Arm, AugmentMode, MeanInterval } from './studySummary';
import type { ZeroShotOverlay } from './zeroShot';

export type { ZeroShotOverlay };

/** The view type of the panel, its serializer and its `onWebviewPanel:` activation event. */
export const BALANCE_VIEW_TYPE = 'metacurate.balance';

/**
 * Where the counts come from: the workspace's sample files, or a finished curation's folder. Of a
 * worldwide curation, `language` names the list shown (a code of its `worldwide.languages`, or
 * ALL_LANGUAGES); absent, the language server picks one and says which in the data's spec.
 */
export type SourceSpec = { kind: 'samples' } | { kind: 'curation'; folder: string; language?: string };

/**
 * A threshold sweep's folder (`metacurate experiment sweep --out DIR`): the panel's "Threshold
 * sweep" view. The host reads it (client/src/sweepView.ts); the language server never sees it.
 */
export interface SweepSpec {
  kind: 'sweep';
  folder: string;
}

/** What the panel shows: the entry balance of a source, or a threshold sweep. */
export type PanelSource = SourceSpec | SweepSpec;

/** The `language` of a worldwide curation's "All languages" view (one curve per language). */
export const ALL_LANGUAGES = '*';

export function sourceKey(spec: PanelSource): string {
  if (spec.kind === 'samples') return 'samples';
  if (spec.kind === 'sweep') return `sweep:${spec.folder}`;
  return spec.language ? `curation:${spec.folder}#${spec.language}` : `curation:${spec.folder}`;
}

/** The source selector's key of a spec: a curation whatever its language. */
export function folderKey(spec: PanelSource): string {
  return spec.kind === 'curation' ? `curation:${spec.folder}` : sourceKey(spec);
}

/**
 * The curation entry that entry `id` of the data shown is: a worldwide curation's records are by
 * global id, so a language's local id moves by its offset (All languages: ids are global already).
 */
export function curationEntryOf(info: SourceInfo, id: number): { source: SourceSpec; entryId: number } {
  const spec = info.spec;
  if (spec.kind !== 'curation' || !info.worldwide) return { source: spec, entryId: id };
  const language = info.worldwide.languages.find((l) => l.code === info.worldwide!.language);
  return { source: { kind: 'curation', folder: spec.folder }, entryId: id + (language?.offset ?? 0) };
}

/** One language of a worldwide curation, as the language selector lists it. */
export interface LanguageChoice {
  code: string;
  /** The language's threshold t_lang (English's: t_en). */
  t: number;
  /** Pool records identified as this language, those matching its list, and those kept. */
  records: number;
  matchedRecords: number;
  kept: number;
  /** Entries of its list and the global id of its first entry. */
  entries: number;
  offset: number;
  /** The content sha256 of its list. */
  sha256: string;
}

/** One language's rank-frequency curve ("All languages"): ranks (1-based) and counts, log-sampled. */
export interface LanguageCurve {
  code: string;
  t: number;
  ranks: number[];
  counts: number[];
}

/** A worldwide curation's languages, the one shown (or ALL_LANGUAGES) and, for all, the curves. */
export interface WorldwideInfo {
  languages: LanguageChoice[];
  language: string;
  /** English's t (t_en) and the tail share every language keeps. */
  tEn: number;
  tailProportion: number;
  curves?: LanguageCurve[];
}

export interface SourceInfo {
  spec: SourceSpec;
  /** What the source selector shows. */
  label: string;
  /** The metadata the entry ids refer to (absolute path). */
  metadataPath: string;
  /** Texts (captions) read: sample captions, or the pool's records for a curation. */
  texts: number;
  /** Sample or pool files. */
  files: number;
  /** The samples source: its files, relative to their workspace folder (the first 20). */
  fileNames?: string[];
  /** A curation's own t and seed. */
  t?: number;
  seed?: number;
  /** A curation's kept records (the realised size at its t). */
  kept?: number;
  /**
   * sha256 of the metadata file the counts were made with (a curation's summary, or the list the
   * language server matched the samples against); a run's results are laid over these data only
   * when its curation was made with the same metadata. Undefined: unknown, no overlay.
   */
  metadataSha256?: string;
  /** Milliseconds the host took to read and prepare the data. */
  millis: number;
  /** A worldwide curation: its languages and the one shown (`t` is then that language's t_lang). */
  worldwide?: WorldwideInfo;
}

export interface BalancePayload {
  info: SourceInfo;
  /** Entry strings by id. */
  names: string[];
  model: BalanceModel;
}

/** A curation the source selector offers. */
export interface CurationChoice {
  folder: string;
  label: string;
  /** The sha256 of the metadata it was made with: "Compare with…" offers only those of the data's. */
  metadataSha256?: string;
}

/** A threshold sweep the source selector offers (one shown in this session). */
export interface SweepChoice {
  folder: string;
  label: string;
}

/** One t of a sweep: its curation of the pool (DIR/curations/t<T>, a normal curation folder). */
export interface SweepCuration {
  t: number;
  /** The curation's folder (absolute); undefined while it has no summary.json. */
  folder?: string;
  /** Pairs kept, the exact expectation at t, and the entries above t. */
  pairs: number;
  expectedPairs: number;
  headEntries: number;
}

/** The trainings of one arm at one t (raw: none) with one augmentation, over the seeds done so far. */
export interface SweepGroup {
  arm: Arm;
  t: number | null;
  augment: AugmentMode;
  seeds: number[];
  /** Zero-shot top-1 and mean per-class top-1, in [0, 1]: mean over seeds and 95% CI (null below two seeds). */
  top1: MeanInterval;
  meanPerClassTop1: MeanInterval;
  /** Distinct pairs trained on, and how often each was seen (samples seen over distinct pairs). */
  trainPairs: number;
  timesSeen: number;
}

/** A threshold sweep as the panel shows it: DIR/summary.json, checked (client/src/sweepView.ts). */
export interface SweepView {
  /** The sweep's folder and its summary.json (absolute). */
  folder: string;
  summaryPath: string;
  /** Trainings finished and planned (summary.json is rewritten after each). */
  units: { total: number; done: number };
  /** The plan: t values (ascending), arms, augmentations, seeds 1..seeds; each unit trains steps × batchSize pairs. */
  tValues: number[];
  arms: Arm[];
  augments: AugmentMode[];
  seeds: number;
  steps: number;
  batchSize: number;
  modelConfig: string;
  /** Pool pairs, and those matching the metadata. */
  poolPairs: number;
  matchedPairs: number;
  /** The pool's largest entry count: a t at or above it balances nothing. */
  largestEntryCount: number;
  /** sha256 of the metadata the pool was curated with (summary.json's, else its curations'); undefined: unknown. */
  metadataSha256?: string;
  /** Ascending by t. */
  curations: SweepCuration[];
  groups: SweepGroup[];
}

/**
 * One curation of a comparison ("Compare with…"): its kept records per entry and its size and
 * head figures, each at its own t and seed. The host prepares both sides (client/src/compareSource.ts).
 */
export interface CompareSide {
  folder: string;
  label: string;
  metadataSha256?: string;
  /** Pool records read and records kept (its summary.json). */
  pool: number;
  kept?: number;
  t: number;
  seed?: number;
  /** `keptById`: the curation's recorded kept per entry (summary.json), or the expected kept at its t. */
  keptSource: 'actual' | 'expected';
  /** Kept records per entry id. */
  keptById: Float64Array;
  /** Entries with a count above its t, their share of all matches, and the matched entries. */
  headEntries: number;
  headShare: number;
  matchedEntries: number;
}

/** The curation shown (`base`) beside another of the same metadata (`other`). */
export interface Comparison {
  base: CompareSide;
  other: CompareSide;
}

/**
 * A training run's per-class zero-shot accuracy (and a baseline run's), mapped by the host onto
 * the entries of the data shown, for the ranked-entry chart and the table. Arrays by rank: index
 * i is entry `model.order[i]` of that data; NaN where the entry names no class or its class has no
 * accuracy (server/engine/src/classAccuracy.ts has the matching rules).
 */
export interface AccuracyOverlay {
  /** What the host was given: the webview keeps it with `setState` and hands it back after a reload. */
  overlay: ZeroShotOverlay;
  /** `sourceKey` of the data the arrays belong to. */
  source: string;
  /** Top-1 accuracy in [0, 1] of the entry at each rank (length `model.numEntries`). */
  ranked: Float64Array;
  /** The baseline run's, when the overlay has one. */
  baselineRanked?: Float64Array;
  /** The run's classes that no entry names (not drawn). */
  unmatched: string[];
}

/** `kept` is the expected kept at t; `actualKept` a finished curation's kept records (at its t). */
/** `compareKept` the compared curation's kept, `deltaKept` its difference to the shown curation's. */
export type SortKey =
  | 'rank'
  | 'entry'
  | 'id'
  | 'count'
  | 'probability'
  | 'kept'
  | 'actualKept'
  | 'accuracy'
  | 'compareKept'
  | 'deltaKept';

/** What the webview keeps with `setState`: it survives hiding the panel and reloading the window. */
export interface PanelState {
  source: PanelSource;
  /** A positive integer, or 0 before the panel has one (webview/src/state.ts checks a kept one). */
  t: number;
  sort: { key: SortKey; descending: boolean };
  search: string;
  /** First table row in view. */
  scrollRow: number;
  /** The zero-shot accuracy overlay on display (the host takes it back after a window reload). */
  accuracy?: ZeroShotOverlay;
  /** The overlay's checkbox: draw it on the chart (default true). */
  showAccuracy?: boolean;
  /** The folder of the curation compared with the one shown ("Compare with…"). */
  compare?: string;
}

// ---------------------------------------------------------------------------------------------
// Host → webview
// ---------------------------------------------------------------------------------------------

export type HostMessage =
  /** The host is reading a source (the panel shows a spinner). */
  | { type: 'loading'; source: PanelSource; message: string }
  /** The data of a source, and the t (a positive integer) to show it at; `accuracy` maps the overlay onto it (none: no overlay). */
  | { type: 'data'; payload: BalancePayload; t: number; accuracy?: AccuracyOverlay }
  | { type: 'error'; source: PanelSource; message: string }
  /** A threshold sweep (the source on display), sent again whenever its summary.json changes. */
  | { type: 'sweep'; sweep: SweepView }
  /** The finished curations and the sweeps the selector offers, and the source on display. */
  | { type: 'choices'; curations: CurationChoice[]; sweeps: SweepChoice[]; current: PanelSource }
  /** Move the t control (settings changed, or a command asked); the panel refuses a t that is not a positive integer. */
  | { type: 'setT'; t: number }
  /** An export was written (or `path` is undefined when the user cancelled). */
  | { type: 'exported'; path?: string }
  /** The zero-shot accuracy overlay changed, on the data shown (undefined: remove it). */
  | { type: 'accuracy'; accuracy?: AccuracyOverlay }
  /** The comparison of the curation shown with the one chosen ("Compare with…"). */
  | { type: 'compare'; comparison: Comparison }
  /** The curation in `folder` is no longer compared: it cannot be with the data shown, for `reason`. */
  | { type: 'compareDropped'; folder: string; reason: string };

// ---------------------------------------------------------------------------------------------
// Webview → host
// ---------------------------------------------------------------------------------------------

export type ExportFormat = 'png' | 'svg' | 'csv';

export type WebviewMessage =
  /** The webview's script runs; `state` is what it kept from before (undefined the first time). */
  | { type: 'ready'; state?: PanelState }
  /** Show `source`, at `t` when given (a sweep's curation opens at its own t). */
  | { type: 'selectSource'; source: PanelSource; t?: number }
  /** Compare the curation shown with the one in `folder` (undefined: stop comparing). */
  | { type: 'selectCompare'; folder?: string }
  /** Read the current source again (samples: match them again). */
  | { type: 'refresh' }
  /** Show entry `id` in the metadata file. */
  | { type: 'revealEntry'; id: number }
  /** Open the entry browser on entry `id` of `source` (the source the panel shows). */
  | { type: 'browseEntry'; id: number; source: SourceSpec }
  /** The t control moved to this positive integer (the host remembers it for "Curate Pool…" started from the panel). */
  | { type: 'tChanged'; t: number }
  /** Start "Curate Pool…" with this t (a positive integer: the one the panel shows). */
  | { type: 'curate'; t: number }
  /** Save a chart or the table: PNG as a data: URL, SVG and CSV as text. */
  | { type: 'export'; format: ExportFormat; name: string; content: string };
