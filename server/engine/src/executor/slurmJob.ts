/**
 * One batch job followed to its end: its state from squeue (and sacct or the job-completion log
 * where the cluster has them), looked at every `pollMs`.
 */
import { isTerminal, JobStateReader, type JobState } from './jobState';
import { jobCompletionLog, slurmConfig, type SlurmRunner } from './slurmCommands';

export interface FollowSlurmJobHooks {
  pollMs: number;
  /** Before each look at the queue (e.g. to read the job's log). */
  onPoll?: () => void;
  /** The job's state as Slurm reports it, each time it is read. */
  onState?: (state: JobState) => Promise<void> | void;
}

/**
 * Resolves with the job's final state; `UNKNOWN` when Slurm has not known the job for a minute
 * (it finished long ago, past MinJobAge, with no accounting; or it was lost).
 */
export async function followSlurmJob(
  run: SlurmRunner,
  jobId: string,
  hooks: FollowSlurmJobHooks,
): Promise<JobState> {
  const config = await slurmConfig(run).catch(() => new Map<string, string>());
  const reader = new JobStateReader(run, [jobId], jobCompletionLog(config));
  let missing = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, hooks.pollMs));
    hooks.onPoll?.();
    const states = await reader.read();
    const job = states?.get(jobId);
    if (states && !job) {
      if (++missing * hooks.pollMs > 60_000) return { state: 'UNKNOWN' };
      continue;
    }
    if (!job) continue;
    await hooks.onState?.(job);
    if (isTerminal(job.state)) return job;
  }
}
