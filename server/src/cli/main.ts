/**
 * `metacurate`: the curation engine on the command line. Exit codes: 0 done, 1 bad input,
 * 2 bad usage. Every subcommand answers `--help`.
 */
import { EXIT_BAD_INPUT, EXIT_BAD_USAGE, EXIT_OK, InputError, UsageError } from '../engine/errors';
import type { Command, CommandIO } from './command';
import { countCommand } from './commands/count';
import { curateCommand } from './commands/curate';
import { curateTaskCommand } from './commands/curateTask';
import { generatePoolCommand } from './commands/generatePool';
import { matchCommand } from './commands/match';
import { statsCommand } from './commands/stats';
import { commandsFromOtherIssues } from './registry';

export const COMMANDS: Command[] = [
  matchCommand,
  countCommand,
  curateCommand,
  statsCommand,
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
    'Exit codes: 0 done, 1 bad input, 2 bad usage.',
  ].join('\n');
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
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
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`metacurate ${name}: ${err.message}\nRun 'metacurate ${name} --help' for usage.\n`);
      return EXIT_BAD_USAGE;
    }
    if (err instanceof InputError) {
      io.stderr.write(`metacurate ${name}: error: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    io.stderr.write(`metacurate ${name}: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 3;
  }
}

if (require.main === module) {
  // `metacurate match --out - | head`: a closed pipe ends the output, not the process with a trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTTY: Boolean(process.stderr.isTTY),
  }).then((code) => {
    process.exitCode = code;
  });
}
