/**
 * "Start Training Run…" as plain functions: from the user's answers, the caller's arguments and
 * the `metacurate.training.*` settings to the argv of `metacurate run start`, the job choices
 * (built-in kinds and job templates), and the messages the inputs and the end of a run show. No
 * editor here (startRun.ts asks and runs); test/client/plans/runPlan.test.ts specifies it.
 */
import { isAbsolute, resolve } from 'node:path';
import type { JobTemplate } from '../../../server/engine/src/runs/jobCommand';
import { JOB_MODULES, type PythonImports } from '../../../server/engine/src/runs/trainer';

export { JOB_MODULES };
import type { CliRunStatus, CliRunSummary } from '../../../contracts/src/cliEvents';
import { formatTop1 } from '../../../server/engine/src/runs/compareRuns';
import type { RunExecutor, RunKind } from '../../../server/engine/src/runs/runFolder';

/** What a caller (a test, another command) may give; the rest is asked or taken from settings. */
export interface StartRunArgs {
  curation?: string;
  kind?: RunKind;
  template?: string;
  command?: string;
  steps?: number;
  batchSize?: number;
  seed?: number;
}

/** The `metacurate.training.*` settings a run's argv is built from (paths as typed). */
export interface TrainingSettings {
  kind: RunKind;
  python: string;
  steps: number;
  epochs: number;
  batchSize: number;
  seed: number;
  model: string;
  openclipModel: string;
  zeroshotData: string;
  classnames: string;
  promptTemplates: string;
  zeroshotName: string;
}

/** What each setting is when the user has not set it. */
export const TRAINING_DEFAULTS: Readonly<TrainingSettings> = Object.freeze({
  kind: 'builtin',
  python: '/usr/bin/python3',
  steps: 200,
  epochs: 1,
  batchSize: 64,
  seed: 0,
  model: '',
  openclipModel: '',
  zeroshotData: '',
  classnames: '',
  promptTemplates: '',
  zeroshotName: '',
});

/** The command a custom run's input box starts with the first time. */
export const DEFAULT_CUSTOM_COMMAND = '${python} train.py --data ${data} --out ${out} --seed ${seed}';

// ---------------------------------------------------------------------------------------------
// The job
// ---------------------------------------------------------------------------------------------

/** A row of the job pick: a built-in kind or a job template. */
export interface JobChoice {
  label: string;
  description: string;
  job: JobTemplate;
}

/** What the probes of the chosen Python found, per kind; a kind not probed (yet) is unknown. */
export type JobProbes = Partial<Record<'builtin' | 'openclip', PythonImports>>;

function builtinJobs(python: string, probes: JobProbes): JobChoice[] {
  const builtin = probes.builtin;
  const openclip = probes.openclip;
  return [
    {
      label: 'Built-in trainer',
      description:
        builtin && !builtin.ok
          ? `trainer/ (PyTorch): ${python} cannot import ${JOB_MODULES.builtin.join(', ')}: ${builtin.reason}`
          : 'trainer/ (PyTorch): a small CLIP, zero-shot evaluation; runs on a CPU',
      job: { name: 'Built-in trainer', kind: 'builtin' },
    },
    {
      label: 'OpenCLIP',
      // Installed only when the probe says so: never claimed from hope.
      description: !openclip
        ? `python -m open_clip_train.main (open_clip_torch not checked in ${python})`
        : openclip.ok
          ? `python -m open_clip_train.main (open_clip_torch installed in ${python})`
          : `not installed in ${python}: ${openclip.reason} (pip install open_clip_torch)`,
      job: { name: 'OpenCLIP', kind: 'openclip' },
    },
    {
      label: 'Custom command…',
      description: 'a shell command with ${data}, ${out}, ${seed}…',
      job: { name: 'Custom command…', kind: 'custom' },
    },
  ];
}

/**
 * The job pick: the built-in kinds, the one of the `metacurate.training.kind` setting first, each
 * saying whether `python` imports what it needs, then the job templates (a template without a
 * kind is a custom command).
 */
export function jobChoices(
  preferredKind: RunKind,
  templates: JobTemplate[],
  python = TRAINING_DEFAULTS.python,
  probes: JobProbes = {},
): JobChoice[] {
  const builtins = builtinJobs(python, probes).sort(
    (a, b) => Number(b.job.kind === preferredKind) - Number(a.job.kind === preferredKind),
  );
  return [
    ...builtins,
    ...templates.map((t) => ({
      label: t.name,
      description: `job template · ${t.kind ?? 'custom'}`,
      job: t.kind === undefined ? { ...t, kind: 'custom' as const } : t,
    })),
  ];
}

/**
 * What to say before starting a job whose Python was found lacking its modules: a local job is
 * refused (it would fail the same way); a Slurm job asks first, since its node may activate
 * another environment. Undefined when nothing was found lacking (or the kind needs none).
 */
export function missingModules(
  kind: RunKind,
  python: string,
  probes: JobProbes,
  executor: RunExecutor,
): { refuse: string } | { ask: string } | undefined {
  if (kind !== 'builtin' && kind !== 'openclip') return undefined;
  const probe = probes[kind];
  if (!probe || probe.ok) return undefined;
  const what =
    kind === 'openclip' ? 'OpenCLIP (open_clip_torch)' : 'The built-in trainer (PyTorch, NumPy, Pillow)';
  const why =
    `${what} cannot start: ${python} cannot import ${JOB_MODULES[kind].join(', ')} (${probe.reason}). ` +
    'Install it there or set metacurate.training.python.';
  return executor === 'local'
    ? { refuse: `Metacurate: ${why}` }
    : { ask: `${why} Start anyway (the Slurm job may run where it is installed)?` };
}

/**
 * The job a caller named (a template by name, or a kind), without asking; an error message when
 * the template does not exist; undefined when the caller named none (the user picks).
 */
export function jobOfArgs(
  args: StartRunArgs | undefined,
  templates: JobTemplate[],
): { job: JobTemplate } | { error: string } | undefined {
  if (args?.template) {
    const found = templates.find((x) => x.name === args.template);
    return found ? { job: found } : { error: `Metacurate: no job template '${args.template}'.` };
  }
  if (args?.kind) return { job: { name: args.kind, kind: args.kind } };
  return undefined;
}

/** A custom job without a command asks for one. */
export function asksCommand(kind: RunKind, command: string | undefined): boolean {
  return kind === 'custom' && !command;
}

/** The step budget is asked unless given; OpenCLIP counts epochs instead. */
export function asksSteps(kind: RunKind, steps: number | undefined): boolean {
  return steps === undefined && kind !== 'openclip';
}

/** Why a typed step count is refused. */
export function validateSteps(text: string): string | undefined {
  return /^\s*[1-9]\d*\s*$/.test(text) && Number.isSafeInteger(Number(text))
    ? undefined
    : 'a positive integer';
}

// ---------------------------------------------------------------------------------------------
// The argv
// ---------------------------------------------------------------------------------------------

/** A path setting, relative to the workspace folder unless absolute; undefined when empty. */
export function settingPath(value: string, base: string | undefined): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  return isAbsolute(trimmed) || !base ? trimmed : resolve(base, trimmed);
}

/** The answers of "Start Training Run…" (or the caller's arguments). */
export interface RunAnswers {
  curation: string;
  job: JobTemplate;
  executor: RunExecutor;
  /** The custom command (the caller's, the template's or the typed one). */
  command?: string;
  steps?: number;
  /** The caller's overrides of the batch size and the seed. */
  batchSize?: number;
  seed?: number;
  /** The zero-shot evaluation asked in the flow; null: skipped; undefined: from the settings. */
  zeroshot?: ZeroShotAnswer | null;
}

/** Zero-shot evaluation data chosen in the flow (paths absolute, or class names as a list). */
export interface ZeroShotAnswer {
  data: string;
  classnames?: string;
  templates?: string;
  name?: string;
}

/**
 * `run start …` for the answers: the caller's values before the template's before the settings';
 * the zero-shot options only when `zeroshotData` is set; the template's own `args` last.
 */
export function runStartArgv(
  answers: RunAnswers,
  settings: TrainingSettings,
  base: string | undefined,
): string[] {
  const { job } = answers;
  const kind = job.kind ?? 'builtin';
  const argv = [
    'run',
    'start',
    '--curation',
    answers.curation,
    '--kind',
    kind,
    '--executor',
    answers.executor,
  ];
  if (answers.steps !== undefined) argv.push('--steps', String(answers.steps));
  if (kind === 'openclip') argv.push('--epochs', String(job.epochs ?? settings.epochs));
  argv.push('--batch-size', String(answers.batchSize ?? job.batchSize ?? settings.batchSize));
  argv.push('--seed', String(answers.seed ?? settings.seed));
  const model = job.model ?? (kind === 'openclip' ? settings.openclipModel : settings.model);
  if (model) argv.push('--model', model);
  argv.push('--python', settings.python);
  const z = answers.zeroshot === undefined ? zeroShotOfSettings(settings, base) : answers.zeroshot;
  if (z) {
    argv.push('--zeroshot-data', z.data);
    if (z.classnames) argv.push('--classnames', z.classnames);
    if (z.templates) argv.push('--templates', z.templates);
    if (z.name) argv.push('--zeroshot-name', z.name);
  }
  if (answers.command) argv.push('--command', answers.command);
  argv.push(...(job.args ?? []));
  return argv;
}

/** The zero-shot evaluation of the `metacurate.training.*` settings; undefined when `zeroshotData` is unset. */
export function zeroShotOfSettings(
  settings: TrainingSettings,
  base: string | undefined,
): ZeroShotAnswer | undefined {
  const data = settingPath(settings.zeroshotData, base);
  if (!data) return undefined;
  const classnames = settings.classnames.trim();
  return {
    data,
    // A comma-separated list is the class names themselves; anything else names a file.
    classnames: classnames.includes(',') ? classnames : settingPath(classnames, base),
    templates: settingPath(settings.promptTemplates, base),
    name: settings.zeroshotName.trim() || undefined,
  };
}

/** The full argv of a `run start` or `run rerun` started from the editor: in the workspace, JSON progress. */
export function launchArgv(argv: string[], workspaceFolder: string): string[] {
  return [...argv, '--workspace', workspaceFolder, '--progress', 'json'];
}

// ---------------------------------------------------------------------------------------------
// Curations to train on, and the end of a run
// ---------------------------------------------------------------------------------------------

/**
 * The description of a finished curation in the curation pick, from its summary.json (parsed);
 * undefined when the file is not a curation's summary (no outputs list or no kept count).
 */
export function curationDescription(summary: unknown): string | undefined {
  if (!summary || typeof summary !== 'object') return undefined;
  const s = summary as { outputs?: unknown; kept?: unknown; t?: unknown; pool?: { records?: unknown } };
  if (!Array.isArray(s.outputs) || typeof s.kept !== 'number') return undefined;
  const records = typeof s.pool?.records === 'number' ? s.pool.records : 0;
  return `t=${String(s.t)} · kept ${s.kept.toLocaleString('en-US')} of ${records.toLocaleString('en-US')}`;
}

/** The notification at the end of a run: its status, its top-1 (with chance) when it has one, the error's first line. */
export function runFinishedMessage(
  id: string,
  status: CliRunStatus,
  summary: Pick<CliRunSummary, 'top1' | 'dataset' | 'classes' | 'evalImages'>,
  error?: string,
): string {
  const top1 =
    summary.top1 !== undefined ? ` · zero-shot ${summary.dataset} top-1 ${formatTop1(summary)}` : '';
  const message = `Metacurate: run ${id} ${status}${top1}`;
  return error ? `${message}: ${error.split('\n')[0]}` : message;
}
