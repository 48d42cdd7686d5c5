/** Options several subcommands share, parsed and described once. */
import { UsageError } from '../../engine/errors';
import type { Padding } from '../../engine/match/spacing';
import { ProgressReporter, type ProgressMode } from '../../engine/progress';
import type { CommandIO } from '../command';

export const PADDING_HELP = `  --padding english|worldwide   English (MetaCLIP 1) pads every entry with spaces (default);
                                worldwide (MetaCLIP 2) leaves CJK/Thai/.../punctuation ends unpadded`;

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
