/**
 * The plan of a curation: its options and summary, the checks before anything is written, and
 * the slices of the pool. prepareCuration finishes what an earlier run left (a committed swap,
 * temporary files), checks that counted work still describes the inputs, and records the plan in
 * the folder's manifest; any executor (localExecutor.ts, slurm/) then runs its tasks.
 */
import { isThreshold } from '../../../contracts/src/threshold';
import type { CliCurateSummary } from '../../../contracts/src/cliEvents';
import { createHash, randomBytes } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { CurvePoint } from './balance';
import { readResults, discardSelection, completeSwap, readSummary, readManifest } from './curateManifest';
import { sliceUnchanged, type CountTaskResult, type PoolTask, type RunSettings } from './curateTasks';
import {
  folderPaths,
  MANIFEST_VERSION,
  openOutputFolder,
  removeLeftovers,
  removeOwnFolder,
  type OutputFolder,
  type Swap,
} from './curationFolder';
import {
  asEnvironmentError,
  InputError,
  InterruptedError,
  UsageError,
  type InputErrorReason,
} from './errors';
import { makeFolders, writeJsonAtomic } from './fsAtomic';
import type { Padding } from './match/spacing';
import { indexEntryCount, loadCachedIndex, type LoadedIndex } from './match/matcher';
import { metadataParsedLater, parseMetadataBytes, readMetadataFile, type Metadata } from './metadata';
import { assertInputsApartFromOutputs } from './pathOverlap';
import { detectFormat, isSplittable } from './pool/formats';
import { planByteRanges } from './pool/read';
import type { PoolFormat } from './pool/types';
import type { ProgressSink } from './progress';
import {
  changedListSince,
  countKeyRun,
  loadCurationMetadata,
  recordedLists,
  validateWorldwideOptions,
  withWorldwideRun,
  type WorldwideOptions,
} from './worldwide/worldwideCuration';

export interface CurateOptions {
  metadataPath: string;
  inputs: string[];
  textFields: string[];
  keyField?: string;
  /** Column names of header-less CSV/TSV inputs. */
  columns?: string[];
  t: number;
  seed: number;
  outDir: string;
  workers?: number;
  onError?: 'fail' | 'skip';
  padding?: Padding;
  /** Use the on-disk matcher cache (default true). */
  cache?: boolean;
  /** Slice size for splittable formats; default chosen from the pool size and worker count. */
  sliceBytes?: number;
  /**
   * Write the entry browser's index (entries.idx, records.idx) with the curation. It costs one more
   * read of the pool in finalize (about a third of a curation), so by default it is built on the
   * first browse instead (ensureEntryIndex).
   */
  entryIndex?: boolean;
  /** A worldwide curation: `metadataPath` is a folder of per-language lists, `t` English's t. */
  worldwide?: WorldwideOptions;
}

/**
 * summary.json: the contract's curation summary (also the last `--progress json` line, without
 * `entries`), with the engine's own names for the skip reasons and the padding, plus the table.
 */
export interface CurateSummary extends CliCurateSummary {
  pool: CliCurateSummary['pool'] & { skipped: Partial<Record<InputErrorReason, number>> };
  padding: Padding;
  expected_size_curve: CurvePoint[];
  /** Per matched entry: its count, kept records expected at t and kept by this curation's draws. */
  /** `kept`: the kept records that match the entry (absent when resumed from a build without it). */
  entries: { id: number; entry: string; count: number; expected_kept: number; kept?: number }[];
}

/** The slices of a pool and what their count work was done on. */
export interface Plan {
  /** Names this count work: a curation records the plan it was selected from. */
  id: string;
  /** Hash of what the command names for the count pass: metadata and input paths, formats, fields, padding. */
  countKey: string;
  /** The content counted: the metadata's sha256 and each input's size (each slice's sha256 is in its result). */
  metadataSha256: string;
  /** A worldwide curation: each list's sha256, to name the one that changed. */
  lists?: { code: string; file: string; sha256: string }[];
  sizes: number[];
  /** The run's options with absolute paths, t and seed those of the selection being built. */
  options: CurateOptions;
  tasks: PoolTask[];
}

export interface Manifest {
  version: number;
  /** The first run made the output folder: a failed run that leaves no curation removes it (if empty). */
  createdOut: boolean;
  plan: Plan;
  /** The curation the folder holds, whole: its files, relative to the folder. */
  current?: { planId: string; selectKey: string; files: string[] };
  /** The selection being built in the stage; `swap` is set once it is complete (the commit point). */
  next?: { selectKey: string; finalizedFiles: string[]; swap?: Swap };
}

/**
 * A curation whose slices are planned and recorded in the output folder. Any executor runs its
 * count and select tasks (curateTasks.ts); a task is done when its result file exists.
 */
export interface PreparedCuration {
  options: CurateOptions;
  outDir: string;
  workDir: string;
  /** Where the outputs are built before they are swapped into the folder. */
  stageDir: string;
  manifestPath: string;
  padding: Padding;
  run: RunSettings;
  metadata: Metadata;
  inputs: string[];
  formats: PoolFormat[];
  outputNames: string[];
  tasks: PoolTask[];
  /** Hash of t and seed: the selection being built. */
  selectKey: string;
  state: Manifest;
  resumed: boolean;
  /** The matcher index, when it was found in the cache as the metadata was read. */
  index?: LoadedIndex;
  /** The metadata file's bytes, as hashed (counts.json is made from them). */
  metadataBytes?: Buffer;
}

/**
 * Checks the options, that inputs and the output folder are apart, and that the folder may
 * take a curation; then creates the folder and takes its lock (curationFolder.ts). Nothing is
 * written before these checks pass. The caller releases the folder when it is done.
 */
export async function openCurationFolder(
  options: CurateOptions,
  command: string,
  progress: ProgressSink,
): Promise<OutputFolder> {
  validateOptions(options);
  const outDir = resolve(options.outDir);
  await assertInputsApartFromOutputs(
    [...options.inputs, options.metadataPath],
    [{ path: outDir, folder: true }],
  );
  return openOutputFolder(outDir, command, progress);
}

/**
 * In an opened folder: finishes a swap an earlier run committed, removes what killed runs left,
 * checks that earlier work was done on the inputs as they are now, then plans the slices (or
 * keeps the plan of an interrupted run). Returns the finished summary instead when the folder
 * already holds this curation.
 */
export async function prepareCuration(
  options: CurateOptions,
  progress: ProgressSink,
  folder: OutputFolder,
  signal?: AbortSignal,
): Promise<{ prepared: PreparedCuration } | { complete: CurateSummary }> {
  const outDir = folder.outDir;
  const paths = folderPaths(outDir);
  const padding = options.worldwide ? 'worldwide' : (options.padding ?? 'english');
  const inputs = options.inputs.map((p) => resolve(p));
  const formats = inputs.map((p) => detectFormat(p));
  const sizes = await Promise.all(inputs.map((p) => fileSize(p)));
  // A worldwide folder is its lists concatenated (no one file's bytes, no cached index of them).
  const {
    metadata,
    index,
    bytes: metadataBytes,
  } = options.worldwide
    ? { metadata: await loadCurationMetadata(options), index: undefined, bytes: undefined }
    : await loadMetadataAndIndex(options.metadataPath, padding, options.cache ?? true);
  const run = withWorldwideRun(runSettingsOf(options), metadata, options);
  const outputNames = outputPaths(inputs);
  const normalized: CurateOptions = {
    ...options,
    inputs,
    outDir,
    metadataPath: resolve(options.metadataPath),
    padding,
    onError: run.onError,
  };
  const countKey = hash({
    v: MANIFEST_VERSION,
    metadata: normalized.metadataPath,
    inputs,
    formats,
    run: countKeyRun(run),
    padding,
  });
  const selectKey = hash({ t: options.t, seed: options.seed });

  let manifest = await readManifest(paths.manifest);
  const resumed = manifest !== undefined;
  if (manifest?.next?.swap) {
    progress.info('Finishing the swap of the curation an earlier run completed.');
    manifest = await completeSwap(outDir, paths.manifest, manifest);
  }
  const removed = await removeLeftovers(outDir, manifest?.current?.files ?? [], false);
  if (removed > 0) progress.info(`Removed ${removed} temporary file(s) left by an interrupted run.`);
  if (manifest) folder.createdOut ||= manifest.createdOut;

  let plan = manifest?.plan;
  const current = manifest?.current;
  let next = manifest?.next;
  if (plan && plan.countKey !== countKey) {
    if (current) {
      throw new UsageError(
        `${outDir} already holds a finished curation of other inputs, metadata or fields; choose another --out folder`,
      );
    }
    progress.info('The output folder holds an unfinished run of different inputs; starting over.');
    plan = undefined;
  } else if (plan) {
    const change = await findChangedInput(plan, metadata, paths.work, progress, signal);
    if (change) {
      progress.info(
        `${change}: counting again from the start${current ? ` (the curation ${outDir} holds stays as it is until the new one is complete)` : ''}.`,
      );
      plan = undefined;
    }
  }
  if (!plan) {
    await removeOwnFolder(paths.work);
    await removeOwnFolder(paths.stage);
    next = undefined;
    const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    plan = {
      id: randomBytes(8).toString('hex'),
      countKey,
      metadataSha256: metadata.sha256,
      lists: recordedLists(metadata),
      sizes,
      options: normalized,
      tasks: await planTasks(inputs, formats, sizes, options.sliceBytes ?? defaultSliceBytes(sizes, workers)),
    };
  }
  const state = (): Manifest => ({
    version: MANIFEST_VERSION,
    createdOut: folder.createdOut,
    plan: plan!,
    current,
    next,
  });
  if (next && next.selectKey !== selectKey) {
    await discardSelection(paths.work, paths.stage);
    next = undefined;
  }
  if (current && current.planId === plan.id && current.selectKey === selectKey) {
    if (next) {
      await discardSelection(paths.work, paths.stage);
      next = undefined;
      await writeJsonAtomic(paths.manifest, state());
    }
    const summary = await readSummary(outDir);
    progress.info(`Already complete: ${outDir} (kept ${summary.kept} of ${summary.pool.records}).`);
    return { complete: { ...summary, resumed: true } };
  }
  if (!next) {
    if (current?.planId === plan.id)
      progress.info('Counts are reused from the earlier run; selecting again for the new t and seed.');
    // Select results of the curation the folder holds are not this selection's.
    await discardSelection(paths.work, paths.stage);
    next = { selectKey, finalizedFiles: [] };
  }
  plan = {
    ...plan,
    options: { ...plan.options, t: options.t, seed: options.seed, entryIndex: options.entryIndex },
  };
  try {
    await makeFolders(paths.work);
  } catch (err) {
    throw asEnvironmentError(err, paths.work, 'create the folder');
  }
  const manifestNow = state();
  await writeJsonAtomic(paths.manifest, manifestNow);
  return {
    prepared: {
      options: plan.options,
      outDir,
      workDir: paths.work,
      stageDir: paths.stage,
      manifestPath: paths.manifest,
      padding,
      run,
      metadata,
      inputs,
      formats,
      outputNames,
      tasks: plan.tasks,
      selectKey,
      state: manifestNow,
      resumed,
      index,
      metadataBytes,
    },
  };
}

/**
 * The metadata, and its matcher index when it is cached: then the entries are parsed only when
 * first needed (metadataParsedLater), not before the workers can start.
 */
async function loadMetadataAndIndex(
  path: string,
  padding: Padding,
  useCache: boolean,
): Promise<{ metadata: Metadata; index?: LoadedIndex; bytes: Buffer }> {
  const { bytes, sha256 } = await readMetadataFile(path);
  const index = useCache ? loadCachedIndex({ path, sha256 }, padding) : undefined;
  if (!index) return { metadata: { path, sha256, entries: parseMetadataBytes(path, bytes) }, bytes };
  const numEntries = indexEntryCount(index.packed);
  return { metadata: metadataParsedLater(path, bytes, sha256, numEntries), index, bytes };
}

/**
 * Why the count work of `plan` no longer describes the inputs, or undefined: the metadata's hash,
 * an input's size, a slice that no longer starts a line, or the bytes of a counted slice.
 */
async function findChangedInput(
  plan: Plan,
  metadata: Metadata,
  workDir: string,
  progress: ProgressSink,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const { options, tasks } = plan;
  if (plan.metadataSha256 !== metadata.sha256)
    return (
      changedListSince(plan.lists, metadata) ??
      `The metadata ${options.metadataPath} changed since the earlier run`
    );
  for (let f = 0; f < options.inputs.length; f++) {
    const size = await fileSize(options.inputs[f]);
    if (size !== plan.sizes[f])
      return `The input ${options.inputs[f]} changed since the earlier run (${plan.sizes[f]} bytes then, ${size} now)`;
  }
  for (const task of tasks) {
    if (task.byteRange && task.byteRange.start > 0 && !(await startsLine(task.file, task.byteRange.start)))
      return `The input ${task.file} changed since the earlier run (a slice no longer starts at a line)`;
  }
  const counted = await readResults<CountTaskResult>(tasks, workDir, 'count');
  if (counted.size === 0) return undefined;
  const bytes = tasks.filter((t) => counted.has(t.id)).reduce((a, t) => a + t.bytes, 0);
  progress.info(
    `Checking the ${counted.size} slice(s) counted earlier (${(bytes / 1048576).toFixed(1)} MiB) against the inputs.`,
  );
  for (const task of tasks) {
    const result = counted.get(task.id);
    if (result === undefined) continue;
    if (signal?.aborted) throw new InterruptedError();
    if (!(await sliceUnchanged(task, result))) {
      const range = task.byteRange ? `bytes ${task.byteRange.start}..${task.byteRange.end}` : 'its bytes';
      return `The input ${task.file} changed since the earlier run (${range} differ from what was counted)`;
    }
  }
  return undefined;
}

/** True when the byte before `offset` ends a line, as planByteRanges placed slice starts. */
async function startsLine(file: string, offset: number): Promise<boolean> {
  const handle = await open(file, 'r').catch((err: unknown) => {
    throw new InputError(file, {}, 'unreadable', `cannot read input: ${(err as Error).message}`);
  });
  try {
    const byte = Buffer.alloc(1);
    const { bytesRead } = await handle.read(byte, 0, 1, offset - 1);
    return bytesRead === 1 && byte[0] === 10;
  } finally {
    await handle.close();
  }
}

/** Re-opens a prepared curation from its folder (what a task on another node does). */
export async function openPreparedCuration(outDir: string): Promise<PreparedCuration> {
  const paths = folderPaths(resolve(outDir));
  const state = await readManifest(paths.manifest);
  if (!state) throw new UsageError(`${outDir} holds no prepared curation (no .metacurate/manifest.json)`);
  const o = state.plan.options;
  const metadata = await loadCurationMetadata(o);
  return {
    options: o,
    outDir: resolve(outDir),
    workDir: paths.work,
    stageDir: paths.stage,
    manifestPath: paths.manifest,
    padding: o.padding ?? 'english',
    run: withWorldwideRun(runSettingsOf(o), metadata, o),
    metadata,
    inputs: o.inputs,
    formats: o.inputs.map((p) => detectFormat(p)),
    outputNames: outputPaths(o.inputs),
    tasks: state.plan.tasks,
    selectKey: state.next?.selectKey ?? state.current?.selectKey ?? '',
    state,
    resumed: true,
  };
}

export function runSettingsOf(
  o: Pick<CurateOptions, 'textFields' | 'keyField' | 'onError' | 'columns'>,
): RunSettings {
  return { textFields: o.textFields, keyField: o.keyField, onError: o.onError ?? 'fail', columns: o.columns };
}

function validateOptions(o: CurateOptions): void {
  if (o.inputs.length === 0) throw new UsageError('no input files: pass at least one --input');
  // An entry is kept with probability min(1, t / count): the threshold is a count (spec section 3).
  if (!isThreshold(o.t)) throw new UsageError(`--t must be a positive integer, got ${o.t}`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0)
    throw new UsageError(`--seed must be a non-negative integer, got ${o.seed}`);
  if (o.workers !== undefined && !(o.workers >= 1))
    throw new UsageError(`--workers must be at least 1, got ${o.workers}`);
  if (new Set(o.inputs.map((p) => resolve(p))).size !== o.inputs.length)
    throw new UsageError('the same input file is listed twice');
  validateWorldwideOptions(o);
}

export async function fileSize(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new InputError(path, {}, 'unreadable', 'not a regular file');
    return s.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(path, {}, 'unreadable', `cannot read input: ${(err as Error).message}`);
  }
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * About four slices per worker, so work spreads evenly, between 8 and 16 MiB: a worker holds some
 * state per record of its slice (the select pass's sidecar lines), so the slice size, not the
 * pool's, bounds memory (a 10M-record pool took 1.3 GB with 100 MB slices, 0.8 GB with 16).
 */
export function defaultSliceBytes(sizes: number[], workers: number): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  return Math.min(MAX_DEFAULT_SLICE_BYTES, Math.max(8 << 20, Math.ceil(total / (workers * 4))));
}

const MAX_DEFAULT_SLICE_BYTES = 16 << 20;

export async function planTasks(
  inputs: string[],
  formats: PoolFormat[],
  sizes: number[],
  sliceBytes: number,
): Promise<PoolTask[]> {
  const tasks: PoolTask[] = [];
  const keyPrefixes = poolKeyPrefixes(inputs, formats);
  for (let f = 0; f < inputs.length; f++) {
    const file = { file: inputs[f], format: formats[f], keyPrefix: keyPrefixes[f] };
    if (isSplittable(formats[f]) && sizes[f] > sliceBytes) {
      for (const range of await planByteRanges(inputs[f], evenSliceBytes(sizes[f], sliceBytes))) {
        tasks.push({ id: tasks.length, ...file, byteRange: range, bytes: range.end - range.start });
      }
    } else {
      tasks.push({ id: tasks.length, ...file, bytes: sizes[f] });
    }
  }
  return tasks;
}

/**
 * At most `sliceBytes`, in as few slices of one size as that allows: a file of 13 MiB in slices of
 * 6.5, not 8 and 5, so that the workers' shares come out even.
 */
export function evenSliceBytes(fileBytes: number, sliceBytes: number): number {
  return Math.ceil(fileBytes / Math.ceil(fileBytes / sliceBytes));
}

/**
 * Output path of each input: its path relative to the inputs' common folder, under data/.
 * Relative paths from a common ancestor have no `..`, so nothing can be written outside.
 */
export function outputPaths(inputs: string[]): string[] {
  const absolute = inputs.map((p) => resolve(p));
  let common = dirname(absolute[0]);
  for (const p of absolute) {
    while (!(p + sep).startsWith(common.endsWith(sep) ? common : common + sep)) common = dirname(common);
  }
  return absolute.map((p) => {
    const rel = relative(common, p);
    if (rel === '' || isAbsolute(rel) || rel.split(sep).includes('..'))
      throw new UsageError(`cannot place output for ${p}`);
    return rel;
  });
}

/**
 * How default keys name each input (ReadOptions.keyPrefix): its path relative to the inputs'
 * common folder with '/' separators, as its output is named. Distinct files get distinct names,
 * and neither worker count nor input order changes them. A pool of one plain-text file keeps
 * the bare line index as key; WebDataset samples keep their own keys.
 */
export function poolKeyPrefixes(inputs: string[], formats: PoolFormat[]): (string | undefined)[] {
  return outputPaths(inputs).map((rel, f) =>
    formats[f] === 'text' && inputs.length === 1 ? undefined : rel.split(sep).join('/'),
  );
}
