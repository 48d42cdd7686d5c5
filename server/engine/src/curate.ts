/**
 * A whole curation (docs/spec.md sections 3-4) on this machine: plan slices of the pool, count on all
 * cores, reduce the counts, select on all cores, then assemble the outputs. Every step's output is
 * renamed into place when complete and recorded in a manifest, so a killed run, started again
 * with the same command, skips the finished work and ends with the same bytes.
 *
 * Output folder (curationFolder.ts says who may write there, and how a new curation replaces
 * the one the folder holds):
 *   data/<path>                  kept records per input file, in the input's format
 *   data/<path>.entries.jsonl    per kept record: key, matched entry ids, keep probability
 *   data/**\/sizes.json           WebDataset shards: samples per shard, as OpenCLIP reads it
 *   counts.json, counts.bin      per-entry counts ({entry: count}, and the compact form)
 *   matches.bin                  matched ids of every record (matchesFile.ts)
 *   summary.json                 sizes, counts before and expected after, t, seed, timings
 *   .metacurate/                 manifest, lock, work files (kept for resuming and re-selecting),
 *                                and the stage where the next curation is built
 *
 * Resuming trusts no earlier work blindly: each counted slice recorded the sha256 of the bytes it
 * read, and a re-run hashes those bytes again (and compares the metadata's hash and the inputs'
 * sizes) before using them. A changed input starts the count over, with a message naming it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { balanceProbabilities, countHead, logSpacedThresholds, type CurvePoint } from './balance';
import { addSparseCounts, readCounts, writeCounts, type CountsInfo, type EntryCounts } from './counts';
import {
  checkUniqueSampleKeys,
  countOutputs,
  selectOutputs,
  sliceSha256,
  taskResultPath,
  type CountTaskResult,
  type Phase,
  type PoolTask,
  type RunSettings,
  type SelectTaskResult,
} from './curateTasks';
import {
  assertInsideOutput,
  checkSwap,
  cleanUpAfterSwap,
  folderPaths,
  listFiles,
  MANIFEST_VERSION,
  openOutputFolder,
  removeLeftovers,
  removeOwnFolder,
  swapIn,
  type OutputFolder,
  type Swap,
} from './curationFolder';
import {
  asEnvironmentError,
  EmptyPoolError,
  EnvironmentError,
  InputError,
  InterruptedError,
  UsageError,
  type InputErrorReason,
} from './errors';
import { makeFolders, openAtomicOutput, removeTemporaryFiles, writeJsonAtomic } from './fsAtomic';
import { loadOrBuildIndex } from './match/matcher';
import type { Padding } from './match/spacing';
import { ExpectedSums, readMatchesStream } from './expectedSums';
import { MATCHES_MAGIC } from './matchesFile';
import { loadMetadata, type Metadata } from './metadata';
import { assertInputsApartFromOutputs } from './pathOverlap';
import { detectFormat, isSplittable } from './pool/formats';
import { planByteRanges } from './pool/read';
import type { PoolFormat } from './pool/types';
import { silentProgress, type ProgressSink } from './progress';
import { CurationWorkers } from './workerPool';
import type { WorkerRequest } from './workerProtocol';

export { assertInsideOutput } from './curationFolder';

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
}

export interface CurateSummary {
  pool: {
    files: number;
    records: number;
    texts: number;
    matched_texts: number;
    matched_records: number;
    skipped: Partial<Record<InputErrorReason, number>>;
  };
  kept: number;
  expected_kept: number;
  t: number;
  seed: number;
  padding: Padding;
  metadata: { path: string; sha256: string; entries: number };
  head_entries: number;
  matched_entries: number;
  head_share_of_matches: number;
  expected_size_curve: CurvePoint[];
  entries: { id: number; entry: string; count: number; expected_kept: number }[];
  outputs: { input: string; output: string; sidecar: string; kept: number; records: number }[];
  workers: number;
  wall_seconds: number;
  pass_seconds: { index: number; count: number; select: number; finalize: number };
  records_per_second: number;
  resumed: boolean;
}

/** The slices of a pool and what their count work was done on. */
interface Plan {
  /** Names this count work: a curation records the plan it was selected from. */
  id: string;
  /** Hash of what the command names for the count pass: metadata and input paths, formats, fields, padding. */
  countKey: string;
  /** The content counted: the metadata's sha256 and each input's size (each slice's sha256 is in its result). */
  metadataSha256: string;
  sizes: number[];
  /** The run's options with absolute paths, t and seed those of the selection being built. */
  options: CurateOptions;
  tasks: PoolTask[];
}

interface Manifest {
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
}

export async function readTaskResults<R>(prepared: PreparedCuration, phase: Phase): Promise<Map<number, R>> {
  return readResults<R>(prepared.tasks, prepared.workDir, phase);
}

async function readResults<R>(tasks: PoolTask[], workDir: string, phase: Phase): Promise<Map<number, R>> {
  const results = new Map<number, R>();
  for (const task of tasks) {
    try {
      results.set(task.id, JSON.parse(await readFile(taskResultPath(workDir, phase, task.id), 'utf8')) as R);
    } catch {
      // Not done yet.
    }
  }
  return results;
}

export async function pendingTasks(prepared: PreparedCuration, phase: Phase): Promise<PoolTask[]> {
  const done = await readTaskResults(prepared, phase);
  return prepared.tasks.filter((t) => !done.has(t.id));
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
  const padding = options.padding ?? 'english';
  const run = runSettingsOf(options);
  const inputs = options.inputs.map((p) => resolve(p));
  const formats = inputs.map((p) => detectFormat(p));
  const sizes = await Promise.all(inputs.map((p) => fileSize(p)));
  const metadata = await loadMetadata(options.metadataPath);
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
    run,
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
  plan = { ...plan, options: { ...plan.options, t: options.t, seed: options.seed } };
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
    },
  };
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
    return `The metadata ${options.metadataPath} changed since the earlier run`;
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
    if (result.sha256 !== (await sliceSha256(task))) {
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

/** Removes the selection being built: its select work and its stage. */
async function discardSelection(workDir: string, stageDir: string): Promise<void> {
  for (const f of await readdir(workDir).catch(() => [] as string[]))
    if (f.startsWith('select-')) await rm(join(workDir, f), { force: true });
  await removeOwnFolder(stageDir);
}

/** Moves a committed stage in and records the new curation as the folder's (curationFolder.ts). */
async function completeSwap(outDir: string, manifestPath: string, manifest: Manifest): Promise<Manifest> {
  const next = manifest.next!;
  const swap = next.swap!;
  await swapIn(outDir, swap);
  const done: Manifest = {
    ...manifest,
    current: { planId: manifest.plan.id, selectKey: next.selectKey, files: swap.files },
    next: undefined,
  };
  await writeJsonAtomic(manifestPath, done);
  await cleanUpAfterSwap(outDir, swap);
  return done;
}

async function readSummary(outDir: string): Promise<CurateSummary> {
  const path = join(outDir, 'summary.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as CurateSummary;
  } catch (err) {
    throw asEnvironmentError(err, path, 'read');
  }
}

/** Re-opens a prepared curation from its folder (what a task on another node does). */
export async function openPreparedCuration(outDir: string): Promise<PreparedCuration> {
  const paths = folderPaths(resolve(outDir));
  const state = await readManifest(paths.manifest);
  if (!state) throw new UsageError(`${outDir} holds no prepared curation (no .metacurate/manifest.json)`);
  const o = state.plan.options;
  const metadata = await loadMetadata(o.metadataPath);
  return {
    options: o,
    outDir: resolve(outDir),
    workDir: paths.work,
    stageDir: paths.stage,
    manifestPath: paths.manifest,
    padding: o.padding ?? 'english',
    run: runSettingsOf(o),
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

/** True once the folder holds the curation `prepared` builds (its swap is done). */
export async function isCurationComplete(prepared: PreparedCuration): Promise<boolean> {
  const m = await readManifest(prepared.manifestPath);
  return (
    m !== undefined &&
    m.next === undefined &&
    m.current?.planId === prepared.state.plan.id &&
    m.current.selectKey === prepared.selectKey
  );
}

/** True once the counts are reduced (they are in the stage, or already swapped in). */
export async function isCurationReduced(prepared: PreparedCuration): Promise<boolean> {
  const inStage = await stat(join(prepared.stageDir, 'counts.bin')).then(
    () => true,
    () => false,
  );
  if (inStage) return true;
  const m = await readManifest(prepared.manifestPath);
  return m?.next?.swap !== undefined || (await isCurationComplete(prepared));
}

export async function curate(
  options: CurateOptions,
  progress: ProgressSink = silentProgress,
  signal?: AbortSignal,
): Promise<CurateSummary> {
  const started = performance.now();
  const folder = await openCurationFolder(options, 'curate', progress);
  let prepared: PreparedCuration | undefined;
  let pool: CurationWorkers | undefined;
  try {
    const opened = await prepareCuration(options, progress, folder, signal);
    if ('complete' in opened) return opened.complete;
    prepared = opened.prepared;
    const { metadata, workDir, run } = prepared;
    const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));

    const indexStart = performance.now();
    const index = loadOrBuildIndex(metadata, prepared.padding, options.cache ?? true);
    progress.info(
      `Matcher for ${metadata.entries.length.toLocaleString('en-US')} entries ${index.fromCache ? 'loaded from cache' : 'built'} in ${Math.round(index.millis)} ms.`,
    );
    const timings = { index: (performance.now() - indexStart) / 1000, count: 0, select: 0, finalize: 0 };

    pool = new CurationWorkers(Math.min(workers, prepared.tasks.length), index.packed);
    let t0 = performance.now();
    const toCount = await pendingTasks(prepared, 'count');
    await runPhase(
      pool,
      'count',
      prepared.tasks,
      toCount,
      progress,
      (task) => ({ type: 'count', task, run, workDir }),
      signal,
    );
    timings.count = (performance.now() - t0) / 1000;

    const counts = await reduceCuration(prepared);
    if (counts.matchedRecords === 0)
      progress.info('No record of the pool matches any entry: the curation is empty.');

    t0 = performance.now();
    const shared = new SharedArrayBuffer(counts.counts.length * 8);
    new Float64Array(shared).set(balanceProbabilities(counts.counts, options.t));
    const firstIndex = await firstRecordIndexes(prepared);
    const toSelect = await pendingTasks(prepared, 'select');
    await runPhase(
      pool,
      'select',
      prepared.tasks,
      toSelect,
      progress,
      (task) => ({
        type: 'select',
        task,
        run,
        workDir,
        seed: options.seed,
        firstRecordIndex: firstIndex.get(task.id)!,
        probabilities: shared,
      }),
      signal,
    );
    timings.select = (performance.now() - t0) / 1000;
    if (signal?.aborted) throw new InterruptedError();

    return await finalizeCuration(prepared, { timings, started, workers: pool.size });
  } catch (err) {
    // The workers may still be writing their slices: stop them before removing anything.
    await pool?.close();
    if (prepared) await abandonRun(prepared, folder, err instanceof InputError);
    throw err;
  } finally {
    progress.finish();
    await pool?.close();
    await folder.release();
  }
}

/**
 * After a failure or an interruption: the temporary files of the stopped workers go, finished
 * work stays for a re-run. After bad input (the run cannot succeed as it is) the selection being
 * built goes too, and when the folder holds no curation yet, all of this curation's work; the
 * curation the folder holds, and anything else in it, stays.
 */
async function abandonRun(
  prepared: PreparedCuration,
  folder: OutputFolder,
  badInput: boolean,
): Promise<void> {
  const paths = folderPaths(prepared.outDir);
  await removeTemporaryFiles(paths.work);
  await removeTemporaryFiles(paths.stage, { recursive: true });
  if (!badInput) return;
  const state = (await readManifest(paths.manifest)) ?? prepared.state;
  if (state.next?.swap) return; // Committed: the next run swaps it in.
  if (state.current) {
    await discardSelection(paths.work, paths.stage);
    await writeJsonAtomic(paths.manifest, { ...state, next: undefined });
    return;
  }
  folder.createdOut ||= state.createdOut;
  for (const path of [paths.work, paths.stage, paths.prev]) await removeOwnFolder(path);
  await rm(paths.manifest, { force: true });
}

/**
 * Sums the slices' partial counts and writes counts.json and counts.bin to the stage. A pool
 * without records (all files empty, or every record skipped) is an EmptyPoolError: there is
 * nothing to curate.
 */
export async function reduceCuration(prepared: PreparedCuration): Promise<EntryCounts> {
  const counted = await readTaskResults<CountTaskResult>(prepared, 'count');
  const missing = prepared.tasks.filter((t) => !counted.has(t.id));
  if (missing.length > 0)
    throw new UsageError(
      `cannot reduce: ${missing.length} count task(s) are not done (first: ${missing[0].id}); run them first`,
    );
  const counts = await reduceCounts(
    { tasks: prepared.tasks, counted: Object.fromEntries(counted) },
    prepared.metadata,
    prepared.workDir,
    prepared.run,
  );
  if (counts.records === 0) throw new EmptyPoolError(prepared.inputs, sumSkipped(counted.values()));
  await writeCounts(join(prepared.stageDir, 'counts.json'), prepared.metadata.entries, counts);
  return counts;
}

/** Records skipped by reason (--on-error skip), summed over count task results. */
function sumSkipped(results: Iterable<CountTaskResult>): Partial<Record<InputErrorReason, number>> {
  const skipped: Partial<Record<InputErrorReason, number>> = {};
  for (const r of results) {
    for (const [reason, n] of Object.entries(r.skipped))
      skipped[reason as InputErrorReason] = (skipped[reason as InputErrorReason] ?? 0) + (n ?? 0);
  }
  return skipped;
}

/** Keep probabilities of a reduced curation, from its compact counts. */
export async function probabilitiesOf(prepared: PreparedCuration): Promise<Float64Array> {
  const { counts } = await readCounts(join(prepared.stageDir, 'counts.bin'), prepared.metadata.entries);
  return balanceProbabilities(counts, prepared.options.t);
}

/**
 * Assembles the outputs from the slices in the stage (data/, matches.bin, summary.json), then
 * swaps them into the folder in place of the curation it held. A run that finds the swap
 * committed only finishes it; one that finds the curation complete returns its summary.
 */
export async function finalizeCuration(
  prepared: PreparedCuration,
  run: { timings: CurateSummary['pass_seconds']; started: number; workers: number },
): Promise<CurateSummary> {
  const t0 = performance.now();
  const { outDir, stageDir, workDir, metadata, options } = prepared;
  const state = (await readManifest(prepared.manifestPath)) ?? prepared.state;
  const next = state.next;
  if (next === undefined) return readSummary(outDir);
  if (next.swap === undefined) {
    const selected = await readTaskResults<SelectTaskResult>(prepared, 'select');
    const counted = await readTaskResults<CountTaskResult>(prepared, 'count');
    const missing = prepared.tasks.filter((t) => !selected.has(t.id));
    if (missing.length > 0)
      throw new UsageError(
        `cannot finalize: ${missing.length} select task(s) are not done (first: ${missing[0].id}); run them first`,
      );
    const { counts: countValues, info } = await readCounts(join(stageDir, 'counts.bin'), metadata.entries);
    const counts = { ...(info as CountsInfo), counts: countValues };
    const saveManifest = () => writeJsonAtomic(prepared.manifestPath, state);
    const outputs = await assembleOutputs(
      prepared.tasks,
      next.finalizedFiles,
      selected,
      prepared.inputs,
      prepared.formats,
      prepared.outputNames,
      stageDir,
      workDir,
      saveManifest,
    );
    const p = balanceProbabilities(countValues, options.t);
    const sums = new ExpectedSums(p, countValues, curveThresholds(countValues, options.t));
    await writeMatchesFile(prepared.tasks, workDir, join(stageDir, 'matches.bin'), counts.records, (ids) =>
      sums.addRecord(ids),
    );
    const summary = summarize({
      options,
      metadata,
      counts,
      sums,
      outputs,
      counted,
      selected,
      padding: prepared.padding,
      workers: run.workers,
      resumed: prepared.resumed,
      timings: run.timings,
      started: run.started,
    });
    summary.pass_seconds.finalize = round((performance.now() - t0) / 1000, 3);
    const wall = (performance.now() - run.started) / 1000;
    summary.wall_seconds = round(wall, 3);
    summary.records_per_second = wall > 0 ? Math.round(summary.pool.records / wall) : 0;
    await writeJsonAtomic(join(stageDir, 'summary.json'), summary);
    const swap: Swap = { files: await listFiles(stageDir), previous: state.current?.files ?? [] };
    await checkSwap(outDir, swap);
    next.swap = swap;
    await saveManifest();
  }
  prepared.state = await completeSwap(outDir, prepared.manifestPath, state);
  // Every task is done: a temporary file left in the work folder is a killed attempt's.
  await removeTemporaryFiles(prepared.workDir);
  return readSummary(outDir);
}

function runSettingsOf(
  o: Pick<CurateOptions, 'textFields' | 'keyField' | 'onError' | 'columns'>,
): RunSettings {
  return { textFields: o.textFields, keyField: o.keyField, onError: o.onError ?? 'fail', columns: o.columns };
}

function validateOptions(o: CurateOptions): void {
  if (o.inputs.length === 0) throw new UsageError('no input files: pass at least one --input');
  if (!(o.t > 0) || !Number.isFinite(o.t)) throw new UsageError(`--t must be a positive number, got ${o.t}`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0)
    throw new UsageError(`--seed must be a non-negative integer, got ${o.seed}`);
  if (o.workers !== undefined && !(o.workers >= 1))
    throw new UsageError(`--workers must be at least 1, got ${o.workers}`);
  if (new Set(o.inputs.map((p) => resolve(p))).size !== o.inputs.length)
    throw new UsageError('the same input file is listed twice');
}

async function fileSize(path: string): Promise<number> {
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

/** The folder's manifest; undefined when there is none (inspectOutputFolder refused other versions). */
async function readManifest(path: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw asEnvironmentError(err, path, 'read');
  }
  const m = JSON.parse(text) as Manifest;
  if (m.version !== MANIFEST_VERSION)
    throw new UsageError(
      `${path} is of another version of metacurate (${m.version}); remove the folder or choose another --out`,
    );
  return m;
}

/**
 * About four slices per worker, so work spreads evenly, between 8 and 16 MiB: a worker holds some
 * state per record of its slice (the select pass's sidecar lines), so the slice size, not the
 * pool's, bounds memory (a 10M-record pool took 1.3 GB with 100 MB slices, 0.8 GB with 16).
 */
function defaultSliceBytes(sizes: number[], workers: number): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  return Math.min(MAX_DEFAULT_SLICE_BYTES, Math.max(8 << 20, Math.ceil(total / (workers * 4))));
}

const MAX_DEFAULT_SLICE_BYTES = 16 << 20;

async function planTasks(
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
      for (const range of await planByteRanges(inputs[f], sliceBytes)) {
        tasks.push({ id: tasks.length, ...file, byteRange: range, bytes: range.end - range.start });
      }
    } else {
      tasks.push({ id: tasks.length, ...file, bytes: sizes[f] });
    }
  }
  return tasks;
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

async function runPhase(
  pool: CurationWorkers,
  phase: Phase,
  all: PoolTask[],
  pending: PoolTask[],
  progress: ProgressSink,
  request: (task: PoolTask) => WorkerRequest,
  signal?: AbortSignal,
): Promise<void> {
  const totalBytes = all.reduce((a, t) => a + t.bytes, 0);
  const pendingIds = new Set(pending.map((t) => t.id));
  let doneBytes = all.filter((t) => !pendingIds.has(t.id)).reduce((a, t) => a + t.bytes, 0);
  let doneRecords = 0;
  const running = new Map<number, { records: number; fraction: number }>();
  const bytesOf = new Map(all.map((t) => [t.id, t.bytes]));
  const report = () => {
    let bytes = doneBytes;
    let records = doneRecords;
    for (const [id, r] of running) {
      bytes += r.fraction * bytesOf.get(id)!;
      records += r.records;
    }
    progress.update({ phase, done: bytes, total: totalBytes, records, unit: 'bytes' });
  };
  report();
  await pool.run<{ records: number }>(pending.map(request), {
    signal,
    onProgress(taskId, records, fraction) {
      running.set(taskId, { records, fraction });
      report();
    },
    async onDone(taskId, result) {
      running.delete(taskId);
      doneBytes += bytesOf.get(taskId)!;
      doneRecords += result.records;
      report();
    },
  });
  report();
}

async function reduceCounts(
  state: { tasks: PoolTask[]; counted: Record<number, CountTaskResult> },
  metadata: Metadata,
  workDir: string,
  run: RunSettings,
): Promise<EntryCounts> {
  await checkUniqueSampleKeys(state.tasks, run, workDir);
  const counts = new Float64Array(metadata.entries.length);
  const total: EntryCounts = {
    counts,
    metadataSha256: metadata.sha256,
    records: 0,
    texts: 0,
    matchedTexts: 0,
    matchedRecords: 0,
  };
  for (const task of state.tasks) {
    const bytes = await readFile(countOutputs(workDir, task.id).counts);
    const pairs = new Uint32Array(bytes.byteLength / 4);
    new Uint8Array(pairs.buffer).set(bytes);
    addSparseCounts(counts, pairs);
    const r = state.counted[task.id];
    total.records += r.records;
    total.texts += r.texts;
    total.matchedTexts += r.matchedTexts;
    total.matchedRecords += r.matchedRecords;
  }
  return total;
}

/** Record index of each task's first record within its file (default keys need it). */
export async function firstRecordIndexes(prepared: PreparedCuration): Promise<Map<number, number>> {
  const counted = await readTaskResults<CountTaskResult>(prepared, 'count');
  const next = new Map<string, number>();
  const first = new Map<number, number>();
  for (const task of prepared.tasks) {
    const at = next.get(task.file) ?? 0;
    first.set(task.id, at);
    next.set(task.file, at + (counted.get(task.id)?.records ?? 0));
  }
  return first;
}

async function assembleOutputs(
  tasks: PoolTask[],
  finalizedFiles: string[],
  selected: Map<number, SelectTaskResult>,
  inputs: string[],
  formats: PoolFormat[],
  names: string[],
  stageDir: string,
  workDir: string,
  saveManifest: () => Promise<void>,
): Promise<CurateSummary['outputs']> {
  const dataDir = join(stageDir, 'data');
  const outputs: CurateSummary['outputs'] = [];
  const shardSizes = new Map<string, Record<string, number>>();
  for (let f = 0; f < inputs.length; f++) {
    const fileTasks = tasks.filter((t) => t.file === inputs[f]);
    // An input skipped whole as unreadable (--on-error skip) has no output; the summary counts it.
    if (fileTasks.every((t) => selected.get(t.id)!.noOutput)) continue;
    const target = join(dataDir, names[f]);
    if (!target.startsWith(dataDir + sep))
      throw new UsageError(`output path escapes the output folder: ${names[f]}`);
    const sidecar = `${target}.entries.jsonl`;
    const kept = fileTasks.reduce((a, t) => a + selected.get(t.id)!.kept, 0);
    const records = fileTasks.reduce((a, t) => a + selected.get(t.id)!.records, 0);
    if (!finalizedFiles.includes(inputs[f])) {
      await ensureInsideOutput(stageDir, dirname(target));
      await assembleOnce(
        fileTasks.map((t) => selectOutputs(workDir, t.id, t.format).data),
        target,
      );
      await assembleOnce(
        fileTasks.map((t) => selectOutputs(workDir, t.id, t.format).sidecar),
        sidecar,
      );
      finalizedFiles.push(inputs[f]);
      await saveManifest();
    }
    if (formats[f] === 'webdataset') {
      const dir = dirname(target);
      const sizes = shardSizes.get(dir) ?? {};
      sizes[basename(target)] = kept;
      shardSizes.set(dir, sizes);
    }
    // Named as they will be in the output folder, once swapped in.
    outputs.push({
      input: inputs[f],
      output: relative(stageDir, target),
      sidecar: relative(stageDir, sidecar),
      kept,
      records,
    });
  }
  for (const [dir, sizes] of shardSizes) {
    await ensureInsideOutput(stageDir, dir);
    await writeJsonAtomic(join(dir, 'sizes.json'), sizes);
  }
  return outputs;
}

/** assertInsideOutput, then creates the folder. */
async function ensureInsideOutput(root: string, folder: string): Promise<void> {
  await assertInsideOutput(root, folder);
  try {
    await makeFolders(folder);
  } catch (err) {
    throw asEnvironmentError(err, folder, 'create the folder');
  }
}

/**
 * A crash can fall between putting the target in place and recording it in the manifest; then
 * the parts are (partly) gone and the target is complete, so there is nothing left to do.
 */
async function assembleOnce(parts: string[], target: string): Promise<void> {
  const present = await Promise.all(
    parts.map((p) =>
      stat(p).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (present.every(Boolean)) await concatenate(parts, target);
  else if (
    !(await stat(target).then(
      () => true,
      () => false,
    ))
  )
    throw new EnvironmentError(
      target,
      'ENOENT',
      'assemble',
      'its work files in .metacurate/work are missing (removed by hand?); choose another --out and run again',
    );
}

/** One part: rename into place; several (slices of a line file): append them in order. */
async function concatenate(parts: string[], target: string): Promise<void> {
  if (parts.length === 1) {
    await rename(parts[0], target).catch((err: unknown) => {
      throw asEnvironmentError(err, target, 'write');
    });
    return;
  }
  const out = await openAtomicOutput(target);
  try {
    for (const part of parts) {
      for await (const chunk of createReadStream(part, { highWaterMark: 1 << 20 }))
        await out.write(chunk as Buffer);
    }
  } catch (err) {
    await out.abort();
    throw asEnvironmentError(err, target, 'write');
  }
  await out.commit();
  for (const part of parts) await rm(part, { force: true });
}

/**
 * Gathers the slices' matches into OUT/matches.bin, a chunk at a time; `onRecord` sees each
 * matched record's ids on the way (in pool order), so nothing per record stays in memory.
 */
async function writeMatchesFile(
  tasks: PoolTask[],
  workDir: string,
  path: string,
  records: number,
  onRecord: (ids: Uint32Array) => void = () => {},
): Promise<void> {
  const header = Buffer.alloc(16);
  header.write(MATCHES_MAGIC, 0, 'latin1');
  header.writeUInt32LE(records >>> 0, 8);
  const out = await openAtomicOutput(path);
  try {
    await out.write(header);
    for (const task of tasks)
      await readMatchesStream(countOutputs(workDir, task.id).matches, (bytes) => out.write(bytes), onRecord);
  } catch (err) {
    await out.abort();
    throw asEnvironmentError(err, path, 'write');
  }
  await out.commit();
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The t values of the summary's expected-size curve: log-spaced up to the largest count, and t. */
function curveThresholds(counts: ArrayLike<number>, t: number): number[] {
  let maxCount = 1;
  for (let id = 0; id < counts.length; id++) if (counts[id] > maxCount) maxCount = counts[id];
  const thresholds = logSpacedThresholds(1, maxCount, 24);
  if (!thresholds.includes(t)) thresholds.push(t);
  return thresholds.sort((x, y) => x - y);
}

function summarize(a: {
  options: CurateOptions;
  metadata: Metadata;
  counts: EntryCounts;
  /** Expected sizes summed over the matches stream, at curveThresholds(counts, t). */
  sums: ExpectedSums;
  outputs: CurateSummary['outputs'];
  counted: Map<number, CountTaskResult>;
  selected: Map<number, SelectTaskResult>;
  padding: Padding;
  workers: number;
  resumed: boolean;
  timings: CurateSummary['pass_seconds'];
  started: number;
}): CurateSummary {
  const { counts, metadata, sums } = a;
  const expectedKept = sums.keptPerEntry;
  const expectedTotal = sums.total;
  let matchedEntries = 0;
  let totalMatches = 0;
  let headMatches = 0;
  const entries: CurateSummary['entries'] = [];
  for (let id = 0; id < counts.counts.length; id++) {
    const c = counts.counts[id];
    if (c === 0) continue;
    matchedEntries++;
    totalMatches += c;
    if (c > a.options.t) headMatches += c;
    entries.push({ id, entry: metadata.entries[id], count: c, expected_kept: round(expectedKept[id], 3) });
  }
  const skipped = sumSkipped(a.counted.values());
  const thresholds = curveThresholds(counts.counts, a.options.t);
  const wall = (performance.now() - a.started) / 1000;
  return {
    pool: {
      files: a.options.inputs.length,
      records: counts.records,
      texts: counts.texts,
      matched_texts: counts.matchedTexts,
      matched_records: counts.matchedRecords,
      skipped,
    },
    kept: [...a.selected.values()].reduce((s, r) => s + r.kept, 0),
    expected_kept: round(expectedTotal, 3),
    t: a.options.t,
    seed: a.options.seed,
    padding: a.padding,
    metadata: { path: resolve(metadata.path), sha256: metadata.sha256, entries: metadata.entries.length },
    head_entries: countHead(counts.counts, a.options.t),
    matched_entries: matchedEntries,
    head_share_of_matches: totalMatches > 0 ? round(headMatches / totalMatches, 6) : 0,
    expected_size_curve: thresholds.map((t, j) => ({
      t,
      expectedSize: round(sums.sizes[j], 3),
      headEntries: countHead(counts.counts, t),
    })),
    entries,
    outputs: a.outputs,
    workers: a.workers,
    wall_seconds: round(wall, 3),
    pass_seconds: {
      index: round(a.timings.index, 3),
      count: round(a.timings.count, 3),
      select: round(a.timings.select, 3),
      finalize: 0,
    },
    records_per_second: wall > 0 ? Math.round(counts.records / wall) : 0,
    resumed: a.resumed,
  };
}

export interface CountOptions {
  metadataPath: string;
  inputs: string[];
  textFields: string[];
  keyField?: string;
  columns?: string[];
  workers?: number;
  onError?: 'fail' | 'skip';
  padding?: Padding;
  cache?: boolean;
  /**
   * Where to write the matched ids of every record (matches.bin, what `stats` needs for the
   * expected-size curve). Absent: not written.
   */
  matchesPath?: string;
}

/** The count pass alone, on all cores: per-entry counts of a pool (`metacurate count`). */
export async function countPool(
  options: CountOptions,
  progress: ProgressSink = silentProgress,
): Promise<{ metadata: Metadata; counts: EntryCounts; skipped: Partial<Record<InputErrorReason, number>> }> {
  if (options.inputs.length === 0) throw new UsageError('no input files: pass at least one --input');
  const inputs = options.inputs.map((p) => resolve(p));
  const formats = inputs.map((p) => detectFormat(p));
  const sizes = await Promise.all(inputs.map((p) => fileSize(p)));
  const metadata = await loadMetadata(options.metadataPath);
  const padding = options.padding ?? 'english';
  const run = runSettingsOf(options);
  const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  const tasks = await planTasks(inputs, formats, sizes, defaultSliceBytes(sizes, workers));
  const index = loadOrBuildIndex(metadata, padding, options.cache ?? true);
  const workDir = await mkdtemp(join(tmpdir(), 'metacurate-count-'));
  const pool = new CurationWorkers(Math.min(workers, tasks.length), index.packed);
  try {
    await runPhase(pool, 'count', tasks, tasks, progress, (task) => ({ type: 'count', task, run, workDir }));
    const counted: Record<number, CountTaskResult> = {};
    for (const task of tasks)
      counted[task.id] = JSON.parse(await readFile(taskResultPath(workDir, 'count', task.id), 'utf8'));
    const counts = await reduceCounts({ tasks, counted }, metadata, workDir, run);
    const skipped = sumSkipped(Object.values(counted));
    if (counts.records === 0) throw new EmptyPoolError(options.inputs, skipped);
    if (options.matchesPath !== undefined)
      await writeMatchesFile(tasks, workDir, options.matchesPath, counts.records);
    return { metadata, counts, skipped };
  } finally {
    progress.finish();
    await pool.close();
    await rm(workDir, { recursive: true, force: true });
  }
}
