/**
 * Builds a curation's entry index (entries.idx) and record table (records.idx) from its
 * matches.bin and its pool: each pool file is read once more, in order, with the readers and
 * settings of the select pass, and each matched record is decided with the same function and
 * key the select pass used (balance.ts keepRecord), so "kept" here is "in the curated output".
 * Finalize calls it in the stage; a curation made before the index existed gets it on first use
 * (buildEntryIndexOfFolder, in a worker: entryIndexWorker.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { balanceProbabilities, keepRecord } from '../balance';
import { readCounts } from '../counts';
import type { Manifest } from '../curatePlan';
import { readOptions, visitSlice, type PoolTask, type RunSettings } from '../curateTasks';
import { folderPaths } from '../curationFolder';
import { InputError, UsageError } from '../errors';
import { acquireFolderLock } from '../folderLock';
import { writeJsonAtomic } from '../fsAtomic';
import { readMatchesFile } from '../matchesFile';
import { readPool } from '../pool/read';
import type { InputLocation } from '../errors';
import {
  ENTRIES_INDEX_FILE,
  RECORDS_INDEX_FILE,
  writeEntriesIndex,
  writeRecordsIndex,
  type EntryPostings,
  type IndexedPoolFile,
  type RecordsTable,
} from './entryIndexFiles';

export interface EntryIndexSource {
  /** The curation's slices, in matches.bin's order (only their files, formats and key prefixes count). */
  tasks: PoolTask[];
  run: RunSettings;
  seed: number;
  /** Keep probability per entry id (the curation's t over its counts). */
  p: Float64Array;
  matchesPath: string;
}

/** Builds both files into `dir` (the stage, or the curation folder itself). */
export async function buildEntryIndex(source: EntryIndexSource, dir: string): Promise<void> {
  const { records, stream } = await readMatchesFile(source.matchesPath);
  const table = await locateRecords(source, records, stream);
  const postings = invertMatches(stream, records, source.p.length, table.kept);
  // The record table first: a folder with entries.idx has both (the reader checks for it).
  await writeRecordsIndex(join(dir, RECORDS_INDEX_FILE), table);
  await writeEntriesIndex(join(dir, ENTRIES_INDEX_FILE), postings);
}

/** A finished curation's folder: the source of its index from its manifest, counts and summary. */
export async function entryIndexSourceOf(folder: string): Promise<EntryIndexSource> {
  let manifest: Manifest;
  let summary: { t: number; seed: number };
  try {
    manifest = JSON.parse(await readFile(join(folder, '.metacurate', 'manifest.json'), 'utf8')) as Manifest;
    summary = JSON.parse(await readFile(join(folder, 'summary.json'), 'utf8')) as typeof summary;
  } catch (err) {
    throw new UsageError(`${folder} holds no finished curation (${(err as Error).message})`);
  }
  if (!manifest.current)
    throw new UsageError(`${folder} holds no finished curation (its run did not complete; run it again)`);
  const { counts } = await readCounts(join(folder, 'counts.bin'));
  const o = manifest.plan.options;
  return {
    tasks: manifest.plan.tasks,
    run: { textFields: o.textFields, keyField: o.keyField, onError: o.onError ?? 'fail', columns: o.columns },
    seed: summary.seed,
    p: balanceProbabilities(counts, summary.t),
    matchesPath: join(folder, 'matches.bin'),
  };
}

/**
 * Builds the index of a finished curation in its own folder (the first-use path), holding the
 * folder's lock, and records the two files as the curation's in its manifest, so a later run
 * replaces them like the rest of the curation (instead of refusing them as a stranger's files).
 */
export async function buildEntryIndexOfFolder(folder: string): Promise<void> {
  const paths = folderPaths(folder);
  await entryIndexSourceOf(folder); // A folder without a finished curation is refused before the lock.
  const lock = await acquireFolderLock(paths.lock, 'browse (building the entry index)', () => undefined);
  try {
    const source = await entryIndexSourceOf(folder); // again: the folder is ours now
    // Named in the manifest first: a build killed half-way leaves files a later run may replace.
    const manifest = JSON.parse(await readFile(paths.manifest, 'utf8')) as Manifest;
    const current = manifest.current!;
    current.files = [...new Set([...current.files, RECORDS_INDEX_FILE, ENTRIES_INDEX_FILE])].sort();
    await writeJsonAtomic(paths.manifest, manifest);
    await buildEntryIndex(source, folder);
  } finally {
    await lock.release();
  }
}

/** Reads the pool in matches.bin's order: each record's place, its ids' offset, and its fate. */
async function locateRecords(
  source: EntryIndexSource,
  records: number,
  stream: Uint32Array,
): Promise<RecordsTable & { kept: Uint8Array }> {
  const positions = new Float64Array(records);
  const matchWords = new Float64Array(records);
  const lines = new Uint32Array(records);
  const indexes = new Uint32Array(records);
  const kept = new Uint8Array(records);
  const files: IndexedPoolFile[] = [];
  const { seed, p, run } = source;
  let ordinal = 0;
  let word = 0;
  const changed = (file: string, location: InputLocation) =>
    new InputError(
      file,
      location,
      'unreadable',
      'the pool has more records than the curation counted: it changed since; curate it again',
    );
  const take = (file: string, key: () => string, index: number, location: InputLocation): void => {
    if (ordinal >= records || word >= stream.length) throw changed(file, location);
    const n = stream[word];
    const ids = stream.subarray(word + 1, word + 1 + n);
    positions[ordinal] = location.byteOffset ?? -1;
    matchWords[ordinal] = word;
    lines[ordinal] = location.line ?? 0;
    indexes[ordinal] = index;
    // As the select pass: a record without ids is not kept, and its key is never made.
    if (n > 0 && keepRecord(seed, key(), ids, p)) kept[ordinal] = 1;
    word += n + 1;
    ordinal++;
  };
  for (const task of source.tasks) {
    // Slices of one file are read as the whole file, once: same records, same keys, absolute lines.
    if (files.length > 0 && files[files.length - 1].path === task.file) continue;
    const whole: PoolTask = {
      id: task.id,
      file: task.file,
      format: task.format,
      keyPrefix: task.keyPrefix,
      bytes: 0,
    };
    const opts = readOptions(whole, run, 0, false);
    const { file: path, format, keyPrefix } = task;
    files.push({ path, format, keyPrefix, textFields: opts.textFields, firstRecord: ordinal });
    const visited = await visitSlice(whole, opts, {
      record: (line) => take(task.file, () => line.key, line.index, line.location),
      item: (item) => {
        if (item.kind === 'record') take(task.file, () => item.key, item.index, item.location);
      },
      batchDone: async () => undefined,
    });
    if (!visited)
      for await (const item of readPool(task.file, task.format, opts))
        if (item.kind === 'record') take(task.file, () => item.key, item.index, item.location);
  }
  if (ordinal !== records || word !== stream.length)
    throw new InputError(
      files[files.length - 1]?.path ?? source.matchesPath,
      {},
      'unreadable',
      `the pool has ${ordinal} records now, the curation counted ${records}: it changed since; curate it again`,
    );
  // The text fields are per file: the same curation by any executor writes the same bytes.
  return { files, run: { ...run, textFields: [] }, positions, matchWords, lines, indexes, kept };
}

/** The CSR inverse of the matches stream: per entry, its kept ordinals then its dropped ones. */
export function invertMatches(
  stream: Uint32Array,
  records: number,
  entries: number,
  kept: Uint8Array,
): EntryPostings {
  const keptCounts = new Uint32Array(entries);
  const totals = new Float64Array(entries);
  let r = 0;
  for (let at = 0; at < stream.length; at += stream[at] + 1, r++) {
    const end = at + 1 + stream[at];
    for (let k = at + 1; k < end; k++) {
      totals[stream[k]]++;
      if (kept[r]) keptCounts[stream[k]]++;
    }
  }
  const offsets = new Float64Array(entries + 1);
  for (let e = 0; e < entries; e++) offsets[e + 1] = offsets[e] + totals[e];
  const keptNext = Float64Array.from(offsets.subarray(0, entries));
  const droppedNext = new Float64Array(entries);
  for (let e = 0; e < entries; e++) droppedNext[e] = offsets[e] + keptCounts[e];
  const postings = new Uint32Array(offsets[entries]);
  r = 0;
  for (let at = 0; at < stream.length; at += stream[at] + 1, r++) {
    const end = at + 1 + stream[at];
    for (let k = at + 1; k < end; k++) {
      const e = stream[k];
      if (kept[r]) postings[keptNext[e]++] = r;
      else postings[droppedNext[e]++] = r;
    }
  }
  return { offsets, keptCounts, postings, records };
}
