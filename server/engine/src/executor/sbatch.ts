/**
 * Writing batch scripts, for curations (slurm/scripts.ts) and training runs (runs/runJob.ts)
 * alike: the `#SBATCH` lines with their quoting, the resource options both take, and the log
 * file name sbatch is given.
 */
import { UsageError } from '../errors';

/** Resources of a job, in any form sbatch reads them. */
export interface SlurmResources {
  partition?: string;
  /** Time limit (`30`, `1:00:00`, `1-0`). */
  time?: string;
  cpusPerTask?: number;
  /** Memory per node (`4G`, `4000`). */
  mem?: string;
}

/**
 * One argument of an `#SBATCH` line. sbatch splits these lines at blanks, honours double and
 * single quotes and backslash escapes, and treats an unquoted `#` as the start of a comment.
 */
export function sbatchQuote(arg: string): string {
  if (/[\n\r\0]/.test(arg))
    throw new UsageError(`an sbatch argument cannot hold a line break: ${JSON.stringify(arg)}`);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** One word for bash. */
export function shellQuote(arg: string): string {
  if (/\0/.test(arg)) throw new UsageError('a path cannot hold a NUL character');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The `--partition`, `--time`, `--cpus-per-task` and `--mem` options, those that are given. */
export function resourceDirectives(resources: SlurmResources): string[] {
  const directives: string[] = [];
  if (resources.partition !== undefined) directives.push(`--partition=${resources.partition}`);
  if (resources.time !== undefined) directives.push(`--time=${resources.time}`);
  if (resources.cpusPerTask !== undefined) directives.push(`--cpus-per-task=${resources.cpusPerTask}`);
  if (resources.mem !== undefined) directives.push(`--mem=${resources.mem}`);
  return directives;
}

/**
 * The `--output` file name of a log file: `%` is doubled so that only the `%A`, `%a` or `%j` of
 * `pattern` are replaced. A backslash in a file name turns off all replacements in sbatch, so
 * such a folder cannot be used.
 */
export function outputFilePattern(dir: string, pattern: string): string {
  if (dir.includes('\\')) {
    throw new UsageError(`the folder ${dir} holds a backslash, which sbatch cannot use in a log file name`);
  }
  return `${dir.replace(/%/g, '%%')}/${pattern}`;
}

/** The head of a batch script: the shebang and one `#SBATCH` line per option, quoted. */
export function batchScriptHead(directives: string[]): string[] {
  return ['#!/bin/bash', ...directives.map((d) => `#SBATCH ${sbatchQuote(d)}`)];
}
