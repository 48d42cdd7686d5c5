/**
 * The tar reader's byte source in worker threads (the curation passes): synchronous positioned
 * reads that start small and double while the reader reads on, and start small again after a
 * skip. A shard read for its headers and captions then reads little more than those: image
 * contents are skipped without being read. Synchronous because a read of a few KiB through
 * Node's thread pool costs more than the read itself; only off the main thread, where a
 * blocking read stalls nothing else.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SourceError, type ByteSource } from './bytes';

/** First read after a skip: a header, a caption and the next header fit. */
const FIRST_READ_BYTES = 4 * 1024;
const MAX_READ_BYTES = 4 * 1024 * 1024;

export class PositionedFileSource implements ByteSource {
  private readBytes = FIRST_READ_BYTES;
  /** The file's size when last looked at: a skip inside it needs no look. */
  private knownSize: number;

  private constructor(
    private readonly fd: number,
    private position: number,
  ) {
    this.knownSize = this.sizeNow();
  }

  static async open(file: string, position = 0): Promise<PositionedFileSource> {
    const fd = openSync(file, 'r');
    try {
      return new PositionedFileSource(fd, position);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    let bytesRead: number;
    try {
      bytesRead = readSync(this.fd, target, offset, Math.min(length, this.readBytes), this.position);
    } catch (err) {
      throw new SourceError('unreadable', `read failed: ${(err as Error).message}`);
    }
    this.position += bytesRead;
    this.readBytes = Math.min(this.readBytes * 2, MAX_READ_BYTES);
    return bytesRead;
  }

  async skip(length: number): Promise<number> {
    if (this.position + length > this.knownSize) this.knownSize = this.sizeNow();
    const moved = Math.max(0, Math.min(length, this.knownSize - this.position));
    this.position += moved;
    this.readBytes = FIRST_READ_BYTES;
    return moved;
  }

  /** The file's size now. */
  async size(): Promise<number> {
    this.knownSize = this.sizeNow();
    return this.knownSize;
  }

  private sizeNow(): number {
    try {
      return fstatSync(this.fd).size;
    } catch (err) {
      throw new SourceError('unreadable', `stat failed: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    closeSync(this.fd);
  }
}
