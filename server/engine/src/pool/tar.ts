/**
 * Streaming tar reading and deterministic tar writing (ustar, with pax and GNU long names read).
 * The reader checks every header before it trusts it (checksum, sizes that are numbers and lie
 * inside the file, well-formed pax records) and holds at most the members it is asked for;
 * large ones are skipped over and copied later by byte range. The writer's headers carry no
 * time, owner or permissions of the machine, so the same members always give the same bytes.
 */
import { isMainThread } from 'node:worker_threads';
import { CONTROL_CHARACTER, InputError, printable } from '../errors';
import { ChunkReader, FileSource, SourceError } from './bytes';
import { openOrReport } from './common';
import type { ByteSink } from './sink';
import { PositionedFileSource } from './tarSource';

/** Tar's unit: headers are one block, contents are padded to whole blocks. */
export const TAR_BLOCK_BYTES = 512;
const BLOCK = TAR_BLOCK_BYTES;

/**
 * Pax extended headers and GNU long names hold a path and a few fields; one larger than this is
 * not a real archive, and reading it whole would let a header claim gigabytes of memory.
 */
const MAX_EXTENDED_HEADER_BYTES = 1024 * 1024;

/** File members the reader reads into memory by default; larger ones are skipped over. */
export const DEFAULT_TAR_DATA_BYTES = 16 * 1024 * 1024;

export interface TarEntry {
  /** Full path inside the archive (pax `path` and GNU long names applied). */
  name: string;
  type: 'file' | 'directory' | 'other';
  /** Size of the member's contents in bytes. */
  size: number;
  /** Offset of the member's header in the archive. */
  headerOffset: number;
  /** Offset of the member's contents in the archive (`readMemberData` copies them from there). */
  dataOffset: number;
  /** The contents of a file member that `TarReadOptions.reads` asked for; otherwise undefined. */
  data: Buffer | undefined;
}

export interface TarReadOptions {
  /**
   * Whether to read a file member's contents into `data`; the others are skipped over without
   * being read. Default: members of at most DEFAULT_TAR_DATA_BYTES.
   */
  reads?: (name: string, size: number) => boolean;
  /** Read with PositionedFileSource (small synchronous reads). Default: off the main thread. */
  positionedReads?: boolean;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** A NUL-terminated string field. */
function readString(block: Buffer, start: number, length: number): string {
  const nul = block.indexOf(0, start);
  const end = nul === -1 || nul > start + length ? start + length : nul;
  return block.toString('utf8', start, end);
}

/**
 * A numeric header field, or undefined when it is not a number. Octal ASCII digits, after
 * optional leading spaces and followed only by NULs or spaces (writers differ in both), or
 * base-256 as GNU tar writes large values: big-endian with the top bit of the first byte set
 * (a negative one, sign bit 0x40 also set, is never valid here). Values past 2^53 lose precision, which is harmless: they are
 * only compared with the size of the file.
 */
function readNumber(block: Buffer, start: number, length: number): number | undefined {
  const end = start + length;
  if ((block[start] & 0xc0) === 0x80) {
    let value = block[start] & 0x3f;
    for (let i = start + 1; i < end; i++) value = value * 256 + block[i];
    return value;
  }
  let i = start;
  while (i < end && block[i] === 32) i++;
  const digits = i;
  let value = 0;
  for (; i < end && block[i] >= 48 && block[i] <= 55; i++) value = value * 8 + (block[i] - 48);
  if (i === digits) return undefined;
  for (; i < end; i++) if (block[i] !== 0 && block[i] !== 32) return undefined;
  return value;
}

/** A header field's bytes as a message shows them: printable ASCII, the rest as \xNN. */
function fieldText(block: Buffer, start: number, length: number): string {
  let text = '';
  for (let i = start; i < start + length; i++) {
    const c = block[i];
    text += c >= 32 && c < 127 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return text;
}

function checksumMatches(block: Buffer): boolean {
  const stored = readNumber(block, 148, 8);
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 32 : block[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

const DECIMAL = /^[0-9]{1,20}$/;

/**
 * Pax extended header records, "<length> <key>=<value>\n", where the length counts the whole
 * record. The records must cover the data exactly; the first malformed one is returned as a
 * problem (a string) instead of the records.
 */
function parsePax(data: Buffer): Map<string, string> | string {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(32, pos);
    const lengthText = space === -1 ? '' : data.toString('latin1', pos, space);
    if (!DECIMAL.test(lengthText)) {
      return `pax record at byte ${pos} of the extended header does not start with a decimal length`;
    }
    const end = pos + Number(lengthText);
    if (end > data.length || end <= space + 1 || data[end - 1] !== 10) {
      return `pax record at byte ${pos} of the extended header claims ${lengthText} bytes, which do not end in a newline inside the header`;
    }
    const record = data.subarray(space + 1, end - 1);
    const eq = record.indexOf(61);
    if (eq <= 0) return `pax record at byte ${pos} of the extended header is not key=value`;
    records.set(record.toString('utf8', 0, eq), record.toString('utf8', eq + 1));
    pos = end;
  }
  return records;
}

/**
 * Yields the members of a tar file in order, reading file contents only as `options.reads`
 * asks. A header that is not a tar header (bad checksum, a size that is not a number, a
 * malformed pax record, an extended header over 1 MiB) is an InputError 'bad-tar'; a member or
 * header that runs past the end of the file is 'truncated-tar'; both name the file, the member
 * and the byte offset of its header. After either, the members that follow cannot be found.
 * An archive may end with the two zero blocks or, as many writers leave it, right after a member.
 */
export async function* readTar(file: string, options: TarReadOptions = {}): AsyncGenerator<TarEntry> {
  const reads = options.reads ?? ((_name: string, size: number) => size <= DEFAULT_TAR_DATA_BYTES);
  const positioned = options.positionedReads ?? !isMainThread;
  const source = await openOrReport<FileSource | PositionedFileSource>(file, () =>
    positioned ? PositionedFileSource.open(file) : FileSource.open(file),
  );
  const reader = new ChunkReader(source, 0);
  const fail = (member: string | undefined, headerOffset: number, detail: string): InputError =>
    new InputError(
      file,
      member === undefined ? { byteOffset: headerOffset } : { member, byteOffset: headerOffset },
      detail.startsWith('truncated') ? 'truncated-tar' : 'bad-tar',
      detail,
    );
  let previous: string | undefined;
  let pax = new Map<string, string>();
  let longName: string | undefined;
  try {
    const fileSize = await source.size();
    for (;;) {
      const headerOffset = reader.offset;
      if (!(await reader.ensure(BLOCK))) {
        const left = reader.end - reader.pos;
        if (left === 0 && pax.size === 0 && longName === undefined) return;
        const after =
          previous === undefined ? 'at the start of the archive' : `after member '${printable(previous)}'`;
        throw fail(
          previous,
          headerOffset,
          `truncated: the file ends inside a header ${after} (${left} of ${BLOCK} bytes)`,
        );
      }
      const header = reader.buf.subarray(reader.pos, reader.pos + BLOCK);
      if (isZeroBlock(header)) return;
      if (!checksumMatches(header)) {
        const where =
          previous === undefined
            ? 'not a tar file'
            : `not a tar header after member '${printable(previous)}'`;
        throw fail(previous, headerOffset, `${where} (bad header checksum at byte ${headerOffset})`);
      }
      const typeflag = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
      const posix = header.toString('latin1', 257, 263) === 'ustar\0';
      const prefix = posix ? readString(header, 345, 155) : '';
      const shortName = readString(header, 0, 100);
      const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${shortName}` : shortName);
      const shown = printable(name);
      const paxSize = pax.get('size');
      let size: number | undefined;
      if (paxSize !== undefined) {
        size = DECIMAL.test(paxSize) ? Number(paxSize) : undefined;
        if (size === undefined) {
          throw fail(
            name,
            headerOffset,
            `bad tar header of member '${shown}': pax size '${printable(paxSize)}' is not a decimal number of bytes`,
          );
        }
      } else {
        size = readNumber(header, 124, 12);
        if (size === undefined) {
          throw fail(
            name,
            headerOffset,
            `bad tar header of member '${shown}': size field '${fieldText(header, 124, 12)}' is not an octal or base-256 number`,
          );
        }
      }
      reader.pos += BLOCK;
      const dataOffset = reader.offset;
      // Checked before any byte is read, so a size no file could hold costs nothing.
      const left = Math.max(0, fileSize - dataOffset);
      if (size > left) {
        throw fail(
          name,
          headerOffset,
          `truncated: member '${shown}' needs ${size} bytes, the file ends after ${left}`,
        );
      }
      const extended = typeflag === 'x' || typeflag === 'L';
      if (extended && size > MAX_EXTENDED_HEADER_BYTES) {
        throw fail(
          name,
          headerOffset,
          `bad tar header of member '${shown}': an extended header of ${size} bytes (at most ${MAX_EXTENDED_HEADER_BYTES} are read)`,
        );
      }
      const isFile = typeflag === '0' || typeflag === '7';
      let data: Buffer | undefined;
      if (extended || (isFile && reads(name, size))) {
        data = await reader.take(size);
        if (data.length < size) {
          throw fail(
            name,
            headerOffset,
            `truncated: member '${shown}' needs ${size} bytes, the file ends after ${data.length}`,
          );
        }
      } else {
        const skipped = await reader.skip(size);
        if (skipped < size) {
          throw fail(
            name,
            headerOffset,
            `truncated: member '${shown}' needs ${size} bytes, the file ends after ${skipped}`,
          );
        }
      }
      const padding = paddingOf(size);
      if ((await reader.skip(padding)) < padding) {
        throw fail(name, headerOffset, `truncated: the file ends inside the padding of member '${shown}'`);
      }

      if (typeflag === 'x') {
        const records = parsePax(data as Buffer);
        if (typeof records === 'string') {
          throw fail(name, headerOffset, `bad tar header of member '${shown}': ${records}`);
        }
        for (const [key, value] of records) pax.set(key, value);
        continue;
      }
      if (typeflag === 'L') {
        longName = readString(data as Buffer, 0, size);
        continue;
      }
      // Global pax headers and GNU long link names do not change what members hold.
      if (typeflag === 'g' || typeflag === 'K') continue;
      pax = new Map();
      longName = undefined;
      previous = name;
      const type = isFile ? 'file' : typeflag === '5' ? 'directory' : 'other';
      yield { name, type, size, headerOffset, dataOffset, data };
    }
  } catch (err) {
    if (err instanceof SourceError)
      throw new InputError(file, previous ? { member: previous } : {}, err.reason, err.message);
    throw err;
  } finally {
    await reader.close();
  }
}

/** Bytes per read when a member is copied from its archive. */
const COPY_CHUNK_BYTES = 1024 * 1024;

/**
 * The contents of a member, `size` bytes at `dataOffset` of `file`, in chunks: how a member too
 * large to hold is copied into another archive. A file that no longer holds them is 'unreadable'.
 */
export async function* readMemberData(
  file: string,
  member: string,
  dataOffset: number,
  size: number,
): AsyncGenerator<Buffer> {
  const source = await openOrReport(file, () => FileSource.open(file, dataOffset));
  try {
    let left = size;
    while (left > 0) {
      // A fresh buffer per chunk: a sink may keep what it was given.
      const chunk = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, left));
      const n = await source.read(chunk, 0, chunk.length);
      if (n === 0) {
        throw new InputError(
          file,
          { member, byteOffset: dataOffset },
          'unreadable',
          `the file changed since it was read: member '${printable(member)}' ends after ${size - left} of its ${size} bytes`,
        );
      }
      left -= n;
      yield n === chunk.length ? chunk : chunk.subarray(0, n);
    }
  } catch (err) {
    if (err instanceof SourceError) throw new InputError(file, { member }, err.reason, err.message);
    throw err;
  } finally {
    await source.close();
  }
}

/**
 * Why a member name is unsafe for whatever extracts the archive later, or undefined when it is
 * safe: an absolute path (also a Windows drive or a backslash root), a '..' segment (with '/' or
 * '\' as separator), or a control character (C0, DEL, C1).
 */
export function unsafeNameProblem(name: string): string | undefined {
  if (/^[/\\]/.test(name) || /^[A-Za-z]:/.test(name)) return 'is an absolute path';
  if (name.split(/[/\\]/).includes('..')) return "has a '..' path segment";
  const control = CONTROL_CHARACTER.exec(name);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `has the control character U+${code}`;
  }
  return undefined;
}

/** Largest size an 11-digit octal field holds. */
const MAX_OCTAL_SIZE = 0o77777777777;

function writeOctal(block: Buffer, start: number, length: number, value: number): void {
  block.write(value.toString(8).padStart(length - 1, '0'), start, length - 1, 'ascii');
  block[start + length - 1] = 0;
}

/** Splits a long path into ustar prefix (<= 155 bytes) and name (<= 100 bytes) at a '/'. */
function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  for (let slash = name.indexOf('/'); slash !== -1; slash = name.indexOf('/', slash + 1)) {
    const prefix = name.slice(0, slash);
    const rest = name.slice(slash + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) {
      return { prefix, name: rest };
    }
  }
  return undefined;
}

/** One pax record; its length field counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = Buffer.byteLength(body);
  let length = bodyBytes + 1;
  while (bodyBytes + String(length).length !== length) length = bodyBytes + String(length).length;
  return `${length}${body}`;
}

/** A ustar header with fixed metadata: mode 0644, uid/gid 0, mtime 0, no user or group names. */
export function tarHeader(name: string, size: number, typeflag = '0', prefix = ''): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0);
  block.write(typeflag, 156, 1, 'ascii');
  block.write('ustar\u000000', 257, 8, 'latin1');
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  block.write(prefix, 345, 155, 'utf8');
  block.fill(32, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i];
  block.write(sum.toString(8).padStart(6, '0'), 148, 6, 'ascii');
  block[154] = 0;
  block[155] = 32;
  return block;
}

/**
 * The header blocks TarWriter puts before a member: its ustar header, after a pax header when
 * the name fits no ustar split or the size no 11-digit octal field. A name that
 * unsafeNameProblem refuses is a bug of the caller (readers skip such samples): a plain Error.
 */
export function memberHeaders(name: string, size: number): Buffer {
  const unsafe = unsafeNameProblem(name);
  if (unsafe !== undefined) throw new Error(`tar member name '${printable(name)}' ${unsafe}`);
  const paxRecords: string[] = [];
  const headerSize = size > MAX_OCTAL_SIZE ? 0 : size;
  let header: Buffer;
  if (Buffer.byteLength(name) <= 100) {
    header = tarHeader(name, headerSize);
  } else {
    const split = splitUstarName(name);
    if (split) {
      header = tarHeader(split.name, headerSize, '0', split.prefix);
    } else {
      paxRecords.push(paxRecord('path', name));
      header = tarHeader(Buffer.from(name).subarray(0, 100).toString('utf8'), headerSize);
    }
  }
  if (size > MAX_OCTAL_SIZE) paxRecords.push(paxRecord('size', String(size)));
  if (paxRecords.length === 0) return header;
  const pax = Buffer.from(paxRecords.join(''), 'utf8');
  const paxPadding = Buffer.alloc(paddingOf(pax.length));
  return Buffer.concat([tarHeader('PaxHeader', pax.length, 'x'), pax, paxPadding, header]);
}

/** Zero bytes after a member's contents up to the next 512-byte block. */
export function paddingOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * Writes a tar archive member by member to a sink. A member name that unsafeNameProblem refuses
 * is a bug of the caller (readers skip such samples), so it throws a plain Error.
 */
export class TarWriter {
  private members = 0;
  private finished = false;

  constructor(private readonly sink: ByteSink) {}

  /** Number of members written so far. */
  get memberCount(): number {
    return this.members;
  }

  async addFile(name: string, data: Uint8Array): Promise<void> {
    await this.writeHeaders(name, data.length);
    await this.writePadded(data);
    this.members++;
  }

  /** Adds a member whose `size` bytes come in chunks, so a large one is never held whole. */
  async addFileFrom(name: string, size: number, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    await this.writeHeaders(name, size);
    let written = 0;
    for await (const chunk of chunks) {
      if (written + chunk.length > size) break;
      await this.sink.write(chunk);
      written += chunk.length;
    }
    if (written !== size) {
      throw new Error(`tar member '${printable(name)}' was given more or fewer than its ${size} bytes`);
    }
    await this.writePadding(size);
    this.members++;
  }

  /**
   * Members already laid out as this writer lays them out (memberHeaders, contents, zero
   * padding): how TarRangeCopier writes runs of members copied from a source archive at once.
   */
  async addLaidOutMembers(bytes: Uint8Array, members: number): Promise<void> {
    if (this.finished) throw new Error('tar already finished');
    await this.sink.write(bytes);
    this.members += members;
  }

  private async writeHeaders(name: string, size: number): Promise<void> {
    if (this.finished) throw new Error('tar already finished');
    await this.sink.write(memberHeaders(name, size));
  }

  private async writePadded(data: Uint8Array): Promise<void> {
    await this.sink.write(data);
    await this.writePadding(data.length);
  }

  private async writePadding(size: number): Promise<void> {
    const padding = paddingOf(size);
    if (padding > 0) await this.sink.write(Buffer.alloc(padding));
  }

  /** Writes the end-of-archive marker: two zero blocks. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.sink.write(Buffer.alloc(2 * BLOCK));
  }
}
