/**
 * Output files written atomically, through fsAtomic's openAtomicOutput: bytes go to a temporary
 * name beside the output (`<out>.tmp-<pid>-<rand>`, so the rename cannot cross file systems and a
 * resume knows them), synced, and the file appears under its name only when complete. Only a
 * regular file (or none) is ever replaced. Small writes are gathered into 1 MiB chunks; gzip
 * output streams through zlib.
 */
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { asEnvironmentError, EnvironmentError } from '../errors';
import { openAtomicOutput, type AtomicOutput } from '../fsAtomic';

/** Where writers put bytes; the tar writer and the Parquet writer share it. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
}

const CHUNK_BYTES = 1024 * 1024;

/** Nothing but a regular file is replaced by a rename (a device or FIFO never is). */
async function assertReplaceable(path: string): Promise<void> {
  const stats = await fsp.lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw asEnvironmentError(err, path, 'look at');
  });
  if (stats !== undefined && !stats.isFile())
    throw new EnvironmentError(path, 'EEXIST', 'write', 'it is not a regular file, so it is not replaced');
}

export class AtomicFileSink implements ByteSink {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private closed = false;

  private constructor(
    readonly outPath: string,
    private readonly file: AtomicOutput,
    private readonly out: FileOutput,
  ) {}

  static async open(outPath: string, options: { gzip?: boolean } = {}): Promise<AtomicFileSink> {
    await assertReplaceable(outPath);
    const file = await openAtomicOutput(outPath);
    return new AtomicFileSink(outPath, file, options.gzip ? new GzipOutput(file) : new PlainOutput(file));
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error(`write after close: ${this.outPath}`);
    if (this.used + bytes.length > this.chunk.length) await this.flush();
    if (bytes.length >= this.chunk.length) {
      await this.out.write(bytes);
      return;
    }
    this.chunk.set(bytes, this.used);
    this.used += bytes.length;
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const full = this.chunk.subarray(0, this.used);
    // A gzip stream may hold the chunk after write() returns, so it gets a fresh one.
    if (this.out.keepsChunks) this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    await this.out.write(full);
  }

  /** Writes what is buffered, then syncs and renames the temporary file to its final name. */
  async commit(): Promise<void> {
    if (this.closed) throw new Error(`already closed: ${this.outPath}`);
    await this.flush();
    this.closed = true;
    try {
      await this.out.end();
      await assertReplaceable(this.outPath);
    } catch (err) {
      await this.file.abort();
      throw err;
    }
    await this.file.commit();
  }

  /** Closes and removes the temporary file; the final name is never touched. */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.out.destroy();
    }
    await this.file.abort();
  }
}

interface FileOutput {
  /** True when `write` may still use the bytes after it resolves. */
  readonly keepsChunks: boolean;
  write(bytes: Uint8Array): Promise<void>;
  /** Everything written has reached the file (which the sink then commits). */
  end(): Promise<void>;
  destroy(): Promise<void>;
}

class PlainOutput implements FileOutput {
  readonly keepsChunks = false;
  constructor(private readonly file: AtomicOutput) {}

  write(bytes: Uint8Array): Promise<void> {
    return this.file.write(bytes);
  }

  async end(): Promise<void> {}

  async destroy(): Promise<void> {}
}

/** zlib's gzip header has mtime 0 and no file name, so equal input gives equal bytes. */
class GzipOutput implements FileOutput {
  readonly keepsChunks = true;
  private readonly gzip: Gzip = createGzip();
  private readonly done: Promise<void>;

  constructor(file: AtomicOutput) {
    this.done = pipeline(this.gzip, async (compressed: AsyncIterable<Buffer>) => {
      for await (const bytes of compressed) await file.write(bytes);
    });
    // Keeps an early failure from being unhandled before end() awaits it.
    this.done.catch(() => undefined);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.gzip.write(bytes)) {
      // Race with the pipeline so a failed file write does not leave us waiting for 'drain'.
      await Promise.race([once(this.gzip, 'drain'), this.done]);
    }
  }

  async end(): Promise<void> {
    this.gzip.end();
    await this.done;
  }

  async destroy(): Promise<void> {
    this.gzip.destroy();
    await this.done.catch(() => undefined);
  }
}
