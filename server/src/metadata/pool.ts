/**
 * Worker threads for the metadata builders. The worker script is `ngramWorker.js` next to this
 * module (tsc output) or `metadataWorker.js` next to the bundle; without either, the same task
 * handler runs in-process, one task at a time.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
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

export interface Port {
  send(req: TaskRequest): void;
  terminate(): Promise<void>;
}

/** A worker thread, or the same handler in-process when no worker script is available. */
export function startPort(onReply: (r: TaskReply) => void, onFatal: (e: Error) => void): Port {
  const script = workerScript();
  if (script) {
    const w = new Worker(script);
    let stopping = false;
    w.on('message', onReply);
    w.on('error', onFatal);
    w.on('exit', (code) => {
      if (!stopping && code !== 0) onFatal(new Error(`metadata worker exited with code ${code}`));
    });
    return {
      send: (req) => w.postMessage(req),
      terminate: async () => {
        stopping = true;
        await w.terminate();
      },
    };
  }
  const handle = createTaskHandler((msg) => setImmediate(() => onReply(msg)));
  return { send: (req) => setImmediate(() => handle(req)), terminate: async () => undefined };
}

export function replyError(r: Extract<TaskReply, { type: 'error' }>): Error {
  return deserializeError(r.error);
}

/** Runs independent requests over a pool of threads; each request gets exactly one reply. */
export function runRequests(
  requests: TaskRequest[],
  threads: number,
  onReply: (i: number, r: TaskReply) => void,
): Promise<void> {
  if (requests.length === 0) return Promise.resolve();
  return new Promise((resolveAll, rejectAll) => {
    let next = 0;
    let finished = 0;
    let failed = false;
    const ports: Port[] = [];
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      void Promise.all(ports.map((p) => p.terminate())).finally(() => rejectAll(err));
    };
    const n = Math.min(threads, requests.length);
    for (let t = 0; t < n; t++) {
      let current = -1;
      const port = startPort((r) => {
        if (failed) return;
        if (r.type === 'error') return fail(replyError(r));
        try {
          onReply(current, r);
        } catch (err) {
          return fail(err as Error);
        }
        finished++;
        if (finished === requests.length) {
          void Promise.all(ports.map((p) => p.terminate())).then(() => resolveAll());
          return;
        }
        if (next < requests.length) {
          current = next++;
          port.send(requests[current]);
        }
      }, fail);
      ports.push(port);
      current = next++;
      port.send(requests[current]);
    }
  });
}
