/**
 * Running the built-in trainer (trainer/metacurate_trainer, Python with PyTorch) from Node: its
 * argument list, where its package is, and a child process whose stderr lines are passed on.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors';

export interface BuiltinTrainerOptions {
  trainData: string[];
  out: string;
  steps: number;
  batchSize: number;
  seed: number;
  lr?: number;
  warmup?: number;
  wd?: number;
  modelConfig?: string;
  precision?: 'auto' | 'amp_bf16' | 'fp32';
  augment?: 'crop' | 'none';
  threads?: number;
  logEvery?: number;
  saveEvery?: number;
  resume?: string;
  datasetType?: 'webdataset' | 'csv';
  /** Sidecars of online balancing; an empty list uses the one beside each training file. */
  onlineBalance?: string[];
  t?: number;
  zeroshotData?: string;
  zeroshotName?: string;
  classnames?: string;
  templates?: string;
}

/** Arguments after `python3 -m metacurate_trainer`, in a fixed order. */
export function builtinTrainerArgs(o: BuiltinTrainerOptions): string[] {
  if (o.trainData.length === 0) throw new UsageError('the trainer needs training data');
  const args = ['--train-data', ...o.trainData];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(flag, String(value));
  };
  add('--dataset-type', o.datasetType);
  if (o.onlineBalance !== undefined) {
    if (o.t === undefined) throw new UsageError('online balancing needs t');
    args.push('--online-balance', ...o.onlineBalance);
    add('--t', o.t);
  }
  add('--steps', o.steps);
  add('--batch-size', o.batchSize);
  add('--lr', o.lr);
  add('--warmup', o.warmup);
  add('--wd', o.wd);
  add('--seed', o.seed);
  add('--model-config', o.modelConfig);
  add('--precision', o.precision);
  add('--augment', o.augment);
  add('--threads', o.threads);
  add('--out', o.out);
  add('--log-every', o.logEvery);
  add('--save-every', o.saveEvery);
  add('--resume', o.resume);
  add('--zeroshot-data', o.zeroshotData);
  add('--zeroshot-name', o.zeroshotName);
  add('--classnames', o.classnames);
  add('--templates', o.templates);
  return args;
}

/** The folder holding `metacurate_trainer/` (the repository's trainer/), searched upwards. */
export function findTrainerDir(explicit?: string): string {
  const has = (dir: string) => existsSync(join(dir, 'metacurate_trainer', '__main__.py'));
  if (explicit !== undefined) {
    if (has(resolve(explicit))) return resolve(explicit);
    throw new UsageError(`${explicit} does not hold the metacurate_trainer package`);
  }
  for (const start of [__dirname, process.cwd()]) {
    let dir = resolve(start);
    for (;;) {
      if (has(join(dir, 'trainer'))) return join(dir, 'trainer');
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new UsageError('cannot find the trainer (trainer/metacurate_trainer): pass --trainer-dir');
}

/** Environment of the trainer: its package on PYTHONPATH, no bytecode files, and glibc malloc
 * settings that spare PyTorch on CPU the cost of fresh mappings. */
export function trainerEnv(trainerDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    PYTHONPATH: base.PYTHONPATH ? `${trainerDir}:${base.PYTHONPATH}` : trainerDir,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    MALLOC_MMAP_THRESHOLD_: base.MALLOC_MMAP_THRESHOLD_ ?? '1073741824',
    MALLOC_TRIM_THRESHOLD_: base.MALLOC_TRIM_THRESHOLD_ ?? '4294967296',
  };
}

export interface TrainerRun {
  code: number;
  stdout: string;
  /** The last stderr lines, for error messages. */
  stderrTail: string[];
}

/**
 * Runs `python -m metacurate_trainer ARGS`; every stderr line goes to `onLine` as it comes.
 * `signal` stops the trainer (SIGTERM) as a kill would: it resolves with the exit it had.
 */
export function runBuiltinTrainer(
  python: string,
  trainerDir: string,
  args: string[],
  onLine: (line: string) => void = () => {},
  signal?: AbortSignal,
): Promise<TrainerRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, ['-m', 'metacurate_trainer', ...args], {
      env: trainerEnv(trainerDir),
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    let stdout = '';
    let pending = '';
    const tail: string[] = [];
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (stdout += d));
    child.stderr.on('data', (d: string) => {
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        onLine(line);
      }
    });
    child.on('error', (err) => {
      // An abort kills the child; 'close' follows and resolves with its exit.
      if (err.name === 'AbortError') return;
      reject(new UsageError(`cannot start ${python} for the trainer: ${err.message} (pass --python)`));
    });
    child.on('close', (code, signal) => {
      if (pending) {
        tail.push(pending);
        onLine(pending);
      }
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderrTail: tail });
    });
  });
}

/** The modules each built-in kind's Python must import (custom commands bring their own). */
export const JOB_MODULES: Readonly<Record<'builtin' | 'openclip', readonly string[]>> = Object.freeze({
  builtin: ['torch', 'numpy', 'PIL'],
  openclip: ['open_clip'],
});

/** Whether a Python can import modules: yes, or why not (one line). */
export type PythonImports = { ok: true } | { ok: false; reason: string };

/**
 * Runs `PYTHON -c 'import M1, M2'` (at most `timeoutMs`) to learn whether a job that needs those
 * modules can start with that Python: the reason is the error's last line (`ModuleNotFoundError:
 * No module named 'open_clip'`), that the Python cannot be run, or that the import took too long.
 */
export function pythonImports(
  python: string,
  modules: readonly string[],
  timeoutMs = 20000,
): Promise<PythonImports> {
  return new Promise((resolvePromise) => {
    execFile(
      python,
      ['-c', `import ${modules.join(', ')}`],
      { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' },
      (err, _stdout, stderr) => {
        if (!err) return resolvePromise({ ok: true });
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.code === 'ENOENT' || e.code === 'EACCES') {
          return resolvePromise({ ok: false, reason: `cannot run ${python} (${e.code})` });
        }
        if (e.killed) {
          return resolvePromise({
            ok: false,
            reason: `importing ${modules.join(', ')} took over ${timeoutMs / 1000} s`,
          });
        }
        const last = stderr
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .pop();
        resolvePromise({ ok: false, reason: last ?? `exit ${String(e.code)}` });
      },
    );
  });
}
