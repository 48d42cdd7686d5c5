/**
 * A job run locally: a child process in its own process group, so that cancelling stops what it
 * started too (SIGTERM to the group, then SIGKILL after a grace period).
 */
import { spawn } from 'node:child_process';

export interface LocalJob {
  /** argv[0] first. */
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface LocalJobHooks {
  /** The process started, with this pid. */
  onStart?: (pid: number | undefined) => void;
  /** Output, stdout and stderr as they come. */
  onText?: (text: string) => void;
  /** Called every `pollMs` while the process runs, and once when it has ended. */
  onPoll?: () => void;
  pollMs?: number;
  /** Aborting stops the process group. */
  signal?: AbortSignal;
  /** Seconds between SIGTERM and SIGKILL when cancelling (default 10). */
  killGraceSeconds?: number;
}

export interface LocalJobEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the process could not start. */
  error?: string;
}

/** Runs a job to its end; resolves with how it ended (never rejects). */
export function runLocalJob(job: LocalJob, hooks: LocalJobHooks = {}): Promise<LocalJobEnd> {
  return new Promise<LocalJobEnd>((resolvePromise) => {
    let child;
    try {
      child = spawn(job.command[0], job.command.slice(1), {
        cwd: job.cwd,
        env: job.env,
        detached: true, // its own process group: cancel stops the job's children too
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      resolvePromise({ code: null, signal: null, error: (err as Error).message });
      return;
    }
    hooks.onStart?.(child.pid);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    const onText = (text: string) => hooks.onText?.(text);
    child.stdout.on('data', onText);
    child.stderr.on('data', onText);
    const timer = setInterval(() => hooks.onPoll?.(), hooks.pollMs ?? 500);
    let killTimer: NodeJS.Timeout | undefined;
    const cancel = () => {
      if (child.pid === undefined) return;
      stopProcessGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(
        () => stopProcessGroup(child.pid!, 'SIGKILL'),
        (hooks.killGraceSeconds ?? 10) * 1000,
      );
    };
    if (hooks.signal?.aborted) cancel();
    hooks.signal?.addEventListener('abort', cancel, { once: true });
    child.on('error', (err) => {
      clearInterval(timer);
      resolvePromise({ code: null, signal: null, error: `cannot start ${job.command[0]}: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      if (killTimer) clearTimeout(killTimer);
      hooks.signal?.removeEventListener('abort', cancel);
      hooks.onPoll?.();
      resolvePromise({ code, signal });
    });
  });
}

/** Sends a signal to a process group; one already gone is fine. */
export function stopProcessGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Whether a process of this machine is alive (one of another user counts). */
export function isProcessAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
