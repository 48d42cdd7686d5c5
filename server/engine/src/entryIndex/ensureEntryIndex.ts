/**
 * A curation's entry index, made when missing: a curation finished before the index existed
 * (or one whose index was removed) gets it built in its folder on first use, in a worker thread
 * so the caller's thread (the language server's) keeps answering. Concurrent callers of one
 * folder share one build.
 */
import { existsSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { deserializeError, type SerializedError } from '../workerProtocol';
import { buildEntryIndexOfFolder } from './buildEntryIndex';
import { hasEntryIndex } from './curationEntryRecords';

const building = new Map<string, Promise<void>>();

/** The worker script: beside this module (tsc output) or beside the bundle (dist/). */
export function entryIndexWorkerScript(dir = __dirname): string | undefined {
  const path = join(dir, 'entryIndexWorker.js');
  return existsSync(path) ? path : undefined;
}

/**
 * Makes sure `folder` has its entry index; true when this call had to build it. Without a worker
 * script (tests running the TypeScript sources) it is built on this thread.
 */
export async function ensureEntryIndex(folder: string, script = entryIndexWorkerScript()): Promise<boolean> {
  const key = resolve(folder);
  const running = building.get(key);
  if (running) {
    await running;
    return true;
  }
  if (await hasEntryIndex(key)) return false;
  const build = script ? buildInWorker(script, key) : buildEntryIndexOfFolder(key);
  building.set(key, build);
  try {
    await build;
  } finally {
    building.delete(key);
  }
  return true;
}

function buildInWorker(script: string, folder: string): Promise<void> {
  return new Promise((resolveBuild, reject) => {
    const worker = new Worker(script, { workerData: { folder } });
    let answered = false;
    worker.once('message', (reply: { ok: boolean; error?: SerializedError }) => {
      answered = true;
      if (reply.ok) resolveBuild();
      else reject(deserializeError(reply.error!));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      answered = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the entry index worker stopped (exit ${code}) before it answered`));
    });
  });
}
