/**
 * Streaming byte input for the line-oriented readers (JSONL, text, CSV/TSV) and the tar reader:
 * one large reusable Buffer filled by fs reads (or by a gunzip stream), so the hot path finds
 * newlines with Buffer.indexOf and decodes in place instead of allocating per line.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream';
import type { InputErrorReason } from '../errors';

/** 4 MiB: large enough that the per-read overhead vanishes, small enough for many workers. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/** A failure of the byte source itself (bad gzip data, I/O error); readers add the location. */
export class SourceError extends Error {
  constructor(
    readonly reason: InputErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

export interface ByteSource {
  /** Reads up to `length` bytes into `target` at `offset`; resolves 0 at the end of the data. */
  read(target: Buffer, offset: number, length: number): Promise<number>;
  /**
   * Sources that can seek: moves past up to `length` bytes without reading them; resolves how
   * many there were (fewer at the end of the data).
   */
  skip?(length: number): Promise<number>;
  close(): Promise<void>;
}

/** Reads a file from a position onwards with positioned fs reads. */
export class FileSource implements ByteSource {
  private constructor(
    private readonly handle: fsp.FileHandle,
    private position: number,
  ) {}

  static async open(file: string, position = 0): Promise<FileSource> {
    return new FileSource(await fsp.open(file, 'r'), position);
  }

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    let bytesRead: number;
    try {
      ({ bytesRead } = await this.handle.read(target, offset, length, this.position));
    } catch (err) {
      throw new SourceError('unreadable', `read failed: ${(err as Error).message}`);
    }
    this.position += bytesRead;
    return bytesRead;
  }

  async skip(length: number): Promise<number> {
    const moved = Math.max(0, Math.min(length, (await this.size()) - this.position));
    this.position += moved;
    return moved;
  }

  /** The file's size now. */
  async size(): Promise<number> {
    try {
      return (await this.handle.stat()).size;
    } catch (err) {
      throw new SourceError('unreadable', `stat failed: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Decompresses a gzip file (multi-member too) as a stream; corrupt or cut data → 'bad-gzip'. */
export class GunzipSource implements ByteSource {
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly destroy: () => void;
  private pending: Buffer | undefined;
  private pendingPos = 0;

  constructor(file: string) {
    const gunzip = createGunzip();
    const input = createReadStream(file, { highWaterMark: 1024 * 1024 });
    // pipeline forwards a read error of the file into the gunzip stream, where the iterator sees it.
    pipeline(input, gunzip, () => undefined);
    this.chunks = gunzip[Symbol.asyncIterator]();
    this.destroy = () => {
      input.destroy();
      gunzip.destroy();
    };
  }

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    while (!this.pending || this.pendingPos >= this.pending.length) {
      let next: IteratorResult<Buffer>;
      try {
        next = await this.chunks.next();
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code?.startsWith('Z_') || e.code === 'ERR_ZLIB_INITIALIZATION_FAILED') {
          throw new SourceError('bad-gzip', `bad gzip data: ${e.message}`);
        }
        throw new SourceError('unreadable', `read failed: ${e.message}`);
      }
      if (next.done) return 0;
      this.pending = next.value;
      this.pendingPos = 0;
    }
    const n = Math.min(length, this.pending.length - this.pendingPos);
    this.pending.copy(target, offset, this.pendingPos, this.pendingPos + n);
    this.pendingPos += n;
    return n;
  }

  async close(): Promise<void> {
    this.destroy();
  }
}

/**
 * A sliding window over a ByteSource. Bytes [pos, end) of `buf` are read but not consumed;
 * `view` is `buf` cut at `end`, so indexOf never finds stale bytes past the data.
 */
export class ChunkReader {
  buf: Buffer;
  view: Buffer;
  pos = 0;
  end = 0;
  /** Offset in the source of buf[0]. */
  base: number;
  eof = false;
  /** Length of the UTF-8 byte-order mark skipped at the start of the source (skipBom): 0 or 3. */
  bomLength = 0;

  constructor(
    private readonly source: ByteSource,
    startOffset = 0,
    chunkBytes = CHUNK_BYTES,
  ) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
    this.view = this.buf.subarray(0, 0);
    this.base = startOffset;
  }

  /** Offset in the source of the next unconsumed byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /**
   * Reads more data after the unconsumed bytes, moving them to the front first and growing the
   * buffer when they fill it (a line longer than the buffer). False at the end of the source.
   */
  async fill(): Promise<boolean> {
    if (this.eof) return false;
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    if (this.end === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const n = await this.source.read(this.buf, this.end, this.buf.length - this.end);
    if (n === 0) {
      this.eof = true;
      this.view = this.buf.subarray(0, this.end);
      return false;
    }
    this.end += n;
    this.view = this.buf.subarray(0, this.end);
    return true;
  }

  /** Makes at least `n` unconsumed bytes available; false if the source ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.end - this.pos < n) {
      if (!(await this.fill())) return false;
    }
    return true;
  }

  /**
   * Consumes `n` bytes into a fresh Buffer (tar member data): the buffered part is copied and
   * the rest read straight from the source, so a large member is never held twice. Returns
   * the bytes actually available (shorter than `n` when the source ends).
   */
  async take(n: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(n);
    const buffered = Math.min(n, this.end - this.pos);
    this.buf.copy(out, 0, this.pos, this.pos + buffered);
    this.pos += buffered;
    if (buffered === n) return out;
    // The window is used up: read the rest straight into `out`, then restart the window after it.
    let got = buffered;
    let direct = 0;
    while (got < n && !this.eof) {
      const r = await this.source.read(out, got, n - got);
      if (r === 0) this.eof = true;
      got += r;
      direct += r;
    }
    this.base += this.end + direct;
    this.pos = 0;
    this.end = 0;
    this.view = this.buf.subarray(0, 0);
    return got === n ? out : out.subarray(0, got);
  }

  /** Consumes `n` bytes without keeping them; returns how many there were. */
  async skip(n: number): Promise<number> {
    let skipped = Math.min(n, this.end - this.pos);
    this.pos += skipped;
    if (skipped < n && this.source.skip) {
      // The window is used up: a seekable source moves past the rest unread (a tar member of
      // gigabytes costs one call), and the window restarts after it.
      const moved = await this.source.skip(n - skipped);
      this.base += this.end + moved;
      this.pos = 0;
      this.end = 0;
      this.view = this.buf.subarray(0, 0);
      skipped += moved;
    }
    while (skipped < n) {
      if (this.pos === this.end && !(await this.fill())) break;
      const k = Math.min(n - skipped, this.end - this.pos);
      this.pos += k;
      skipped += k;
    }
    return skipped;
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Consumes a UTF-8 byte-order mark at the start of a file, which would break the first record;
 * `bomLength` tells the readers that copy lines out byte for byte that it was there.
 */
export async function skipBom(reader: ChunkReader): Promise<void> {
  if (reader.offset !== 0) return;
  await reader.ensure(3);
  const b = reader.buf;
  const p = reader.pos;
  if (reader.end - p >= 3 && b[p] === UTF8_BOM[0] && b[p + 1] === UTF8_BOM[1] && b[p + 2] === UTF8_BOM[2]) {
    reader.pos += 3;
    reader.bomLength = 3;
  }
}
