/**
 * `metacurate curate --executor slurm`: the local curation's two passes as Slurm jobs. The plan
 * (slices, manifest) is made here exactly as for the local executor; every job runs
 * `metacurate curate-task`, the same engine code as the local workers, so the outputs are the
 * same bytes. Then the jobs are followed until the finalize job is done:
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
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  isCurationComplete,
  isCurationReduced,
  openCurationFolder,
  pendingTasks,
  prepareCuration,
  type CurateOptions,
  type CurateSummary,
  type PreparedCuration,
} from '../curate';
import type { CountTaskResult } from '../curateTasks';
import { InterruptedError, UsageError } from '../errors';
import { writeJsonAtomic } from '../fsAtomic';
import { loadOrBuildIndex } from '../match/matcher';
import { silentProgress, type ProgressSink } from '../progress';
import { lastLogLine, sleep } from '../executor/follow';
import { isTerminal, JobStateReader, type JobState } from '../executor/jobState';
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
  logPath,
  logsDir,
  planJobs,
  sbatchArguments,
  SLURM_PHASES,
  slurmDir,
  type PendingWork,
  type PlannedJob,
  type SlurmJobOptions,
  type SlurmPhase,
} from './scripts';

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

/** A job submitted for a curation, as recorded in OUT/.metacurate/slurm/jobs.json. */
export interface SubmittedJob {
  phase: SlurmPhase;
  jobId: string;
  script: string;
  taskIds?: number[];
  base?: number;
}

export interface FailedTask {
  phase: SlurmPhase;
  /** Slice id, for count and select tasks. */
  task?: number;
  jobId: string;
  state: string;
  exitCode?: string;
  log: string;
  /** The log's last line (often the task's error message). */
  lastLogLine?: string;
}

/** One or more jobs of the curation failed; the message names each task and its log file. */
export class SlurmJobError extends Error {
  constructor(
    message: string,
    readonly failed: FailedTask[],
  ) {
    super(message);
    this.name = 'SlurmJobError';
  }
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

/** One array task or single job being followed. */
interface Unit {
  phase: SlurmPhase;
  jobId: string;
  key: string;
  task?: number;
  log: string;
  status: 'waiting' | 'ok' | 'failed' | 'skipped';
  /** When it was first seen finished without its result, or unknown to Slurm. */
  oddSince?: number;
}

interface FollowContext {
  run: SlurmRunner;
  pollMs: number;
  progress: ProgressSink;
  signal?: AbortSignal;
  reader: JobStateReader;
  started: number;
}

type Timings = CurateSummary['pass_seconds'];

async function follow(
  prepared: PreparedCuration,
  submitted: SubmittedJob[],
  ctx: FollowContext,
): Promise<Timings> {
  const { outDir, workDir } = prepared;
  const units: Unit[] = [];
  for (const job of submitted) {
    if (job.taskIds) {
      for (const task of job.taskIds) {
        const index = task - (job.base ?? 0);
        units.push({
          phase: job.phase,
          jobId: job.jobId,
          key: `${job.jobId}_${index}`,
          task,
          log: logPath(outDir, job.phase, job.jobId, index),
          status: 'waiting',
        });
      }
    } else {
      units.push({
        phase: job.phase,
        jobId: job.jobId,
        key: job.jobId,
        log: logPath(outDir, job.phase, job.jobId),
        status: 'waiting',
      });
    }
  }
  const total = prepared.tasks.length;
  const records: Record<'count' | 'select', number> = { count: 0, select: 0 };
  const alreadyDone: Record<SlurmPhase, number> = { count: 0, select: 0, reduce: 0, finalize: 0 };
  for (const phase of ['count', 'select'] as const) {
    alreadyDone[phase] = total - units.filter((u) => u.phase === phase).length;
  }
  const phaseEnded = new Map<SlurmPhase, number>();
  const failed: FailedTask[] = [];
  const grace = Math.max(10_000, 5 * ctx.pollMs);
  let firstFailurePhase: number | undefined;
  let cancelled = new Set<string>();
  let queryFailures = 0;

  const cancel = async (ids: string[]) => {
    const fresh = ids.filter((id) => !cancelled.has(id));
    if (fresh.length === 0) return;
    cancelled = new Set([...cancelled, ...fresh]);
    await cancelJobs(ctx.run, fresh).catch(() => undefined);
  };
  const fail = async (unit: Unit, state: JobState | undefined, why?: string) => {
    unit.status = 'failed';
    const f: FailedTask = {
      phase: unit.phase,
      task: unit.task,
      jobId: unit.jobId,
      state: why ?? state?.state ?? 'UNKNOWN',
      exitCode: state?.exitCode,
      log: unit.log,
      lastLogLine: await lastLogLine(unit.log),
    };
    failed.push(f);
    ctx.progress.info(`Failed: ${describe(f)}`);
    const phaseIndex = SLURM_PHASES.indexOf(unit.phase);
    if (firstFailurePhase === undefined || phaseIndex < firstFailurePhase) firstFailurePhase = phaseIndex;
  };

  for (;;) {
    if (ctx.signal?.aborted) {
      await cancel(unique(units.filter((u) => u.status === 'waiting').map((u) => u.jobId)));
      throw new InterruptedError(
        `interrupted: cancelled the Slurm jobs of ${outDir} (${unique(units.map((u) => u.jobId)).join(', ')}); run again to resume`,
      );
    }
    const names = new Set(await readdir(workDir).catch(() => [] as string[]));
    const states = await ctx.reader.read();
    if (states === undefined) {
      if (++queryFailures >= 30)
        throw new Error('squeue has not answered for 30 polls in a row: is slurmctld reachable?');
    } else queryFailures = 0;
    const now = performance.now();

    for (const unit of units) {
      if (unit.status !== 'waiting') continue;
      const isArray = unit.task !== undefined;
      if (isArray && names.has(`${unit.phase}-${unit.task}.done.json`)) {
        unit.status = 'ok';
        const result = await readJson<CountTaskResult>(join(workDir, `${unit.phase}-${unit.task}.done.json`));
        records[unit.phase as 'count' | 'select'] += result?.records ?? 0;
        continue;
      }
      if (states === undefined) continue;
      const state = states.get(unit.key);
      const upstreamFailed =
        firstFailurePhase !== undefined && SLURM_PHASES.indexOf(unit.phase) > firstFailurePhase;
      if (state && !isTerminal(state.state)) {
        unit.oddSince = undefined;
        if (state.reason === 'DependencyNeverSatisfied') {
          unit.status = 'skipped';
          await cancel([unit.jobId]);
        }
        continue;
      }
      if (state?.state === 'COMPLETED') {
        if (!isArray && (await singleJobDone(prepared, unit.phase))) {
          unit.status = 'ok';
          continue;
        }
        // The result may not be visible yet on a network file system: wait a little.
        unit.oddSince ??= now;
        if (now - unit.oddSince > grace) await fail(unit, state, 'COMPLETED without writing its result');
        continue;
      }
      if (state === undefined) {
        unit.oddSince ??= now;
        if (now - unit.oddSince < grace) continue;
      }
      if (upstreamFailed || state?.reason === 'DependencyNeverSatisfied') unit.status = 'skipped';
      else await fail(unit, state, state ? undefined : 'no longer known to Slurm');
    }

    if (firstFailurePhase !== undefined) {
      // Nothing after the failed phase can run: cancel it now rather than leave it queued.
      await cancel(
        unique(
          units
            .filter((u) => u.status === 'waiting' && SLURM_PHASES.indexOf(u.phase) > firstFailurePhase!)
            .map((u) => u.jobId),
        ),
      );
    }
    for (const phase of SLURM_PHASES) {
      const mine = units.filter((u) => u.phase === phase);
      if (phaseEnded.has(phase) || !mine.every((u) => u.status === 'ok')) continue;
      phaseEnded.set(phase, now);
      if (mine.length === 0) continue;
      const all = phase === 'count' || phase === 'select' ? total : 1;
      const rec = phase === 'count' || phase === 'select' ? records[phase] : 0;
      ctx.progress.update({ phase, done: all, total: all, records: rec, unit: 'tasks' });
      const took = (
        (now -
          (phase === 'count'
            ? ctx.started
            : (phaseEnded.get(SLURM_PHASES[SLURM_PHASES.indexOf(phase) - 1]) ?? ctx.started))) /
        1000
      ).toFixed(1);
      ctx.progress.info(
        `${phase}: ${mine.length} ${mine.length === 1 && mine[0].task === undefined ? 'job' : 'task(s)'} done in ${took} s.`,
      );
    }
    const current = SLURM_PHASES.find((p) => units.some((u) => u.phase === p && u.status === 'waiting'));
    if (current) {
      const mine = units.filter((u) => u.phase === current);
      const done = mine.filter((u) => u.status === 'ok').length + alreadyDone[current];
      const all = current === 'count' || current === 'select' ? total : 1;
      const rec = current === 'count' || current === 'select' ? records[current] : 0;
      ctx.progress.update({ phase: current, done, total: all, records: rec, unit: 'tasks' });
    }
    if (units.every((u) => u.status !== 'waiting')) break;
    await sleep(ctx.pollMs, ctx.signal);
  }

  if (failed.length > 0) {
    const missing = (phase: 'count' | 'select') =>
      units.filter((u) => u.phase === phase && u.status !== 'ok').length;
    throw new SlurmJobError(
      `${failed.length} Slurm job(s) failed:\n` +
        failed.map((f) => `  ${describe(f)}`).join('\n') +
        `\n${missing('count')} count and ${missing('select')} select task(s) are unfinished; ` +
        'run the same command again to submit only those.',
      failed,
    );
  }
  const seconds = (from: number, to: SlurmPhase) => {
    const end = phaseEnded.get(to);
    return end === undefined ? 0 : Math.max(0, (end - from) / 1000);
  };
  const countEnd = phaseEnded.get('count') ?? ctx.started;
  const reduceEnd = phaseEnded.get('reduce') ?? countEnd;
  const selectEnd = phaseEnded.get('select') ?? reduceEnd;
  return {
    index: 0,
    count: units.some((u) => u.phase === 'count') ? seconds(ctx.started, 'count') : 0,
    select: units.some((u) => u.phase === 'select') ? seconds(reduceEnd, 'select') : 0,
    finalize: seconds(selectEnd, 'finalize'),
  };
}

function describe(f: FailedTask): string {
  const what =
    f.task === undefined ? `${f.phase} job ${f.jobId}` : `${f.phase} task ${f.task} (job ${f.jobId})`;
  const last = f.lastLogLine ? `\n    last log line: ${f.lastLogLine}` : '';
  return `${what}: ${f.state}${f.exitCode ? `, exit code ${f.exitCode}` : ''}; log: ${f.log}${last}`;
}

async function singleJobDone(prepared: PreparedCuration, phase: SlurmPhase): Promise<boolean> {
  if (phase === 'reduce') return isCurationReduced(prepared);
  if (phase === 'finalize') return isCurationComplete(prepared);
  return false;
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

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}
