/**
 * The Slurm client programs (sbatch, squeue, scancel, scontrol, sacct), run without a shell.
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
