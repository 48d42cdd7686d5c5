/**
 * The output folder of a curation, and what metacurate may do in it. A curation writes only into
 * a folder that does not exist, is empty, or holds a curation of metacurate (its manifest);
 * anything else is refused before anything is written. What metacurate keeps for itself is under
 * `.metacurate/`:
 *   manifest.json   the plan, the curation the folder holds, and the one being built (curate.ts)
 *   lock            the one writer's lock (folderLock.ts)
 *   work/           the slices' count and select work
 *   stage/          the next curation's outputs, built beside the ones the folder holds
 *   prev/           the held curation's files while the next one is swapped in
 *   slurm/          job scripts and logs of the Slurm executor
 * A curation's own files are listed in the manifest; nothing else in the folder is touched.
 *
 * The swap: once stage/ holds a whole curation, the manifest records the swap (the commit
 * point). Then the held curation's files move to prev/, summary.json first, so that the folder
 * never looks complete while mixed; the staged files move in, summary.json last; and the
 * manifest names the new curation. A run that finds a recorded swap finishes it before anything
 * else, so a kill at any moment leaves the previous curation whole (before the commit point) or,
 * once the command runs again, the new one.
 */
import { lstat, readdir, readFile, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { asEnvironmentError, EnvironmentError, UsageError } from './errors';
import { acquireFolderLock, type FolderLock } from './folderLock';
import { isTemporaryName, makeFolders, moveIntoPlace, removeTemporaryFiles } from './fsAtomic';
import type { ProgressSink } from './progress';

/** Version of `.metacurate/manifest.json`; a folder with another version is refused. */
export const MANIFEST_VERSION = 3;

/** The folders and files metacurate keeps in `.metacurate/`. */
const OWN_NAMES = new Set(['manifest.json', 'lock', 'work', 'stage', 'prev', 'slurm']);

/** The top-level outputs of a curation (the rest of its files are under data/). */
export const TOP_LEVEL_OUTPUTS = ['counts.json', 'counts.bin', 'matches.bin', 'summary.json'];

export function folderPaths(outDir: string) {
  const meta = join(outDir, '.metacurate');
  return {
    meta,
    manifest: join(meta, 'manifest.json'),
    lock: join(meta, 'lock'),
    work: join(meta, 'work'),
    stage: join(meta, 'stage'),
    prev: join(meta, 'prev'),
    slurm: join(meta, 'slurm'),
  };
}

export type FolderState = 'absent' | 'empty' | 'curation';

/**
 * What `outDir` is, refusing what a curation may not write into: a file (EnvironmentError,
 * ENOTDIR), a folder with anything but a curation of this version of metacurate (UsageError
 * naming what is in it). A folder holding only what a run killed before its first plan left in
 * `.metacurate/` counts as empty.
 */
export async function inspectOutputFolder(outDir: string): Promise<FolderState> {
  return judgeOutputFolder(outDir, await readOutputFolder(outDir));
}

/** The entries of `outDir`, or undefined when it does not exist; a file is an EnvironmentError. */
async function readOutputFolder(outDir: string): Promise<string[] | undefined> {
  let stats;
  try {
    stats = await stat(outDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw asEnvironmentError(err, outDir, 'look at');
  }
  if (!stats.isDirectory())
    throw new EnvironmentError(outDir, 'ENOTDIR', 'write into', 'it is a file, not a folder');
  return listFolder(outDir);
}

async function judgeOutputFolder(outDir: string, entries: string[] | undefined): Promise<FolderState> {
  if (entries === undefined) return 'absent';
  if (entries.length === 0) return 'empty';
  const paths = folderPaths(outDir);
  const manifest = await readFile(paths.manifest, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw asEnvironmentError(err, paths.manifest, 'read');
  });
  if (manifest !== undefined) {
    let version: unknown;
    try {
      version = (JSON.parse(manifest) as { version?: unknown }).version;
    } catch {
      throw new UsageError(
        `${paths.manifest} is damaged (not JSON), so ${outDir} cannot be resumed or re-selected; choose another --out, or remove the folder`,
      );
    }
    if (version !== MANIFEST_VERSION)
      throw new UsageError(
        `${outDir} holds a curation of another version of metacurate (manifest version ${String(version)}, this one writes ${MANIFEST_VERSION}); choose another --out, or remove the folder`,
      );
    return 'curation';
  }
  if (entries.length === 1 && entries[0] === '.metacurate') {
    const own = await listFolder(paths.meta).catch(() => undefined);
    if (own && own.every((name) => OWN_NAMES.has(name) || isTemporaryName(name))) return 'empty';
  }
  const shown =
    entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, ... (${entries.length} entries)` : '');
  throw new UsageError(
    `${outDir} is not empty and holds no curation of metacurate (it has ${shown}); a curation writes only into a new or empty folder, or one holding an earlier curation: choose another --out`,
  );
}

async function listFolder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    throw asEnvironmentError(err, dir, 'list the folder');
  }
}

/** A curation folder opened for writing: checked, created if needed, and locked. */
export class OutputFolder {
  constructor(
    readonly outDir: string,
    /** This curation made the folder: when it ends without a curation in it, it removes it (if empty). */
    public createdOut: boolean,
    private readonly lock: FolderLock,
  ) {}

  /**
   * Releases the lock. A folder left without a manifest (nothing planned, or a failed first run
   * removed its work) loses `.metacurate/`, and the folder itself if this curation made it; both
   * only when empty.
   */
  async release(): Promise<void> {
    await this.lock.release();
    const paths = folderPaths(this.outDir);
    const planned = await stat(paths.manifest).then(
      () => true,
      () => false,
    );
    if (planned) return;
    await rmdir(paths.meta).catch(() => undefined);
    if (this.createdOut) await rmdir(this.outDir).catch(() => undefined);
  }
}

/**
 * Checks `outDir` (inspectOutputFolder, and that none of metacurate's folders in it leads
 * elsewhere through a symbolic link), creates it and `.metacurate/`, and takes the lock.
 */
export async function openOutputFolder(
  outDir: string,
  command: string,
  progress: ProgressSink,
): Promise<OutputFolder> {
  const paths = folderPaths(outDir);
  const entries = await readOutputFolder(outDir);
  for (const folder of [paths.meta, paths.work, paths.stage, paths.prev, join(outDir, 'data')])
    await assertInsideOutput(outDir, folder);
  const state = await judgeOutputFolder(outDir, entries);
  try {
    await makeFolders(paths.meta);
  } catch (err) {
    throw asEnvironmentError(err, paths.meta, 'create the folder');
  }
  try {
    return new OutputFolder(
      outDir,
      state === 'absent',
      await acquireFolderLock(paths.lock, command, (m) => progress.info(m)),
    );
  } catch (err) {
    if (state !== 'curation') await rmdir(paths.meta).catch(() => undefined);
    if (state === 'absent') await rmdir(outDir).catch(() => undefined);
    throw err;
  }
}

/**
 * Removes what killed runs left: temporary files under `.metacurate/` and those of the
 * curation's own files in the folder (`files`: the held curation's, relative to `outDir`), and
 * prev/ when no swap is pending. Returns how many temporary files were removed.
 */
export async function removeLeftovers(
  outDir: string,
  files: readonly string[],
  swapPending: boolean,
): Promise<number> {
  const paths = folderPaths(outDir);
  const own = new Set([...TOP_LEVEL_OUTPUTS, ...files]);
  const removed = [
    ...(await removeTemporaryFiles(paths.meta, { recursive: true })),
    ...(await removeTemporaryFiles(outDir, { owned: (p) => own.has(relative(outDir, p)) })),
  ];
  if (!swapPending) await removeOwnFolder(paths.prev);
  return removed.length;
}

/** Removes one of metacurate's own folders under `.metacurate/`. */
export async function removeOwnFolder(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  } catch (err) {
    throw asEnvironmentError(err, path, 'remove');
  }
}

/** Files under `dir`, relative to it, without temporary files (none when `dir` does not exist). */
export async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (at: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw asEnvironmentError(err, at, 'list the folder');
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(at, e.name));
      else if (!isTemporaryName(e.name)) files.push(relative(dir, join(at, e.name)));
    }
  };
  await walk(dir);
  return files.sort();
}

/** A staged curation's move into the folder: its files, and those of the curation it replaces. */
export interface Swap {
  files: string[];
  previous: string[];
}

/**
 * Before the commit point: every place the new curation's files go is free or holds a file of
 * the previous curation, and every file of the previous curation is still a plain file. Anything
 * else (a user's file, a folder or link put there since) is a UsageError naming it.
 */
export async function checkSwap(outDir: string, swap: Swap): Promise<void> {
  const previous = new Set(swap.previous);
  const folders = new Set<string>();
  for (const rel of swap.files) {
    for (let d = dirname(rel); d !== '.'; d = dirname(d)) folders.add(d);
  }
  for (const rel of [...folders].sort()) {
    const path = join(outDir, rel);
    await assertInsideOutput(outDir, path);
    const stats = await lstatOrUndefined(path);
    if (stats && !stats.isDirectory() && !(stats.isSymbolicLink() && (await stat(path)).isDirectory()))
      throw new UsageError(
        `${path} is in the way of the new curation (a folder is needed there): move it away and run the same command again`,
      );
  }
  for (const rel of new Set([...swap.files, ...swap.previous])) {
    const path = join(outDir, rel);
    const stats = await lstatOrUndefined(path);
    if (stats === undefined) continue;
    if (!previous.has(rel))
      throw new UsageError(
        `${path} is in the way of the new curation (metacurate did not write it): move it away and run the same command again`,
      );
    if (!stats.isFile())
      throw new UsageError(
        `${path} is no longer the file the earlier curation wrote (it is now a ${stats.isDirectory() ? 'folder' : 'link or special file'}): move it away and run the same command again`,
      );
  }
}

/**
 * One step of a swap. `aside` moves a file of the previous curation to prev/ (skipped once the
 * staged file of the same name has moved in: then the file there is the new one); `in` moves a
 * staged file into the folder. A step whose file has already moved does nothing.
 */
export interface SwapMove {
  kind: 'aside' | 'in';
  from: string;
  to: string;
  /** For `aside`: the staged file whose presence says the previous file is still in place. */
  whileStaged?: string;
}

/** The steps of a swap, in order: summary.json aside first, then the rest; in: summary.json last. */
export function swapMoves(outDir: string, swap: Swap): SwapMove[] {
  const { stage, prev } = folderPaths(outDir);
  const incoming = new Set(swap.files);
  const summaryFirst = (files: string[]) =>
    [...files].sort((a, b) => Number(b === 'summary.json') - Number(a === 'summary.json'));
  return [
    ...summaryFirst(swap.previous).map((rel): SwapMove => ({
      kind: 'aside',
      from: join(outDir, rel),
      to: join(prev, rel),
      whileStaged: incoming.has(rel) ? join(stage, rel) : undefined,
    })),
    ...summaryFirst(swap.files)
      .reverse()
      .map((rel): SwapMove => ({ kind: 'in', from: join(stage, rel), to: join(outDir, rel) })),
  ];
}

/** Runs one step of a swap (see SwapMove). */
export async function runSwapMove(outDir: string, move: SwapMove): Promise<void> {
  if (move.whileStaged !== undefined && !(await lstatOrUndefined(move.whileStaged))) return;
  if (!(await lstatOrUndefined(move.from))) return;
  if (move.kind === 'in') {
    await assertInsideOutput(outDir, dirname(move.to));
    await moveIntoPlace(move.from, move.to);
    return;
  }
  try {
    await makeFolders(dirname(move.to));
    await rename(move.from, move.to);
  } catch (err) {
    throw asEnvironmentError(err, move.from, 'move aside');
  }
}

/** Moves the staged curation in (see the top of this file); safe to run again after a crash. */
export async function swapIn(outDir: string, swap: Swap): Promise<void> {
  for (const move of swapMoves(outDir, swap)) await runSwapMove(outDir, move);
}

/** After the swap: prev/ and stage/ go, and so do the previous curation's folders left empty. */
export async function cleanUpAfterSwap(outDir: string, swap: Swap): Promise<void> {
  const { stage, prev } = folderPaths(outDir);
  await removeOwnFolder(prev);
  await removeOwnFolder(stage);
  const incoming = new Set(swap.files.map((f) => dirname(f)));
  const folders = new Set<string>();
  for (const rel of swap.previous)
    for (let d = dirname(rel); d !== '.'; d = dirname(d)) if (!incoming.has(d)) folders.add(d);
  // Deepest first; a folder that holds anything else stays.
  for (const rel of [...folders].sort((a, b) => b.length - a.length))
    await rmdir(join(outDir, rel)).catch(() => undefined);
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw asEnvironmentError(err, path, 'look at');
  }
}

/**
 * Refuses (UsageError naming the link) when what exists of `folder`, a folder under `outDir`,
 * resolves through a symlink to a place outside `outDir`: a symlinked `data/` or subfolder would
 * otherwise send the writes anywhere. Folders that do not exist yet are created as real ones.
 */
export async function assertInsideOutput(outDir: string, folder: string): Promise<void> {
  const rel = relative(resolve(outDir), resolve(folder));
  if (rel.split(sep).includes('..') || isAbsolute(rel))
    throw new UsageError(`output path escapes the output folder ${outDir}: ${folder}`);
  const root = await realpath(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw asEnvironmentError(err, outDir, 'resolve');
  });
  if (root === undefined) return;
  let at = resolve(outDir);
  for (const part of rel === '' ? [] : rel.split(sep)) {
    at = join(at, part);
    let real: string;
    try {
      real = await realpath(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw asEnvironmentError(err, at, 'resolve');
    }
    if (real !== root && !real.startsWith(root + sep))
      throw new UsageError(
        `refusing to write outside the output folder: ${at} resolves to ${real}, which is not inside ${root}`,
      );
  }
}
