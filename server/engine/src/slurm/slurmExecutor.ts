/**
 * `metacurate curate --executor slurm`: the local curation's two passes as Slurm jobs. The plan
 * (slices, manifest) is made here exactly as for the local executor; every job runs
 * `metacurate curate-task`, the same engine code as the local workers, so the outputs are the
 * same bytes. Then the jobs are followed (followJobs.ts) until the finalize job is done:
 *
 *   - done-ness comes from the tasks' result files (`.metacurate/work/<phase>-<id>.done.json`),
 *     never from job states alone;
 *   - states come from squeue (and sacct or the job-completion log where available): a task that
 *     ends in any other state than COMPLETED, or completes without its result, has failed;
 *   - on a failure, the jobs that wait for it are cancelled, the failed phase's other tasks are
 *     left to finish, and the run ends with an error naming each failed task and its log file;
 *   - a re-run submits only the tasks whose result is missing;
 *   - the follower holds the folder's lock (curationFolder.ts) from planning to the end, so a
 *     second curation of the folder is refused while jobs of this one may run.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  isCurationReduced,
  openCurationFolder,
  pendingTasks,
  prepareCuration,
  type CurateOptions,
  type CurateSummary,
  type PreparedCuration,
} from '../curate';
import { UsageError } from '../errors';
import { writeJsonAtomic } from '../fsAtomic';
import { loadOrBuildIndex } from '../match/matcher';
import { silentProgress, type ProgressSink } from '../progress';
import { JobStateReader } from '../executor/jobState';
import {
  cancelJobs,
  jobCompletionLog,
  queuedJobs,
  runSlurmCommand,
  slurmConfig,
  submitBatchJob,
  type SlurmRunner,
} from '../executor/slurmCommands';
import {
  DEFAULT_MAX_ARRAY_SIZE,
  formatDryRun,
  logsDir,
  planJobs,
  sbatchArguments,
  slurmDir,
  type PendingWork,
  type PlannedJob,
  type SlurmJobOptions,
} from './scripts';
import { follow, type SubmittedJob, type Timings } from './followJobs';

export { SlurmJobError, type FailedTask, type SubmittedJob } from './followJobs';

export interface SlurmOptions {
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  mem?: string;
  arrayThrottle?: number;
  sbatchArgs?: string[];
  /** node on the compute nodes (default: the one running this). */
  nodePath?: string;
  /** metacurate's dist/cli.js (default: found next to this code). */
  cliPath?: string;
  /** Seconds between two looks at the queue (default 5). */
  pollSeconds?: number;
  /** Overrides the cluster's MaxArraySize (read with `scontrol show config`). */
  maxArraySize?: number;
  /** Runs the Slurm client programs (tests may replace it). */
  run?: SlurmRunner;
  /** Aborting cancels the submitted jobs (`scancel`) and ends the run with an error. */
  signal?: AbortSignal;
}

/** What a dry run returns: the text it prints, and the jobs it would submit. */
export interface SlurmDryRun {
  text: string;
  jobs: PlannedJob[];
}

/** The scripts a run would submit, without submitting anything (the plan is written to OUT). */
export async function slurmDryRun(
  options: CurateOptions,
  slurm: SlurmOptions,
  progress: ProgressSink = silentProgress,
): Promise<SlurmDryRun | { complete: CurateSummary }> {
  const folder = await openCurationFolder(options, 'curate --executor slurm --dry-run', progress);
  try {
    const opened = await prepareCuration(options, progress, folder, slurm.signal);
    if ('complete' in opened) return opened;
    const prepared = opened.prepared;
    // Nothing is asked of Slurm here (a dry run works where Slurm is not reachable): array chunks
    // assume the default MaxArraySize unless told otherwise.
    const maxArraySize = slurm.maxArraySize ?? DEFAULT_MAX_ARRAY_SIZE;
    const work = await pendingWork(prepared);
    const jobs = planJobs(work, jobOptions(slurm, options, maxArraySize));
    let text = formatDryRun(work, jobs, prepared.tasks.length);
    if (prepared.tasks.length > maxArraySize) {
      text = `# Arrays are split at MaxArraySize=${maxArraySize} here; a run uses the cluster's value.\n${text}`;
    }
    return { text, jobs };
  } finally {
    await folder.release();
  }
}

/** Curates on Slurm: submits what is left to do, follows it, returns the summary. */
export async function curateOnSlurm(
  options: CurateOptions,
  slurm: SlurmOptions,
  progress: ProgressSink = silentProgress,
): Promise<CurateSummary> {
  const started = performance.now();
  const run = slurm.run ?? runSlurmCommand;
  const pollSeconds = slurm.pollSeconds ?? 5;
  if (!(pollSeconds > 0) || !Number.isFinite(pollSeconds)) {
    throw new UsageError(`--poll-seconds must be a positive number, got ${pollSeconds}`);
  }
  const pollMs = Math.max(50, pollSeconds * 1000);
  const folder = await openCurationFolder(options, 'curate --executor slurm', progress);
  try {
    // Before anything in the folder changes: jobs of a killed follower may still be writing there.
    await refuseIfStillQueued(folder.outDir, run);
    const opened = await prepareCuration(options, progress, folder, slurm.signal);
    if ('complete' in opened) return opened.complete;
    const prepared = opened.prepared;
    const config = await slurmConfig(run);
    const maxArraySize = slurm.maxArraySize ?? (Number(config.get('MaxArraySize')) || DEFAULT_MAX_ARRAY_SIZE);
    const work = await pendingWork(prepared);
    const jobs = planJobs(work, jobOptions(slurm, options, maxArraySize));
    if (options.cache !== false) {
      // Built once here, so that every task loads the matcher from the cache.
      const index = loadOrBuildIndex(prepared.metadata, prepared.padding, true);
      progress.info(`Matcher ${index.fromCache ? 'cache found' : 'built and cached'} at ${index.cachePath}.`);
    }
    const submitted = await submit(jobs, prepared.outDir, run, progress);
    const timings = await follow(prepared, submitted, {
      run,
      pollMs,
      progress,
      signal: slurm.signal,
      reader: new JobStateReader(
        run,
        submitted.map((j) => j.jobId),
        jobCompletionLog(config),
      ),
      started,
    });
    return await completeSummary(prepared, timings, started, slurm.arrayThrottle);
  } finally {
    progress.finish();
    await folder.release();
  }
}

function jobOptions(slurm: SlurmOptions, options: CurateOptions, maxArraySize: number): SlurmJobOptions {
  return {
    partition: slurm.partition,
    time: slurm.time,
    cpusPerTask: slurm.cpusPerTask,
    mem: slurm.mem,
    arrayThrottle: slurm.arrayThrottle,
    sbatchArgs: slurm.sbatchArgs,
    nodePath: slurm.nodePath ?? process.execPath,
    cliPath: slurm.cliPath ?? defaultCliPath(),
    noCache: options.cache === false,
    maxArraySize,
  };
}

/**
 * metacurate's CLI for the job scripts: this file itself inside the bundle (dist/cli.js), or
 * the bundle of the checkout when running from tsc's output (tests).
 */
export function defaultCliPath(): string {
  if (basename(__filename) === 'cli.js') return __filename;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'dist', 'cli.js');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new UsageError(
    'cannot find metacurate dist/cli.js for the job scripts (build it with `npm run bundle`)',
  );
}

async function pendingWork(prepared: PreparedCuration): Promise<PendingWork> {
  const count = (await pendingTasks(prepared, 'count')).map((t) => t.id);
  const select = (await pendingTasks(prepared, 'select')).map((t) => t.id);
  const reduced = await isCurationReduced(prepared);
  return { outDir: prepared.outDir, count, select, reduce: count.length > 0 || !reduced };
}

function jobsFile(outDir: string): string {
  return join(slurmDir(outDir), 'jobs.json');
}

/** Two followers of the same folder would race: refuse while an earlier submission is queued. */
async function refuseIfStillQueued(outDir: string, run: SlurmRunner): Promise<void> {
  let previous: { jobs: SubmittedJob[] };
  try {
    previous = JSON.parse(await readFile(jobsFile(outDir), 'utf8')) as { jobs: SubmittedJob[] };
  } catch {
    return;
  }
  const ids = previous.jobs.map((j) => j.jobId);
  if (ids.length === 0) return;
  const queued = await queuedJobs(run, ids);
  // undefined: ids the controller no longer knows.
  if (queued !== undefined && queued.length > 0) {
    throw new UsageError(
      `jobs of an earlier submission for ${outDir} are still queued or running (${ids.join(', ')}): ` +
        `wait for them to end, or cancel them with \`scancel ${ids.join(' ')}\`, then run again`,
    );
  }
}

async function submit(
  jobs: PlannedJob[],
  outDir: string,
  run: SlurmRunner,
  progress: ProgressSink,
): Promise<SubmittedJob[]> {
  const dir = slurmDir(outDir);
  await mkdir(logsDir(outDir), { recursive: true });
  const ids: string[] = [];
  const submitted: SubmittedJob[] = [];
  try {
    for (const job of jobs) {
      const path = join(dir, job.scriptName);
      await writeFile(path, job.script, { mode: 0o755 });
      const id = await submitBatchJob(run, sbatchArguments(job, path, ids));
      ids.push(id);
      submitted.push({ phase: job.phase, jobId: id, script: path, taskIds: job.taskIds, base: job.base });
    }
  } catch (err) {
    await cancelJobs(run, ids).catch(() => undefined);
    throw err;
  }
  await writeJsonAtomic(jobsFile(outDir), { submitted: new Date().toISOString(), jobs: submitted });
  progress.info(
    'Submitted ' +
      submitted
        .map(
          (j) =>
            `${j.phase} ${j.jobId}${j.taskIds ? ` (${j.taskIds.length} task${j.taskIds.length === 1 ? '' : 's'})` : ''}`,
        )
        .join(', ') +
      '.',
  );
  return submitted;
}

/** The finalize job wrote summary.json; it gets the timings of the whole run. */
async function completeSummary(
  prepared: PreparedCuration,
  timings: Timings,
  started: number,
  throttle?: number,
): Promise<CurateSummary> {
  const path = join(prepared.outDir, 'summary.json');
  const summary = JSON.parse(await readFile(path, 'utf8')) as CurateSummary;
  const wall = (performance.now() - started) / 1000;
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  const patched: CurateSummary = {
    ...summary,
    workers: Math.min(prepared.tasks.length, throttle ?? prepared.tasks.length),
    wall_seconds: round3(wall),
    pass_seconds: {
      index: round3(timings.index),
      count: round3(timings.count),
      select: round3(timings.select),
      finalize: round3(timings.finalize),
    },
    records_per_second: wall > 0 ? Math.round(summary.pool.records / wall) : 0,
    resumed: prepared.resumed,
  };
  await writeJsonAtomic(path, patched);
  return patched;
}
