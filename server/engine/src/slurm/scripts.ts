/**
 * The batch scripts of a curation on Slurm, as plain text from plain data (no Slurm needed), so
 * `--dry-run` prints exactly what a real run submits:
 *
 *   count     array job, one task per pending slice      curate-task count --task <slice>
 *   reduce    one job, afterok on the count arrays        curate-task reduce
 *   select    array job, one task per pending slice       curate-task select --task <slice>
 *   finalize  one job, afterok on the select arrays       curate-task finalize
 *
 * Array task ids are slice ids. Slurm refuses array indexes at or above MaxArraySize (1001 by
 * default), so the slices are split into chunks of MaxArraySize ids: chunk k runs slice
 * `k * MaxArraySize + SLURM_ARRAY_TASK_ID`. Logs go to OUT/.metacurate/slurm/logs/<phase>-%A_%a.log.
 */
import { join } from 'node:path';
import { UsageError } from '../errors';
import {
  batchScriptHead,
  outputFilePattern,
  resourceDirectives,
  shellQuote,
  type SlurmResources,
} from '../executor/sbatch';

export type SlurmPhase = 'count' | 'reduce' | 'select' | 'finalize';

export const SLURM_PHASES: SlurmPhase[] = ['count', 'reduce', 'select', 'finalize'];

/** Resources and extra arguments of every job, and what the jobs run. */
export interface SlurmJobOptions extends SlurmResources {
  /** At most this many tasks of an array run at once (`--array=...%N`). */
  arrayThrottle?: number;
  /** Further `sbatch` arguments, one per element (e.g. `--account=abc`), added to every script. */
  sbatchArgs?: string[];
  /** Absolute path of the node executable on the compute nodes. */
  nodePath: string;
  /** Absolute path of metacurate's dist/cli.js. */
  cliPath: string;
  /** Pass `--no-cache` to the tasks (no matcher cache). */
  noCache?: boolean;
  /** The cluster's MaxArraySize (array indexes are below it); 1001 when unknown. */
  maxArraySize?: number;
}

export const DEFAULT_MAX_ARRAY_SIZE = 1001;

/** What is left to do in a prepared curation. */
export interface PendingWork {
  outDir: string;
  count: number[];
  /** Whether counts must be reduced (count tasks pending, or counts.bin missing). */
  reduce: boolean;
  select: number[];
}

export interface PlannedJob {
  phase: SlurmPhase;
  /** File name of the script under OUT/.metacurate/slurm/. */
  scriptName: string;
  /** Shell variable holding the job id in the printed submission recipe. */
  variable: string;
  script: string;
  /** Array jobs: the slice ids they run, and the slice id of array index 0. */
  taskIds?: number[];
  base?: number;
  /** Indexes (into the plan) of the jobs this one waits for with afterok. */
  after: number[];
}

export function slurmDir(outDir: string): string {
  return join(outDir, '.metacurate', 'slurm');
}

export function logsDir(outDir: string): string {
  return join(slurmDir(outDir), 'logs');
}

/** Log file of an array task (`index` is the array index) or of a single job. */
export function logPath(outDir: string, phase: SlurmPhase, jobId: string, index?: number): string {
  return join(
    logsDir(outDir),
    index === undefined ? `${phase}-${jobId}.log` : `${phase}-${jobId}_${index}.log`,
  );
}

/** `0,1,2,5,7,8` -> `0-2,5,7-8` (ids sorted ascending, no repeats). */
export function arrayRanges(ids: number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** `--output` of a phase's jobs: OUT/.metacurate/slurm/logs/<phase>-%A_%a.log (or -%j). */
function outputPattern(outDir: string, phase: SlurmPhase, array: boolean): string {
  return outputFilePattern(logsDir(outDir), `${phase}-${array ? '%A_%a' : '%j'}.log`);
}

function validate(o: SlurmJobOptions): void {
  if (o.arrayThrottle !== undefined && !(Number.isSafeInteger(o.arrayThrottle) && o.arrayThrottle >= 1)) {
    throw new UsageError(`--array-throttle must be a positive integer, got ${o.arrayThrottle}`);
  }
  if (o.cpusPerTask !== undefined && !(Number.isSafeInteger(o.cpusPerTask) && o.cpusPerTask >= 1)) {
    throw new UsageError(`--cpus-per-task must be a positive integer, got ${o.cpusPerTask}`);
  }
  const max = o.maxArraySize ?? DEFAULT_MAX_ARRAY_SIZE;
  if (!(Number.isSafeInteger(max) && max >= 1))
    throw new UsageError(`MaxArraySize must be a positive integer, got ${max}`);
}

function scriptText(
  phase: SlurmPhase,
  outDir: string,
  o: SlurmJobOptions,
  array: { spec: string; base: number } | undefined,
  dependent: boolean,
): string {
  const directives: string[] = [
    `--job-name=metacurate-${phase}`,
    `--output=${outputPattern(outDir, phase, array !== undefined)}`,
  ];
  if (array) directives.push(`--array=${array.spec}`);
  directives.push(...resourceDirectives({ ...o, cpusPerTask: o.cpusPerTask ?? 1 }));
  directives.push('--ntasks=1', '--nodes=1');
  if (dependent) directives.push('--kill-on-invalid-dep=yes');
  directives.push(...(o.sbatchArgs ?? []));

  const command = [
    shellQuote(o.nodePath),
    shellQuote(o.cliPath),
    'curate-task',
    phase,
    '--out',
    shellQuote(outDir),
  ];
  if (array)
    command.push(
      '--task',
      array.base === 0 ? '"$SLURM_ARRAY_TASK_ID"' : `"$((SLURM_ARRAY_TASK_ID + ${array.base}))"`,
    );
  if (o.noCache && (phase === 'count' || phase === 'select')) command.push('--no-cache');
  const what: Record<SlurmPhase, string> = {
    count: 'count pass, one array task per slice of the pool',
    reduce: 'sum the slices counts into counts.json and counts.bin',
    select: 'select pass, one array task per slice of the pool',
    finalize: 'assemble data/, matches.bin and summary.json',
  };
  return [
    ...batchScriptHead(directives),
    `# metacurate curate --executor slurm: ${what[phase]}.`,
    ...(array
      ? [
          `# Slice id = ${array.base === 0 ? '' : `${array.base} + `}array task id. A slice already done is skipped.`,
        ]
      : []),
    'set -eu',
    `exec ${command.join(' ')}`,
    '',
  ].join('\n');
}

/** Chunks of slice ids that fit under MaxArraySize: [base, ids]. */
function chunks(ids: number[], maxArraySize: number): { base: number; ids: number[] }[] {
  const byChunk = new Map<number, number[]>();
  for (const id of [...ids].sort((a, b) => a - b)) {
    const k = Math.floor(id / maxArraySize);
    const list = byChunk.get(k) ?? [];
    list.push(id);
    byChunk.set(k, list);
  }
  return [...byChunk].map(([k, list]) => ({ base: k * maxArraySize, ids: list }));
}

/**
 * The jobs that finish a prepared curation, in submission order: count arrays (pending slices
 * only), reduce, select arrays, finalize. A phase with nothing left is left out, and the next one
 * waits for the jobs before it that are submitted.
 */
export function planJobs(work: PendingWork, o: SlurmJobOptions): PlannedJob[] {
  validate(o);
  const max = o.maxArraySize ?? DEFAULT_MAX_ARRAY_SIZE;
  const jobs: PlannedJob[] = [];
  let previous: number[] = [];
  const addArray = (phase: 'count' | 'select', ids: number[]) => {
    const parts = chunks(ids, max);
    const added: number[] = [];
    parts.forEach((part, k) => {
      const suffix = parts.length > 1 ? `-${k + 1}` : '';
      const spec =
        arrayRanges(part.ids.map((id) => id - part.base)) + (o.arrayThrottle ? `%${o.arrayThrottle}` : '');
      added.push(jobs.length);
      jobs.push({
        phase,
        scriptName: `${phase}${suffix}.sbatch`,
        variable: `${phase.toUpperCase()}${suffix.replace('-', '_')}`,
        script: scriptText(phase, work.outDir, o, { spec, base: part.base }, previous.length > 0),
        taskIds: part.ids,
        base: part.base,
        after: previous,
      });
    });
    if (added.length > 0) previous = added;
  };
  const addSingle = (phase: 'reduce' | 'finalize') => {
    jobs.push({
      phase,
      scriptName: `${phase}.sbatch`,
      variable: phase.toUpperCase(),
      script: scriptText(phase, work.outDir, o, undefined, previous.length > 0),
      after: previous,
    });
    previous = [jobs.length - 1];
  };
  addArray('count', work.count);
  if (work.reduce || work.count.length > 0) addSingle('reduce');
  addArray('select', work.select);
  addSingle('finalize');
  return jobs;
}

/** The `sbatch` arguments of a planned job, given the ids of the jobs submitted before it. */
export function sbatchArguments(job: PlannedJob, scriptPath: string, jobIds: string[]): string[] {
  const args = ['--parsable'];
  if (job.after.length > 0) args.push(`--dependency=afterok:${job.after.map((i) => jobIds[i]).join(':')}`);
  args.push(scriptPath);
  return args;
}

/** What `--dry-run` prints: the submission commands, then every script. */
export function formatDryRun(work: PendingWork, jobs: PlannedJob[], totalTasks: number): string {
  const dir = slurmDir(work.outDir);
  const lines = [
    `# metacurate curate --executor slurm --dry-run: the jobs a run would submit for ${work.outDir}`,
    `# ${totalTasks} slice(s): ${work.count.length} to count, ${work.select.length} to select.`,
    '# Submission, in this order:',
  ];
  for (const job of jobs) {
    const args = sbatchArguments(job, join(dir, job.scriptName), []);
    if (job.after.length > 0) {
      args[1] = `--dependency=afterok:${job.after.map((i) => `$${jobs[i].variable}`).join(':')}`;
    }
    const shown = args.map((a) => (a.startsWith('--dependency=') ? `"${a}"` : shellQuote(a)));
    lines.push(`#   ${job.variable}=$(sbatch ${shown.join(' ')})`);
  }
  for (const job of jobs) {
    lines.push('', `# ---- ${join(dir, job.scriptName)} ----`, job.script.trimEnd());
  }
  return lines.join('\n') + '\n';
}
