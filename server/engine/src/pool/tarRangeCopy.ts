/**
 * Copies tar members out of their source archives at the speed of a file copy: members that lie
 * back to back in one source (a run of consecutive kept samples) are read with one positioned
 * read into a reused buffer and written at once. The source's header blocks are replaced by the
 * writer's own and the padding is zeroed in that buffer, so the bytes are exactly those
 * TarWriter.addFile writes member by member; a member that does not fit (its header is not one
 * block either side, or it is larger than the buffer) is streamed by addFileFrom instead.
 */
import { promises as fsp } from 'node:fs';
import { InputError, printable } from '../errors';
import { openOrReport } from './common';
import { memberHeaders, paddingOf, readMemberData, TAR_BLOCK_BYTES, type TarWriter } from './tar';

/** Bytes read and written per range: large enough that a call's cost vanishes. */
export const RANGE_COPY_BYTES = 8 * 1024 * 1024;

/** A member of a source archive: its contents are `size` bytes at `dataOffset` of the file. */
export interface SourceMember {
  name: string;
  size: number;
  dataOffset: number;
}

interface PendingRange {
  file: string;
  /** Byte range of the source, from the first member's header to the last one's padding. */
  start: number;
  end: number;
  /** Each member's header as the writer writes it, and its size. */
  members: { name: string; size: number; header: Buffer }[];
}

export class TarRangeCopier {
  private pending: PendingRange | undefined;
  private buffer: Buffer | undefined;
  private source: { file: string; handle: fsp.FileHandle } | undefined;

  constructor(
    private readonly tar: TarWriter,
    private readonly rangeBytes = RANGE_COPY_BYTES,
  ) {}

  /** Adds a member of `file`; it is written by `flush` at the latest. */
  async add(file: string, member: SourceMember): Promise<void> {
    const { name, size, dataOffset } = member;
    const header = memberHeaders(name, size);
    const extent = TAR_BLOCK_BYTES + size + paddingOf(size);
    // The source's own header is the block before the contents (pax or long-name blocks before
    // it are not part of the range); the writer's must be one block too, to take its place.
    const headerOffset = dataOffset - TAR_BLOCK_BYTES;
    if (header.length !== TAR_BLOCK_BYTES || extent > this.rangeBytes || headerOffset < 0) {
      await this.flush();
      await this.tar.addFileFrom(name, size, readMemberData(file, name, dataOffset, size));
      return;
    }
    const run = this.pending;
    if (
      run !== undefined &&
      (run.file !== file || run.end !== headerOffset || run.end + extent - run.start > this.rangeBytes)
    ) {
      await this.flush();
    }
    this.pending ??= { file, start: headerOffset, end: headerOffset, members: [] };
    this.pending.members.push({ name, size, header });
    this.pending.end = headerOffset + extent;
  }

  /** Writes the members added so far. */
  async flush(): Promise<void> {
    const run = this.pending;
    if (run === undefined) return;
    this.pending = undefined;
    const length = run.end - run.start;
    this.buffer ??= Buffer.allocUnsafe(this.rangeBytes);
    const bytes = this.buffer.subarray(0, length);
    await this.readRange(run, bytes);
    let at = 0;
    for (const { header, size } of run.members) {
      bytes.set(header, at);
      at += TAR_BLOCK_BYTES + size;
      const padding = paddingOf(size);
      bytes.fill(0, at, at + padding);
      at += padding;
    }
    await this.tar.addLaidOutMembers(bytes, run.members.length);
  }

  /** Flushes, then closes the source file. */
  async finish(): Promise<void> {
    await this.flush();
    await this.close();
  }

  /** Closes the source file without writing what is pending (the output is being abandoned). */
  async close(): Promise<void> {
    this.pending = undefined;
    await this.closeSource();
  }

  private async closeSource(): Promise<void> {
    const source = this.source;
    this.source = undefined;
    await source?.handle.close();
  }

  private async readRange(run: PendingRange, into: Buffer): Promise<void> {
    const handle = await this.handleOf(run.file);
    const first = run.members[0].name;
    let got = 0;
    while (got < into.length) {
      let n: number;
      try {
        ({ bytesRead: n } = await handle.read(into, got, into.length - got, run.start + got));
      } catch (err) {
        throw new InputError(
          run.file,
          { member: first, byteOffset: run.start },
          'unreadable',
          `read failed: ${(err as Error).message}`,
        );
      }
      if (n === 0) {
        throw new InputError(
          run.file,
          { member: first, byteOffset: run.start },
          'unreadable',
          `the file changed since it was read: it ends at byte ${run.start + got}, inside the members from '${printable(first)}' on, which need bytes ${run.start} to ${run.end}`,
        );
      }
      got += n;
    }
  }

  private async handleOf(file: string): Promise<fsp.FileHandle> {
    if (this.source?.file === file) return this.source.handle;
    await this.closeSource();
    const handle = await openOrReport(file, () => fsp.open(file, 'r'));
    this.source = { file, handle };
    return handle;
  }
}
