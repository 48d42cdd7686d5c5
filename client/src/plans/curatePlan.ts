/**
 * "Curate Pool…" as plain functions: from the user's answers and the settings to the CLI's argv,
 * the output folder, and the message each input box shows for a wrong answer. No editor here
 * (curateCommand.ts asks and runs); test/client/plans/curatePlan.test.ts specifies it.
 */
import { parseThreshold } from '../../../contracts/src/threshold';
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { CliCurateSummary, CliProgressEvent } from '../../../contracts/src/cliEvents';
import { DEFAULT_TEXT_FIELDS } from '../../../contracts/src/lsp';
import { curateProgressNotice, formatCount } from '../../../server/engine/src/progress';

/** Arguments a caller (the panel, a test) may give; the rest is asked. */
export interface CurateArgs {
  t?: number;
}

/** Pool formats the engine reads (by how the file name ends). */
export const POOL_EXTENSIONS = ['jsonl', 'jsonl.gz', 'csv', 'tsv', 'txt', 'parquet', 'tar'];
/** The pool files of a workspace folder, for "Choose files…". */
export const POOL_GLOB = `**/*.{${POOL_EXTENSIONS.join(',')}}`;
/** Never a pool: dependencies, the engine's own state, and the entry lists of a curation's data/. */
export const POOL_EXCLUDE =
  '{**/node_modules/**,**/.metacurate/**,**/.metacurate-cache/**,**/data/**/*.entries.jsonl}';
/** The extensions an open dialog filters on (its filters take the last part only: `gz`). */
export const POOL_DIALOG_EXTENSIONS = POOL_EXTENSIONS.map((e) => e.replace(/^.*\./, ''));

export interface CurationPlan {
  /** The metadata list, or with `worldwide` the metadata folder (one list per language). */
  metadata: string;
  inputs: string[];
  textField?: string;
  t: number;
  seed: number;
  outDir: string;
  workers: number;
  /** 'slurm' submits the passes as Slurm array jobs (`--executor slurm`); cancel runs scancel. */
  executor?: 'local' | 'slurm';
  /**
   * A worldwide curation (MetaCLIP 2): `t` is English's t; each record's language is its
   * `languageField`, else identified from its caption.
   */
  worldwide?: { languageField?: string };
}

/** The CLI arguments of a plan (the same command a user would type). */
export function curateArgv(plan: CurationPlan): string[] {
  const argv = plan.worldwide
    ? ['curate', '--worldwide', '--metadata-dir', plan.metadata]
    : ['curate', '--metadata', plan.metadata];
  for (const input of plan.inputs) argv.push('--input', input);
  if (plan.textField) argv.push('--text-field', plan.textField);
  if (plan.worldwide?.languageField) argv.push('--lang-field', plan.worldwide.languageField);
  argv.push(
    plan.worldwide ? '--t-en' : '--t',
    String(plan.t),
    '--seed',
    String(plan.seed),
    '--out',
    plan.outDir,
    '--progress',
    'json',
  );
  if (plan.executor === 'slurm') argv.push('--executor', 'slurm', '--poll-seconds', '1');
  else if (plan.workers > 0) argv.push('--workers', String(plan.workers));
  return argv;
}

/** The worker count of the `metacurate.workers` setting: 0 (the engine's choice) unless a positive number. */
export function workersSetting(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.floor(value)) : 0;
}

// ---------------------------------------------------------------------------------------------
// t and the seed
// ---------------------------------------------------------------------------------------------

/** Why a typed t is refused (t is a positive integer: the CLI's `--t` takes nothing else). */
export function validateT(text: string): string | undefined {
  return parseThreshold(text.trim()) !== undefined ? undefined : 't must be a positive integer (1, 2, 3, …)';
}

/**
 * The t an input box starts with: the first of the candidates (the caller's, the panel's, the
 * active curation's, the setting's) that is a positive number, rounded to an integer so that the
 * prefill passes `validateT`; 1 when none is.
 */
export function tPrefill(...candidates: (number | undefined)[]): number {
  const t = candidates.find((c) => typeof c === 'number' && Number.isFinite(c) && c > 0);
  return t === undefined ? 1 : Math.max(1, Math.round(t));
}

/** Why a typed seed is refused. */
export function validateSeed(text: string): string | undefined {
  return /^\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text.trim()))
    ? undefined
    : 'the seed is a non-negative integer';
}

/** The seed an input box starts with: the setting when it is a non-negative integer, else 0. */
export function seedPrefill(setting: unknown): number {
  return typeof setting === 'number' && Number.isSafeInteger(setting) && setting >= 0 ? setting : 0;
}

// ---------------------------------------------------------------------------------------------
// The pool and its text field
// ---------------------------------------------------------------------------------------------

/** Why a typed pool glob is refused. */
export function validatePoolGlob(text: string): string | undefined {
  return text.trim() ? undefined : 'a glob such as pool/*.jsonl';
}

/** Files the glob box counts at most as the user types (a count above says "more than"). */
export const GLOB_COUNT_LIMIT = 10_000;

/** What the glob box says under a glob whose search, stopped at `limit` files, found `count`. */
export function globMatchMessage(count: number, limit = GLOB_COUNT_LIMIT): string {
  if (count === 0) return 'No file matches';
  if (count >= limit) return `${limit.toLocaleString('en-US')} or more files match`;
  return `${count.toLocaleString('en-US')} file${count === 1 ? ' matches' : 's match'}`;
}

/** Why a typed field name is refused. */
export function validateFieldName(text: string): string | undefined {
  return text.trim() ? undefined : 'a field name';
}

/** Plain-text pools have one caption a line: no field to ask for. */
export function needsTextField(inputs: string[]): boolean {
  return !inputs.every((p) => p.toLowerCase().endsWith('.txt'));
}

/**
 * The fields the text-field pick offers, the preferred first: the `metacurate.textField` setting,
 * else the first usual caption field the pool has, else its first field, else `text`.
 */
export function textFieldChoices(
  configured: string,
  fields: string[],
): { preferred: string; ordered: string[] } {
  const preferred =
    configured || DEFAULT_TEXT_FIELDS.find((f) => fields.includes(f)) || fields[0] || DEFAULT_TEXT_FIELDS[1];
  return { preferred, ordered: [preferred, ...fields.filter((f) => f !== preferred)] };
}

// ---------------------------------------------------------------------------------------------
// The output folder
// ---------------------------------------------------------------------------------------------

/** True when `child` is `parent` or inside it (after resolving links where they exist). */
export function isInside(parent: string, child: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const rel = relative(real(parent), real(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`));
}

/** What the output-folder box says, with or without a workspace folder to be relative to. */
export function outDirPrompt(base: string | undefined): string {
  return base
    ? 'Folder for the curation (relative to the workspace folder, or absolute). Everything is written inside it; the same folder again resumes.'
    : 'Absolute path of the folder for the curation.';
}

/** The absolute output folder of a typed answer. */
export function resolveOutDir(base: string | undefined, text: string): string {
  return resolve(base ?? '/', text.trim());
}

/**
 * Why a typed output folder is refused: empty, relative with no folder open, the workspace folder
 * itself, one of the curation's own files, or a folder whose data/ holds a pool file (the outputs
 * would overwrite it).
 */
export function validateOutDir(
  text: string,
  context: { base: string | undefined; inputs: string[]; metadata: string },
): string | undefined {
  const typed = text.trim();
  const { base, inputs, metadata } = context;
  if (!typed) return 'an output folder';
  if (!base && !isAbsolute(typed)) return 'an absolute path (no folder is open)';
  const out = resolveOutDir(base, typed);
  if (base && out === resolve(base)) return 'choose a folder of its own, not the workspace folder itself';
  const taken = [...inputs, metadata].find((p) => resolve(p) === out);
  if (taken) return `${taken} is a file of the curation, not a folder for its outputs`;
  const data = resolve(out, 'data');
  const clash = inputs.find((p) => isInside(data, p));
  if (clash) return `${clash} lies inside the folder's data/: outputs could overwrite it`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Running and the end
// ---------------------------------------------------------------------------------------------

/** A shell-ready form of one argument, for the log line of the command. */
export function quoteArg(a: string): string {
  return /^[\w./=:@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** The command line the log shows, which a user can paste into a shell. */
export function commandLine(cli: string, argv: string[]): string {
  return `node ${[cli, ...argv].map(quoteArg).join(' ')}`;
}

/** Outputs the engine reported outside the plan's folder (a bug the command refuses to show). */
export function outputsOutside(outDir: string, summary: Pick<CliCurateSummary, 'outputs'>): string[] {
  return summary.outputs
    .filter(
      (o) => !isInside(outDir, resolve(outDir, o.output)) || !isInside(outDir, resolve(outDir, o.sidecar)),
    )
    .map((o) => o.output);
}

type SummaryFigures = Pick<CliCurateSummary, 'pool' | 'kept' | 'expected_kept' | 'wall_seconds' | 'resumed'>;

/** The notification at the end of a curation. */
export function curationSummaryText(s: SummaryFigures): string {
  return (
    `Metacurate: curated ${formatCount(s.pool.records)} records: ${formatCount(s.pool.matched_records)} matched, ` +
    `${formatCount(s.kept)} kept (expected ${formatCount(s.expected_kept)}) in ${s.wall_seconds.toFixed(1)} s` +
    `${s.resumed ? ' (resumed)' : ''}.`
  );
}

/**
 * One progress line folded into the notification: its message, and how far the bar moves (it
 * never moves back; a line without a percentage leaves it where it is).
 */
export function curateProgressStep(
  done: number,
  event: CliProgressEvent,
): { message: string; increment: number; done: number } {
  const { message, percent } = curateProgressNotice(event);
  const overall = Math.min(100, percent ?? done);
  return { message, increment: Math.max(0, overall - done), done: Math.max(done, overall) };
}

/** Why a curation failed, for the error notification: the last stderr line that says something. */
export function failureReason(stderrTail: string[], code: number | null): string {
  return stderrTail.filter((l) => l.trim()).pop() ?? `the engine exited with code ${code}`;
}

/**
 * Where a run goes (setting `metacurate.executor`): `local` and `slurm` fix it; `auto` asks when
 * `sbatch` is on the PATH and runs locally when it is not.
 */
export function executorChoice(setting: unknown, sbatchOnPath: boolean): 'local' | 'slurm' | 'ask' {
  if (setting === 'local' || setting === 'slurm') return setting;
  return sbatchOnPath ? 'ask' : 'local';
}
