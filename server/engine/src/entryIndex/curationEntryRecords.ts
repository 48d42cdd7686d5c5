/**
 * The entry browser over a finished curation: a page of the records that match an entry, kept,
 * dropped or all, answered from entries.idx and records.idx by seeking (a page costs a few reads
 * per record, whatever the pool's size), each record's text read back from its pool file.
 * The language server (`metacurate/entryRecords`) and `metacurate browse` both use it.
 */
import { access, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  EntryRecord,
  EntryRecordsFilter,
  EntryRecordsResult,
  RecordImage,
} from '../../../../contracts/src/entryRecords';
import { OTHER_ENTRIES_CAP } from '../../../../contracts/src/entryRecords';
import { readCounts } from '../counts';
import { readOptions } from '../curateTasks';
import { UsageError } from '../errors';
import type { Padding } from '../match/spacing';
import { loadMetadata } from '../metadata';
import { isSplittable } from '../pool/formats';
import { readPool } from '../pool/read';
import type { PoolRecord } from '../pool/types';
import {
  ENTRIES_INDEX_FILE,
  EntriesIndexReader,
  RECORDS_INDEX_FILE,
  RecordsIndexReader,
  type RecordLocation,
} from './entryIndexFiles';
import { entrySpans } from './entrySpans';
import { fieldImage, memberImage } from './recordImages';

/** The buffer of a reader of one record at its offset: most captions' lines fit. */
const RECORD_CHUNK_BYTES = 16 * 1024;

export interface EntryPage {
  entryId: number;
  filter: EntryRecordsFilter;
  offset: number;
  limit: number;
  /** The field naming each record's image (EntryRecordsParams.imageField); absent: members only. */
  imageField?: string;
}

interface CurationFacts {
  t: number;
  seed: number;
  padding: Padding;
  metadata?: { path?: string; sha256?: string };
}

/** True when the folder has its entry index (both files; records.idx is written first). */
export async function hasEntryIndex(folder: string): Promise<boolean> {
  return access(join(folder, ENTRIES_INDEX_FILE)).then(
    () => true,
    () => false,
  );
}

/** A finished curation, opened for browsing: its index files stay open until close(). */
export class CurationEntryBrowser {
  private constructor(
    readonly folder: string,
    private readonly facts: CurationFacts,
    /** Entry texts; undefined when the curation's metadata file is gone or changed. */
    private readonly names: string[] | undefined,
    private readonly counts: Float64Array,
    private readonly entries: EntriesIndexReader,
    private readonly records: RecordsIndexReader,
    private readonly matches: FileHandle,
  ) {}

  /** Opens a folder that has its index (see hasEntryIndex; buildEntryIndexInWorker makes it). */
  static async open(folder: string): Promise<CurationEntryBrowser> {
    let facts: CurationFacts;
    try {
      facts = JSON.parse(await readFile(join(folder, 'summary.json'), 'utf8')) as CurationFacts;
    } catch (err) {
      throw new UsageError(`${folder} holds no finished curation (summary.json: ${(err as Error).message})`);
    }
    const { counts } = await readCounts(join(folder, 'counts.bin'));
    let names: string[] | undefined;
    try {
      const metadata = await loadMetadata(facts.metadata?.path ?? '');
      if (metadata.sha256 === facts.metadata?.sha256 && metadata.entries.length === counts.length)
        names = metadata.entries;
    } catch {
      names = undefined; // moved or deleted: entries are shown by id, without spans.
    }
    const entries = await EntriesIndexReader.open(join(folder, ENTRIES_INDEX_FILE));
    const records = await RecordsIndexReader.open(join(folder, RECORDS_INDEX_FILE)).catch(async (err) => {
      await entries.close();
      throw err;
    });
    const matches = await open(join(folder, 'matches.bin'), 'r').catch(async (err) => {
      await Promise.all([entries.close(), records.close()]);
      throw err;
    });
    return new CurationEntryBrowser(folder, facts, names, counts, entries, records, matches);
  }

  /** Entry ids whose text is `text` (the metadata may repeat an entry). */
  idsOf(text: string): number[] {
    const ids: number[] = [];
    this.names?.forEach((name, id) => {
      if (name === text) ids.push(id);
    });
    return ids;
  }

  nameOf(id: number): string {
    return this.names?.[id] ?? `#${id}`;
  }

  async page(q: EntryPage): Promise<EntryRecordsResult> {
    const e = q.entryId;
    if (!Number.isInteger(e) || e < 0 || e >= this.entries.entries)
      throw new UsageError(
        `entry id ${e} is not in this curation's metadata (0 … ${this.entries.entries - 1})`,
      );
    const { start, total: totalAll, kept } = await this.entries.entry(e);
    const dropped = totalAll - kept;
    const total = q.filter === 'kept' ? kept : q.filter === 'dropped' ? dropped : totalAll;
    const from = Math.min(q.offset, total);
    const count = Math.min(q.limit, total - from);
    let page: { ordinal: number; kept: boolean }[];
    if (q.filter === 'kept') page = toPage(await this.entries.postings(start + from, count), true);
    else if (q.filter === 'dropped')
      page = toPage(await this.entries.postings(start + kept + from, count), false);
    else page = await this.unionPage(start, kept, dropped, from, count);
    const locations = await Promise.all(page.map((r) => this.records.location(r.ordinal)));
    const imageField = q.imageField === '' ? undefined : q.imageField;
    const [texts, matched, imageValues] = await Promise.all([
      readRecords(locations, this.records.run),
      Promise.all(locations.map((l) => this.matchedIds(l))),
      imageField === undefined ? undefined : readImageFields(locations, this.records.run, imageField),
    ]);
    const records: EntryRecord[] = [];
    for (let i = 0; i < page.length; i++) {
      const location = locations[i];
      const record = texts.get(location.ordinal);
      const text = record?.texts ?? [];
      records.push({
        key: record?.key ?? String(location.indexInFile),
        file: location.file.path,
        ...(location.line > 0 ? { line: location.line } : {}),
        recordIndex: location.ordinal,
        text: text.join('\n'),
        spans: this.names ? spansIn(text, this.names[e], this.facts.padding) : [],
        kept: page[i].kept,
        probability: this.probability(e),
        otherEntries: matched[i]
          .filter((id) => id !== e)
          .slice(0, OTHER_ENTRIES_CAP)
          .map((id) => ({ id, entry: this.nameOf(id) })),
        ...imageOf(record, location, imageValues),
      });
    }
    return {
      entry: this.nameOf(e),
      entryId: e,
      total,
      totalAll,
      kept,
      dropped,
      records,
      t: this.facts.t,
      seed: this.facts.seed,
    };
  }

  private probability(e: number): number {
    return this.facts.t / Math.max(this.counts[e] ?? 0, this.facts.t);
  }

  /**
   * Records [from, from + count) of the union of the kept ordinals A = postings[start, start + a)
   * and the dropped ones B (each ascending, disjoint): a binary search finds how many of the first
   * `from` come from A, then the two runs are merged.
   */
  private async unionPage(
    start: number,
    a: number,
    b: number,
    from: number,
    count: number,
  ): Promise<{ ordinal: number; kept: boolean }[]> {
    const A = (i: number) => this.entries.posting(start + i);
    const B = (j: number) => this.entries.posting(start + a + j);
    let lo = Math.max(0, from - b);
    let hi = Math.min(from, a);
    while (lo < hi) {
      const i = (lo + hi) >> 1;
      if ((await A(i)) < (await B(from - i - 1))) lo = i + 1;
      else hi = i;
    }
    const keptRun = await this.entries.postings(start + lo, Math.min(count, a - lo));
    const droppedRun = await this.entries.postings(start + a + from - lo, Math.min(count, b - (from - lo)));
    const out: { ordinal: number; kept: boolean }[] = [];
    let i = 0;
    let j = 0;
    while (out.length < count) {
      if (j >= droppedRun.length || (i < keptRun.length && keptRun[i] < droppedRun[j]))
        out.push({ ordinal: keptRun[i++], kept: true });
      else out.push({ ordinal: droppedRun[j++], kept: false });
    }
    return out;
  }

  /** The record's matched ids, from matches.bin (16-byte header, then u32 words). */
  private async matchedIds(location: RecordLocation): Promise<number[]> {
    const at = 16 + 4 * location.matchWord;
    const head = Buffer.alloc(4);
    await this.matches.read(head, 0, 4, at);
    const n = Math.min(head.readUInt32LE(0), OTHER_ENTRIES_CAP + 1);
    const ids = Buffer.alloc(4 * n);
    await this.matches.read(ids, 0, 4 * n, at + 4);
    return Array.from(new Uint32Array(ids.buffer, ids.byteOffset, n));
  }

  async close(): Promise<void> {
    await Promise.all([this.entries.close(), this.records.close(), this.matches.close()]);
  }
}

/** The record's image: from its image field when one is asked for, else its image member. */
function imageOf(
  record: PoolRecord | undefined,
  location: RecordLocation,
  imageValues: Map<number, PoolRecord> | undefined,
): { image?: RecordImage } {
  let image: RecordImage | undefined;
  if (imageValues !== undefined) {
    const value = imageValues.get(location.ordinal)?.texts[0];
    image = value === undefined ? undefined : fieldImage(value, location.file.path);
  } else if (record?.payload.type === 'sample')
    image = memberImage(record.payload.file, record.payload.members);
  return image === undefined ? {} : { image };
}

/**
 * Each record's image field, read as its only text field; a record without it (or with a
 * non-string value) has none. Plain text has no fields.
 */
function readImageFields(
  locations: RecordLocation[],
  run: RecordsIndexReader['run'],
  imageField: string,
): Promise<Map<number, PoolRecord>> {
  const withFields = locations.filter((l) => l.file.format !== 'text');
  return readRecords(withFields, { ...run, onError: 'skip' }, [imageField]);
}

function toPage(ordinals: Uint32Array, kept: boolean): { ordinal: number; kept: boolean }[] {
  return Array.from(ordinals, (ordinal) => ({ ordinal, kept }));
}

/** Spans of the entry in each text, offset into the texts joined by '\n'. */
function spansIn(texts: string[], entry: string, padding: Padding): [number, number][] {
  const spans: [number, number][] = [];
  let base = 0;
  for (const text of texts) {
    for (const [s, e] of entrySpans(text, entry, padding)) spans.push([base + s, base + e]);
    base += text.length + 1;
  }
  return spans;
}

/**
 * The page's records read back from their pool files: a line-file record (JSONL, plain text) by
 * its byte offset; other formats by reading the file up to the last record asked for. `fields`
 * replaces each file's text fields (to read another field as the text).
 */
async function readRecords(
  locations: RecordLocation[],
  run: RecordsIndexReader['run'],
  fields?: string[],
): Promise<Map<number, PoolRecord>> {
  const found = new Map<number, PoolRecord>();
  const byFile = new Map<string, RecordLocation[]>();
  for (const l of locations) byFile.set(l.file.path, [...(byFile.get(l.file.path) ?? []), l]);
  for (const [path, wanted] of byFile) {
    const { format, keyPrefix, textFields } = wanted[0].file;
    const task = { id: 0, file: path, format, keyPrefix, bytes: 0 };
    const fileRun = { ...run, textFields: fields ?? textFields };
    if (isSplittable(format) && wanted.every((l) => l.position >= 0)) {
      // One small read per record, all at once: the page costs about one read's latency.
      const readOne = async (l: RecordLocation): Promise<void> => {
        const opts = {
          ...readOptions(
            { ...task, byteRange: { start: l.position, end: l.position + 1 } },
            fileRun,
            l.indexInFile,
            false,
          ),
          firstLine: l.line > 0 ? l.line : 1,
          chunkBytes: RECORD_CHUNK_BYTES,
        };
        for await (const item of readPool(path, format, opts)) {
          if (item.kind === 'record') found.set(l.ordinal, item);
          break;
        }
      };
      await Promise.all(wanted.map(readOne));
      continue;
    }
    const byIndex = new Map(wanted.map((l) => [l.indexInFile, l.ordinal]));
    let left = byIndex.size;
    for await (const item of readPool(path, format, readOptions(task, fileRun, 0, false))) {
      if (item.kind !== 'record') continue;
      const ordinal = byIndex.get(item.index);
      if (ordinal === undefined) continue;
      found.set(ordinal, item);
      if (--left === 0) break;
    }
  }
  return found;
}
