/**
 * Builds the engine's packed matcher index (worldwide padding) in a worker thread, so the server
 * keeps answering while a large metadata list is indexed. A newer build cancels the running one
 * by terminating its worker. The index comes back as a SharedArrayBuffer, without copying.
 *
 * The worker script: `indexWorkerMain.js` beside this file (tsc output), else the bundle
 * `server.js` beside it (dist/, whose main.ts runs `runIndexWorker` in a worker thread). When
 * neither exists the index is built on the calling thread.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';
import { buildPackedIndex, type PackedIndex } from '../../engine/src/match/matcher';
import type { Padding } from '../../engine/src/match/spacing';

export const INDEX_WORKER_KIND = 'metacurate-lsp-index';

interface BuildRequest {
  entries: string[];
  padding: Padding;
}

/** The worker side: answers each build request with the packed index. */
export function runIndexWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('runIndexWorker must run in a worker thread');
  port.on('message', (req: BuildRequest) => {
    try {
      const packed = buildPackedIndex(req.entries, req.padding);
      port.postMessage({ ok: true, buffer: packed.buffer, padding: packed.padding });
    } catch (err) {
      port.postMessage({ ok: false, message: (err as Error).message });
    }
  });
}

export class BuildCancelled extends Error {
  constructor() {
    super('index build cancelled');
  }
}

export function indexWorkerScript(dir = __dirname): string | undefined {
  for (const name of ['indexWorkerMain.js', 'server.js']) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

export class IndexBuilder {
  private worker: Worker | undefined;
  private pending: { reject(err: Error): void } | undefined;

  constructor(private readonly script = indexWorkerScript()) {}

  /** Builds the index; a later call (or cancel) makes this one reject with BuildCancelled. */
  build(entries: string[], padding: Padding): Promise<PackedIndex> {
    this.cancel();
    if (!this.script) {
      return new Promise((resolve, reject) => {
        this.pending = { reject };
        setImmediate(() => {
          if (this.pending?.reject !== reject) return;
          this.pending = undefined;
          try {
            resolve(buildPackedIndex(entries, padding));
          } catch (err) {
            reject(err as Error);
          }
        });
      });
    }
    const worker = (this.worker ??= this.spawn());
    return new Promise<PackedIndex>((resolve, reject) => {
      const onMessage = (msg: {
        ok: boolean;
        buffer?: SharedArrayBuffer;
        padding?: Padding;
        message?: string;
      }) => {
        cleanup();
        if (msg.ok) resolve({ buffer: msg.buffer!, padding: msg.padding! });
        else reject(new Error(msg.message));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        this.pending = undefined;
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      this.pending = {
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      worker.postMessage({ entries, padding } satisfies BuildRequest);
    });
  }

  /** Cancels the running build, if any (its worker is terminated). */
  cancel(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    if (this.worker) {
      void this.worker.terminate();
      this.worker = undefined;
    }
    pending.reject(new BuildCancelled());
  }

  dispose(): void {
    this.cancel();
    if (this.worker) void this.worker.terminate();
    this.worker = undefined;
  }

  private spawn(): Worker {
    const worker = new Worker(this.script!, { workerData: { kind: INDEX_WORKER_KIND } });
    worker.unref();
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    return worker;
  }
}
