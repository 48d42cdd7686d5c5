/** Options several subcommands share, parsed and described once. */
import { UsageError } from '../../../engine/src/errors';
import { openAtomicOutput, type AtomicOutput } from '../../../engine/src/fsAtomic';
import type { Padding } from '../../../engine/src/match/spacing';
import { formatCount, ProgressReporter, type ProgressMode } from '../../../engine/src/progress';
import type { CommandIO } from '../command';

export const PADDING_HELP = `  --padding english|worldwide   English (MetaCLIP 1) pads every entry with spaces (default);
                                worldwide (MetaCLIP 2) leaves CJK/Thai/.../punctuation ends unpadded`;

export const TEXT_FIELD_HELP = `  --text-field F         caption field (repeatable: a record is kept if any text matches);
                         default: text; WebDataset: the .txt member (a name starting with '.'
                         or 'txt' names a member, any other a field of the .json member);
                         ignored for .txt pools (one caption per line)`;

export const KEY_FIELD_HELP = `  --key-field K          field with the pair key (default: the file's path relative to the
                         inputs' common folder, ':', the record index; WebDataset: the sample key;
                         one .txt pool: the line index)`;

/** The exit codes, as every --help that lists them says them. */
export const EXIT_CODES_HELP = `Exit codes: 0 done, 1 bad input (also an empty pool or empty metadata) or an environment
failure (disk full, permission denied, read-only file system, a file where a folder is needed:
one line naming the path; --debug adds the stack), 2 bad usage (also an output folder in use
or holding other files, or outputs that overlap inputs), 3 internal error (a bug; with its stack).`;

/** "bad-json: 2, truncated-tar: 1", the skipped records by reason, for the printed reports. */
export function formatSkipped(skipped: Partial<Record<string, number>>): string {
  return Object.entries(skipped)
    .map(([reason, n]) => `${reason}: ${formatCount(n ?? 0)}`)
    .join(', ');
}

export function parsePadding(value: string | undefined): Padding {
  if (value === undefined || value === 'english') return 'english';
  if (value === 'worldwide') return 'worldwide';
  throw new UsageError(`--padding must be 'english' or 'worldwide', got '${value}'`);
}

export function parseOnError(value: string | undefined): 'fail' | 'skip' {
  if (value === undefined || value === 'fail') return 'fail';
  if (value === 'skip') return 'skip';
  throw new UsageError(`--on-error must be 'fail' or 'skip', got '${value}'`);
}

export function progressFor(value: string | undefined, io: CommandIO): ProgressReporter {
  let mode: ProgressMode;
  if (value === undefined) mode = io.stderrIsTTY ? 'bar' : 'none';
  else if (value === 'bar' || value === 'json' || value === 'none') mode = value;
  else throw new UsageError(`--progress must be bar, json or none, got '${value}'`);
  // JSON lines go to stdout for programs to read; the bar goes to stderr.
  return new ProgressReporter(mode, mode === 'json' ? io.stdout : io.stderr);
}

export function requireList(name: string, values: string[] | undefined): string[] {
  if (!values || values.length === 0) throw new UsageError(`--${name} is required`);
  return values;
}

/**
 * `--input FILE...`: files after one `--input` (shell globs expand to several) arrive as
 * positionals; `--input` may also be repeated. Both forms give the files in the order written.
 */
export function inputFiles(flagged: string[] | undefined, positionals: string[]): string[] {
  return requireList('input', [...(flagged ?? []), ...positionals]);
}

/**
 * The output of `--out FILE`: `-` is standard output, anything else is written by
 * openAtomicOutput (a regular file replaced when complete, a device or FIFO in place).
 */
export async function openOutput(path: string, stdout: NodeJS.WritableStream): Promise<AtomicOutput> {
  if (path !== '-') return openAtomicOutput(path);
  return {
    path,
    inPlace: true,
    write: (data) =>
      new Promise<void>((resolve, reject) =>
        stdout.write(data, (err?: Error | null) => (err ? reject(err) : resolve())),
      ),
    commit: async () => undefined,
    abort: async () => undefined,
  };
}
