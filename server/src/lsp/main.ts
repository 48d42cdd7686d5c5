/**
 * The language server's entry point (bundled to dist/server.js). The extension starts it over IPC
 * (`--node-ipc`), other editors over stdio (`--stdio`); `createConnection` reads which from argv.
 * In a worker thread started by indexWorker.ts, the same bundle builds matcher indexes instead.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { INDEX_WORKER_KIND, runIndexWorker } from './indexWorker';
import { startServer } from './languageServer';

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === INDEX_WORKER_KIND) runIndexWorker();
else void startServer();
