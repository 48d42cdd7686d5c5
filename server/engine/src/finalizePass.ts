/**
 * The last step of a curation, after the select pass: the slices' outputs assembled in the stage
 * (data/, matches.bin, summary.json), then swapped into the folder in place of what it held.
 */
import { createReadStream, existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { countHead, logSpacedThresholds } from './balance';
import { sumSkipped } from './countPass';
import { readCounts, type CountsInfo, type EntryCounts } from './counts';
import { readTaskResults, completeSwap, readSummary, readManifest } from './curateManifest';
import type { CurateOptions, CurateSummary, PreparedCuration } from './curatePlan';
import {
  addSparseCountsFile,
  countOutputs,
  selectOutputs,
  type CountTaskResult,
  type PoolTask,
  type SelectTaskResult,
} from './curateTasks';
import { assertInsideOutput, checkSwap, listFiles, type Swap } from './curationFolder';
import { asEnvironmentError, EnvironmentError, InputError, UsageError } from './errors';
import { buildEntryIndex } from './entryIndex/buildEntryIndex';
import { ExpectedSums, readMatchesStream, type OnMatchedRecord } from './expectedSums';
import { makeFolders, openAtomicOutput, removeTemporaryFiles, settleAll, writeJsonAtomic } from './fsAtomic';
import type { Padding } from './match/spacing';
import { MATCHES_MAGIC } from './matchesFile';
import { entryCount, entryName, type Metadata } from './metadata';
import type { PoolFormat } from './pool/types';
import { keepProbabilities } from './worldwide/worldwideBalance';
import { worldwideOf } from './worldwide/worldwideMetadata';
import { WorldwideSums, worldwideSummary } from './worldwide/worldwideSummary';

/**
 * Assembles the outputs from the slices in the stage (data/, matches.bin, summary.json), then
 * swaps them into the folder in place of the curation it held. A run that finds the swap
 * committed only finishes it; one that finds the curation complete returns its summary.
 */
export async function finalizeCuration(
  prepared: PreparedCuration,
  run: {
    timings: CurateSummary['pass_seconds'];
    started: number;
    workers: number;
    /** matches.bin is in the stage already and these are its sums (writeMatchesAndSums). */
    sums?: MatchesSums;
  },
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
    const countsPath = join(stageDir, 'counts.bin');
    const { counts: countValues, info } = await readCounts(countsPath);
    if (countValues.length !== entryCount(metadata))
      throw new InputError(
        countsPath,
        {},
        'unreadable',
        "its counts are not those of the metadata's entries",
      );
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
    // A selection resumed from an older build has no per-entry kept file: the summary then leaves
    // `kept` out rather than failing (the panel shows actual kept only where it is known).
    let keptPerEntry: Float64Array | undefined = new Float64Array(countValues.length);
    for (const task of prepared.tasks) {
      const path = selectOutputs(workDir, task.id, task.format).keptPerEntry;
      if (!existsSync(path)) {
        keptPerEntry = undefined;
        break;
      }
      await addSparseCountsFile(keptPerEntry, path);
    }
    const p = keepProbabilities(metadata, countValues, options.t);
    const { sums, worldwideSums } =
      run.sums ?? (await writeMatchesAndSums(prepared, countValues, counts.records));
    // The entry browser's index (entries.idx, records.idx), with the select pass's decisions: only
    // when asked (--entry-index); otherwise the first browse builds it.
    if (options.entryIndex)
      await buildEntryIndex(
        {
          tasks: prepared.tasks,
          run: prepared.run,
          seed: options.seed,
          p,
          matchesPath: join(stageDir, 'matches.bin'),
        },
        stageDir,
      );
    const summary = summarize({
      options,
      metadata,
      counts,
      sums,
      keptPerEntry,
      outputs,
      counted,
      selected,
      padding: prepared.padding,
      workers: run.workers,
      resumed: prepared.resumed,
      timings: run.timings,
      started: run.started,
    });
    const lists = worldwideOf(metadata);
    if (lists && worldwideSums) {
      const patch = worldwideSummary({
        lists,
        counts: countValues,
        tEn: options.t,
        run: prepared.run,
        counted: counted.values(),
        selected: selected.values(),
        sums: worldwideSums,
      });
      Object.assign(summary, patch);
    }
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
  // Every task is done: a temporary file left in the work folder, or of the manifest (a pass killed
  // while saving it), is a killed attempt's.
  await removeTemporaryFiles(prepared.workDir);
  await removeTemporaryFiles(dirname(prepared.manifestPath), { owned: (p) => p === prepared.manifestPath });
  return readSummary(outDir);
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
      await assembleParts(fileTasks, workDir, stageDir, target);
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

/** The data and sidecar of one input from its select tasks' parts. */
async function assembleParts(fileTasks: PoolTask[], workDir: string, stageDir: string, target: string) {
  await ensureInsideOutput(stageDir, dirname(target));
  await settleAll([
    assembleOnce(
      fileTasks.map((t) => selectOutputs(workDir, t.id, t.format).data),
      target,
    ),
    assembleOnce(
      fileTasks.map((t) => selectOutputs(workDir, t.id, t.format).sidecar),
      `${target}.entries.jsonl`,
    ),
  ]);
}

/**
 * What finalize does for input f (its data and sidecar assembled in the stage, recorded in the
 * manifest's finalizedFiles, so finalize skips it), done as soon as its select tasks are: the
 * local executor assembles one input while the workers select the next. Calls must not overlap.
 */
export async function assembleInputEarly(
  prepared: PreparedCuration,
  f: number,
  selected: (taskId: number) => SelectTaskResult,
): Promise<void> {
  const { state, inputs, stageDir, workDir } = prepared;
  const next = state.next;
  if (next === undefined || next.swap !== undefined || next.finalizedFiles.includes(inputs[f])) return;
  const fileTasks = prepared.tasks.filter((t) => t.file === inputs[f]);
  if (fileTasks.every((t) => selected(t.id).noOutput)) return;
  const dataDir = join(stageDir, 'data');
  const target = join(dataDir, prepared.outputNames[f]);
  if (!target.startsWith(dataDir + sep))
    throw new UsageError(`output path escapes the output folder: ${prepared.outputNames[f]}`);
  await assembleParts(fileTasks, workDir, stageDir, target);
  next.finalizedFiles.push(inputs[f]);
  await writeJsonAtomic(prepared.manifestPath, state);
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
export async function writeMatchesFile(
  tasks: PoolTask[],
  workDir: string,
  path: string,
  records: number,
  onRecord: OnMatchedRecord = () => {},
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

/**
 * matches.bin in the stage, and the summary's expected sums over it: all they need is the
 * reduced counts, so the local executor does this while the select pass runs.
 */
export async function writeMatchesAndSums(
  prepared: PreparedCuration,
  counts: Float64Array,
  records: number,
): Promise<MatchesSums> {
  const t = prepared.options.t;
  const p = keepProbabilities(prepared.metadata, counts, t);
  const sums = new ExpectedSums(p, counts, curveThresholds(counts, t));
  const lists = worldwideOf(prepared.metadata);
  const worldwideSums = lists && new WorldwideSums(lists, counts, p, t);
  await writeMatchesFile(
    prepared.tasks,
    prepared.workDir,
    join(prepared.stageDir, 'matches.bin'),
    records,
    worldwideSums
      ? (words, start, end) => {
          sums.addIds(words, start, end);
          worldwideSums.addRecord(words.subarray(start, end));
        }
      : (words, start, end) => sums.addIds(words, start, end),
  );
  return { sums, worldwideSums };
}

/** The summary's expected sums over matches.bin; a worldwide curation's per language too. */
export interface MatchesSums {
  sums: ExpectedSums;
  worldwideSums?: WorldwideSums;
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

/**
 * countHead(counts, t) for many t: the non-zero counts sorted once (a pool matches few of the
 * entries), then a binary search per t.
 */
function headCounter(counts: Float64Array): (t: number) => number {
  let n = 0;
  for (let id = 0; id < counts.length; id++) if (counts[id] > 0) n++;
  const matched = new Float64Array(n);
  n = 0;
  for (let id = 0; id < counts.length; id++) if (counts[id] > 0) matched[n++] = counts[id];
  matched.sort();
  return (t) => {
    if (!(t >= 0)) return countHead(counts, t);
    let lo = 0;
    let hi = matched.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (matched[mid] > t) hi = mid;
      else lo = mid + 1;
    }
    return matched.length - lo;
  };
}

function summarize(a: {
  options: CurateOptions;
  metadata: Metadata;
  counts: EntryCounts;
  /** Expected sizes summed over the matches stream, at curveThresholds(counts, t). */
  sums: ExpectedSums;
  /** Kept records per entry, summed over the select tasks (undefined: a task did not record it). */
  keptPerEntry: Float64Array | undefined;
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
    entries.push({
      id,
      entry: entryName(metadata, id),
      count: c,
      expected_kept: round(expectedKept[id], 3),
      ...(a.keptPerEntry ? { kept: a.keptPerEntry[id] } : {}),
    });
  }
  const skipped = sumSkipped(a.counted.values());
  const thresholds = curveThresholds(counts.counts, a.options.t);
  const headEntries = headCounter(counts.counts);
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
    metadata: { path: resolve(metadata.path), sha256: metadata.sha256, entries: entryCount(metadata) },
    head_entries: headEntries(a.options.t),
    matched_entries: matchedEntries,
    head_share_of_matches: totalMatches > 0 ? round(headMatches / totalMatches, 6) : 0,
    expected_size_curve: thresholds.map((t, j) => ({
      t,
      expectedSize: round(sums.sizes[j], 3),
      headEntries: headEntries(t),
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
