/**
 * The one worker pool: a fixed set of threads (or in-process stand-ins) running independent tasks.
 * Tasks are handed out in order as threads free up; the first failure stops handing out tasks and
 * rejects with that task's error (errors cross threads as workerProtocol.ts serialises them), and
 * an aborted signal rejects with an InterruptedError. The local curation (CurationWorkers) and the
 * metadata builder (server/src/metadata/pool.ts) both run their tasks on it.
 */
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { InterruptedError } from './errors';
import { deserializeError, type WorkerReply, type WorkerRequest } from './workerProtocol';

/** One thread of a pool, as the pool sees it. */
export interface TaskPort<Request> {
  send(request: Request): void;
  /** Stops the thread (a task it was running stops where it is). */
  terminate(): Promise<void>;
}

/** Starts a thread whose replies go to onReply; onFatal hears that it died. */
export type StartPort<Request, Reply> = (
  onReply: (reply: Reply) => void,
  onFatal: (err: Error) => void,
) => TaskPort<Request>;

/** A worker thread running `script`; an exit other than by terminate() is fatal. */
export function threadPort<Request, Reply>(
  script: string,
  options: WorkerOptions,
  what: string,
): StartPort<Request, Reply> {
  return (onReply, onFatal) => {
    const worker = new Worker(script, options);
    let stopping = false;
    worker.on('message', onReply);
    worker.on('error', onFatal);
    worker.on('exit', (code) => {
      if (!stopping && code !== 0) onFatal(new Error(`${what} exited with code ${code}`));
    });
    return {
      send: (request) => worker.postMessage(request),
      terminate: async () => {
        stopping = true;
        await worker.terminate();
      },
    };
  };
}

export interface TaskCallbacks<Reply> {
  /** Aborting stops handing out tasks and rejects; close() then stops the running ones. */
  signal?: AbortSignal;
  /** What a reply says: the task's progress, its end, or its failure. */
  classify(reply: Reply): 'progress' | 'done' | Error;
  /** A progress reply of the task at `index` of the requests. */
  onProgress?(index: number, reply: Reply): void;
  /** The last reply of the task at `index`; the next task goes to the thread once it settles. */
  onDone(index: number, reply: Reply): Promise<void> | void;
}

export class WorkerPool<Request, Reply> {
  private readonly ports: TaskPort<Request>[] = [];
  /** Where replies and deaths go while run() is in progress. */
  private listener: { reply(port: number, reply: Reply): void; fatal(err: Error): void } | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    size: number,
    private readonly start: StartPort<Request, Reply>,
  ) {
    this.startPorts(size);
  }

  private startPorts(size: number): void {
    for (let i = this.ports.length; i < size; i++) {
      this.ports.push(
        this.start(
          (reply) => this.listener?.reply(i, reply),
          (err) => this.listener?.fatal(err),
        ),
      );
    }
  }

  get size(): number {
    return this.ports.length;
  }

  /** Runs every request; resolves when all are done, rejects on the first failure. */
  run(requests: Request[], callbacks: TaskCallbacks<Reply>): Promise<void> {
    if (this.listener) return Promise.reject(new Error('WorkerPool.run called while a run is in progress'));
    return new Promise((resolve, reject) => {
      const { signal } = callbacks;
      let next = 0;
      let running = 0;
      let settled = false;
      const current = new Array<number>(this.ports.length).fill(-1);
      const onAbort = () => settle(new InterruptedError());
      const settle = (err?: Error) => {
        if (settled) return;
        if (!err && (next < requests.length || running > 0)) return;
        settled = true;
        this.listener = undefined;
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const dispatch = (port: number) => {
        if (settled || next >= requests.length) return;
        running++;
        current[port] = next++;
        this.ports[port].send(requests[current[port]]);
      };
      const afterDone = (port: number) => {
        running--;
        dispatch(port);
        settle();
      };
      this.listener = {
        reply: (port, reply) => {
          if (settled) return;
          const kind = callbacks.classify(reply);
          if (kind instanceof Error) return settle(kind);
          if (kind === 'progress') {
            callbacks.onProgress?.(current[port], reply);
            return;
          }
          let done: Promise<void> | void;
          try {
            done = callbacks.onDone(current[port], reply);
          } catch (err) {
            return settle(err as Error);
          }
          if (done instanceof Promise) {
            done.then(
              () => afterDone(port),
              (err: unknown) => settle(err as Error),
            );
          } else afterDone(port);
        },
        fatal: (err) => settle(err),
      };
      if (signal) {
        if (signal.aborted) return settle(new InterruptedError());
        signal.addEventListener('abort', onAbort, { once: true });
      }
      if (requests.length === 0) return settle();
      for (let port = 0; port < this.ports.length; port++) dispatch(port);
    });
  }

  /**
   * Starts or stops threads to have `size` (at least one): for threads started before the number
   * of tasks was known. Not while a run is in progress, nor after close().
   */
  async resize(size: number): Promise<void> {
    if (this.listener) throw new Error('WorkerPool.resize called while a run is in progress');
    if (this.closing) throw new Error('WorkerPool.resize called after close()');
    const extra = this.ports.splice(Math.max(1, size));
    this.startPorts(size);
    await Promise.all(extra.map((p) => p.terminate()));
  }

  /** Stops every thread. */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.ports.map((p) => p.terminate())).then(() => undefined);
    return this.closing;
  }
}

export interface PoolCallbacks<R> {
  /** Aborting stops handing out tasks and rejects; close() then stops the running ones. */
  signal?: AbortSignal;
  onProgress(taskId: number, records: number, fraction: number): void;
  onDone(taskId: number, result: R): Promise<void> | void;
}

/**
 * The local curation's threads, running count and select tasks. They can be started before the
 * matcher index and the tasks exist (a thread takes about 0.1 s to load its code), then resized
 * to the number of tasks.
 */
export class CurationWorkers {
  private readonly pool: WorkerPool<WorkerRequest, WorkerReply>;

  constructor(size: number, workerScript = join(__dirname, 'curateWorker.js')) {
    this.pool = new WorkerPool(size, threadPort(workerScript, {}, 'curation worker'));
  }

  get size(): number {
    return this.pool.size;
  }

  /** Starts or stops threads to have `size` (at least one). */
  resize(size: number): Promise<void> {
    return this.pool.resize(size);
  }

  /** Runs every request; resolves when all are done, rejects on the first failure. */
  run<R>(requests: WorkerRequest[], callbacks: PoolCallbacks<R>): Promise<void> {
    return this.pool.run(requests, {
      signal: callbacks.signal,
      classify: (reply) =>
        reply.type === 'progress'
          ? 'progress'
          : reply.type === 'failed'
            ? deserializeError(reply.error)
            : 'done',
      onProgress: (_index, reply) => {
        if (reply.type === 'progress') callbacks.onProgress(reply.taskId, reply.records, reply.fraction);
      },
      onDone: (_index, reply) =>
        reply.type === 'counted' || reply.type === 'selected'
          ? callbacks.onDone(reply.taskId, reply.result as R)
          : undefined,
    });
  }

  /** Stops every worker (a task it was running stops where it is). */
  close(): Promise<void> {
    return this.pool.close();
  }
}
