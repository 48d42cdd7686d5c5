/**
 * Errors the engine reports to users. Every input problem names the file, where in it
 * (line, record, byte offset or tar member) and what was wrong, so the CLI can print it as is.
 */

/** Exit codes of the CLI: 0 done, 1 bad input, 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_BAD_USAGE = 2;

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
