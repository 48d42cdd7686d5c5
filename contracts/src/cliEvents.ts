/**
 * The CLI's `--progress json` output: with that flag every line a command writes on stdout is one
 * JSON value of `CliEvent` (progress and info lines of `curate`, `count` and `experiment`, the
 * final summary of `curate`, the created/state/done lines of `run start` and `run rerun`).
 * Written by the CLI and the engine's ProgressReporter, read by the editor extension, which runs
 * the CLI as a process of its own; `parseCliEvent` checks a line against these types at run time.
 */

// ---------------------------------------------------------------------------------------------
// Progress of long work (curate, count, experiment)
// ---------------------------------------------------------------------------------------------

/** One progress update: a phase (`count`, `select`, `reduce`, `finalize`, …) and how far it is. */
export interface CliProgressEvent {
  type: 'progress';
  phase: string;
  /** 0 to 1. */
  fraction: number;
  records: number;
  recordsPerSecond: number;
  /** Null while the rate is not known yet (nothing done in the phase). */
  etaSeconds: number | null;
  elapsedSeconds: number;
}

/** A line of information (a phase finished, a note, a line of a command's report). */
export interface CliInfoEvent {
  type: 'info';
  message: string;
}

// ---------------------------------------------------------------------------------------------
// The last line of `metacurate curate`
// ---------------------------------------------------------------------------------------------

/** The curation's summary.json without its per-entry table (`entries`). */
export interface CliCurateSummary {
  pool: {
    files: number;
    records: number;
    texts: number;
    matched_texts: number;
    matched_records: number;
    /** Skipped records by reason (`bad-json`, `truncated-tar`, …). */
    skipped: Partial<Record<string, number>>;
  };
  kept: number;
  expected_kept: number;
  t: number;
  seed: number;
  padding: 'english' | 'worldwide';
  metadata: { path: string; sha256: string; entries: number };
  head_entries: number;
  matched_entries: number;
  head_share_of_matches: number;
  expected_size_curve: { t: number; expectedSize: number; headEntries: number }[];
  outputs: { input: string; output: string; sidecar: string; kept: number; records: number }[];
  workers: number;
  wall_seconds: number;
  pass_seconds: { index: number; count: number; select: number; finalize: number };
  records_per_second: number;
  resumed: boolean;
  /** A worldwide (MetaCLIP 2) curation: one list and one threshold per language. */
  worldwide?: CliWorldwideSummary;
}

/**
 * A worldwide curation (`curate --worldwide --metadata-dir DIR --t-en T`, docs/spec.md section 2,
 * "Worldwide thresholds"). The languages' lists are concatenated in `languages` order (codes
 * sorted), so a global entry id is `offset + id in the language's list`: counts.bin, matches.bin
 * and `entries` use global ids; `t` and `metadata` of the summary are English's t and the folder.
 */
export interface CliWorldwideSummary {
  /** The metadata folder (one `CODE.json` per language plus `provenance.json`). */
  metadata_dir: string;
  t_en: number;
  /** English's tail proportion at t_en: `t_to_p(counts_en, t_en)`, which every language keeps. */
  tail_proportion: number;
  /** Where each text's language came from. */
  language_source: { kind: 'field'; field: string } | { kind: 'lid'; model: string; min_confidence: number };
  languages: CliWorldwideLanguage[];
  /** Records whose language has no list in the folder, by language code (`und`: not identified). */
  without_metadata: Record<string, number>;
}

export interface CliWorldwideLanguage {
  /** The language's code as the metadata folder names it (Wikipedia's: en, zh, ja, th, …). */
  code: string;
  /** The list's file name in the folder, its content sha256 and its number of entries. */
  file: string;
  sha256: string;
  entries: number;
  /** The global id of the list's first entry. */
  offset: number;
  /** Records identified as this language, and those of them matching one of its entries. */
  records: number;
  matched_records: number;
  /** The language's threshold, `p_to_t(counts_lang, tail_proportion)` (English: t_en). */
  t: number;
  head_entries: number;
  matched_entries: number;
  expected_kept: number;
  kept: number;
}

export interface CliCurateSummaryEvent {
  type: 'summary';
  summary: CliCurateSummary;
}

// ---------------------------------------------------------------------------------------------
// `metacurate run start|rerun --progress json`
// ---------------------------------------------------------------------------------------------

export const CLI_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type CliRunStatus = (typeof CLI_RUN_STATUSES)[number];

/** The run's folder exists; `id` names it from now on. */
export interface CliRunCreatedEvent {
  type: 'created';
  id: string;
  runDir: string;
}

/** How far a run's job has come, where its trainer says so. */
export interface CliRunProgress {
  step?: number;
  steps?: number;
  epoch?: number;
  /** 0-100, where known. */
  percent?: number;
  loss?: number;
  samplesPerSecond?: number;
  etaSeconds?: number;
}

/** A run's state.json (the engine writes it; `state` events carry it). */
export interface CliRunState {
  status: CliRunStatus;
  /** The supervising process (`metacurate run start`) and the machine it runs on. */
  supervisorPid?: number;
  host?: string;
  /** The job's own process (local runs): its process group is the one signalled. */
  pid?: number;
  slurmJobId?: string;
  slurmState?: string;
  startedAt?: string;
  endedAt?: string;
  exitCode?: number;
  signal?: string;
  error?: string;
  progress?: CliRunProgress;
  updatedAt: string;
}

/** The run's state.json after a change. */
export interface CliRunStateEvent extends CliRunState {
  type: 'state';
  id: string;
}

/** What a run achieved (the `run list --json` row). */
export interface CliRunSummary {
  id: string;
  kind: string;
  status: string;
  t?: number;
  poolRecords?: number;
  curatedRecords?: number;
  steps?: number;
  samplesSeen?: number;
  seconds?: number;
  dataset?: string;
  top1?: number;
  top5?: number;
  meanPerClassTop1?: number;
  perClass?: Record<string, number | null>;
  /** Classes of the zero-shot evaluation, where known: top-1 by chance is 1 / classes. */
  classes?: number;
  /** Images of the zero-shot evaluation, where the trainer says (the built-in one does). */
  evalImages?: number;
}

/** The run ended (the command exits next). */
export interface CliRunDoneEvent {
  type: 'done';
  id: string;
  status: CliRunStatus;
  summary: CliRunSummary;
}

export type CliEvent =
  | CliProgressEvent
  | CliInfoEvent
  | CliCurateSummaryEvent
  | CliRunCreatedEvent
  | CliRunStateEvent
  | CliRunDoneEvent;

/** The line a writer puts on stdout for one event. */
export function formatCliEvent(event: CliEvent): string {
  return JSON.stringify(event) + '\n';
}

// ---------------------------------------------------------------------------------------------
// Reading a line
// ---------------------------------------------------------------------------------------------

type Check = (value: unknown) => boolean;

const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isString: Check = (v) => typeof v === 'string';
const isBoolean: Check = (v) => typeof v === 'boolean';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
const oneOf =
  (values: readonly unknown[]): Check =>
  (v) =>
    values.includes(v);
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);
const recordOf =
  (check: Check): Check =>
  (v) =>
    isObject(v) && Object.values(v).every(check);
/** An object whose named fields pass their checks (other fields are allowed: newer writers). */
const shape =
  (fields: Record<string, Check>): Check =>
  (v) =>
    isObject(v) && Object.entries(fields).every(([name, check]) => check(v[name]));

const progressShape = shape({
  phase: isString,
  fraction: isNumber,
  records: isNumber,
  recordsPerSecond: isNumber,
  etaSeconds: (v) => v === null || isNumber(v),
  elapsedSeconds: isNumber,
});

const curateSummaryShape = shape({
  pool: shape({
    files: isNumber,
    records: isNumber,
    texts: isNumber,
    matched_texts: isNumber,
    matched_records: isNumber,
    skipped: recordOf(isNumber),
  }),
  kept: isNumber,
  expected_kept: isNumber,
  t: isNumber,
  seed: isNumber,
  padding: oneOf(['english', 'worldwide']),
  metadata: shape({ path: isString, sha256: isString, entries: isNumber }),
  head_entries: isNumber,
  matched_entries: isNumber,
  head_share_of_matches: isNumber,
  expected_size_curve: arrayOf(shape({ t: isNumber, expectedSize: isNumber, headEntries: isNumber })),
  outputs: arrayOf(
    shape({ input: isString, output: isString, sidecar: isString, kept: isNumber, records: isNumber }),
  ),
  workers: isNumber,
  wall_seconds: isNumber,
  pass_seconds: shape({ index: isNumber, count: isNumber, select: isNumber, finalize: isNumber }),
  records_per_second: isNumber,
  resumed: isBoolean,
});

const runStatus = oneOf(CLI_RUN_STATUSES);

const runStateShape = shape({
  id: isString,
  status: runStatus,
  supervisorPid: optional(isNumber),
  host: optional(isString),
  pid: optional(isNumber),
  slurmJobId: optional(isString),
  slurmState: optional(isString),
  startedAt: optional(isString),
  endedAt: optional(isString),
  exitCode: optional(isNumber),
  signal: optional(isString),
  error: optional(isString),
  progress: optional(
    shape({
      step: optional(isNumber),
      steps: optional(isNumber),
      epoch: optional(isNumber),
      percent: optional(isNumber),
      loss: optional(isNumber),
      samplesPerSecond: optional(isNumber),
      etaSeconds: optional(isNumber),
    }),
  ),
  updatedAt: isString,
});

const runSummaryShape = shape({
  id: isString,
  kind: isString,
  status: isString,
  t: optional(isNumber),
  poolRecords: optional(isNumber),
  curatedRecords: optional(isNumber),
  steps: optional(isNumber),
  samplesSeen: optional(isNumber),
  seconds: optional(isNumber),
  dataset: optional(isString),
  top1: optional(isNumber),
  top5: optional(isNumber),
  meanPerClassTop1: optional(isNumber),
  perClass: optional(recordOf((v) => v === null || isNumber(v))),
  classes: optional(isNumber),
  evalImages: optional(isNumber),
});

const EVENT_SHAPES: Record<CliEvent['type'], Check> = {
  progress: progressShape,
  info: shape({ message: isString }),
  summary: shape({ summary: curateSummaryShape }),
  created: shape({ id: isString, runDir: isString }),
  state: runStateShape,
  done: shape({ id: isString, status: runStatus, summary: runSummaryShape }),
};

/**
 * The event on one line of `--progress json` output, or undefined when the line is not one
 * (not JSON, an unknown `type`, or a field of the wrong type). Never throws.
 */
export function parseCliEvent(line: string): CliEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.type !== 'string') return undefined;
  if (!Object.prototype.hasOwnProperty.call(EVENT_SHAPES, value.type)) return undefined;
  const check = EVENT_SHAPES[value.type as CliEvent['type']];
  return check(value) ? (value as unknown as CliEvent) : undefined;
}
