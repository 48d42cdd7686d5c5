/**
 * States of submitted jobs and array tasks, from what the cluster offers:
 *   squeue -t all   pending, running, and finished jobs until MinJobAge (300 s by default)
 *   sacct           finished jobs with exit codes, where accounting is on
 *   job-completion log (JobCompType=jobcomp/filetxt), read incrementally, where it is readable
 * Keys are `<array job id>_<array index>` for array tasks and `<job id>` for single jobs.
 */
import { open } from 'node:fs/promises';
import type { SlurmRunner } from './slurmCommands';

export interface JobState {
  /** JOB_STATE as Slurm names it: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT... */
  state: string;
  /** squeue's reason (e.g. Dependency, DependencyNeverSatisfied, NonZeroExitCode). */
  reason?: string;
  /** `exit:signal`, where sacct or the completion log tell it. */
  exitCode?: string;
}

const TERMINAL = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
  'REVOKED',
  'SPECIAL_EXIT',
]);

export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

/** `CANCELLED by 0` / `CANCELLED+` -> `CANCELLED`. */
function normalizeState(s: string): string {
  return s.trim().split(/[\s+]/)[0].toUpperCase();
}

export class JobStateReader {
  private readonly ids: Set<string>;
  private sacctWorks = true;
  private jobCompOffset = 0;
  private readonly jobComp = new Map<string, JobState>();
  private readonly sacct = new Map<string, JobState>();

  constructor(
    private readonly run: SlurmRunner,
    jobIds: string[],
    /** The job-completion log, when the cluster writes one this machine can read. */
    private readonly jobCompLog?: string,
  ) {
    this.ids = new Set(jobIds);
  }

  /** Current states, or undefined when squeue did not answer (controller busy or down). */
  async read(): Promise<Map<string, JobState> | undefined> {
    const list = [...this.ids].join(',');
    if (list === '') return new Map();
    const q = await this.run('squeue', ['-h', '-r', '-t', 'all', '-j', list, '-o', '%A|%F|%K|%T|%r']);
    let fromQueue: Map<string, JobState>;
    if (q.code === 0) fromQueue = this.parseSqueue(q.stdout);
    else if (/invalid job id/i.test(q.stderr)) fromQueue = new Map();
    else return undefined;
    await this.readSacct(list);
    await this.readJobComp();
    const merged = new Map<string, JobState>();
    for (const source of [this.jobComp, this.sacct]) for (const [k, v] of source) merged.set(k, v);
    for (const [k, v] of fromQueue) {
      const finished = merged.get(k);
      // A job still in the queue is as squeue says (it may have been requeued); a finished one
      // takes its exit code from the richer sources.
      if (!isTerminal(v.state) || !finished) merged.set(k, v);
      else merged.set(k, { ...v, exitCode: finished.exitCode });
    }
    return merged;
  }

  private parseSqueue(out: string): Map<string, JobState> {
    const states = new Map<string, JobState>();
    for (const line of out.split('\n')) {
      const [jobId, arrayJobId, arrayTaskId, state, reason] = line.trim().split('|');
      if (!state) continue;
      const isArray = /^\d+$/.test(arrayTaskId ?? '');
      const key = isArray ? `${arrayJobId}_${arrayTaskId}` : jobId;
      if (!this.ids.has(isArray ? arrayJobId : jobId)) continue;
      states.set(key, {
        state: normalizeState(state),
        reason: reason && reason !== 'None' ? reason : undefined,
      });
    }
    return states;
  }

  private async readSacct(list: string): Promise<void> {
    if (!this.sacctWorks) return;
    const r = await this.run('sacct', ['-n', '-P', '-X', '-j', list, '-o', 'JobID,State,ExitCode']).catch(
      () => undefined,
    );
    if (!r || r.code !== 0) {
      // Accounting is off on this cluster (or sacct is missing): the other sources remain.
      this.sacctWorks = false;
      return;
    }
    for (const line of r.stdout.split('\n')) {
      const [id, state, exitCode] = line.trim().split('|');
      if (!id || !state || id.includes('[')) continue;
      this.sacct.set(id, { state: normalizeState(state), exitCode });
    }
  }

  private async readJobComp(): Promise<void> {
    if (!this.jobCompLog) return;
    let handle;
    try {
      handle = await open(this.jobCompLog, 'r');
    } catch {
      return; // Not written yet, or not readable from here.
    }
    try {
      const { size } = await handle.stat();
      if (size < this.jobCompOffset) this.jobCompOffset = 0; // rotated
      if (size === this.jobCompOffset) return;
      const buffer = Buffer.alloc(size - this.jobCompOffset);
      await handle.read(buffer, 0, buffer.length, this.jobCompOffset);
      const text = buffer.toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end < 0) return;
      this.jobCompOffset += Buffer.byteLength(text.slice(0, end + 1));
      for (const line of text.slice(0, end).split('\n')) {
        const field = (name: string) => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(line)?.[1];
        const jobId = field('JobId');
        const state = field('JobState');
        if (!jobId || !state) continue;
        const arrayJobId = field('ArrayJobId');
        const arrayTaskId = field('ArrayTaskId');
        const isArray = arrayJobId !== undefined && arrayJobId !== '0' && /^\d+$/.test(arrayTaskId ?? '');
        if (!this.ids.has(isArray ? arrayJobId! : jobId)) continue;
        this.jobComp.set(isArray ? `${arrayJobId}_${arrayTaskId}` : jobId, {
          state: normalizeState(state),
          exitCode: field('ExitCode'),
        });
      }
    } finally {
      await handle.close();
    }
  }
}
