/**
 * A CLI subcommand. Each lives in commands/<name>.ts and is registered in main.ts.
 * `run` returns the exit code (EXIT_OK, EXIT_BAD_INPUT, EXIT_BAD_USAGE from ../engine/errors);
 * it throws UsageError for bad arguments and InputError for bad input, which main.ts prints.
 */
import { parseThreshold } from '../../../contracts/src/threshold';
import { UsageError } from '../../engine/src/errors';

export interface Command {
  name: string;
  /** One line for `metacurate --help`. */
  summary: string;
  /** Full text for `metacurate <name> --help`: synopsis, options, examples. */
  help: string;
  run(argv: string[], io: CommandIO): Promise<number>;
}

export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  stderrIsTTY: boolean;
}

/**
 * Runs a `parseArgs` call with its errors turned into UsageError, so every subcommand reports
 * bad arguments the same way: `withUsageErrors(() => parseArgs({ args: argv, options, strict: true }))`.
 */
export function withUsageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Reads a numeric option, failing with a message that names it. */
export function numberOption(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${value}'`);
  return n;
}

/**
 * Reads `--t`, the balancing threshold, for every command that takes one: a positive integer
 * written in digits only (an entry is kept with probability min(1, t / count), so a fractional t
 * means nothing, and `1e3`, `+5` or `0x10` are refused rather than guessed at).
 */
export function thresholdOption(value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError('--t is required');
    return fallback;
  }
  const t = parseThreshold(value);
  if (t === undefined) {
    throw new UsageError(`--t must be a positive integer (digits only, e.g. 20000), got '${value}'`);
  }
  return t;
}

export function requiredOption(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}
