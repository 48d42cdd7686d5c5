/** Messages between the curation's main thread and its worker threads. */
import type { CountTaskResult, PoolTask, RunSettings, SelectTaskResult } from './curateTasks';
import { InputError, type InputErrorReason, type InputLocation } from './errors';

export type WorkerRequest =
  | { type: 'count'; task: PoolTask; run: RunSettings; workDir: string }
  | {
      type: 'select';
      task: PoolTask;
      run: RunSettings;
      workDir: string;
      seed: number;
      firstRecordIndex: number;
      /** Keep probability per entry id, shared by all workers. */
      probabilities: SharedArrayBuffer;
    };

export type WorkerReply =
  | { type: 'progress'; taskId: number; records: number; fraction: number }
  | { type: 'counted'; taskId: number; result: CountTaskResult }
  | { type: 'selected'; taskId: number; result: SelectTaskResult }
  | { type: 'failed'; taskId: number; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  input?: { file: string; location: InputLocation; reason: InputErrorReason; detail: string };
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof InputError) {
    return {
      name: err.name,
      message: err.message,
      input: { file: err.file, location: err.location, reason: err.reason, detail: err.detail },
    };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, stack: e.stack };
}

/** InputErrors cross the thread boundary as InputErrors, so the CLI reports them as bad input. */
export function deserializeError(s: SerializedError): Error {
  if (s.input) return new InputError(s.input.file, s.input.location, s.input.reason, s.input.detail);
  const e = new Error(s.message);
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}
