/**
 * `metacurate`: the curation engine on the command line. Exit codes: 0 done, 1 bad input or an
 * environment failure, 2 bad usage, 3 internal error (a bug: the only case printed with a stack
 * unless `--debug` is given). Every subcommand answers `--help`.
 */
import {
  asEnvironmentError,
  EnvironmentError,
  EXIT_BAD_INPUT,
  EXIT_BAD_USAGE,
  EXIT_INTERNAL,
  EXIT_OK,
  InputError,
  InterruptedError,
  UsageError,
} from '../../engine/src/errors';
import type { Command, CommandIO } from './command';
import { countCommand } from './commands/count';
import { EXIT_CODES_HELP } from './commands/shared';
import { curateCommand } from './commands/curate';
import { curateTaskCommand } from './commands/curateTask';
import { generatePoolCommand } from './commands/generatePool';
import { matchCommand } from './commands/match';
import { browseCommand } from './commands/browse';
import { statsCommand } from './commands/stats';
import { commandsFromOtherIssues } from './registry';

export const COMMANDS: Command[] = [
  matchCommand,
  countCommand,
  curateCommand,
  statsCommand,
  browseCommand,
  curateTaskCommand,
  generatePoolCommand,
  ...commandsFromOtherIssues,
];

export const VERSION = '0.1.0';

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'metacurate: MetaCLIP curation of image-text pools (substring matching against metadata, entry balancing).',
    '',
    'Usage: metacurate <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `metacurate <command> --help` for the options of a command.',
    'Global option: --debug (anywhere on the line) prints the stack of any error.',
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv.filter((a) => a !== '--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topHelp() + '\n');
    return name === undefined ? EXIT_BAD_USAGE : EXIT_OK;
  }
  if (name === '--version') {
    io.stdout.write(VERSION + '\n');
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`metacurate: unknown command '${name}'\n\n${topHelp()}\n`);
    return EXIT_BAD_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help.trimEnd() + '\n');
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (thrown) {
    // A system error that no caller named (a full disk, a permission) is still the machine's.
    const err = asEnvironmentError(thrown);
    const stack = debug ? `${stackOf(err)}\n` : '';
    if (err instanceof UsageError) {
      io.stderr.write(
        `metacurate ${name}: ${err.message}\nRun 'metacurate ${name} --help' for usage.\n${stack}`,
      );
      return EXIT_BAD_USAGE;
    }
    if (err instanceof InputError || err instanceof EnvironmentError || err instanceof InterruptedError) {
      io.stderr.write(`metacurate ${name}: error: ${err.message}\n${stack}`);
      return EXIT_BAD_INPUT;
    }
    io.stderr.write(
      `metacurate ${name}: internal error (a bug in metacurate; please report it with this text): ${stackOf(err)}\n`,
    );
    return EXIT_INTERNAL;
  }
}

/** The error's stack, and those of its causes (an EnvironmentError wraps the system error). */
function stackOf(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join('\nCaused by: ');
}

if (require.main === module) {
  // `metacurate match --out - | head`: a closed pipe ends the output, not the process with a trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  void main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTTY: Boolean(process.stderr.isTTY),
  }).then((code) => {
    process.exitCode = code;
  });
}
