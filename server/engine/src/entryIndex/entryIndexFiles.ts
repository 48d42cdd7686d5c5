/**
 * The entry browser's two files in a curation folder, written with the curation (or built on
 * first use) and read by seeking, never loaded whole:
 *
 * `entries.idx` — the inverted index, entry → records, in CSR layout:
 *   header (32 bytes): "MCENTRY1", u32 entries E, u32 records R, f64 postings N, 8 reserved;
 *   f64 offsets[E + 1]: entry e's postings are postings[offsets[e], offsets[e + 1]);
 *   u32 keptCounts[E]: of those, the first keptCounts[e] are the records the curation kept;
 *   u32 postings[N]: record ordinals (the order of matches.bin), each entry's kept ones ascending,
 *   then its dropped ones ascending.
 *
 * `records.idx` — where each record is, for reading it back:
 *   header (32 bytes): "MCRECRD1", u32 records R, u32 JSON bytes J, 16 reserved;
 *   JSON (J bytes, space-padded to a multiple of 8): the pool files and the read settings;
 *   f64 positions[R]: the record's first byte in its file (-1 where the format has no offsets);
 *   f64 matchWords[R]: where its matched ids start in matches.bin's stream (u32 words);
 *   u32 lines[R]: its 1-based line (0: not a line format); u32 indexes[R]: its index in its file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../errors';
import { openAtomicOutput } from '../fsAtomic';
import type { PoolFormat } from '../pool/types';
import type { RunSettings } from '../curateTasks';

export const ENTRIES_INDEX_FILE = 'entries.idx';
export const RECORDS_INDEX_FILE = 'records.idx';
const ENTRIES_MAGIC = 'MCENTRY1';
const RECORDS_MAGIC = 'MCRECRD1';
const HEADER_BYTES = 32;

/** A pool file as records.idx names it; its records are ordinals [firstRecord, next file's). */
export interface IndexedPoolFile {
  path: string;
  format: PoolFormat;
  keyPrefix?: string;
  /** The caption fields its reader takes (the run's, with the format's default made explicit). */
  textFields: string[];
  firstRecord: number;
}

export interface RecordsTable {
  files: IndexedPoolFile[];
  run: RunSettings;
  positions: Float64Array;
  matchWords: Float64Array;
  lines: Uint32Array;
  indexes: Uint32Array;
}

export interface EntryPostings {
  offsets: Float64Array;
  keptCounts: Uint32Array;
  postings: Uint32Array;
  records: number;
}

function header(magic: string, a: number, b: number, c = 0): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write(magic, 0, 'latin1');
  h.writeUInt32LE(a, 8);
  h.writeUInt32LE(b, 12);
  h.writeDoubleLE(c, 16);
  return h;
}

const bytesOf = (a: Float64Array | Uint32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function writeParts(path: string, parts: Uint8Array[]): Promise<void> {
  const out = await openAtomicOutput(path);
  try {
    for (const part of parts) await out.write(part);
  } catch (err) {
    await out.abort();
    throw err;
  }
  await out.commit();
}

export async function writeEntriesIndex(path: string, index: EntryPostings): Promise<void> {
  const entries = index.keptCounts.length;
  await writeParts(path, [
    header(ENTRIES_MAGIC, entries, index.records, index.postings.length),
    bytesOf(index.offsets),
    bytesOf(index.keptCounts),
    bytesOf(index.postings),
  ]);
}

export async function writeRecordsIndex(path: string, table: RecordsTable): Promise<void> {
  let json = JSON.stringify({ files: table.files, run: table.run });
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const jsonBytes = Buffer.from(json, 'utf8');
  await writeParts(path, [
    header(RECORDS_MAGIC, table.positions.length, jsonBytes.length),
    jsonBytes,
    bytesOf(table.positions),
    bytesOf(table.matchWords),
    bytesOf(table.lines),
    bytesOf(table.indexes),
  ]);
}

/** Reads little-endian numbers at absolute positions of an open file. */
class Seeker {
  constructor(
    readonly handle: FileHandle,
    readonly path: string,
  ) {}

  async bytes(position: number, length: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, position);
    if (bytesRead < length)
      throw new InputError(this.path, { byteOffset: position }, 'unreadable', 'the index file is truncated');
    return buffer;
  }

  async u32s(position: number, count: number): Promise<Uint32Array> {
    if (count <= 0) return new Uint32Array(0);
    const b = await this.bytes(position, count * 4);
    return new Uint32Array(b.buffer, b.byteOffset, count);
  }

  async u32(position: number): Promise<number> {
    return (await this.bytes(position, 4)).readUInt32LE(0);
  }

  async f64(position: number): Promise<number> {
    return (await this.bytes(position, 8)).readDoubleLE(0);
  }
}

async function openChecked(path: string, magic: string): Promise<{ seeker: Seeker; head: Buffer }> {
  const handle = await open(path, 'r');
  const seeker = new Seeker(handle, path);
  try {
    const head = await seeker.bytes(0, HEADER_BYTES);
    if (head.toString('latin1', 0, 8) !== magic)
      throw new InputError(path, { byteOffset: 0 }, 'unreadable', `not an index file (no ${magic} header)`);
    return { seeker, head };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** entries.idx, open: an entry's postings are read by position, a page at a time. */
export class EntriesIndexReader {
  private constructor(
    private readonly seeker: Seeker,
    readonly entries: number,
    readonly records: number,
  ) {}

  static async open(path: string): Promise<EntriesIndexReader> {
    const { seeker, head } = await openChecked(path, ENTRIES_MAGIC);
    return new EntriesIndexReader(seeker, head.readUInt32LE(8), head.readUInt32LE(12));
  }

  private get keptCountsAt(): number {
    return HEADER_BYTES + 8 * (this.entries + 1);
  }

  private get postingsAt(): number {
    return this.keptCountsAt + 4 * this.entries;
  }

  /** Where entry e's postings start (in postings), how many it has, how many of them were kept. */
  async entry(e: number): Promise<{ start: number; total: number; kept: number }> {
    const bounds = await this.seeker.bytes(HEADER_BYTES + 8 * e, 16);
    const start = bounds.readDoubleLE(0);
    const kept = await this.seeker.u32(this.keptCountsAt + 4 * e);
    return { start, total: bounds.readDoubleLE(8) - start, kept };
  }

  /** postings[from, from + count) (ordinals). */
  postings(from: number, count: number): Promise<Uint32Array> {
    return this.seeker.u32s(this.postingsAt + 4 * from, count);
  }

  posting(at: number): Promise<number> {
    return this.seeker.u32(this.postingsAt + 4 * at);
  }

  close(): Promise<void> {
    return this.seeker.handle.close();
  }
}

/** Where one record is: its file, position, line, index in the file and matched ids' offset. */
export interface RecordLocation {
  ordinal: number;
  file: IndexedPoolFile;
  position: number;
  matchWord: number;
  line: number;
  indexInFile: number;
}

/** records.idx, open: a record's location is four reads. */
export class RecordsIndexReader {
  private constructor(
    private readonly seeker: Seeker,
    readonly records: number,
    readonly files: IndexedPoolFile[],
    readonly run: RunSettings,
    private readonly arraysAt: number,
  ) {}

  static async open(path: string): Promise<RecordsIndexReader> {
    const { seeker, head } = await openChecked(path, RECORDS_MAGIC);
    const records = head.readUInt32LE(8);
    const jsonBytes = head.readUInt32LE(12);
    try {
      const meta = JSON.parse((await seeker.bytes(HEADER_BYTES, jsonBytes)).toString('utf8')) as {
        files: IndexedPoolFile[];
        run: RunSettings;
      };
      return new RecordsIndexReader(seeker, records, meta.files, meta.run, HEADER_BYTES + jsonBytes);
    } catch (err) {
      await seeker.handle.close();
      throw err;
    }
  }

  async location(ordinal: number): Promise<RecordLocation> {
    const r = this.records;
    const at = this.arraysAt;
    const [position, matchWord, line, indexInFile] = await Promise.all([
      this.seeker.f64(at + 8 * ordinal),
      this.seeker.f64(at + 8 * r + 8 * ordinal),
      this.seeker.u32(at + 16 * r + 4 * ordinal),
      this.seeker.u32(at + 20 * r + 4 * ordinal),
    ]);
    return { ordinal, file: this.fileOf(ordinal), position, matchWord, line, indexInFile };
  }

  /** The file holding a record ordinal: the last whose firstRecord is at most it. */
  fileOf(ordinal: number): IndexedPoolFile {
    let lo = 0;
    let hi = this.files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.files[mid].firstRecord <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    return this.files[lo];
  }

  close(): Promise<void> {
    return this.seeker.handle.close();
  }
}
