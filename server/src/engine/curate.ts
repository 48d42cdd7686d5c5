/**
 * A whole curation (spec sections 3-4) on this machine: plan slices of the pool, count on all
 * cores, reduce the counts, select on all cores, then assemble the outputs. Every step's output is
 * renamed into place when complete and recorded in a manifest, so a killed run, started again
 * with the same command, skips the finished work and ends with the same bytes.
 *
 * Output folder:
 *   data/<path>                  kept records per input file, in the input's format
 *   data/<path>.entries.jsonl    per kept record: key, matched entry ids, keep probability
 *   data/**\/sizes.json           WebDataset shards: samples per shard, as OpenCLIP reads it
 *   counts.json, counts.bin      per-entry counts ({entry: count}, and the compact form)
 *   matches.bin                  matched ids of every record (matchesFile.ts)
 *   summary.json                 sizes, counts before and expected after, t, seed, timings
 *   .metacurate/                 manifest and work files (kept for resuming and re-selecting)
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readdir, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  balanceProbabilities,
  countHead,
  expectedSizeCurve,
  logSpacedThresholds,
  type CurvePoint,
} from './balance';
import { addSparseCounts, readCounts, writeCounts, type CountsInfo, type EntryCounts } from './counts';
import {
  checkUniqueSampleKeys,
  countOutputs,
  selectOutputs,
  taskResultPath,
  type CountTaskResult,
  type Phase,
  type PoolTask,
  type RunSettings,
  type SelectTaskResult,
} from './curateTasks';
import { EmptyPoolError, InputError, UsageError, type InputErrorReason } from './errors';
import { temporaryPathFor, writeFileAtomic, writeJsonAtomic } from './fsAtomic';
import { loadOrBuildIndex } from './match/matcher';
import type { Padding } from './match/spacing';
import { matchedIdLists, MATCHES_MAGIC } from './matchesFile';
import { loadMetadata, type Metadata } from './metadata';
import { detectFormat, isSplittable } from './pool/formats';
import { planByteRanges } from './pool/read';
import type { PoolFormat } from './pool/types';
import { silentProgress, type ProgressSink } from './progress';
import { CurationWorkers } from './workerPool';
import type { WorkerRequest } from './workerProtocol';

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

interface Manifest {
  version: number;
  /** Hash of what the count pass depends on (metadata, inputs and their sizes, fields, padding). */
  countKey: string;
  /** Hash of what the select pass adds (t, seed). */
  selectKey: string;
  /** The run's options with absolute paths: a task started elsewhere (a Slurm node) reads them here. */
  options: CurateOptions;
  tasks: PoolTask[];
  finalizedFiles: string[];
  complete: boolean;
}

/** 2: default keys name files by their path in the pool (keyPrefix), so old plans are redone. */
const MANIFEST_VERSION = 2;

/**
 * A curation whose slices are planned and recorded in the output folder. Any executor runs its
 * count and select tasks (curateTasks.ts); a task is done when its result file exists.
 */
export interface PreparedCuration {
  options: CurateOptions;
  outDir: string;
  workDir: string;
  manifestPath: string;
  padding: Padding;
  run: RunSettings;
  metadata: Metadata;
  inputs: string[];
  formats: PoolFormat[];
  outputNames: string[];
  state: Manifest;
  resumed: boolean;
}

export async function readTaskResults<R>(prepared: PreparedCuration, phase: Phase): Promise<Map<number, R>> {
  const results = new Map<number, R>();
  for (const task of prepared.state.tasks) {
    try {
      results.set(
        task.id,
        JSON.parse(await readFile(taskResultPath(prepared.workDir, phase, task.id), 'utf8')) as R,
      );
    } catch {
      // Not done yet.
    }
  }
  return results;
}

export async function pendingTasks(prepared: PreparedCuration, phase: Phase): Promise<PoolTask[]> {
  const done = await readTaskResults(prepared, phase);
  return prepared.state.tasks.filter((t) => !done.has(t.id));
}

/**
 * Validates the options, then plans the slices (or picks up the plan of an interrupted run with
 * the same inputs). Returns the finished summary instead when the folder already holds this run.
 */
export async function prepareCuration(
  options: CurateOptions,
  progress: ProgressSink,
): Promise<{ prepared: PreparedCuration } | { complete: CurateSummary }> {
  validateOptions(options);
  const outDir = resolve(options.outDir);
  const workDir = join(outDir, '.metacurate', 'work');
  const manifestPath = join(outDir, '.metacurate', 'manifest.json');
  const padding = options.padding ?? 'english';
  const run = runSettingsOf(options);
  const inputs = options.inputs.map((p) => resolve(p));
  const formats = inputs.map((p) => detectFormat(p));
  const sizes = await Promise.all(inputs.map((p) => fileSize(p)));
  const metadata = await loadMetadata(options.metadataPath);
  const outputNames = outputPaths(inputs);
  // Checked before any work: where the run writes must not lead outside through a symlink.
  for (const folder of [workDir, join(outDir, 'data')]) await assertInsideOutput(outDir, folder);
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
    metadata: metadata.sha256,
    inputs,
    sizes,
    formats,
    run,
    padding,
  });
  const selectKey = hash({ t: options.t, seed: options.seed });
  let manifest = await readManifest(manifestPath);
  if (manifest && manifest.countKey !== countKey) {
    if (manifest.complete) {
      throw new UsageError(
        `${outDir} already holds a finished curation of other inputs, metadata or fields; choose another --out folder`,
      );
    }
    progress.info('The output folder holds an unfinished run of different inputs; starting over.');
    await rm(join(outDir, '.metacurate'), { recursive: true, force: true });
    manifest = undefined;
  }
  if (manifest && manifest.selectKey !== selectKey) {
    progress.info('Counts are reused from the earlier run; selecting again for the new t and seed.');
    for (const name of ['data', 'summary.json'])
      await rm(join(outDir, name), { recursive: true, force: true });
    manifest = { ...manifest, selectKey, options: normalized, finalizedFiles: [], complete: false };
    for (const f of await readdir(workDir).catch(() => [] as string[]))
      if (f.startsWith('select-')) await rm(join(workDir, f), { force: true });
    await writeJsonAtomic(manifestPath, manifest);
  }
  if (manifest?.complete) {
    const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as CurateSummary;
    progress.info(`Already complete: ${outDir} (kept ${summary.kept} of ${summary.pool.records}).`);
    return { complete: { ...summary, resumed: true } };
  }
  const resumed = manifest !== undefined;
  if (!manifest) {
    const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    const tasks = await planTasks(
      inputs,
      formats,
      sizes,
      options.sliceBytes ?? defaultSliceBytes(sizes, workers),
    );
    manifest = {
      version: MANIFEST_VERSION,
      countKey,
      selectKey,
      options: normalized,
      tasks,
      finalizedFiles: [],
      complete: false,
    };
    await mkdir(workDir, { recursive: true });
    await writeJsonAtomic(manifestPath, manifest);
  }
  return {
    prepared: {
      options: normalized,
      outDir,
      workDir,
      manifestPath,
      padding,
      run,
      metadata,
      inputs,
      formats,
      outputNames,
      state: manifest,
      resumed,
    },
  };
}

/** Re-opens a prepared curation from its folder (what a task on another node does). */
export async function openPreparedCuration(outDir: string): Promise<PreparedCuration> {
  const manifestPath = join(resolve(outDir), '.metacurate', 'manifest.json');
  const state = await readManifest(manifestPath);
  if (!state) throw new UsageError(`${outDir} holds no prepared curation (no .metacurate/manifest.json)`);
  const o = state.options;
  const metadata = await loadMetadata(o.metadataPath);
  return {
    options: o,
    outDir: resolve(outDir),
    workDir: join(resolve(outDir), '.metacurate', 'work'),
    manifestPath,
    padding: o.padding ?? 'english',
    run: runSettingsOf(o),
    metadata,
    inputs: o.inputs,
    formats: o.inputs.map((p) => detectFormat(p)),
    outputNames: outputPaths(o.inputs),
    state,
    resumed: true,
  };
}

export async function curate(
  options: CurateOptions,
  progress: ProgressSink = silentProgress,
): Promise<CurateSummary> {
  const started = performance.now();
  const opened = await prepareCuration(options, progress);
  if ('complete' in opened) return opened.complete;
  const prepared = opened.prepared;
  const { metadata, workDir, run } = prepared;
  const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));

  const indexStart = performance.now();
  const index = loadOrBuildIndex(metadata, prepared.padding, options.cache ?? true);
  progress.info(
    `Matcher for ${metadata.entries.length.toLocaleString('en-US')} entries ${index.fromCache ? 'loaded from cache' : 'built'} in ${Math.round(index.millis)} ms.`,
  );
  const timings = { index: (performance.now() - indexStart) / 1000, count: 0, select: 0, finalize: 0 };

  const pool = new CurationWorkers(Math.min(workers, prepared.state.tasks.length), index.packed);
  try {
    let t0 = performance.now();
    const toCount = await pendingTasks(prepared, 'count');
    await runPhase(pool, 'count', prepared.state.tasks, toCount, progress, (task) => ({
      type: 'count',
      task,
      run,
      workDir,
    }));
    timings.count = (performance.now() - t0) / 1000;

    const counts = await reduceCuration(prepared);
    if (counts.matchedRecords === 0)
      progress.info('No record of the pool matches any entry: the curation is empty.');

    t0 = performance.now();
    const shared = new SharedArrayBuffer(counts.counts.length * 8);
    new Float64Array(shared).set(balanceProbabilities(counts.counts, options.t));
    const firstIndex = await firstRecordIndexes(prepared);
    const toSelect = await pendingTasks(prepared, 'select');
    await runPhase(pool, 'select', prepared.state.tasks, toSelect, progress, (task) => ({
      type: 'select',
      task,
      run,
      workDir,
      seed: options.seed,
      firstRecordIndex: firstIndex.get(task.id)!,
      probabilities: shared,
    }));
    timings.select = (performance.now() - t0) / 1000;

    return await finalizeCuration(prepared, { timings, started, workers: pool.size });
  } catch (err) {
    if (err instanceof InputError) {
      // The other workers may still be writing their slices: stop them before removing.
      await pool.close();
      await removeRunOutputs(prepared.outDir);
    }
    throw err;
  } finally {
    progress.finish();
    await pool.close();
  }
}

/**
 * Sums the slices' partial counts and writes counts.json and counts.bin. A pool without records
 * (all files empty, or every record skipped) is an EmptyPoolError: there is nothing to curate.
 */
export async function reduceCuration(prepared: PreparedCuration): Promise<EntryCounts> {
  const counted = await readTaskResults<CountTaskResult>(prepared, 'count');
  const missing = prepared.state.tasks.filter((t) => !counted.has(t.id));
  if (missing.length > 0)
    throw new Error(`cannot reduce: ${missing.length} count task(s) are not done (first: ${missing[0].id})`);
  const counts = await reduceCounts(
    { tasks: prepared.state.tasks, counted: Object.fromEntries(counted) },
    prepared.metadata,
    prepared.workDir,
    prepared.run,
  );
  if (counts.records === 0) throw new EmptyPoolError(prepared.inputs, sumSkipped(counted.values()));
  await writeCounts(join(prepared.outDir, 'counts.json'), prepared.metadata.entries, counts);
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
  const { counts } = await readCounts(join(prepared.outDir, 'counts.bin'), prepared.metadata.entries);
  return balanceProbabilities(counts, prepared.options.t);
}

/** Assembles the outputs from the slices and writes matches.bin and summary.json. */
export async function finalizeCuration(
  prepared: PreparedCuration,
  run: { timings: CurateSummary['pass_seconds']; started: number; workers: number },
): Promise<CurateSummary> {
  const t0 = performance.now();
  const { state, outDir, workDir, metadata, options } = prepared;
  const selected = await readTaskResults<SelectTaskResult>(prepared, 'select');
  const counted = await readTaskResults<CountTaskResult>(prepared, 'count');
  const missing = state.tasks.filter((t) => !selected.has(t.id));
  if (missing.length > 0)
    throw new Error(
      `cannot finalize: ${missing.length} select task(s) are not done (first: ${missing[0].id})`,
    );
  const { counts: countValues, info } = await readCounts(join(outDir, 'counts.bin'), metadata.entries);
  const counts = { ...(info as CountsInfo), counts: countValues };
  const saveManifest = () => writeJsonAtomic(prepared.manifestPath, state);
  const outputs = await assembleOutputs(
    state,
    selected,
    prepared.inputs,
    prepared.formats,
    prepared.outputNames,
    outDir,
    workDir,
    saveManifest,
  );
  const stream = await writeMatchesFile(state.tasks, workDir, join(outDir, 'matches.bin'), counts.records);
  const p = balanceProbabilities(countValues, options.t);
  const summary = summarize({
    options,
    metadata,
    counts,
    p,
    stream,
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
  await writeJsonAtomic(join(outDir, 'summary.json'), summary);
  state.complete = true;
  await saveManifest();
  return summary;
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

async function readManifest(path: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as Manifest;
    return m.version === MANIFEST_VERSION ? m : undefined;
  } catch {
    return undefined;
  }
}

/** About four slices per worker, between 8 MiB and 256 MiB, so work spreads evenly. */
function defaultSliceBytes(sizes: number[], workers: number): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  return Math.min(256 << 20, Math.max(8 << 20, Math.ceil(total / (workers * 4))));
}

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
  for (const task of prepared.state.tasks) {
    const at = next.get(task.file) ?? 0;
    first.set(task.id, at);
    next.set(task.file, at + (counted.get(task.id)?.records ?? 0));
  }
  return first;
}

async function assembleOutputs(
  state: Manifest,
  selected: Map<number, SelectTaskResult>,
  inputs: string[],
  formats: PoolFormat[],
  names: string[],
  outDir: string,
  workDir: string,
  saveManifest: () => Promise<void>,
): Promise<CurateSummary['outputs']> {
  const dataDir = join(outDir, 'data');
  const outputs: CurateSummary['outputs'] = [];
  const shardSizes = new Map<string, Record<string, number>>();
  for (let f = 0; f < inputs.length; f++) {
    const tasks = state.tasks.filter((t) => t.file === inputs[f]);
    // An input skipped whole as unreadable (--on-error skip) has no output; the summary counts it.
    if (tasks.every((t) => selected.get(t.id)!.noOutput)) continue;
    const target = join(dataDir, names[f]);
    if (!target.startsWith(dataDir + sep))
      throw new UsageError(`output path escapes the output folder: ${names[f]}`);
    const sidecar = `${target}.entries.jsonl`;
    const kept = tasks.reduce((a, t) => a + selected.get(t.id)!.kept, 0);
    const records = tasks.reduce((a, t) => a + selected.get(t.id)!.records, 0);
    if (!state.finalizedFiles.includes(inputs[f])) {
      await ensureInsideOutput(outDir, dirname(target));
      await assembleOnce(
        tasks.map((t) => selectOutputs(workDir, t.id, t.format).data),
        target,
      );
      await assembleOnce(
        tasks.map((t) => selectOutputs(workDir, t.id, t.format).sidecar),
        sidecar,
      );
      state.finalizedFiles.push(inputs[f]);
      await saveManifest();
    }
    if (formats[f] === 'webdataset') {
      const dir = dirname(target);
      const sizes = shardSizes.get(dir) ?? {};
      sizes[basename(target)] = kept;
      shardSizes.set(dir, sizes);
    }
    outputs.push({
      input: inputs[f],
      output: relative(outDir, target),
      sidecar: relative(outDir, sidecar),
      kept,
      records,
    });
  }
  for (const [dir, sizes] of shardSizes) {
    await ensureInsideOutput(outDir, dir);
    await writeJsonAtomic(join(dir, 'sizes.json'), sizes);
  }
  return outputs;
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
    throw err;
  });
  if (root === undefined) return;
  let at = resolve(outDir);
  for (const part of rel === '' ? [] : rel.split(sep)) {
    at = join(at, part);
    let real: string;
    try {
      real = await realpath(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (real !== root && !real.startsWith(root + sep))
      throw new UsageError(
        `refusing to write outside the output folder: ${at} resolves to ${real}, which is not inside ${root}`,
      );
  }
}

/** assertInsideOutput, then creates the folder. */
async function ensureInsideOutput(outDir: string, folder: string): Promise<void> {
  await assertInsideOutput(outDir, folder);
  await mkdir(folder, { recursive: true });
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
    throw new Error(`work files of ${target} are missing; remove the output folder and run again`);
}

/** One part: rename into place; several (slices of a line file): append them in order. */
async function concatenate(parts: string[], target: string): Promise<void> {
  if (parts.length === 1) {
    await rename(parts[0], target);
    return;
  }
  const tmp = temporaryPathFor(target);
  const out = await open(tmp, 'w');
  try {
    for (const part of parts) {
      for await (const chunk of createReadStream(part, { highWaterMark: 1 << 20 }))
        await out.write(chunk as Buffer);
    }
    await out.close();
    await rename(tmp, target);
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  for (const part of parts) await rm(part, { force: true });
}

/** Gathers the slices' matches into OUT/matches.bin; returns the stream (read once, no copies). */
async function writeMatchesFile(
  tasks: PoolTask[],
  workDir: string,
  path: string,
  records: number,
): Promise<Uint32Array> {
  const files = tasks.map((task) => countOutputs(workDir, task.id).matches);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const bytes = new Uint8Array(16 + sizes.reduce((a, b) => a + b, 0));
  const header = Buffer.from(bytes.buffer, 0, 16);
  header.write(MATCHES_MAGIC, 0, 'latin1');
  header.writeUInt32LE(records >>> 0, 8);
  let at = 16;
  for (let f = 0; f < files.length; f++) {
    const handle = await open(files[f], 'r');
    try {
      for (let done = 0; done < sizes[f];) {
        const { bytesRead } = await handle.read(bytes, at + done, sizes[f] - done, done);
        if (bytesRead === 0) throw new Error(`${files[f]} is shorter than expected`);
        done += bytesRead;
      }
    } finally {
      await handle.close();
    }
    at += sizes[f];
  }
  await writeFileAtomic(path, bytes);
  return new Uint32Array(bytes.buffer, 16, (bytes.length - 16) / 4);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function summarize(a: {
  options: CurateOptions;
  metadata: Metadata;
  counts: EntryCounts;
  p: Float64Array;
  stream: Uint32Array;
  outputs: CurateSummary['outputs'];
  counted: Map<number, CountTaskResult>;
  selected: Map<number, SelectTaskResult>;
  padding: Padding;
  workers: number;
  resumed: boolean;
  timings: CurateSummary['pass_seconds'];
  started: number;
}): CurateSummary {
  const { counts, p, metadata } = a;
  const lists = matchedIdLists(a.stream);
  // Expected kept per entry: each record's keep probability credited to each of its entries.
  const expectedKept = new Float64Array(p.length);
  let expectedTotal = 0;
  for (let r = 0; r + 1 < lists.offsets.length; r++) {
    let dropAll = 1;
    for (let k = lists.offsets[r]; k < lists.offsets[r + 1]; k++) dropAll *= 1 - p[lists.ids[k]];
    const keep = 1 - dropAll;
    expectedTotal += keep;
    for (let k = lists.offsets[r]; k < lists.offsets[r + 1]; k++) expectedKept[lists.ids[k]] += keep;
  }
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
  const maxCount = Math.max(1, ...entries.map((e) => e.count));
  const thresholds = logSpacedThresholds(1, maxCount, 24);
  if (!thresholds.includes(a.options.t)) thresholds.push(a.options.t);
  thresholds.sort((x, y) => x - y);
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
    expected_size_curve: expectedSizeCurve(lists, counts.counts, thresholds).map((c) => ({
      ...c,
      expectedSize: round(c.expectedSize, 3),
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

/** After bad input in fail mode: no curated data stays behind (and no half-done work). */
async function removeRunOutputs(outDir: string): Promise<void> {
  for (const name of ['.metacurate', 'data', 'counts.json', 'counts.bin', 'matches.bin', 'summary.json']) {
    // Retries: a write the stopped workers had already handed to the file system may still land.
    await rm(join(outDir, name), { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
  await rmdir(outDir).catch(() => undefined);
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
