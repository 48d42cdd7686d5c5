/**
 * The two passes of a curation over one slice of the pool (a file, a byte range of a line file).
 * Plain functions over data: the local worker threads and the Slurm array tasks both call them.
 *
 * count:  read records, match each text, count entries per text, keep each record's id union
 *         (the matches stream) and the partial counts; nothing depends on t or the seed.
 * select: read the same records again with their matches and decide each with the seeded rule;
 *         write kept records in the input's format, plus a sidecar line per kept record, and
 *         count the kept records per entry (the actual kept beside the expected).
 * Each task writes `<phase>-<id>.done.json` (its result) last: that file means the task is done.
 *
 * A count task records the sha256 of the slice's bytes, hashed before counting (so a change
 * during the count shows too), and the file's identity (fileIdentity.ts) taken before that. A
 * select task, and a resumed run, use the count only if the slice is the same: the identity
 * unchanged and old enough to trust, or else the slice hashed again to the same sha256.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileIdentityOf, unchangedSince, type FileIdentity } from './fileIdentity';
import { asEnvironmentError, InputError, isSystemError, type InputErrorReason } from './errors';
import { settleAll, writeFileAtomic } from './fsAtomic';
import type { EntryMatcher } from './match/matcher';
import { MatchesCursor, MatchesWriter } from './matchesFile';
import { addSparseCounts, sparseCounts } from './counts';
import { extensionOf } from './pool/formats';
import { DEFAULT_TEXT_FIELD, readPool } from './pool/read';
import type { ByteRecord, RecordVisitor } from './pool/byteRecord';
import { visitDelimited } from './pool/csv';
import { visitJsonl } from './pool/jsonl';
import { visitParquet } from './pool/parquetVisit';
import { AtomicFileSink } from './pool/sink';
import { ParquetPoolWriter } from './pool/parquet';
import { createPoolWriter, LinePoolWriter } from './pool/write';
import { selectParquetRows } from './selectParquet';
import { checksSampleKeys, sampleKeyHash } from './sampleKeys';
import { RecordSelector } from './selectRecords';
import type { PoolFormat, PoolItem, PoolWriter, ReadOptions } from './pool/types';
import {
  KeptByLanguage,
  worldwideMatcherFor,
  type LanguageCounts,
  type WorldwideRun,
} from './worldwide/worldwideMatcher';

export interface PoolTask {
  id: number;
  file: string;
  format: PoolFormat;
  byteRange?: { start: number; end: number };
  /** Byte size of the slice, for progress. */
  bytes: number;
  /** How default keys name the file (ReadOptions.keyPrefix): its path within the pool. */
  keyPrefix?: string;
}

export interface RunSettings {
  textFields: string[];
  keyField?: string;
  onError: 'fail' | 'skip';
  /** Column names of header-less CSV/TSV inputs (`--columns`); absent: the first row is the header. */
  columns?: string[];
  /** A worldwide curation: each record matched against its language's id range only. */
  worldwide?: WorldwideRun;
}

export interface CountTaskResult {
  /** sha256 (hex) of the slice's bytes when they were counted. */
  sha256: string;
  /** The file's identity, taken before its bytes were hashed. Absent in older work folders. */
  identity?: FileIdentity;
  records: number;
  texts: number;
  matchedTexts: number;
  matchedRecords: number;
  skipped: Partial<Record<InputErrorReason, number>>;
  /** A worldwide curation: records and matched records per language, records without a list. */
  worldwide?: LanguageCounts;
}

export interface SelectTaskResult {
  records: number;
  kept: number;
  expectedKept: number;
  /** The input could not be read at all (skipped with --on-error skip): there is no output file. */
  noOutput?: boolean;
  /** A worldwide curation: kept records per language. */
  keptByLanguage?: Record<string, number>;
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
    /** WebDataset shards with default keys: a 52-bit hash of each sample key (float64s). */
    keyHashes: join(workDir, `count-${taskId}.keyhashes`),
  };
}

export function selectOutputs(workDir: string, taskId: number, format: PoolFormat) {
  return {
    data: join(workDir, `select-${taskId}${extensionOf(format)}`),
    sidecar: join(workDir, `select-${taskId}.sidecar.jsonl`),
    /** Kept records per entry of the slice (sparse pairs, as the count pass's counts). */
    keptPerEntry: join(workDir, `select-${taskId}.kept`),
  };
}

function isJsonl(format: PoolFormat): boolean {
  return format === 'jsonl' || format === 'jsonl.gz';
}

/**
 * Reads a slice with a visitor where its format has a byte-level reader (JSONL, CSV/TSV): the
 * passes then need no record object or string per record. False: read it with readPool.
 * `linesOnly`: JSONL and TSV lines are records as they are (see visitJsonl), for a select pass.
 */
export async function visitSlice(
  task: PoolTask,
  opts: ReadOptions,
  visitor: RecordVisitor,
  linesOnly = false,
): Promise<boolean> {
  const format = task.format;
  if (isJsonl(format)) await visitJsonl(task.file, format === 'jsonl.gz', opts, visitor, linesOnly);
  else if (format === 'csv' || format === 'tsv')
    await visitDelimited(task.file, format, opts, visitor, linesOnly && format === 'tsv');
  else if (format === 'parquet') return visitParquet(task.file, opts, visitor);
  else return false;
  return true;
}

export function readOptions(
  task: PoolTask,
  run: RunSettings,
  firstRecordIndex = 0,
  withPayload = true,
): ReadOptions {
  return {
    // The byte-level readers take the fields as given (readPool gives the same default itself).
    textFields:
      run.textFields.length === 0 && task.format !== 'text' && task.format !== 'webdataset'
        ? [DEFAULT_TEXT_FIELD]
        : run.textFields,
    keyField: run.keyField,
    keyPrefix: task.keyPrefix,
    columns: run.columns,
    onError: run.onError,
    byteRange: task.byteRange,
    firstRecordIndex,
    withPayload,
  };
}

function fractionOf(task: PoolTask, location: { byteOffset?: number }): number {
  const at = location.byteOffset;
  if (at === undefined || task.bytes === 0) return 0;
  return Math.min(1, (at - (task.byteRange?.start ?? 0)) / task.bytes);
}

export async function runCountTask(
  listMatcher: EntryMatcher,
  task: PoolTask,
  run: RunSettings,
  workDir: string,
  progress?: TaskProgress,
): Promise<CountTaskResult> {
  const worldwide = run.worldwide && (await worldwideMatcherFor(listMatcher, run.worldwide));
  const matcher = worldwide ?? listMatcher;
  const counts = new Uint32Array(matcher.numEntries);
  const matches = new MatchesWriter();
  const identity = await fileIdentityOf(task.file);
  const result: CountTaskResult = {
    sha256: await sliceSha256(task),
    identity,
    records: 0,
    texts: 0,
    matchedTexts: 0,
    matchedRecords: 0,
    skipped: {},
  };
  const union: number[] = [];
  const keyHashes: number[] | undefined = checksSampleKeys(task, run) ? [] : undefined;
  /** A record of one text, collected into the matcher: its ids are the record's. */
  const countOneText = (): void => {
    const n = matcher.sortInPlace();
    const ids = matcher.ids();
    for (let i = 0; i < n; i++) counts[ids[i]]++;
    result.texts++;
    if (n > 0) {
      result.matchedTexts++;
      result.matchedRecords++;
    }
    matches.add(ids, n);
  };
  /** One of several texts of a record, collected into the matcher: counted, its ids kept. */
  const countTextOfMany = (): void => {
    const n = matcher.sortInPlace();
    const ids = matcher.ids();
    result.texts++;
    if (n > 0) result.matchedTexts++;
    for (let i = 0; i < n; i++) {
      counts[ids[i]]++;
      union.push(ids[i]);
    }
  };
  /** The record of several texts: the union of their ids. */
  const countUnion = (): void => {
    // Sorted and made distinct in place: no Set or array per record.
    union.sort((a, b) => a - b);
    let n = 0;
    for (let i = 0; i < union.length; i++) if (n === 0 || union[i] !== union[n - 1]) union[n++] = union[i];
    if (n > 0) result.matchedRecords++;
    matches.add(union, n);
    union.length = 0;
  };
  const countItem = (item: PoolItem): void => {
    if (item.kind === 'skipped') {
      const reason: InputErrorReason = item.reason;
      result.skipped[reason] = (result.skipped[reason] ?? 0) + 1;
      return;
    }
    result.records++;
    keyHashes?.push(sampleKeyHash(item.key));
    worldwide?.startRecord(item);
    const texts = item.texts;
    if (texts.length === 1) {
      // The common case: one text, its ids are the record's ids.
      matcher.begin();
      matcher.collect(texts[0]);
      countOneText();
    } else {
      for (const text of texts) {
        matcher.begin();
        matcher.collect(text);
        countTextOfMany();
      }
      countUnion();
    }
    if (progress && result.records % PROGRESS_EVERY === 0)
      progress(result.records, fractionOf(task, item.location));
  };
  /** A JSONL record read from its bytes: matched from them, as the text format is. */
  const countLine = (line: ByteRecord): void => {
    result.records++;
    if (line.textCount === 1) {
      matcher.begin();
      matcher.collectUtf8(line.buf, line.textStarts[0], line.textEnds[0]);
      countOneText();
    } else {
      for (let k = 0; k < line.textCount; k++) {
        matcher.begin();
        matcher.collectUtf8(line.buf, line.textStarts[k], line.textEnds[k]);
        countTextOfMany();
      }
      countUnion();
    }
    if (progress && result.records % PROGRESS_EVERY === 0) progress(result.records, fractionOf(task, line));
  };
  async function countRecords(): Promise<void> {
    const opts = { ...readOptions(task, run, 0, false), languageField: run.worldwide?.languageField };
    const visitor = { record: countLine, item: countItem, batchDone: async () => undefined };
    // A worldwide record's language comes before its texts: it is read as a PoolRecord.
    if (!worldwide && (await visitSlice(task, opts, visitor))) return;
    for await (const item of readPool(task.file, task.format, opts)) countItem(item);
  }
  try {
    await countRecords();
  } catch (err) {
    throw await withAbsoluteLine(err, task);
  }
  if (worldwide) result.worldwide = worldwide.languageCounts();
  const out = countOutputs(workDir, task.id);
  await settleAll([
    writeFileAtomic(out.matches, matches.bytes()),
    writeSparseCounts(out.counts, counts),
    keyHashes && writeFileAtomic(out.keyHashes, new Uint8Array(Float64Array.from(keyHashes).buffer)),
  ]);
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
  const counted = JSON.parse(
    await readFile(taskResultPath(workDir, 'count', task.id), 'utf8'),
  ) as CountTaskResult;
  if (!(await sliceUnchanged(task, counted))) {
    throw new InputError(
      task.file,
      task.byteRange ? { byteOffset: task.byteRange.start } : {},
      'unreadable',
      'the file changed since it was counted; run the same command again to count it again',
    );
  }
  const cursor = await MatchesCursor.load(countOutputs(workDir, task.id).matches);
  const out = selectOutputs(workDir, task.id, task.format);
  const writer = await openWriterUnlessSkipped(task, run, out.data);
  const keptTally = run.worldwide && new KeptByLanguage(run.worldwide);
  const selector = new RecordSelector(cursor, seed, p, keptTally);
  const result: SelectTaskResult = selector.result;
  if (writer === undefined) {
    // The count pass skipped this unreadable file: it has no records and gets no output.
    if (!cursor.done) throw new Error(`${task.file}: counted records, but its schema is unreadable now`);
    const skipped = { ...result, noOutput: true };
    await writeSparseCounts(out.keptPerEntry, selector.keptPerEntry);
    await writeFileAtomic(taskResultPath(workDir, 'select', task.id), JSON.stringify(skipped));
    return skipped;
  }
  let sidecar: AtomicFileSink | undefined;
  const staged = selector.sidecar.staged;
  const reportProgress = (location: { byteOffset?: number }): void => {
    if (progress && result.records % PROGRESS_EVERY === 0)
      progress(result.records, fractionOf(task, location));
  };
  try {
    sidecar = await AtomicFileSink.open(out.sidecar);
    const sidecarSink = sidecar;
    const flushStaged = async (): Promise<void> => {
      await sidecarSink.write(staged.view());
      staged.clear();
    };
    // A shard's kept samples are copied from it by byte range: the reader reads captions only.
    const opts = readOptions(task, run, firstRecordIndex, task.format !== 'webdataset');
    // JSONL and CSV/TSV have a LinePoolWriter: kept lines are staged during a buffer's visit and
    // written, with the sidecar lines, after it.
    const lines = writer instanceof LinePoolWriter ? writer : undefined;
    // The count pass read these same bytes (checked above) and skipped no line: every non-blank
    // line is a record, and a default key needs no scan of it.
    const linesOnly = run.keyField === undefined && Object.keys(counted.skipped).length === 0;
    const visited =
      lines !== undefined &&
      (await visitSlice(
        task,
        opts,
        {
          record: (line) => {
            selector.byteRecord(line, lines);
            reportProgress(line);
          },
          item: (item) => {
            if (item.kind !== 'record') return;
            if (selector.poolRecord(item)) {
              const bytes = item.payload.type === 'line' ? item.payload.bytes : undefined;
              if (bytes === undefined) throw new Error(`${task.format} record without its line`);
              lines.addLine(bytes, 0, bytes.length, false);
            }
            reportProgress(item.location);
          },
          batchDone: async () => {
            await lines.flush();
            await sidecarSink.write(staged.view());
            staged.clear();
          },
        },
        linesOnly,
      ));
    if (!visited && writer instanceof ParquetPoolWriter) {
      await selectParquetRows(task.file, opts, selector, writer, linesOnly, () => {
        reportProgress({});
        return staged.length >= 1 << 20 ? flushStaged() : undefined;
      });
    } else if (!visited) {
      for await (const item of readPool(task.file, task.format, opts)) {
        if (item.kind !== 'record') continue;
        if (selector.poolRecord(item)) await writer.write(item);
        reportProgress(item.location);
        if (staged.length >= 1 << 20) await flushStaged();
      }
    }
    if (!cursor.done) {
      throw new InputError(
        task.file,
        {},
        'unreadable',
        'the file changed since it was counted (fewer records now); re-run in a new output folder',
      );
    }
    await sidecarSink.write(staged.view());
    staged.clear();
    await settleAll([
      writer.finish(),
      sidecarSink.commit(),
      writeSparseCounts(out.keptPerEntry, selector.keptPerEntry),
    ]);
    sidecar = undefined;
    if (keptTally) result.keptByLanguage = keptTally.counts();
    await writeFileAtomic(taskResultPath(workDir, 'select', task.id), JSON.stringify(result));
  } catch (err) {
    await writer.abort();
    await sidecar?.abort();
    await rm(out.sidecar, { force: true });
    // The pool writer reports a failed write without a path: it is the slice's output.
    throw asEnvironmentError(err, isSystemError(err) && err.syscall === 'read' ? task.file : out.data);
  }
  return result;
}

/** Per-entry counts of one task as sparse (id, count) pairs: readSparseCounts reads them. */
async function writeSparseCounts(path: string, dense: Uint32Array): Promise<void> {
  const pairs = sparseCounts(dense);
  await writeFileAtomic(path, new Uint8Array(pairs.buffer, pairs.byteOffset, pairs.byteLength));
}

/** Adds one task's sparse per-entry counts (writeSparseCounts) into `into`. */
export async function addSparseCountsFile(into: Float64Array, path: string): Promise<void> {
  const bytes = await readFile(path);
  const pairs = new Uint32Array(bytes.byteLength / 4);
  new Uint8Array(pairs.buffer).set(bytes);
  addSparseCounts(into, pairs);
}

/**
 * True when the task's slice holds the bytes it held when counted: its file's identity is the
 * same and old enough to trust, or else its bytes hash to the counted sha256.
 */
export async function sliceUnchanged(task: PoolTask, counted: CountTaskResult): Promise<boolean> {
  if (unchangedSince(counted.identity, await fileIdentityOf(task.file))) return true;
  return (await sliceSha256(task)) === counted.sha256;
}

/** sha256 (hex) of a task's bytes: its byte range, or the whole file. */
export async function sliceSha256(task: PoolTask): Promise<string> {
  const hash = createHash('sha256');
  const range = task.byteRange;
  if (range && range.end <= range.start) return hash.digest('hex');
  try {
    const stream = createReadStream(task.file, {
      highWaterMark: 1 << 20,
      ...(range ? { start: range.start, end: range.end - 1 } : {}),
    });
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } catch (err) {
    throw new InputError(task.file, {}, 'unreadable', `cannot read input: ${(err as Error).message}`);
  }
  return hash.digest('hex');
}

/**
 * The writer of a task's kept records. Undefined when the input's own schema (a Parquet footer)
 * cannot be read and --on-error skip let the count pass skip the file.
 */
async function openWriterUnlessSkipped(
  task: PoolTask,
  run: RunSettings,
  path: string,
): Promise<PoolWriter | undefined> {
  try {
    return await createPoolWriter(task.format, path, { sourceFile: task.file, columns: run.columns });
  } catch (err) {
    if (run.onError === 'skip' && err instanceof InputError && err.reason === 'bad-parquet') return undefined;
    throw err;
  }
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
