/**
 * The local executor: a curation (and the count pass alone) on this machine's cores, one
 * worker pool running the count tasks, then the select tasks, of a prepared curation.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { firstRecordIndexes, reduceCounts, sumCountTasks, sumSkipped, writeCountsJson } from './countPass';
import { writeCompactCounts, type EntryCounts } from './counts';
import { pendingTasks, discardSelection, readManifest } from './curateManifest';
import {
  type CurateOptions,
  type CurateSummary,
  type PreparedCuration,
  openCurationFolder,
  prepareCuration,
  runSettingsOf,
  fileSize,
  defaultSliceBytes,
  planTasks,
} from './curatePlan';
import {
  taskResultPath,
  type CountTaskResult,
  type Phase,
  type PoolTask,
  type SelectTaskResult,
} from './curateTasks';
import { folderPaths, removeOwnFolder, type OutputFolder } from './curationFolder';
import { EmptyPoolError, InputError, InterruptedError, UsageError, type InputErrorReason } from './errors';
import {
  assembleInputEarly,
  finalizeCuration,
  writeMatchesAndSums,
  writeMatchesFile,
  type MatchesSums,
} from './finalizePass';
import { removeTemporaryFiles, settleAll, writeJsonAtomic } from './fsAtomic';
import { indexEntryCount, loadOrBuildIndex, sameStringChains } from './match/matcher';
import type { Padding } from './match/spacing';
import { loadMetadata, type Metadata } from './metadata';
import { detectFormat } from './pool/formats';
import { silentProgress, type ProgressSink } from './progress';
import { CurationWorkers } from './workerPool';
import { keepProbabilities } from './worldwide/worldwideBalance';
import type { WorkerRequest } from './workerProtocol';

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
    // Threads load their code while this one plans the curation and loads the index: as many as
    // were asked for, up to one a core until the number of tasks is known.
    const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    pool = new CurationWorkers(Math.min(workers, availableParallelism()));
    const opened = await prepareCuration(options, progress, folder, signal);
    if ('complete' in opened) return opened.complete;
    prepared = opened.prepared;
    const { metadata, workDir, run } = prepared;

    const indexStart = performance.now();
    const index = prepared.index ?? loadOrBuildIndex(metadata, prepared.padding, options.cache ?? true);
    progress.info(
      // The index's count: the entries themselves may not be parsed yet (metadataParsedLater).
      `Matcher for ${indexEntryCount(index.packed).toLocaleString('en-US')} entries ${index.fromCache ? 'loaded from cache' : 'built'} in ${Math.round(index.millis)} ms.`,
    );
    const timings = { index: (performance.now() - indexStart) / 1000, count: 0, select: 0, finalize: 0 };

    await pool.resize(Math.min(workers, prepared.tasks.length));
    let t0 = performance.now();
    const toCount = await pendingTasks(prepared, 'count');
    const counting = runPhase(
      pool,
      'count',
      prepared.tasks,
      toCount,
      progress,
      (task) => ({ type: 'count', task, run, workDir, index: index.packed }),
      signal,
    );
    await counting;
    timings.count = (performance.now() - t0) / 1000;

    const counts = await sumCountTasks(prepared);
    if (counts.matchedRecords === 0)
      progress.info('No record of the pool matches any entry: the curation is empty.');

    t0 = performance.now();
    const shared = new SharedArrayBuffer(counts.counts.length * 8);
    new Float64Array(shared).set(keepProbabilities(prepared.metadata, counts.counts, options.t));
    const firstIndex = await firstRecordIndexes(prepared);
    const toSelect = await pendingTasks(prepared, 'select');
    const assembler = new EarlyAssembler(prepared, toSelect);
    const selecting = runPhase(
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
      (taskId, result) => assembler.taskDone(taskId, result),
    );
    // What finalize needs of the counts alone is done on this thread while the workers select.
    const beside = besideSelect(prepared, counts, sameStringChains(index.packed));
    const [, sums] = await settleBoth(
      selecting.then(
        () => assembler.settled(),
        // A failed pass: nothing is removed while an input is being assembled.
        async (err: unknown) => {
          await assembler.settled().catch(() => undefined);
          throw err;
        },
      ),
      beside,
    );
    timings.select = (performance.now() - t0) / 1000;
    if (signal?.aborted) throw new InterruptedError();
    // The workers are done: they stop (tens of ms) while this thread finalizes.
    pool.close().catch(() => undefined);

    return await finalizeCuration(prepared, { timings, started, workers: pool.size, sums });
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
 * counts.bin, counts.json, and matches.bin with the summary's sums: what the select pass does not
 * need (finalize reads counts.bin after it).
 */
async function besideSelect(
  prepared: PreparedCuration,
  counts: EntryCounts,
  sameStringChains: Int32Array | undefined,
): Promise<MatchesSums> {
  // Let the workers get their first select tasks before this thread gets busy.
  await new Promise((resolve) => setImmediate(resolve));
  await writeCompactCounts(join(prepared.stageDir, 'counts.bin'), counts);
  const sums = await writeMatchesAndSums(prepared, counts.counts, counts.records);
  await writeCountsJson(prepared, counts, sameStringChains);
  return sums;
}

/**
 * Assembles each input's outputs once its last select task is done (assembleInputEarly), one
 * input at a time, while the workers select the rest; finalize does the inputs left.
 */
class EarlyAssembler {
  private readonly left = new Map<string, number>();
  private readonly results = new Map<number, SelectTaskResult>();
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly prepared: PreparedCuration,
    pending: PoolTask[],
  ) {
    // Only inputs whose select tasks all run now: finalize assembles the others.
    const pendingIds = new Set(pending.map((t) => t.id));
    for (const task of prepared.tasks) {
      const left = this.left.get(task.file) ?? 0;
      this.left.set(task.file, pendingIds.has(task.id) && left >= 0 ? left + 1 : -1);
    }
  }

  taskDone(taskId: number, result: SelectTaskResult): void {
    const task = this.prepared.tasks[taskId];
    this.results.set(taskId, result);
    const left = this.left.get(task.file)! - 1;
    this.left.set(task.file, left);
    if (left !== 0) return;
    const f = this.prepared.inputs.indexOf(task.file);
    this.chain = this.chain
      .then(() => assembleInputEarly(this.prepared, f, (id) => this.results.get(id)!))
      .catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      });
  }

  /** Resolves when every assembly started is done; rejects with the first failure. */
  async settled(): Promise<void> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }
}

/** Both results; on a failure, the first error once both have settled (neither still writes). */
async function settleBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  await settleAll([a, b]);
  return [await a, await b];
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

async function runPhase(
  pool: CurationWorkers,
  phase: Phase,
  all: PoolTask[],
  pending: PoolTask[],
  progress: ProgressSink,
  request: (task: PoolTask) => WorkerRequest,
  signal?: AbortSignal,
  afterTask?: (taskId: number, result: SelectTaskResult & CountTaskResult) => void,
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
  await pool.run<SelectTaskResult & CountTaskResult>(pending.map(request), {
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
      afterTask?.(taskId, result);
    },
  });
  report();
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
  const pool = new CurationWorkers(Math.min(workers, tasks.length));
  try {
    await runPhase(pool, 'count', tasks, tasks, progress, (task) => ({
      type: 'count',
      task,
      run,
      workDir,
      index: index.packed,
    }));
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
