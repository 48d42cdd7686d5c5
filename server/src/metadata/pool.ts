/**
 * Threads for the metadata builders, on the engine's worker pool. The worker script is
 * `ngramWorker.js` next to this module (tsc output) or `metadataWorker.js` next to the bundle;
 * without either, the same task handler runs in-process, one task at a time.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { threadPort, WorkerPool, type TaskPort } from '../../engine/src/workerPool';
import { deserializeError } from '../../engine/src/workerProtocol';
import { createTaskHandler, type TaskReply, type TaskRequest } from './ngramTasks';

/** The worker script next to this module (tsc output), or the bundle's separate entry. */
export function workerScript(): string | undefined {
  for (const name of ['ngramWorker.js', 'metadataWorker.js']) {
    const p = join(__dirname, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export type Port = TaskPort<TaskRequest>;

/** A worker thread, or the same handler in-process when no worker script is available. */
export function startPort(onReply: (r: TaskReply) => void, onFatal: (e: Error) => void): Port {
  const script = workerScript();
  if (script) return threadPort<TaskRequest, TaskReply>(script, {}, 'metadata worker')(onReply, onFatal);
  const handle = createTaskHandler((msg) => setImmediate(() => onReply(msg)));
  return { send: (req) => setImmediate(() => handle(req)), terminate: async () => undefined };
}

export function replyError(r: Extract<TaskReply, { type: 'error' }>): Error {
  return deserializeError(r.error);
}

/** Runs independent requests over a pool of threads; each request gets exactly one reply. */
export async function runRequests(
  requests: TaskRequest[],
  threads: number,
  onReply: (i: number, r: TaskReply) => void,
): Promise<void> {
  if (requests.length === 0) return;
  const pool = new WorkerPool<TaskRequest, TaskReply>(Math.min(threads, requests.length), startPort);
  try {
    await pool.run(requests, {
      classify: (r) => (r.type === 'error' ? replyError(r) : 'done'),
      onDone: onReply,
    });
  } finally {
    await pool.close();
  }
}
