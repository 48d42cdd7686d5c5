/**
 * The one way metacurate writes a file. A regular file (or a new one) is written under a
 * temporary name beside it, `<name>.tmp-<pid>-<rand>`, synced, and renamed over it when complete,
 * so readers see the old bytes or the new ones, never half. Nothing else is ever replaced: a
 * character device (/dev/null) or a FIFO is written in place, and a folder, block device or
 * socket is refused. A symbolic link to a regular file stays a link: its target is replaced.
 * Failures of the file system come out as EnvironmentErrors naming the file the caller asked for.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rename,
  rm,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { asEnvironmentError, EnvironmentError, UsageError } from './errors';

/** Temporary names of this module, and the older `.tmp-<pid>` of the pool writers. */
const TEMPORARY_NAME = /\.tmp-\d+(?:-[0-9a-z]+)?$/;

export function temporaryPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** True for a name this program gives a file while writing it (`x.json.tmp-123-ab12cd34`). */
export function isTemporaryName(name: string): boolean {
  return TEMPORARY_NAME.test(name);
}

/** The name a temporary file will have once complete (`x.json` for `x.json.tmp-123-ab12cd34`). */
export function finalNameOf(temporaryName: string): string {
  return temporaryName.replace(TEMPORARY_NAME, '');
}

/** How a path is written: replaced through a temporary file, or written in place. */
type Target = { kind: 'replace'; path: string; mode?: number } | { kind: 'in-place'; path: string };

function targetFrom(path: string, stats: Stats | undefined, isLink: boolean, real?: string): Target {
  if (stats === undefined) {
    if (isLink)
      throw new EnvironmentError(path, 'ENOENT', 'write', 'it is a symbolic link to a missing file');
    return { kind: 'replace', path };
  }
  if (stats.isFile()) return { kind: 'replace', path: real ?? path, mode: stats.mode & 0o7777 };
  if (stats.isCharacterDevice() || stats.isFIFO()) return { kind: 'in-place', path };
  if (stats.isDirectory()) throw new EnvironmentError(path, 'EISDIR', 'write');
  throw new UsageError(
    `${path} is a ${stats.isBlockDevice() ? 'block device' : 'socket'}: metacurate writes regular files, character devices (such as /dev/null) and FIFOs only`,
  );
}

async function targetOf(path: string): Promise<Target> {
  let stats: Stats | undefined;
  try {
    stats = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw asEnvironmentError(err, path, 'look at');
    const isLink = await lstat(path).then(
      (s) => s.isSymbolicLink(),
      () => false,
    );
    return targetFrom(path, undefined, isLink);
  }
  const real = stats.isFile() ? await realpath(path) : undefined;
  return targetFrom(path, stats, false, real);
}

function targetOfSync(path: string): Target {
  let stats: Stats | undefined;
  try {
    stats = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw asEnvironmentError(err, path, 'look at');
    let isLink = false;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch {
      // Absent: a new file.
    }
    return targetFrom(path, undefined, isLink);
  }
  return targetFrom(path, stats, false, stats.isFile() ? realpathSync(path) : undefined);
}

/**
 * `mkdir -p` that reports the real failure: Node's recursive mkdir answers ENOENT on a read-only
 * file system. A file in the way is EEXIST.
 */
export async function makeFolders(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return;
      throw err;
    }
    if (code !== 'ENOENT' || dirname(path) === path) throw err;
    await makeFolders(dirname(path));
    await mkdir(path).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST') throw again;
    });
  }
}

/** An output file being written; nothing is visible under its name before commit(). */
export interface AtomicOutput {
  /** The path the caller named. */
  readonly path: string;
  /** Written in place (a character device or FIFO): commit() only closes it. */
  readonly inPlace: boolean;
  write(data: string | Uint8Array): Promise<void>;
  /** Syncs and renames the file into place (or closes the device). */
  commit(): Promise<void>;
  /** Closes and removes the temporary file; the named file is untouched. */
  abort(): Promise<void>;
}

/**
 * Bytes a replaced file is written between background syncs. The disk then writes while the
 * caller computes, and the sync at commit waits only for the last stretch instead of the whole
 * file (what RocksDB's bytes_per_sync does with sync_file_range; Node has only fdatasync).
 */
export const WRITEBACK_BYTES = 32 * 1024 * 1024;

class HandleOutput implements AtomicOutput {
  private closed = false;
  private unsynced = 0;
  /** The background sync in flight, at most one. */
  private writeback: Promise<void> | undefined;
  /** A failed background sync: reported at commit (a later fsync need not report it again). */
  private writebackError: Error | undefined;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** Undefined when written in place. */
    private readonly replace?: { temporary: string; target: string; mode?: number },
    private readonly writebackBytes = WRITEBACK_BYTES,
  ) {}

  get inPlace(): boolean {
    return this.replace === undefined;
  }

  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      for (let done = 0; done < bytes.length;) {
        const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done);
        done += bytesWritten;
      }
    } catch (err) {
      throw asEnvironmentError(err, this.path, 'write');
    }
    this.unsynced += bytes.length;
    if (this.replace && this.unsynced >= this.writebackBytes && this.writeback === undefined) {
      this.unsynced = 0;
      this.writeback = this.handle
        .datasync()
        .catch((err: unknown) => {
          this.writebackError ??= err instanceof Error ? err : new Error(String(err));
        })
        .finally(() => {
          this.writeback = undefined;
        });
    }
  }

  async commit(): Promise<void> {
    try {
      if (this.replace) {
        await this.writeback;
        if (this.writebackError !== undefined) throw this.writebackError;
        await this.handle.sync();
        // A replaced file keeps its permissions.
        if (this.replace.mode !== undefined) await this.handle.chmod(this.replace.mode);
      }
      this.closed = true;
      await this.handle.close();
      if (this.replace) await rename(this.replace.temporary, this.replace.target);
    } catch (err) {
      await this.abort();
      throw asEnvironmentError(err, this.path, 'write');
    }
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.writeback;
      await this.handle.close().catch(() => undefined);
    }
    if (this.replace) await rm(this.replace.temporary, { force: true }).catch(() => undefined);
  }
}

/**
 * Opens `path` for writing: a temporary file beside a regular or new file (its folder is
 * created), or the device or FIFO itself.
 */
export async function openAtomicOutput(
  path: string,
  options: { writebackBytes?: number } = {},
): Promise<AtomicOutput> {
  const target = await targetOf(path);
  if (target.kind === 'in-place') {
    const handle = await open(path, 'w').catch((err: unknown) => {
      throw asEnvironmentError(err, path, 'open');
    });
    return new HandleOutput(path, handle);
  }
  const temporary = temporaryPathFor(target.path);
  try {
    await makeFolders(dirname(target.path));
    const handle = await open(temporary, 'wx');
    return new HandleOutput(
      path,
      handle,
      { temporary, target: target.path, mode: target.mode },
      options.writebackBytes,
    );
  } catch (err) {
    throw asEnvironmentError(err, path, 'write');
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const out = await openAtomicOutput(path);
  try {
    await out.write(data);
  } catch (err) {
    await out.abort();
    throw err;
  }
  await out.commit();
}

/**
 * Waits until every write has settled, then throws the first failure: files committed side by
 * side (each commit waits on its own fsync, about 10 ms here, and the file system syncs several at
 * once), and none still writing when the caller cleans up after a failure.
 */
export async function settleAll(writes: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const settled = await Promise.allSettled(writes.map((w) => w ?? Promise.resolve()));
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** AtomicOutput for synchronous code (worker threads that never await). */
export interface AtomicOutputSync {
  readonly path: string;
  write(data: string | Uint8Array): void;
  /** Syncs and renames the file into place (or closes the device). */
  commit(): void;
  /** Closes and removes the temporary file; the named file is untouched. */
  abort(): void;
}

/** openAtomicOutput for synchronous code: the same temporary name, sync and rename. */
export function openAtomicOutputSync(path: string): AtomicOutputSync {
  const target = targetOfSync(path);
  const temporary = target.kind === 'replace' ? temporaryPathFor(target.path) : undefined;
  let fd: number | undefined;
  try {
    if (temporary === undefined) fd = openSync(path, 'w');
    else {
      mkdirSync(dirname(target.path), { recursive: true });
      fd = openSync(temporary, 'wx', target.kind === 'replace' ? target.mode : undefined);
    }
  } catch (err) {
    throw asEnvironmentError(err, path, temporary === undefined ? 'open' : 'write');
  }
  const opened = fd;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    closeSync(opened);
  };
  const abort = () => {
    try {
      close();
    } catch {
      // Already failing: the temporary file is removed below all the same.
    }
    if (temporary !== undefined) rmSync(temporary, { force: true });
  };
  return {
    path,
    write(data) {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      try {
        for (let done = 0; done < bytes.length;) done += writeSync(opened, bytes, done, bytes.length - done);
      } catch (err) {
        throw asEnvironmentError(err, path, 'write');
      }
    },
    commit() {
      try {
        if (temporary !== undefined) fsyncSync(opened);
        close();
        if (temporary !== undefined) renameSync(temporary, target.path);
      } catch (err) {
        abort();
        throw asEnvironmentError(err, path, 'write');
      }
    },
    abort,
  };
}

/** writeFileAtomic for synchronous code (worker threads that never await). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const out = openAtomicOutputSync(path);
  try {
    out.write(data);
  } catch (err) {
    out.abort();
    throw err;
  }
  out.commit();
}

/**
 * Moves a file this program wrote (`from`) to `to`, which must not exist: a hard link then an
 * unlink, so that a file someone put at `to` is never replaced. Run again after a crash between
 * the two steps, it finishes the move. Where hard links are not supported, a rename after
 * checking that `to` is free.
 */
export async function moveIntoPlace(from: string, to: string): Promise<void> {
  try {
    await makeFolders(dirname(to));
    try {
      await link(from, to);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        const [a, b] = await Promise.all([stat(from), lstat(to)]);
        if (a.dev !== b.dev || a.ino !== b.ino)
          throw new EnvironmentError(to, 'EEXIST', 'move the new file to', 'a file is in the way');
      } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
        const taken = await lstat(to).then(
          () => true,
          () => false,
        );
        if (taken) throw new EnvironmentError(to, 'EEXIST', 'move the new file to', 'a file is in the way');
        await rename(from, to);
        return;
      } else throw err;
    }
    await unlink(from);
  } catch (err) {
    throw asEnvironmentError(err, to, 'move a file to');
  }
}

/**
 * Removes the temporary files left by killed runs in `dir` (and its subfolders when `recursive`;
 * symbolic links are not followed). `owned` says which final paths are this program's files: a
 * temporary file of any other is left alone. Returns the paths removed.
 */
export async function removeTemporaryFiles(
  dir: string,
  options: { recursive?: boolean; owned?: (finalPath: string) => boolean } = {},
): Promise<string[]> {
  const removed: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return removed;
    throw asEnvironmentError(err, dir, 'list the folder');
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (options.recursive) removed.push(...(await removeTemporaryFiles(path, options)));
    } else if (isTemporaryName(entry.name) && (options.owned?.(join(dir, finalNameOf(entry.name))) ?? true)) {
      await rm(path, { force: true }).catch((err: unknown) => {
        throw asEnvironmentError(err, path, 'remove');
      });
      removed.push(path);
    }
  }
  return removed;
}
