/**
 * One writer per curation folder. The lock is a file (`.metacurate/lock`) naming its holder: pid,
 * host, start time and command. It appears atomically and whole: the content is written to a
 * temporary file first, which is then hard-linked to the lock's name (link fails if the name
 * exists, on local and network file systems alike). A second run is refused naming the holder;
 * a lock whose holder is no longer running on this host is taken over, with a message. The
 * holder removes it when it ends, however it ends (on process exit as a last resort).
 */
import { isProcessAlive } from './executor/localProcess';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { asEnvironmentError, UsageError } from './errors';
import { temporaryPathFor } from './fsAtomic';

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  started: string;
  /** The command that holds it, e.g. `curate` or `curate --executor slurm`. */
  command: string;
}

export class FolderLock {
  private held = true;
  private readonly onExit = () => this.releaseSync();

  constructor(
    readonly path: string,
    readonly holder: LockHolder,
    private readonly content: string,
  ) {
    process.on('exit', this.onExit);
  }

  /** Removes the lock if it is still this one's. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    process.removeListener('exit', this.onExit);
    const now = await readFile(this.path, 'utf8').catch(() => undefined);
    if (now === this.content) await unlink(this.path).catch(() => undefined);
  }

  releaseSync(): void {
    if (!this.held) return;
    this.held = false;
    process.removeListener('exit', this.onExit);
    try {
      if (readFileSync(this.path, 'utf8') === this.content) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Takes the lock at `path` for `command`, or throws a UsageError naming who holds it.
 * `info` hears of a stale lock taken over.
 */
export async function acquireFolderLock(
  path: string,
  command: string,
  info: (message: string) => void,
): Promise<FolderLock> {
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    command,
  };
  const content = `${JSON.stringify(holder)}\n`;
  // A few rounds: another run may take or drop the lock between two looks.
  for (let round = 0; round < 5; round++) {
    if (await createExclusive(path, content)) return new FolderLock(path, holder, content);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue; // Released meanwhile.
    const other = parseHolder(text);
    const folder = dirname(dirname(path));
    if (other === undefined) {
      throw new UsageError(
        `${folder} is locked by ${path}, which does not say who holds it; if no curation is writing to this folder, remove that file and run again`,
      );
    }
    if (!isStale(other)) {
      throw new UsageError(
        `${folder} is in use by another curation: ${describeHolder(other)}; wait for it to end (a second writer would mix the two curations), or, if that process is gone, remove ${path}`,
      );
    }
    if (await removeStale(path, text))
      info(`Took over the lock of a curation that is no longer running (${describeHolder(other)}).`);
  }
  throw new UsageError(`could not take the lock ${path}: other runs keep taking it; try again`);
}

export function describeHolder(h: LockHolder): string {
  return `\`metacurate ${h.command}\`, pid ${h.pid} on ${h.host}, started ${h.started}`;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Held by a process of this host that no longer runs (a lock of another host is never stale). */
function isStale(h: LockHolder): boolean {
  return h.host === hostname() && !isProcessAlive(h.pid);
}

/** True when the lock was created here; false when one exists. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const temporary = temporaryPathFor(path);
  try {
    await writeFile(temporary, content, { flag: 'wx' });
    try {
      await link(temporary, path);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    }
    // No hard links here: an exclusive create, then the content.
    let handle;
    try {
      handle = await open(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    throw asEnvironmentError(err, path, 'create the lock');
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/**
 * Moves the stale lock aside, then checks it is the one judged stale: if another run replaced it
 * meanwhile, that run's lock is put back. True when the stale lock is gone.
 */
async function removeStale(path: string, staleText: string): Promise<boolean> {
  const aside = temporaryPathFor(path);
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw asEnvironmentError(err, path, 'take over the lock');
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== staleText) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return moved === staleText;
}
