/**
 * Subcommands contributed by other parts of the product (metadata builder, language server,
 * experiments). Kept apart from main.ts so each part registers itself in one line.
 */
import type { Command } from './command';
import { metadataCommand } from './commands/metadata';
import { lspCommand } from './commands/lsp';
import { experimentCommand } from './commands/experiment';
import { runCommand } from './commands/run';

export const commandsFromOtherIssues: Command[] = [
  metadataCommand,
  lspCommand,
  experimentCommand,
  runCommand,
];
