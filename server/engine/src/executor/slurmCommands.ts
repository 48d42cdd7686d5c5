/**
 * The Slurm client programs (sbatch, squeue, scancel, scontrol, sacct), run without a shell, and
 * the few things both executors on Slurm (curations and training runs) ask of them.
 * They read SLURM_CONF and the rest of the environment as usual.
 */
import { execFile } from 'node:child_process';

export interface SlurmCommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type SlurmProgram = 'sbatch' | 'squeue' | 'scancel' | 'scontrol' | 'sacct';

/** Runs one Slurm client program; a program that is not installed rejects with a clear message. */
export type SlurmRunner = (program: SlurmProgram, args: string[]) => Promise<SlurmCommandResult>;

export const runSlurmCommand: SlurmRunner = (program, args) =>
  new Promise((resolve, reject) => {
    execFile(program, args, { maxBuffer: 256 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`${program} not found: --executor slurm needs the Slurm client commands on PATH`));
        return;
      }
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });

/** Runs a program and returns its stdout, or throws with its stderr when it fails. */
export async function checked(run: SlurmRunner, program: SlurmProgram, args: string[]): Promise<string> {
  const r = await run(program, args);
  if (r.code !== 0) {
    throw new Error(
      `${program} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r.stdout;
}

/** `scontrol show config` as key -> value. */
export async function slurmConfig(run: SlurmRunner): Promise<Map<string, string>> {
  const out = await checked(run, 'scontrol', ['show', 'config']);
  const config = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^(\S+)\s+=\s?(.*)$/.exec(line);
    if (m) config.set(m[1], m[2].trim());
  }
  return config;
}

/**
 * The job-completion log, where the cluster writes one (JobCompType=jobcomp/filetxt): it outlives
 * squeue's memory of a finished job.
 */
export function jobCompletionLog(config: Map<string, string>): string | undefined {
  return config.get('JobCompType') === 'jobcomp/filetxt' ? config.get('JobCompLoc') : undefined;
}

/** Submits one batch job (`args` are sbatch's, `--parsable` among them) and returns its id. */
export async function submitBatchJob(run: SlurmRunner, args: string[]): Promise<string> {
  const out = await checked(run, 'sbatch', args);
  const id = out.trim().split(';')[0];
  if (!/^\d+$/.test(id))
    throw new Error(`sbatch printed no job id for ${args[args.length - 1]}: ${out.trim()}`);
  return id;
}

/** Cancels jobs (`scancel`); rejects when scancel fails. */
export async function cancelJobs(run: SlurmRunner, jobIds: string[]): Promise<void> {
  if (jobIds.length > 0) await checked(run, 'scancel', jobIds);
}

/** Which of the jobs squeue still lists, or undefined when it does not know the ids. */
export async function queuedJobs(run: SlurmRunner, jobIds: string[]): Promise<string[] | undefined> {
  if (jobIds.length === 0) return [];
  const r = await run('squeue', ['-h', '-j', jobIds.join(','), '-o', '%i']);
  if (r.code !== 0) return undefined;
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
