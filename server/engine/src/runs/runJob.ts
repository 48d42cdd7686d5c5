/**
 * Runs a run's command and keeps its state.json true while it goes: locally as a child process in
 * its own process group, or on Slurm as one batch job (`sbatch`, followed with squeue/sacct, log
 * tailed from the shared file system). Progress comes from the trainer's own log lines (both
 * trainers' formats, trainResults.parseTrainLogLine), read as they are appended.
 * Cancelling (an AbortSignal here; SIGTERM to `metacurate run start` from outside) stops the
 * process group with SIGTERM, then SIGKILL after a grace period, or runs `scancel`.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors';
import { LogTail } from '../executor/follow';
import { isTerminal } from '../executor/jobState';
import { isProcessAlive, runLocalJob, stopProcessGroup } from '../executor/localProcess';
import { batchScriptHead, outputFilePattern, resourceDirectives } from '../executor/sbatch';
import { followSlurmJob } from '../executor/slurmJob';
import { cancelJobs, runSlurmCommand, submitBatchJob, type SlurmRunner } from '../executor/slurmCommands';
import { parseTrainLogLine } from '../trainResults';
import {
  JOB_LOG,
  effectiveRunState,
  isFinished,
  readRunSpec,
  readRunState,
  writeRunState,
  type RunProgress,
  type RunSpec,
  type RunState,
} from './runFolder';

export interface ExecuteRunOptions {
  /** Called whenever the state changes (status, progress). */
  onState?: (state: RunState) => void;
  /** Every line the job prints, as it comes (local) or as the log grows (Slurm). */
  onLine?: (line: string) => void;
  /** Aborting cancels the run. */
  signal?: AbortSignal;
  /** Milliseconds between looks at logs and the queue (default 500 local, 2000 Slurm). */
  pollMs?: number;
  /** Seconds between SIGTERM and SIGKILL when cancelling a local run (default 10). */
  killGraceSeconds?: number;
  slurmRun?: SlurmRunner;
}

/** Progress from one trainer log line, merged into what was known. */
export function progressFromLine(
  spec: RunSpec,
  line: string,
  previous: RunProgress | undefined,
): RunProgress | undefined {
  const entry = parseTrainLogLine(line);
  if (!entry) return undefined;
  const steps = spec.kind === 'builtin' ? spec.steps : undefined;
  const percent =
    entry.step !== undefined && steps ? (100 * entry.step) / steps : (entry.percent ?? previous?.percent);
  const progress: RunProgress = {
    step: entry.step ?? previous?.step,
    steps: steps ?? previous?.steps,
    epoch: entry.epoch ?? previous?.epoch,
    percent,
    loss: entry.loss ?? previous?.loss,
    samplesPerSecond: entry.samplesPerSecond ?? previous?.samplesPerSecond,
    etaSeconds: entry.etaSeconds ?? previous?.etaSeconds,
  };
  // Only what is known (state.json drops undefined anyway).
  return Object.fromEntries(Object.entries(progress).filter(([, v]) => v !== undefined)) as RunProgress;
}

/** The environment of the job: ours plus the run's variables (PYTHONPATH prepended, not replaced). */
function jobEnv(spec: RunSpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(spec.env)) {
    env[k] = k === 'PYTHONPATH' && process.env.PYTHONPATH ? `${v}:${process.env.PYTHONPATH}` : v;
  }
  return env;
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** Runs the run in `runDir` to its end; resolves with the final state (never rejects for the job's own failure). */
export async function executeRun(runDir: string, options: ExecuteRunOptions = {}): Promise<RunState> {
  const spec = readRunSpec(runDir);
  const current = effectiveRunState(readRunState(runDir));
  if (current.status !== 'queued') {
    throw new Error(
      `run ${spec.id} is ${current.status}: re-run it to train again (metacurate run rerun ${spec.id})`,
    );
  }
  mkdirSync(dirname(join(runDir, spec.results)), { recursive: true });
  return spec.executor === 'slurm'
    ? executeOnSlurm(runDir, spec, options)
    : executeLocally(runDir, spec, options);
}

class StateKeeper {
  state: Omit<RunState, 'updatedAt'>;
  private lastWrite = 0;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly runDir: string,
    initial: Omit<RunState, 'updatedAt'>,
    private readonly onState?: (state: RunState) => void,
  ) {
    this.state = initial;
  }

  /** Writes now (status changes) or at most once a second (progress). */
  update(change: Partial<RunState>, force = true): Promise<unknown> {
    this.state = { ...this.state, ...change };
    const now = Date.now();
    if (!force && now - this.lastWrite < 1000) return this.writing;
    this.lastWrite = now;
    const snapshot = this.state;
    this.writing = this.writing.then(async () => {
      const written = await writeRunState(this.runDir, snapshot);
      this.onState?.(written);
    });
    return this.writing;
  }
}

function watchProgress(spec: RunSpec, keeper: StateKeeper): (line: string) => void {
  return (line) => {
    const progress = progressFromLine(spec, line, keeper.state.progress);
    if (progress) void keeper.update({ progress }, false);
  };
}

async function executeLocally(runDir: string, spec: RunSpec, options: ExecuteRunOptions): Promise<RunState> {
  const keeper = new StateKeeper(
    runDir,
    { status: 'running', supervisorPid: process.pid, host: hostname(), startedAt: new Date().toISOString() },
    options.onState,
  );
  await keeper.update({});
  const log = createWriteStream(join(runDir, JOB_LOG), { flags: 'a' });
  const progressOf = watchProgress(spec, keeper);
  const trainLog = spec.trainLog ? new LogTail(join(runDir, spec.trainLog)) : undefined;
  let output = '';
  let pending = '';
  const onText = (text: string) => {
    log.write(text);
    output = (output + text).slice(-8192);
    const lines = (pending + text).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      options.onLine?.(line);
      if (!trainLog) progressOf(line);
    }
  };

  const result = await runLocalJob(
    { command: spec.command, cwd: spec.cwd, env: jobEnv(spec) },
    {
      onStart: (pid) => void keeper.update({ pid }),
      onText,
      onPoll: () => trainLog?.read(progressOf),
      pollMs: options.pollMs,
      signal: options.signal,
      killGraceSeconds: options.killGraceSeconds,
    },
  );
  if (pending) onText('\n');
  await new Promise<void>((r) => log.end(r));
  const endedAt = new Date().toISOString();
  if (options.signal?.aborted) {
    await keeper.update({
      status: 'cancelled',
      endedAt,
      exitCode: result.code ?? undefined,
      signal: result.signal ?? undefined,
    });
  } else if (result.code === 0) {
    await keeper.update({ status: 'succeeded', endedAt, exitCode: 0 });
  } else {
    const how = result.error ?? (result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`);
    await keeper.update({
      status: 'failed',
      endedAt,
      exitCode: result.code ?? undefined,
      signal: result.signal ?? undefined,
      error: `${how}${output.trim() ? `; last output:\n${lastLines(output, 5)}` : ''}`,
    });
  }
  return readRunState(runDir);
}

/** Files in the run folder from which a Slurm job reads its working folder, command and variables. */
export const SLURM_JOB_ARGV = 'job.argv';
export const SLURM_JOB_ENV = 'job.env';

/**
 * The batch script of a run: resources and log file, then a fixed body that reads the job's
 * working folder and command from job.argv and its variables from job.env (slurmJobFiles), so
 * no value of the run (a file name, a template's placeholder) is pasted into the script where
 * bash would parse it. The job starts in the run folder (--chdir), where those files are.
 */
export function slurmScript(runDir: string, spec: RunSpec): string {
  const s = spec.slurm ?? {};
  const lines = batchScriptHead([
    `--job-name=metacurate-run-${spec.id}`,
    `--output=${outputFilePattern(runDir, JOB_LOG)}`,
    '--open-mode=append',
    `--chdir=${runDir}`,
    // Only the resources that are set (an empty value is left to the cluster's default).
    ...resourceDirectives({
      partition: s.partition || undefined,
      time: s.time || undefined,
      cpusPerTask: s.cpusPerTask || undefined,
      mem: s.mem || undefined,
    }),
    ...(s.sbatchArgs ?? []),
  ]);
  lines.push(
    `# The working folder and command (${SLURM_JOB_ARGV}) and the variables (${SLURM_JOB_ENV}) of the`,
    '# job, each ended by a NUL byte: read as data, never parsed as shell code.',
    'set -e',
    'argv=()',
    `while IFS= read -r -d '' arg; do argv+=("$arg"); done < ${SLURM_JOB_ARGV}`,
    "while IFS= read -r -d '' assignment; do",
    '  name=${assignment%%=*}',
    '  value=${assignment#*=}',
    '  # PYTHONPATH is put before the one the job inherits, not in its place.',
    '  if [ "$name" = PYTHONPATH ] && [ -n "${PYTHONPATH:-}" ]; then value=$value:$PYTHONPATH; fi',
    '  export "$name=$value"',
    `done < ${SLURM_JOB_ENV}`,
    'cd -- "${argv[0]}"',
    'exec "${argv[@]:1}"',
  );
  return lines.join('\n') + '\n';
}

/**
 * The contents of job.argv (the working folder, then the command, argv[0] first) and job.env
 * (`NAME=value` per variable), every item ended by a NUL byte, for slurmScript's body.
 */
export function slurmJobFiles(spec: RunSpec): { argv: Buffer; env: Buffer } {
  const items = [spec.cwd, ...spec.command, ...Object.values(spec.env)];
  if (items.some((item) => item.includes('\0'))) {
    throw new UsageError(`run ${spec.id}: a value of its command or variables holds a NUL character`);
  }
  const bad = Object.keys(spec.env).find((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
  if (bad !== undefined) throw new UsageError(`run ${spec.id}: '${bad}' is not a variable name`);
  const nulEnded = (list: string[]) => Buffer.from(list.map((item) => `${item}\0`).join(''));
  return {
    argv: nulEnded([spec.cwd, ...spec.command]),
    env: nulEnded(Object.entries(spec.env).map(([name, value]) => `${name}=${value}`)),
  };
}

async function executeOnSlurm(runDir: string, spec: RunSpec, options: ExecuteRunOptions): Promise<RunState> {
  const run = options.slurmRun ?? runSlurmCommand;
  const keeper = new StateKeeper(
    runDir,
    { status: 'queued', supervisorPid: process.pid, host: hostname() },
    options.onState,
  );
  const scriptPath = join(runDir, 'job.sbatch');
  const files = slurmJobFiles(spec);
  writeFileSync(join(runDir, SLURM_JOB_ARGV), files.argv);
  writeFileSync(join(runDir, SLURM_JOB_ENV), files.env);
  writeFileSync(scriptPath, slurmScript(runDir, spec), { mode: 0o755 });
  let jobId: string;
  try {
    jobId = await submitBatchJob(run, ['--parsable', scriptPath]);
  } catch (err) {
    await keeper.update({
      status: 'failed',
      endedAt: new Date().toISOString(),
      error: (err as Error).message,
    });
    return readRunState(runDir);
  }
  await keeper.update({ slurmJobId: jobId, slurmState: 'PENDING' });
  const jobLog = new LogTail(join(runDir, JOB_LOG));
  const trainLog = spec.trainLog ? new LogTail(join(runDir, spec.trainLog)) : undefined;
  const progressOf = watchProgress(spec, keeper);
  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    void cancelJobs(run, [jobId]).catch(() => undefined);
  };
  if (options.signal?.aborted) cancel();
  options.signal?.addEventListener('abort', cancel, { once: true });
  let final;
  try {
    final = await followSlurmJob(run, jobId, {
      pollMs: options.pollMs ?? 2000,
      onPoll: () => {
        jobLog.read((line) => {
          options.onLine?.(line);
          if (!trainLog) progressOf(line);
        });
        trainLog?.read(progressOf);
      },
      onState: async (job) => {
        if (job.state === keeper.state.slurmState) return;
        const started = job.state === 'RUNNING' && !keeper.state.startedAt;
        await keeper.update({
          slurmState: job.state,
          status:
            job.state === 'PENDING' ? 'queued' : isTerminal(job.state) ? keeper.state.status : 'running',
          ...(started ? { startedAt: new Date().toISOString() } : {}),
        });
      },
    });
  } finally {
    options.signal?.removeEventListener('abort', cancel);
  }
  jobLog.read((line) => options.onLine?.(line));
  trainLog?.read(progressOf);
  const endedAt = new Date().toISOString();
  const exitCode = final.exitCode ? Number(final.exitCode.split(':')[0]) : undefined;
  if (final.state === 'COMPLETED') {
    await keeper.update({ status: 'succeeded', endedAt, exitCode: 0, slurmState: final.state });
  } else if (cancelled || final.state === 'CANCELLED') {
    await keeper.update({ status: 'cancelled', endedAt, slurmState: final.state });
  } else {
    await keeper.update({
      status: 'failed',
      endedAt,
      exitCode,
      slurmState: final.state,
      error: `Slurm job ${jobId} ended ${final.state}${final.exitCode ? ` (exit ${final.exitCode})` : ''}: see ${JOB_LOG}`,
    });
  }
  return readRunState(runDir);
}

/**
 * Cancels a run from outside its supervisor: SIGTERM to the supervisor when it lives on this
 * machine (it stops the job and records the end); otherwise stops the job itself (scancel, or
 * the process group) and records `cancelled`. Resolves with the state once it is final.
 */
export async function cancelRun(
  runDir: string,
  options: { slurmRun?: SlurmRunner; waitSeconds?: number } = {},
): Promise<RunState> {
  const state = effectiveRunState(readRunState(runDir));
  if (isFinished(state.status)) return state;
  const local = state.host === hostname();
  if (local && isProcessAlive(state.supervisorPid)) {
    process.kill(state.supervisorPid!, 'SIGTERM');
    const deadline = Date.now() + (options.waitSeconds ?? 30) * 1000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const now = readRunState(runDir);
      if (isFinished(now.status)) return now;
    }
    throw new Error(`run ${runDir}: its supervisor (pid ${state.supervisorPid}) did not stop`);
  }
  if (state.slurmJobId) await cancelJobs(options.slurmRun ?? runSlurmCommand, [state.slurmJobId]);
  else if (local && isProcessAlive(state.pid)) stopProcessGroup(state.pid!, 'SIGTERM');
  const { updatedAt: _, ...rest } = state;
  return writeRunState(runDir, { ...rest, status: 'cancelled', endedAt: new Date().toISOString() });
}
