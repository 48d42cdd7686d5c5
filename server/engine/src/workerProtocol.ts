/** Messages between the curation's main thread and its worker threads. */
import type { CountTaskResult, PoolTask, RunSettings, SelectTaskResult } from './curateTasks';
import type { PackedIndex } from './match/matcher';
import {
  EnvironmentError,
  InputError,
  isSystemError,
  UsageError,
  type InputErrorReason,
  type InputLocation,
} from './errors';

export type WorkerRequest =
  | {
      type: 'count';
      task: PoolTask;
      run: RunSettings;
      workDir: string;
      /**
       * The matcher index, in shared memory (posting it copies no bytes): sent with the tasks,
       * not at the thread's start, so threads start while the main thread loads it.
       */
      index: PackedIndex;
    }
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

/**
 * An error as it crosses a thread boundary (postMessage keeps neither its class nor, reliably,
 * its fields). The one serialisation of the program: curation and metadata workers both use it.
 */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  input?: { file: string; location: InputLocation; reason: InputErrorReason; detail: string };
  environment?: { path: string; code: string; action: string; message: string };
  usage?: true;
  /** A Node.js system error's fields (code ENOSPC, path, ...). */
  system?: { code: string; path?: string; dest?: string; syscall?: string; errno?: number };
}

export function serializeError(err: unknown): SerializedError {
  const e = err instanceof Error ? err : new Error(String(err));
  const s: SerializedError = { name: e.name, message: e.message, stack: e.stack };
  if (e instanceof InputError)
    s.input = { file: e.file, location: e.location, reason: e.reason, detail: e.detail };
  else if (e instanceof EnvironmentError)
    s.environment = { path: e.path, code: e.code, action: e.action, message: e.message };
  else if (e instanceof UsageError) s.usage = true;
  else if (isSystemError(e))
    s.system = { code: e.code, path: e.path, dest: e.dest, syscall: e.syscall, errno: e.errno };
  return s;
}

/** The error again, of its class: InputErrors stay bad input, EnvironmentErrors name their path. */
export function deserializeError(s: SerializedError): Error {
  let e: Error;
  if (s.input) e = new InputError(s.input.file, s.input.location, s.input.reason, s.input.detail);
  else if (s.environment) {
    e = new EnvironmentError(s.environment.path, s.environment.code, s.environment.action);
    e.message = s.environment.message;
  } else if (s.usage) e = new UsageError(s.message);
  else {
    e = new Error(s.message);
    e.name = s.name;
    if (s.system) Object.assign(e, s.system);
  }
  if (s.stack) e.stack = s.stack;
  return e;
}
