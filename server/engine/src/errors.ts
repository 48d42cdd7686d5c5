/**
 * Errors the engine reports to users. Every input problem names the file, where in it
 * (line, record, byte offset or tar member) and what was wrong, so the CLI can print it as is.
 */

/**
 * Exit codes of the CLI: 0 done, 1 bad input or an environment failure (EnvironmentError, an
 * interrupted run), 2 bad usage, 3 an internal error (a bug in metacurate, printed with its stack).
 */
export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_BAD_USAGE = 2;
export const EXIT_INTERNAL = 3;

/** Where in an input a problem is: a 1-based line, a 0-based record index, or a tar member name. */
export interface InputLocation {
  line?: number;
  record?: number;
  member?: string;
  byteOffset?: number;
}

/** Short machine-readable reason, used to tally skipped records by reason with `--on-error skip`. */
export type InputErrorReason =
  | 'bad-json'
  | 'missing-text-field'
  | 'non-string-text'
  | 'invalid-utf8'
  | 'missing-key-field'
  | 'bad-csv'
  | 'bad-parquet'
  | 'bad-tar'
  | 'truncated-tar'
  | 'unsafe-name'
  | 'bad-gzip'
  | 'bad-metadata'
  | 'unreadable'
  | 'empty-pool'
  | 'duplicate-key';

export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly location: InputLocation,
    readonly reason: InputErrorReason,
    readonly detail: string,
  ) {
    super(`${file}${formatLocation(location)}: ${detail}`);
    this.name = 'InputError';
  }
}

/**
 * A pool with no records at all (every file empty, or every record skipped). It is bad input:
 * curating nothing is never what was meant, and an empty output would hide the mistake.
 */
export class EmptyPoolError extends InputError {
  constructor(files: readonly string[], skipped: Partial<Record<InputErrorReason, number>> = {}) {
    const shown = files.length > 5 ? [...files.slice(0, 5), `... (${files.length} files)`] : files;
    const skips = Object.entries(skipped).map(([r, n]) => `${r}: ${n}`);
    const detail = `the pool is empty: no records in ${shown.join(', ')}${skips.length ? ` (skipped ${skips.join(', ')})` : ''}`;
    super(files[0] ?? '', {}, 'empty-pool', detail);
    this.message = detail;
    this.name = 'EmptyPoolError';
  }
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function formatLocation(loc: InputLocation): string {
  const parts: string[] = [];
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.record !== undefined) parts.push(`record ${loc.record}`);
  if (loc.member !== undefined) parts.push(`member ${printable(loc.member)}`);
  if (loc.byteOffset !== undefined && loc.line === undefined) parts.push(`byte ${loc.byteOffset}`);
  return parts.length ? `:${parts.join(', ')}` : '';
}

/** C0 control characters, DEL and C1 control characters: never shown raw, never in an output name. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, 'g');

/**
 * Text from an input (a tar member name) as a message shows it: control characters as \uXXXX,
 * so a hostile name cannot split a one-line error or drive the terminal.
 */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What each environment failure means, in the words of the one-line report. */
const ENVIRONMENT_FAILURES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a file is in the way',
  EISDIR: 'it is a folder, not a file',
  ENOENT: 'no such file or folder',
  ENOTEMPTY: 'the folder is not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many levels of symbolic links',
  EBUSY: 'device or resource busy',
  ETXTBSY: 'text file busy',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
  EXDEV: 'not on the same file system',
};

/** What the program was doing, by the failed system call. */
const ACTIONS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  close: 'write',
  fsync: 'write',
  rename: 'replace',
  link: 'create',
  mkdir: 'create the folder',
  rmdir: 'remove the folder',
  unlink: 'remove',
  rm: 'remove',
  scandir: 'list the folder',
  opendir: 'list the folder',
  stat: 'look at',
  lstat: 'look at',
  realpath: 'resolve',
  copyfile: 'copy to',
  chmod: 'change the mode of',
  utime: 'change the times of',
};

/**
 * The machine, not the input or the program, is at fault: a full disk, a permission, a read-only
 * file system, a path that is a file where a folder is needed. The CLI prints the message alone
 * (one line naming the path) and exits 1; `--debug` adds the stack of the underlying error.
 */
export class EnvironmentError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    /** What was being done to `path`: "write", "create the folder", "use as the output folder". */
    readonly action: string,
    /** Why, when the error code alone does not say it well. */
    what?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot ${action}${path ? ` ${path}` : ''}: ${what ?? ENVIRONMENT_FAILURES[code] ?? 'failed'} (${code})`,
      options,
    );
    this.name = 'EnvironmentError';
  }
}

/** A Node.js system error (fs, child_process): a code such as ENOSPC, and often the path. */
export interface SystemError extends Error {
  code: string;
  path?: string;
  dest?: string;
  syscall?: string;
  errno?: number;
}

export function isSystemError(err: unknown): err is SystemError {
  return err instanceof Error && typeof (err as SystemError).code === 'string';
}

/** True for the codes that mean an environment failure (see ENVIRONMENT_FAILURES). */
export function isEnvironmentCode(code: string): boolean {
  return Object.hasOwn(ENVIRONMENT_FAILURES, code);
}

/**
 * A system error of an environment code as an EnvironmentError naming the path: the error's own
 * path, else `path` (a write to an open file reports none). Anything else comes back as it was.
 */
export function asEnvironmentError(err: unknown, path?: string, action?: string): unknown {
  if (err instanceof EnvironmentError || !isSystemError(err) || !isEnvironmentCode(err.code)) return err;
  const at = err.path ?? path ?? '';
  const doing = action ?? ACTIONS[err.syscall ?? ''] ?? 'use';
  const where = err.dest !== undefined && err.syscall === 'rename' ? `${at} with ${err.dest}` : at;
  return new EnvironmentError(where, err.code, doing, undefined, { cause: err });
}

/** The run was stopped by SIGINT or SIGTERM; its finished work is kept for a re-run. */
export class InterruptedError extends Error {
  constructor(message = 'interrupted; run the same command again to resume') {
    super(message);
    this.name = 'InterruptedError';
  }
}
