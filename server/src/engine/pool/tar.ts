/**
 * Streaming tar reading and deterministic tar writing (ustar, with pax and GNU long names read).
 * The reader holds one member at a time; the writer's headers carry no time, owner or
 * permissions of the machine, so the same members always give the same bytes.
 */
import { InputError } from '../errors';
import { ChunkReader, FileSource, SourceError } from './bytes';
import { openOrReport } from './common';
import type { ByteSink } from './sink';

const BLOCK = 512;

export interface TarEntry {
  /** Full path inside the archive (pax `path` and GNU long names applied). */
  name: string;
  type: 'file' | 'directory' | 'other';
  /** The member's contents; empty for directories and other entries (links, devices). */
  data: Buffer;
  /** Offset of the member's header in the archive. */
  headerOffset: number;
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

/** A numeric field: octal ASCII, or base-256 (high bit set) as GNU tar writes large values. */
function readNumber(block: Buffer, start: number, length: number): number {
  if (block[start] & 0x80) {
    let value = block[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i];
    return value;
  }
  let value = 0;
  let i = start;
  const end = start + length;
  while (i < end && (block[i] === 32 || block[i] === 0)) i++;
  for (; i < end; i++) {
    const c = block[i];
    if (c < 48 || c > 55) break;
    value = value * 8 + (c - 48);
  }
  return value;
}

function checksumMatches(block: Buffer): boolean {
  const stored = readNumber(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 32 : block[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

/** Pax extended header records: "<length> <key>=<value>\n". */
function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(32, pos);
    if (space === -1) break;
    const length = Number(data.toString('ascii', pos, space));
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length) break;
    const record = data.toString('utf8', space + 1, pos + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

/**
 * Yields the members of a tar file in order. A file that ends inside a header or a member is an
 * InputError 'truncated-tar', a block that is not a tar header 'bad-tar', both naming the file
 * and the member.
 * An archive may end with the two zero blocks or, as many writers leave it, right after a member.
 */
export async function* readTar(file: string): AsyncGenerator<TarEntry> {
  const reader = new ChunkReader(await openOrReport(file, () => FileSource.open(file)), 0);
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
    for (;;) {
      const headerOffset = reader.offset;
      if (!(await reader.ensure(BLOCK))) {
        const left = reader.end - reader.pos;
        if (left === 0 && pax.size === 0 && longName === undefined) return;
        const after = previous === undefined ? 'at the start of the archive' : `after member '${previous}'`;
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
          previous === undefined ? 'not a tar file' : `not a tar header after member '${previous}'`;
        throw fail(previous, headerOffset, `${where} (bad header checksum at byte ${headerOffset})`);
      }
      const typeflag = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
      const posix = header.toString('latin1', 257, 263) === 'ustar\0';
      const prefix = posix ? readString(header, 345, 155) : '';
      const shortName = readString(header, 0, 100);
      const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${shortName}` : shortName);
      const paxSize = pax.get('size');
      const size = paxSize !== undefined ? Number(paxSize) : readNumber(header, 124, 12);
      reader.pos += BLOCK;

      const padding = (BLOCK - (size % BLOCK)) % BLOCK;
      const keepsData = typeflag === '0' || typeflag === '7' || typeflag === 'x' || typeflag === 'L';
      let data: Buffer;
      if (keepsData) {
        data = await reader.take(size);
        if (data.length < size) {
          throw fail(
            name,
            headerOffset,
            `truncated: member '${name}' needs ${size} bytes, the file ends after ${data.length}`,
          );
        }
      } else {
        const skipped = await reader.skip(size);
        if (skipped < size) {
          throw fail(
            name,
            headerOffset,
            `truncated: member '${name}' needs ${size} bytes, the file ends after ${skipped}`,
          );
        }
        data = Buffer.alloc(0);
      }
      if ((await reader.skip(padding)) < padding) {
        throw fail(name, headerOffset, `truncated: the file ends inside the padding of member '${name}'`);
      }

      if (typeflag === 'x') {
        pax = parsePax(data);
        continue;
      }
      if (typeflag === 'L') {
        longName = readString(data, 0, data.length);
        continue;
      }
      // Global pax headers and GNU long link names do not change what members hold.
      if (typeflag === 'g' || typeflag === 'K') continue;
      pax = new Map();
      longName = undefined;
      previous = name;
      const type = keepsData ? 'file' : typeflag === '5' ? 'directory' : 'other';
      yield { name, type, data, headerOffset };
    }
  } catch (err) {
    if (err instanceof SourceError)
      throw new InputError(file, previous ? { member: previous } : {}, err.reason, err.message);
    throw err;
  } finally {
    await reader.close();
  }
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

/** Writes a tar archive member by member to a sink. */
export class TarWriter {
  private members = 0;
  private finished = false;

  constructor(private readonly sink: ByteSink) {}

  /** Number of members written so far. */
  get memberCount(): number {
    return this.members;
  }

  async addFile(name: string, data: Uint8Array): Promise<void> {
    if (this.finished) throw new Error('tar already finished');
    if (data.length > MAX_OCTAL_SIZE)
      throw new Error(`tar member '${name}' is too large (${data.length} bytes)`);
    if (Buffer.byteLength(name) <= 100) {
      await this.sink.write(tarHeader(name, data.length));
    } else {
      const split = splitUstarName(name);
      if (split) {
        await this.sink.write(tarHeader(split.name, data.length, '0', split.prefix));
      } else {
        // No ustar split fits: a pax header carries the whole path.
        const pax = Buffer.from(paxRecord('path', name), 'utf8');
        await this.sink.write(tarHeader('PaxHeader', pax.length, 'x'));
        await this.writePadded(pax);
        await this.sink.write(tarHeader(Buffer.from(name).subarray(0, 100).toString('utf8'), data.length));
      }
    }
    await this.writePadded(data);
    this.members++;
  }

  private async writePadded(data: Uint8Array): Promise<void> {
    await this.sink.write(data);
    const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (padding > 0) await this.sink.write(Buffer.alloc(padding));
  }

  /** Writes the end-of-archive marker: two zero blocks. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.sink.write(Buffer.alloc(2 * BLOCK));
  }
}
