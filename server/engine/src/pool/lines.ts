/**
 * Line splitting for the line formats (JSONL, plain text) and byte-range planning, so a large
 * file can be read by several workers, each handling the lines that start in its range.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import {
  ChunkReader,
  FileSource,
  GunzipSource,
  SourceError,
  skipBom,
  UTF8_BOM,
  type ByteSource,
} from './bytes';
import { openOrReport, unreadable } from './common';
import { firstInvalidUtf8, invalidUtf8Detail, isValidUtf8 } from './utf8';
import { InputError } from '../errors';

const LF = 10;
const CR = 13;

/**
 * The complete lines found in one buffer fill. Positions index `buf`, which is reused by the next
 * fill: a consumer must copy what it keeps before asking for the next batch.
 */
export interface LineBatch {
  buf: Buffer;
  /** Offset in the file (or decompressed stream) of buf[0]. */
  base: number;
  /** Line starts in `buf`. */
  starts: number[];
  /** Line ends in `buf`, excluding the '\n' and a '\r' before it. */
  ends: number[];
  /** Where each line's bytes end with its line end included (none on a last line without one). */
  rawEnds: number[];
}

/**
 * Yields the lines whose first byte lies before `endOffset`, starting at the reader's position
 * (a line start). The last line of a file needs no newline; a final newline adds no empty line.
 */
export async function* lineBatches(reader: ChunkReader, endOffset = Infinity): AsyncGenerator<LineBatch> {
  let scanFrom = reader.pos;
  for (;;) {
    const view = reader.view;
    const base = reader.base;
    const starts: number[] = [];
    const ends: number[] = [];
    const rawEnds: number[] = [];
    let lineStart = reader.pos;
    let reachedEnd = false;
    for (;;) {
      if (base + lineStart >= endOffset) {
        reachedEnd = true;
        break;
      }
      const nl = view.indexOf(LF, scanFrom);
      if (nl === -1) break;
      starts.push(lineStart);
      ends.push(nl > lineStart && view[nl - 1] === CR ? nl - 1 : nl);
      rawEnds.push(nl + 1);
      lineStart = nl + 1;
      scanFrom = lineStart;
    }
    reader.pos = lineStart;
    if (starts.length > 0) yield { buf: reader.buf, base, starts, ends, rawEnds };
    if (reachedEnd) return;
    const partial = reader.end - reader.pos;
    if (!(await reader.fill())) {
      const p = reader.pos;
      const e = reader.end;
      if (p < e && reader.base + p < endOffset) {
        yield {
          buf: reader.buf,
          base: reader.base,
          starts: [p],
          ends: [e > p && reader.buf[e - 1] === CR ? e - 1 : e],
          rawEnds: [e],
        };
      }
      reader.pos = e;
      return;
    }
    // The partial line moved to the front of the buffer holds no newline: scan after it.
    scanFrom = reader.pos + partial;
  }
}

/**
 * Line i of a batch as it is in the file, its line end (LF or CR LF) included, and on the
 * file's first line the byte-order mark `openLineReader` skipped: what a writer copies out.
 */
export function rawLineBytes(batch: LineBatch, i: number, bomLength: number): Buffer {
  const line = batch.buf.subarray(batch.starts[i], batch.rawEnds[i]);
  const first = bomLength > 0 && batch.base + batch.starts[i] === bomLength;
  return first ? Buffer.concat([UTF8_BOM, line]) : Buffer.from(line);
}

/** True when every line of the batch is valid UTF-8: one native check for the whole batch. */
export function isValidUtf8Batch(batch: LineBatch): boolean {
  return isValidUtf8(batch.buf, batch.starts[0], batch.ends[batch.ends.length - 1]);
}

/**
 * Why line i of a batch is not valid UTF-8, or undefined when it is. `fileOffsets`: the batch's
 * offsets are file offsets (not offsets in decompressed data), so the message gives one.
 */
export function invalidUtf8Line(batch: LineBatch, i: number, fileOffsets: boolean): string | undefined {
  const { buf, starts, ends } = batch;
  const bad = firstInvalidUtf8(buf, starts[i], ends[i]);
  if (bad < 0) return undefined;
  const fileOffset = fileOffsets ? batch.base + starts[i] : undefined;
  return invalidUtf8Detail(buf, starts[i], ends[i], bad, 'line', fileOffset);
}

/** True when bytes [start, end) are only JSON whitespace: such a JSONL line is not a record. */
export function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== CR) return false;
  }
  return true;
}

/**
 * Opens a line reader on a file at a range start (or a gzip file from its beginning), with a
 * byte-order mark at offset 0 skipped. File-system failures become InputError 'unreadable'.
 */
export async function openLineReader(
  file: string,
  gzip: boolean,
  startOffset = 0,
  chunkBytes?: number,
): Promise<ChunkReader> {
  // The gunzip stream would report a missing file only on its first read, with a raw message.
  if (gzip) await openOrReport(file, () => fsp.access(file, fsConstants.R_OK));
  const source: ByteSource = gzip
    ? new GunzipSource(file)
    : await openOrReport(file, () => FileSource.open(file, startOffset));
  const reader = new ChunkReader(source, gzip ? 0 : startOffset, chunkBytes);
  try {
    await skipBom(reader);
  } catch (err) {
    await reader.close();
    throw sourceFailure(file, err, {});
  }
  return reader;
}

/** Turns a SourceError (bad gzip, I/O) into the InputError users see, at the given location. */
export function sourceFailure(
  file: string,
  err: unknown,
  location: { line?: number; record?: number },
): Error {
  if (err instanceof SourceError) return new InputError(file, location, err.reason, err.message);
  if (err instanceof InputError) return err;
  return unreadable(file, err, location);
}

/** A byte range of a line file: exactly the lines whose first byte lies in [start, end). */
export interface ByteRange {
  start: number;
  end: number;
}

/** Bytes read around each planned boundary while looking for the next line start. */
const BOUNDARY_WINDOW = 64 * 1024;

/**
 * Splits a line file (jsonl, text) into consecutive ranges of about `targetBytes`, each starting
 * at a line start; together they cover the whole file. Reads only small windows at the
 * boundaries. An empty file gives one empty range, so callers always have a range to process.
 */
export async function planByteRanges(file: string, targetBytes: number): Promise<ByteRange[]> {
  const handle = await openOrReport(file, () => fsp.open(file, 'r'));
  try {
    const size = (await handle.stat()).size;
    if (size === 0) return [{ start: 0, end: 0 }];
    const step = Math.max(1, Math.floor(targetBytes));
    const starts = [0];
    const window = Buffer.allocUnsafe(BOUNDARY_WINDOW);
    for (;;) {
      const candidate = starts[starts.length - 1] + step;
      if (candidate >= size) break;
      const lineStart = await nextLineStart(handle, candidate, size, window);
      if (lineStart >= size) break;
      starts.push(lineStart);
    }
    return starts.map((start, i) => ({ start, end: i + 1 < starts.length ? starts[i + 1] : size }));
  } catch (err) {
    throw unreadable(file, err);
  } finally {
    await handle.close();
  }
}

/** The first line start at or after `offset` (> 0): right after the first '\n' at or after offset-1. */
async function nextLineStart(
  handle: fsp.FileHandle,
  offset: number,
  size: number,
  window: Buffer,
): Promise<number> {
  let at = offset - 1;
  while (at < size) {
    const { bytesRead } = await handle.read(window, 0, window.length, at);
    if (bytesRead === 0) break;
    const nl = window.subarray(0, bytesRead).indexOf(LF);
    if (nl !== -1) return at + nl + 1;
    at += bytesRead;
  }
  return size;
}

/** How many records and lines a range of a line file holds (the count pass before a split read). */
export interface LineCounts {
  /** Records: non-blank lines for JSONL, every line for plain text. */
  records: number;
  lines: number;
}

/**
 * Counts the records and lines of a jsonl or text file, or of a byte range of it, without
 * parsing: the pass that gives each range its firstRecordIndex and first line number.
 */
export async function countLineRecords(
  file: string,
  blankLinesAreRecords: boolean,
  range?: ByteRange,
  gzip = false,
): Promise<LineCounts> {
  const reader = await openLineReader(file, gzip, range?.start ?? 0);
  let records = 0;
  let lines = 0;
  try {
    for await (const batch of lineBatches(reader, range?.end ?? Infinity)) {
      const { buf, starts, ends } = batch;
      lines += starts.length;
      if (blankLinesAreRecords) {
        records += starts.length;
      } else {
        for (let i = 0; i < starts.length; i++) if (!isBlank(buf, starts[i], ends[i])) records++;
      }
    }
  } catch (err) {
    throw sourceFailure(file, err, { line: lines + 1 });
  } finally {
    await reader.close();
  }
  return { records, lines };
}
