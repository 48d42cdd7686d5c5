/**
 * Following a job, local or on Slurm: its log as it grows (on the shared file system for Slurm),
 * its last line once it ended, and the wait between two looks at it.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Follows a growing text file from where it was last read, line by line. */
export class LogTail {
  private offset = 0;
  private pending = '';
  constructor(private readonly path: string) {}

  read(onLine: (line: string) => void): void {
    if (!existsSync(this.path)) return;
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0;
      while (this.offset < size) {
        const buffer = Buffer.alloc(Math.min(1 << 20, size - this.offset));
        const n = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        const lines = (this.pending + buffer.toString('utf8', 0, n)).split('\n');
        this.pending = lines.pop()!;
        for (const line of lines) onLine(line);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** The last line of a log (often the job's error message), cut at 300 characters. */
export async function lastLogLine(path: string): Promise<string | undefined> {
  try {
    const handle = await open(path, 'r');
    let text: string;
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 8192);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
    const line = text.trimEnd().split('\n').pop()?.trim();
    return line ? (line.length > 300 ? `${line.slice(0, 300)}...` : line) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
