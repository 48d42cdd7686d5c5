/**
 * Running the bundled CLI (dist/cli.js) from the extension host, and reading what it prints line
 * by line. Both "Curate Pool…" and training runs start it this way.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Starts `node CLI ARGV` with the extension host's own runtime (Electron runs as Node with the
 * variable). A detached one outlives the window (training runs survive a reload).
 */
export function spawnCli(
  cli: string,
  argv: string[],
  options: { cwd?: string; detached?: boolean } = {},
): ChildProcessByStdio<null, Readable, Readable> {
  const child = spawn(process.execPath, [cli, ...argv], {
    cwd: options.cwd,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  if (options.detached) child.unref();
  return child;
}

/** Calls `onLine` for each non-empty line of a stream (the last one even without a newline). */
export function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line) onLine(line);
    }
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer);
  });
}

/** True when an executable of that name is in one of the PATH folders. */
export function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}
