/**
 * A training run's folder, `.metacurate/runs/<id>/`:
 *   run.json     what was asked: kind, executor, the curation trained on, parameters, the exact
 *                command (written once, at creation)
 *   state.json   where it stands: status, pids or Slurm job id, times, last progress, exit
 *                (rewritten atomically by the process that supervises the run)
 *   job.log      everything the job printed (stdout and stderr)
 *   job.sbatch, job.argv, job.env   Slurm runs: the batch script, and the folder, command and
 *                variables it reads (NUL-separated)
 *   train/ | openclip/ | out/   the trainer's own output, results.jsonl among it
 * Plain files, so the CLI, the extension and a shell read the same runs.
 */
import type { CliRunProgress, CliRunState, CliRunStatus } from '../../../../contracts/src/cliEvents';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors';
import { isProcessAlive } from '../executor/localProcess';
import { writeJsonAtomic } from '../fsAtomic';

export type RunKind = 'builtin' | 'openclip' | 'custom';
export const RUN_KINDS: readonly RunKind[] = ['builtin', 'openclip', 'custom'];
export type RunExecutor = 'local' | 'slurm';
export type RunStatus = CliRunStatus;

/** What a curation's summary.json says about the data a run trains on. */
export interface RunCuration {
  dir: string;
  t?: number;
  seed?: number;
  poolRecords?: number;
  curatedRecords?: number;
  expectedCurated?: number;
  metadata?: string;
  /** sha256 of the metadata file the curation was made with (from its summary.json): ties the run's results to that metadata. */
  metadataSha256?: string;
}

export interface ZeroShotSet {
  /** Labelled images: WebDataset shards, a CSV, or a folder of class folders. */
  data: string;
  /** Class names: a file or a comma-separated list. */
  classnames?: string;
  templates?: string;
  /** Dataset name in results (`<name>-zeroshot-val-top1`); default from the data's name. */
  name?: string;
}

export interface RunParams {
  kind: RunKind;
  executor: RunExecutor;
  /** A job template's name, when the run came from one. */
  template?: string;
  curation?: RunCuration;
  /** Training files (absolute). */
  trainData: string[];
  datasetType: 'webdataset' | 'csv';
  steps?: number;
  batchSize: number;
  seed: number;
  lr?: number;
  warmup?: number;
  /** builtin: --model-config; openclip: --model. */
  model?: string;
  /** openclip: epochs over the curated data. */
  epochs?: number;
  threads?: number;
  zeroshot?: ZeroShotSet;
  /** The Python interpreter of builtin and openclip runs. */
  python: string;
  /** custom: the shell command template (see jobCommand.ts for its placeholders). */
  commandTemplate?: string;
  /** Slurm resources, for executor 'slurm'. */
  slurm?: { partition?: string; time?: string; cpusPerTask?: number; mem?: string; sbatchArgs?: string[] };
  /** The run this one repeats. */
  rerunOf?: string;
}

export interface RunSpec extends RunParams {
  version: 1;
  id: string;
  createdAt: string;
  /** The command, argv[0] first (custom: `/bin/sh -c <template>`, its values in `env`). */
  command: string[];
  /** Variables added to the environment of the command. */
  env: Record<string, string>;
  cwd: string;
  /** Where the trainer writes results.jsonl, relative to the run folder. */
  results: string;
  /** The trainer's own log of step lines, relative to the run folder (job.log when absent). */
  trainLog?: string;
}

/** A run's progress and state.json: the contract's types (`state` events carry them). */
export type RunProgress = CliRunProgress;
export type RunState = CliRunState;

export const RUNS_FOLDER = join('.metacurate', 'runs');
export const JOB_LOG = 'job.log';

/** `<workspace>/.metacurate/runs`. */
export function runsDirOf(workspace: string): string {
  return join(resolve(workspace), RUNS_FOLDER);
}

function stamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`
  );
}

/**
 * Creates the run folder with run.json and a queued state.json. The id sorts by creation time:
 * `20261125-114512-builtin`, then `-2`, `-3` for runs created in the same second (mkdir is the
 * lock, so two processes never get the same id).
 */
export async function createRunFolder(
  runsDir: string,
  params: RunParams,
  build: (runDir: string) => Pick<RunSpec, 'command' | 'env' | 'cwd' | 'results' | 'trainLog'>,
  now = new Date(),
): Promise<{ runDir: string; spec: RunSpec }> {
  mkdirSync(runsDir, { recursive: true });
  const base = `${stamp(now)}-${params.kind}`;
  let id = base;
  for (let n = 2; ; n++) {
    try {
      mkdirSync(join(runsDir, id));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      id = `${base}-${n}`;
    }
  }
  const runDir = join(runsDir, id);
  const spec: RunSpec = { version: 1, id, createdAt: now.toISOString(), ...params, ...build(runDir) };
  await writeJsonAtomic(join(runDir, 'run.json'), spec);
  await writeRunState(runDir, { status: 'queued' });
  return { runDir, spec };
}

export function readRunSpec(runDir: string): RunSpec {
  const path = join(runDir, 'run.json');
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${path}: not a run (${(err as Error).message})`);
  }
  const spec = value as RunSpec;
  if (spec?.version !== 1 || typeof spec.id !== 'string' || !Array.isArray(spec.command)) {
    throw new UsageError(`${path}: not a run of this version of metacurate`);
  }
  return spec;
}

export function readRunState(runDir: string): RunState {
  try {
    return JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as RunState;
  } catch {
    return { status: 'queued', updatedAt: new Date(0).toISOString() };
  }
}

export async function writeRunState(runDir: string, state: Omit<RunState, 'updatedAt'>): Promise<RunState> {
  const full: RunState = { ...state, updatedAt: new Date().toISOString() };
  await writeJsonAtomic(join(runDir, 'state.json'), full);
  return full;
}

/**
 * The state as it really is: a run whose supervisor on this machine is gone while the state still
 * says queued or running was interrupted (the machine rebooted, the process was killed): it is
 * reported failed, with that reason, so that it can be re-run.
 */
export function effectiveRunState(state: RunState): RunState {
  if (
    (state.status === 'running' || state.status === 'queued') &&
    state.supervisorPid !== undefined &&
    state.host === hostname() &&
    !isProcessAlive(state.supervisorPid)
  ) {
    return {
      ...state,
      status: 'failed',
      error: state.error ?? 'interrupted: its supervising process is gone',
    };
  }
  return state;
}

export interface RunEntry {
  runDir: string;
  spec: RunSpec;
  state: RunState;
}

/** Every run under `runsDir`, newest first; folders that are not runs are skipped. */
export function listRuns(runsDir: string): RunEntry[] {
  if (!existsSync(runsDir)) return [];
  const runs: RunEntry[] = [];
  for (const name of readdirSync(runsDir)) {
    const runDir = join(runsDir, name);
    if (!existsSync(join(runDir, 'run.json'))) continue;
    try {
      runs.push({ runDir, spec: readRunSpec(runDir), state: effectiveRunState(readRunState(runDir)) });
    } catch {
      // A folder being created or damaged by hand: not listed.
    }
  }
  return runs.sort((a, b) => (a.spec.id < b.spec.id ? 1 : a.spec.id > b.spec.id ? -1 : 0));
}

/** A run by its id (or unique id prefix) or folder path. */
export function findRun(runsDir: string, idOrPath: string): RunEntry {
  const asPath = resolve(idOrPath);
  if (existsSync(join(asPath, 'run.json'))) {
    return { runDir: asPath, spec: readRunSpec(asPath), state: effectiveRunState(readRunState(asPath)) };
  }
  const runs = listRuns(runsDir);
  const exact = runs.find((r) => r.spec.id === idOrPath);
  if (exact) return exact;
  const prefixed = runs.filter((r) => r.spec.id.startsWith(idOrPath));
  if (prefixed.length === 1) return prefixed[0];
  if (prefixed.length > 1) {
    throw new UsageError(
      `'${idOrPath}' names ${prefixed.length} runs: ${prefixed.map((r) => r.spec.id).join(', ')}`,
    );
  }
  throw new UsageError(`no run '${idOrPath}' in ${runsDir}`);
}

export function isFinished(status: RunStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/** Seconds the run has been going (or went), from its state. */
export function elapsedSeconds(state: RunState, now = Date.now()): number | undefined {
  if (!state.startedAt) return undefined;
  const end = state.endedAt ? Date.parse(state.endedAt) : now;
  return Math.max(0, (end - Date.parse(state.startedAt)) / 1000);
}
