/**
 * After the count pass: the slices' partial counts summed into counts.json and counts.bin, and
 * what the select pass needs from them (keep probabilities, each slice's first record index).
 */
import { join } from 'node:path';
import { countsToJson, readCounts, writeCompactCounts, type EntryCounts } from './counts';
import { countsJsonFromMetadata } from './countsJson';
import { keepProbabilities } from './worldwide/worldwideBalance';
import { readTaskResults } from './curateManifest';
import type { PreparedCuration } from './curatePlan';
import {
  addSparseCountsFile,
  countOutputs,
  type CountTaskResult,
  type PoolTask,
  type RunSettings,
} from './curateTasks';
import { checkUniqueSampleKeys } from './sampleKeys';
import { EmptyPoolError, UsageError, type InputErrorReason } from './errors';
import { writeFileAtomic } from './fsAtomic';
import { entryCount, type Metadata } from './metadata';

/**
 * Sums the slices' partial counts and writes counts.json and counts.bin to the stage. A pool
 * without records (all files empty, or every record skipped) is an EmptyPoolError: there is
 * nothing to curate.
 */
export async function reduceCuration(prepared: PreparedCuration): Promise<EntryCounts> {
  const counts = await reduceToCompactCounts(prepared);
  await writeCountsJson(prepared, counts);
  return counts;
}

/**
 * reduceCuration up to counts.bin, what the select pass and finalize read: the local executor
 * writes counts.json (writeCountsJson) while the select pass runs.
 */
export async function reduceToCompactCounts(prepared: PreparedCuration): Promise<EntryCounts> {
  const counts = await sumCountTasks(prepared);
  await writeCompactCounts(join(prepared.stageDir, 'counts.bin'), counts);
  return counts;
}

/**
 * The slices' partial counts summed, nothing written: the local executor writes counts.bin while
 * the select pass runs (it needs only the keep probabilities).
 */
export async function sumCountTasks(prepared: PreparedCuration): Promise<EntryCounts> {
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
  return counts;
}

/**
 * counts.json of reduced counts, in the stage: from the metadata's bytes when they are at hand
 * (`sameStringChains`: see countsJsonFromMetadata).
 */
export async function writeCountsJson(
  prepared: PreparedCuration,
  counts: EntryCounts,
  sameStringChains?: Int32Array,
): Promise<void> {
  const { metadata, metadataBytes } = prepared;
  const fromBytes =
    metadataBytes && !metadata.path.endsWith('.txt')
      ? countsJsonFromMetadata(metadataBytes, () => metadata.entries, counts.counts, sameStringChains)
      : undefined;
  await writeFileAtomic(
    join(prepared.stageDir, 'counts.json'),
    fromBytes ?? countsToJson(metadata.entries, counts.counts),
  );
}

/** Records skipped by reason (--on-error skip), summed over count task results. */
export function sumSkipped(results: Iterable<CountTaskResult>): Partial<Record<InputErrorReason, number>> {
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
  return keepProbabilities(prepared.metadata, counts, prepared.options.t);
}

export async function reduceCounts(
  state: { tasks: PoolTask[]; counted: Record<number, CountTaskResult> },
  metadata: Metadata,
  workDir: string,
  run: RunSettings,
): Promise<EntryCounts> {
  await checkUniqueSampleKeys(state.tasks, run, workDir);
  const counts = new Float64Array(entryCount(metadata));
  const total: EntryCounts = {
    counts,
    metadataSha256: metadata.sha256,
    records: 0,
    texts: 0,
    matchedTexts: 0,
    matchedRecords: 0,
  };
  for (const task of state.tasks) {
    await addSparseCountsFile(counts, countOutputs(workDir, task.id).counts);
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
