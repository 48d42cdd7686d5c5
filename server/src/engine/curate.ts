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
import { mkdir, mkdtemp, open, readFile, rename, rm, stat, readdir, rmdir } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { balanceProbabilities, countHead, expectedSizeCurve, logSpacedThresholds, type CurvePoint } from './balance';
import { addSparseCounts, writeCounts, type EntryCounts } from './counts';
import { countOutputs, selectOutputs, type CountTaskResult, type PoolTask, type RunSettings, type SelectTaskResult } from './curateTasks';
import { InputError, UsageError, type InputErrorReason } from './errors';
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
  pool: { files: number; records: number; texts: number; matched_texts: number; matched_records: number; skipped: Partial<Record<InputErrorReason, number>> };
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
  version: 1;
  /** Hash of what the count pass depends on (metadata, inputs and their sizes, fields, padding). */
  countKey: string;
  /** Hash of what the select pass adds (t, seed). */
  selectKey: string;
  tasks: PoolTask[];
  counted: Record<number, CountTaskResult>;
  selected: Record<number, SelectTaskResult>;
  finalizedFiles: string[];
  complete: boolean;
}

const MANIFEST_VERSION = 1;

export async function curate(options: CurateOptions, progress: ProgressSink = silentProgress): Promise<CurateSummary> {
  const started = performance.now();
  validateOptions(options);
  const outDir = resolve(options.outDir);
  const workDir = join(outDir, '.metacurate', 'work');
  const manifestPath = join(outDir, '.metacurate', 'manifest.json');
  const padding = options.padding ?? 'english';
  const run: RunSettings = { textFields: options.textFields, keyField: options.keyField, onError: options.onError ?? 'fail' };
  const inputs = options.inputs.map((p) => resolve(p));
  const formats = inputs.map((p) => detectFormat(p));
  const sizes = await Promise.all(inputs.map((p) => fileSize(p)));
  const metadata = await loadMetadata(options.metadataPath);
  const outputNames = outputPaths(inputs);

  const countKey = hash({ v: MANIFEST_VERSION, metadata: metadata.sha256, inputs, sizes, formats, run, padding });
  const selectKey = hash({ t: options.t, seed: options.seed });
  let manifest = await readManifest(manifestPath);
  let resumed = false;
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
    await rm(join(outDir, 'data'), { recursive: true, force: true });
    manifest = { ...manifest, selectKey, selected: {}, finalizedFiles: [], complete: false };
    for (const f of await readdir(workDir).catch(() => [] as string[])) if (f.startsWith('select-')) await rm(join(workDir, f), { force: true });
  }
  if (manifest?.complete) {
    const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as CurateSummary;
    progress.info(`Already complete: ${outDir} (kept ${summary.kept} of ${summary.pool.records}).`);
    return { ...summary, resumed: true };
  }
  if (manifest) resumed = true;

  const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  if (!manifest) {
    const tasks = await planTasks(inputs, formats, sizes, options.sliceBytes ?? defaultSliceBytes(sizes, workers));
    manifest = { version: 1, countKey, selectKey, tasks, counted: {}, selected: {}, finalizedFiles: [], complete: false };
    await mkdir(workDir, { recursive: true });
    await writeJsonAtomic(manifestPath, manifest);
  }
  const state = manifest;

  const indexStart = performance.now();
  const index = loadOrBuildIndex(metadata, padding, options.cache ?? true);
  progress.info(`Matcher for ${metadata.entries.length.toLocaleString('en-US')} entries ${index.fromCache ? 'loaded from cache' : 'built'} in ${Math.round(index.millis)} ms.`);
  const indexSeconds = (performance.now() - indexStart) / 1000;

  const pool = new CurationWorkers(Math.min(workers, state.tasks.length), index.packed);
  const saveManifest = () => writeJsonAtomic(manifestPath, state);
  const timings = { index: indexSeconds, count: 0, select: 0, finalize: 0 };
  try {
    // Count pass.
    let t0 = performance.now();
    const toCount = state.tasks.filter((task) => !state.counted[task.id]);
    await runPhase(pool, 'count', state.tasks, toCount, progress, (task) => ({ type: 'count', task, run, workDir }), async (id, result: CountTaskResult) => {
      state.counted[id] = result;
      await saveManifest();
    });
    timings.count = (performance.now() - t0) / 1000;

    // Reduce.
    const counts = await reduceCounts(state, metadata, workDir);
    await writeCounts(join(outDir, 'counts.json'), metadata.entries, counts);
    if (counts.records === 0) progress.info('The pool has no records: nothing to curate.');
    else if (counts.matchedRecords === 0) progress.info('No record of the pool matches any entry: the curation is empty.');

    // Select pass.
    t0 = performance.now();
    const p = balanceProbabilities(counts.counts, options.t);
    const shared = new SharedArrayBuffer(p.byteLength);
    new Float64Array(shared).set(p);
    const firstIndex = firstRecordIndexes(state);
    const toSelect = state.tasks.filter((task) => !state.selected[task.id]);
    await runPhase(
      pool,
      'select',
      state.tasks,
      toSelect,
      progress,
      (task) => ({ type: 'select', task, run, workDir, seed: options.seed, firstRecordIndex: firstIndex.get(task.id)!, probabilities: shared }),
      async (id, result: SelectTaskResult) => {
        state.selected[id] = result;
        await saveManifest();
      },
    );
    timings.select = (performance.now() - t0) / 1000;

    // Assemble outputs.
    t0 = performance.now();
    const outputs = await assembleOutputs(state, inputs, formats, outputNames, outDir, workDir, saveManifest);
    const stream = await writeMatchesFile(state, workDir, join(outDir, 'matches.bin'), counts.records);
    const summary = summarize({ options, metadata, counts, p, stream, outputs, state, padding, workers: pool.size, resumed, timings, started });
    timings.finalize = (performance.now() - t0) / 1000;
    summary.pass_seconds.finalize = round(timings.finalize, 3);
    summary.wall_seconds = round((performance.now() - started) / 1000, 3);
    await writeJsonAtomic(join(outDir, 'summary.json'), summary);
    state.complete = true;
    await saveManifest();
    return summary;
  } catch (err) {
    if (err instanceof InputError) await removeRunOutputs(outDir);
    throw err;
  } finally {
    progress.finish();
    await pool.close();
  }
}

function validateOptions(o: CurateOptions): void {
  if (o.inputs.length === 0) throw new UsageError('no input files: pass at least one --input');
  if (!(o.t > 0) || !Number.isFinite(o.t)) throw new UsageError(`--t must be a positive number, got ${o.t}`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${o.seed}`);
  if (o.workers !== undefined && !(o.workers >= 1)) throw new UsageError(`--workers must be at least 1, got ${o.workers}`);
  if (new Set(o.inputs.map((p) => resolve(p))).size !== o.inputs.length) throw new UsageError('the same input file is listed twice');
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

async function planTasks(inputs: string[], formats: PoolFormat[], sizes: number[], sliceBytes: number): Promise<PoolTask[]> {
  const tasks: PoolTask[] = [];
  for (let f = 0; f < inputs.length; f++) {
    if (isSplittable(formats[f]) && sizes[f] > sliceBytes) {
      for (const range of await planByteRanges(inputs[f], sliceBytes)) {
        tasks.push({ id: tasks.length, file: inputs[f], format: formats[f], byteRange: range, bytes: range.end - range.start });
      }
    } else {
      tasks.push({ id: tasks.length, file: inputs[f], format: formats[f], bytes: sizes[f] });
    }
  }
  return tasks;
}

/**
 * Output path of each input: its path relative to the inputs' common folder, under data/.
 * Relative paths from a common ancestor have no `..`, so nothing can be written outside.
 */
export function outputPaths(inputs: string[]): string[] {
  let common = dirname(inputs[0]);
  for (const p of inputs) {
    while (!(p + sep).startsWith(common.endsWith(sep) ? common : common + sep)) common = dirname(common);
  }
  return inputs.map((p) => {
    const rel = relative(common, p);
    if (rel.startsWith('..') || rel === '' || rel.split(sep).includes('..')) throw new UsageError(`cannot place output for ${p}`);
    return rel;
  });
}

async function runPhase<R>(
  pool: CurationWorkers,
  phase: 'count' | 'select',
  all: PoolTask[],
  pending: PoolTask[],
  progress: ProgressSink,
  request: (task: PoolTask) => WorkerRequest,
  onDone: (taskId: number, result: R) => Promise<void>,
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
  await pool.run<R>(pending.map(request), {
    onProgress(taskId, records, fraction) {
      running.set(taskId, { records, fraction });
      report();
    },
    async onDone(taskId, result) {
      running.delete(taskId);
      doneBytes += bytesOf.get(taskId)!;
      doneRecords += (result as { records: number }).records;
      await onDone(taskId, result);
      report();
    },
  });
  report();
}

async function reduceCounts(state: Pick<Manifest, 'tasks' | 'counted'>, metadata: Metadata, workDir: string): Promise<EntryCounts> {
  const counts = new Float64Array(metadata.entries.length);
  const total: EntryCounts = { counts, metadataSha256: metadata.sha256, records: 0, texts: 0, matchedTexts: 0, matchedRecords: 0 };
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
function firstRecordIndexes(state: Manifest): Map<number, number> {
  const next = new Map<string, number>();
  const first = new Map<number, number>();
  for (const task of state.tasks) {
    const at = next.get(task.file) ?? 0;
    first.set(task.id, at);
    next.set(task.file, at + state.counted[task.id].records);
  }
  return first;
}

async function assembleOutputs(
  state: Manifest,
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
    const target = join(dataDir, names[f]);
    if (!target.startsWith(dataDir + sep)) throw new UsageError(`output path escapes the output folder: ${names[f]}`);
    const sidecar = `${target}.entries.jsonl`;
    const kept = tasks.reduce((a, t) => a + state.selected[t.id].kept, 0);
    const records = tasks.reduce((a, t) => a + state.selected[t.id].records, 0);
    if (!state.finalizedFiles.includes(inputs[f])) {
      await mkdir(dirname(target), { recursive: true });
      await assembleOnce(tasks.map((t) => selectOutputs(workDir, t.id, t.format).data), target);
      await assembleOnce(tasks.map((t) => selectOutputs(workDir, t.id, t.format).sidecar), sidecar);
      state.finalizedFiles.push(inputs[f]);
      await saveManifest();
    }
    if (formats[f] === 'webdataset') {
      const dir = dirname(target);
      const sizes = shardSizes.get(dir) ?? {};
      sizes[basename(target)] = kept;
      shardSizes.set(dir, sizes);
    }
    outputs.push({ input: inputs[f], output: relative(outDir, target), sidecar: relative(outDir, sidecar), kept, records });
  }
  for (const [dir, sizes] of shardSizes) await writeJsonAtomic(join(dir, 'sizes.json'), sizes);
  return outputs;
}

/**
 * A crash can fall between putting the target in place and recording it in the manifest; then
 * the parts are (partly) gone and the target is complete, so there is nothing left to do.
 */
async function assembleOnce(parts: string[], target: string): Promise<void> {
  const present = await Promise.all(parts.map((p) => stat(p).then(() => true, () => false)));
  if (present.every(Boolean)) await concatenate(parts, target);
  else if (!(await stat(target).then(() => true, () => false))) throw new Error(`work files of ${target} are missing; remove the output folder and run again`);
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
      for await (const chunk of createReadStream(part, { highWaterMark: 1 << 20 })) await out.write(chunk as Buffer);
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

async function writeMatchesFile(state: Manifest, workDir: string, path: string, records: number): Promise<Uint32Array> {
  const parts: Buffer[] = [];
  for (const task of state.tasks) parts.push(await readFile(countOutputs(workDir, task.id).matches));
  const header = Buffer.alloc(16);
  header.write(MATCHES_MAGIC, 0, 'latin1');
  header.writeUInt32LE(records >>> 0, 8);
  const all = Buffer.concat([header, ...parts]);
  await writeFileAtomic(path, all);
  const stream = new Uint32Array((all.length - 16) / 4);
  new Uint8Array(stream.buffer).set(all.subarray(16));
  return stream;
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
  state: Manifest;
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
  const skipped: Partial<Record<InputErrorReason, number>> = {};
  for (const r of Object.values(a.state.counted)) {
    for (const [reason, n] of Object.entries(r.skipped)) skipped[reason as InputErrorReason] = (skipped[reason as InputErrorReason] ?? 0) + (n ?? 0);
  }
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
    kept: Object.values(a.state.selected).reduce((s, r) => s + r.kept, 0),
    expected_kept: round(expectedTotal, 3),
    t: a.options.t,
    seed: a.options.seed,
    padding: a.padding,
    metadata: { path: resolve(metadata.path), sha256: metadata.sha256, entries: metadata.entries.length },
    head_entries: countHead(counts.counts, a.options.t),
    matched_entries: matchedEntries,
    head_share_of_matches: totalMatches > 0 ? round(headMatches / totalMatches, 6) : 0,
    expected_size_curve: expectedSizeCurve(lists, counts.counts, thresholds).map((c) => ({ ...c, expectedSize: round(c.expectedSize, 3) })),
    entries,
    outputs: a.outputs,
    workers: a.workers,
    wall_seconds: round(wall, 3),
    pass_seconds: { index: round(a.timings.index, 3), count: round(a.timings.count, 3), select: round(a.timings.select, 3), finalize: 0 },
    records_per_second: wall > 0 ? Math.round(counts.records / wall) : 0,
    resumed: a.resumed,
  };
}

/** After bad input in fail mode: no curated data stays behind (and no half-done work). */
async function removeRunOutputs(outDir: string): Promise<void> {
  for (const name of ['.metacurate', 'data', 'counts.json', 'counts.bin', 'matches.bin', 'summary.json']) {
    await rm(join(outDir, name), { recursive: true, force: true });
  }
  await rmdir(outDir).catch(() => undefined);
}

export interface CountOptions {
  metadataPath: string;
  inputs: string[];
  textFields: string[];
  keyField?: string;
  workers?: number;
  onError?: 'fail' | 'skip';
  padding?: Padding;
  cache?: boolean;
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
  const run: RunSettings = { textFields: options.textFields, keyField: options.keyField, onError: options.onError ?? 'fail' };
  const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  const tasks = await planTasks(inputs, formats, sizes, defaultSliceBytes(sizes, workers));
  const index = loadOrBuildIndex(metadata, padding, options.cache ?? true);
  const workDir = await mkdtemp(join(tmpdir(), 'metacurate-count-'));
  const pool = new CurationWorkers(Math.min(workers, tasks.length), index.packed);
  try {
    const counted: Record<number, CountTaskResult> = {};
    await runPhase(pool, 'count', tasks, tasks, progress, (task) => ({ type: 'count', task, run, workDir }), async (id, r: CountTaskResult) => {
      counted[id] = r;
    });
    const counts = await reduceCounts({ tasks, counted }, metadata, workDir);
    const skipped: Partial<Record<InputErrorReason, number>> = {};
    for (const r of Object.values(counted)) {
      for (const [reason, n] of Object.entries(r.skipped)) skipped[reason as InputErrorReason] = (skipped[reason as InputErrorReason] ?? 0) + (n ?? 0);
    }
    return { metadata, counts, skipped };
  } finally {
    progress.finish();
    await pool.close();
    await rm(workDir, { recursive: true, force: true });
  }
}
