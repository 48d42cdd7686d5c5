/**
 * A fixed set of worker threads running curation tasks. Tasks are handed out in order as workers
 * free up; the first failure stops the pool and rejects with that task's error (with its class,
 * code and path: workerProtocol.ts), and an aborted signal rejects with an InterruptedError.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InterruptedError } from './errors';
import type { PackedIndex } from './match/matcher';
import { deserializeError, type WorkerReply, type WorkerRequest } from './workerProtocol';

export interface PoolCallbacks<R> {
  /** Aborting stops handing out tasks and rejects; close() then stops the running ones. */
  signal?: AbortSignal;
  onProgress(taskId: number, records: number, fraction: number): void;
  onDone(taskId: number, result: R): Promise<void> | void;
}

export class CurationWorkers {
  private readonly workers: Worker[] = [];
  private closing: Promise<void> | undefined;

  constructor(size: number, index: PackedIndex, workerScript = join(__dirname, 'curateWorker.js')) {
    for (let i = 0; i < size; i++) this.workers.push(new Worker(workerScript, { workerData: { index } }));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs every request; resolves when all are done, rejects on the first failure. */
  run<R>(requests: WorkerRequest[], callbacks: PoolCallbacks<R>): Promise<void> {
    return new Promise((resolve, reject) => {
      let next = 0;
      let running = 0;
      let failed = false;
      const cleanups: (() => void)[] = [];
      const finish = (err?: Error) => {
        if (failed) return;
        if (err) failed = true;
        if (err || (next >= requests.length && running === 0)) {
          for (const c of cleanups) c();
          if (err) reject(err);
          else resolve();
        }
      };
      const dispatch = (worker: Worker) => {
        if (failed || next >= requests.length) return;
        running++;
        worker.postMessage(requests[next++]);
      };
      for (const worker of this.workers) {
        const onMessage = async (reply: WorkerReply) => {
          if (failed) return;
          if (reply.type === 'progress') {
            callbacks.onProgress(reply.taskId, reply.records, reply.fraction);
            return;
          }
          running--;
          if (reply.type === 'failed') {
            finish(deserializeError(reply.error));
            return;
          }
          try {
            await callbacks.onDone(reply.taskId, reply.result as R);
          } catch (err) {
            finish(err as Error);
            return;
          }
          dispatch(worker);
          finish();
        };
        const onError = (err: Error) => finish(err);
        const onExit = (code: number) => {
          if (code !== 0) finish(new Error(`curation worker exited with code ${code}`));
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        cleanups.push(() => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        });
      }
      const { signal } = callbacks;
      if (signal) {
        if (signal.aborted) return finish(new InterruptedError());
        const onAbort = () => finish(new InterruptedError());
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
      if (requests.length === 0) {
        finish();
        return;
      }
      for (const worker of this.workers) dispatch(worker);
    });
  }

  /** Stops every worker (a task it was running stops where it is). */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.workers.map((w) => w.terminate())).then(() => undefined);
    return this.closing;
  }
}
