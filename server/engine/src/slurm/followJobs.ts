/**
 * Following the jobs of a curation on Slurm until the finalize job is done (see slurmExecutor.ts):
 * a task is done when its result file is there, failed when Slurm says it ended otherwise (or
 * completed without its result); on a failure, what waits for it is cancelled and the error names
 * each failed task and its log file.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isCurationComplete, isCurationReduced, type CurateSummary, type PreparedCuration } from '../curate';
import type { CountTaskResult } from '../curateTasks';
import { InterruptedError } from '../errors';
import { lastLogLine, sleep } from '../executor/follow';
import { isTerminal, type JobState, type JobStateReader } from '../executor/jobState';
import { cancelJobs, type SlurmRunner } from '../executor/slurmCommands';
import type { ProgressSink } from '../progress';
import { logPath, SLURM_PHASES, type SlurmPhase } from './scripts';

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

export interface FollowContext {
  run: SlurmRunner;
  pollMs: number;
  progress: ProgressSink;
  signal?: AbortSignal;
  reader: JobStateReader;
  started: number;
}

export type Timings = CurateSummary['pass_seconds'];

export async function follow(
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
  let silentSince: number | undefined;

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
    // Unanswered queries end the wait after 30 polls AND at least a minute: a busy controller (or a
    // loaded machine at a short poll interval) is slow, not gone.
    if (states === undefined) {
      queryFailures++;
      silentSince ??= performance.now();
      if (queryFailures >= 30 && performance.now() - silentSince >= 60_000)
        throw new Error(
          `squeue has not answered for ${queryFailures} polls (${Math.round((performance.now() - silentSince) / 1000)} s) in a row: is slurmctld reachable?`,
        );
    } else {
      queryFailures = 0;
      silentSince = undefined;
    }
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
