/**
 * The two passes of a curation over one slice of the pool (a file, a byte range of a line file).
 * Plain functions over data: the local worker threads and the Slurm array tasks both call them.
 *
 * count:  read records, match each text, count entries per text, keep each record's id union
 *         (the matches stream) and the partial counts; nothing depends on t or the seed.
 * select: read the same records again with their matches and decide each with the seeded rule;
 *         write kept records in the input's format, plus a sidecar line per kept record.
 * Each task writes `<phase>-<id>.done.json` (its result) last: that file means the task is done.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { keepProbability, keepRecord } from './balance';
import { InputError, type InputErrorReason } from './errors';
import { writeFileAtomic } from './fsAtomic';
import type { EntryMatcher } from './match/matcher';
import { MatchesCursor, MatchesWriter } from './matchesFile';
import { sparseCounts } from './counts';
import { extensionOf } from './pool/formats';
import { readPool } from './pool/read';
import { createPoolWriter } from './pool/write';
import type { PoolFormat, PoolRecord, ReadOptions } from './pool/types';

export interface PoolTask {
  id: number;
  file: string;
  format: PoolFormat;
  byteRange?: { start: number; end: number };
  /** Byte size of the slice, for progress. */
  bytes: number;
}

export interface RunSettings {
  textFields: string[];
  keyField?: string;
  onError: 'fail' | 'skip';
  /** Column names of header-less CSV/TSV inputs (`--columns`); absent: the first row is the header. */
  columns?: string[];
}

export interface CountTaskResult {
  records: number;
  texts: number;
  matchedTexts: number;
  matchedRecords: number;
  skipped: Partial<Record<InputErrorReason, number>>;
}

export interface SelectTaskResult {
  records: number;
  kept: number;
  expectedKept: number;
}

/** Reported every few thousand records so a long slice shows movement. */
export type TaskProgress = (records: number, fraction: number) => void;

const PROGRESS_EVERY = 4096;

export type Phase = 'count' | 'select';

/** Written by a task when all its outputs are in place: its presence means "done". */
export function taskResultPath(workDir: string, phase: Phase, taskId: number): string {
  return join(workDir, `${phase}-${taskId}.done.json`);
}

export function countOutputs(workDir: string, taskId: number) {
  return {
    matches: join(workDir, `count-${taskId}.matches`),
    counts: join(workDir, `count-${taskId}.counts`),
  };
}

export function selectOutputs(workDir: string, taskId: number, format: PoolFormat) {
  return {
    data: join(workDir, `select-${taskId}${extensionOf(format)}`),
    sidecar: join(workDir, `select-${taskId}.sidecar.jsonl`),
  };
}

function readOptions(
  task: PoolTask,
  run: RunSettings,
  firstRecordIndex = 0,
  withPayload = true,
): ReadOptions {
  return {
    textFields: run.textFields,
    keyField: run.keyField,
    onError: run.onError,
    byteRange: task.byteRange,
    firstRecordIndex,
    withPayload,
  };
}

function fractionOf(task: PoolTask, record: PoolRecord): number {
  const at = record.location.byteOffset;
  if (at === undefined || task.bytes === 0) return 0;
  return Math.min(1, (at - (task.byteRange?.start ?? 0)) / task.bytes);
}

export async function runCountTask(
  matcher: EntryMatcher,
  task: PoolTask,
  run: RunSettings,
  workDir: string,
  progress?: TaskProgress,
): Promise<CountTaskResult> {
  const counts = new Uint32Array(matcher.numEntries);
  const matches = new MatchesWriter();
  const result: CountTaskResult = { records: 0, texts: 0, matchedTexts: 0, matchedRecords: 0, skipped: {} };
  const union: number[] = [];
  try {
    await countRecords();
  } catch (err) {
    throw await withAbsoluteLine(err, task);
  }
  async function countRecords(): Promise<void> {
    for await (const item of readPool(task.file, task.format, readOptions(task, run, 0, false))) {
      if (item.kind === 'skipped') {
        const reason: InputErrorReason = item.reason;
        result.skipped[reason] = (result.skipped[reason] ?? 0) + 1;
        continue;
      }
      result.records++;
      const texts = item.texts;
      if (texts.length === 1) {
        // The common case: one text, its ids are the record's ids.
        matcher.begin();
        matcher.collect(texts[0]);
        const ids = matcher.sorted();
        for (let i = 0; i < ids.length; i++) counts[ids[i]]++;
        result.texts++;
        if (ids.length > 0) {
          result.matchedTexts++;
          result.matchedRecords++;
        }
        matches.add(ids);
      } else {
        union.length = 0;
        for (const text of texts) {
          matcher.begin();
          matcher.collect(text);
          const ids = matcher.sorted();
          result.texts++;
          if (ids.length > 0) result.matchedTexts++;
          for (let i = 0; i < ids.length; i++) {
            counts[ids[i]]++;
            union.push(ids[i]);
          }
        }
        const ids = [...new Set(union)].sort((a, b) => a - b);
        if (ids.length > 0) result.matchedRecords++;
        matches.add(ids);
      }
      if (progress && result.records % PROGRESS_EVERY === 0) progress(result.records, fractionOf(task, item));
    }
  }
  const out = countOutputs(workDir, task.id);
  const pairs = sparseCounts(counts);
  await writeFileAtomic(out.matches, matches.bytes());
  await writeFileAtomic(out.counts, new Uint8Array(pairs.buffer, pairs.byteOffset, pairs.byteLength));
  await writeFileAtomic(taskResultPath(workDir, 'count', task.id), JSON.stringify(result));
  return result;
}

export async function runSelectTask(
  task: PoolTask,
  run: RunSettings,
  seed: number,
  p: Float64Array,
  firstRecordIndex: number,
  workDir: string,
  progress?: TaskProgress,
): Promise<SelectTaskResult> {
  const cursor = await MatchesCursor.load(countOutputs(workDir, task.id).matches);
  const out = selectOutputs(workDir, task.id, task.format);
  const writer = await createPoolWriter(task.format, out.data, {
    sourceFile: task.file,
    columns: run.columns,
  });
  const sidecar: string[] = [];
  const result: SelectTaskResult = { records: 0, kept: 0, expectedKept: 0 };
  try {
    for await (const item of readPool(task.file, task.format, readOptions(task, run, firstRecordIndex))) {
      if (item.kind === 'skipped') continue;
      result.records++;
      const ids = cursor.next();
      if (ids.length > 0) {
        const probability = keepProbability(ids, p);
        result.expectedKept += probability;
        if (keepRecord(seed, item.key, ids, p)) {
          result.kept++;
          await writer.write(item);
          sidecar.push(`${JSON.stringify({ key: item.key, entry_ids: Array.from(ids), p: probability })}\n`);
        }
      }
      if (progress && result.records % PROGRESS_EVERY === 0) progress(result.records, fractionOf(task, item));
    }
    if (!cursor.done) {
      throw new InputError(
        task.file,
        {},
        'unreadable',
        'the file changed since it was counted (fewer records now); re-run in a new output folder',
      );
    }
    await writer.finish();
    await writeFileAtomic(out.sidecar, sidecar.join(''));
    await writeFileAtomic(taskResultPath(workDir, 'select', task.id), JSON.stringify(result));
  } catch (err) {
    await writer.abort();
    await rm(out.sidecar, { force: true });
    throw err;
  }
  return result;
}

/**
 * A reader of a byte range counts lines from the range's start; an error in a later slice is
 * reported with the line number in the whole file (counted here, on the error path only).
 */
async function withAbsoluteLine(err: unknown, task: PoolTask): Promise<unknown> {
  if (!(err instanceof InputError) || !task.byteRange || task.byteRange.start === 0) return err;
  const at = err.location.byteOffset;
  if (at === undefined) return err;
  let line = 1;
  for await (const chunk of createReadStream(task.file, { end: at - 1 })) {
    for (let i = (chunk as Buffer).indexOf(10); i !== -1; i = (chunk as Buffer).indexOf(10, i + 1)) line++;
  }
  return new InputError(err.file, { ...err.location, line }, err.reason, err.detail);
}
