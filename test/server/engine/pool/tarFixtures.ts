/**
 * Tar bytes built by hand, as an attacker would write them: any size field, any pax record,
 * any member name. Shared by the tar, WebDataset, CLI and preview tests.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { tarHeader } from '../../../../server/engine/src/pool/tar';

export const BLOCK = 512;

/** Two zero blocks: the end of an archive. */
export const END = Buffer.alloc(2 * BLOCK);

export function padded(data: string | Buffer): Buffer {
  const bytes = Buffer.from(data);
  return Buffer.concat([bytes, Buffer.alloc((BLOCK - (bytes.length % BLOCK)) % BLOCK)]);
}

/** Recomputes a header's checksum after a field was changed, so only that field is wrong. */
export function withChecksum(header: Buffer): Buffer {
  header.fill(32, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0'), 148, 6, 'ascii');
  header[154] = 0;
  header[155] = 32;
  return header;
}

/** A file member's header whose 12-byte size field holds exactly `field`. */
export function headerWithSizeField(name: string, field: Buffer): Buffer {
  const header = tarHeader(name, 0);
  field.copy(header, 124, 0, 12);
  return withChecksum(header);
}

/** A base-256 (GNU) size field. */
export function base256(value: bigint): Buffer {
  const field = Buffer.alloc(12);
  for (let i = 11; i > 0; i--, value >>= 8n) field[i] = Number(value & 0xffn);
  field[0] = 0x80;
  return field;
}

/** A well-formed pax record: its length counts its own digits. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (Buffer.byteLength(body) + String(length).length !== length) length++;
  return `${length}${body}`;
}

/** A pax extended header ('x') carrying these raw record bytes; it applies to the next member. */
export function paxHeader(records: string | Buffer): Buffer {
  const data = Buffer.from(records);
  return Buffer.concat([tarHeader('PaxHeader', data.length, 'x'), padded(data)]);
}

/** A GNU long-name header ('L'): the next member's name. */
export function gnuLongName(name: string): Buffer {
  const data = Buffer.from(`${name}\0`);
  return Buffer.concat([tarHeader('././@LongLink', data.length, 'L'), padded(data)]);
}

/** A member with its name written as is (no checks), and its padded data. */
export function member(name: string, data: string | Buffer): Buffer {
  return Buffer.concat([tarHeader(name, Buffer.byteLength(data)), padded(data)]);
}

/**
 * A header that lies about its size, as it appears before the member's 'hello' data:
 * `header(name)` gives the bytes, `reason` and `says` what reading it must report.
 */
export interface HostileSize {
  what: string;
  header: (name: string) => Buffer;
  reason: 'bad-tar' | 'truncated-tar';
  says: string;
}

const withPaxSize = (value: string) => (name: string) =>
  Buffer.concat([paxHeader(paxRecord('size', value)), tarHeader(name, 5)]);
const notDecimal = (value: string) => `pax size '${value}' is not a decimal number of bytes`;
const notNumber = 'is not an octal or base-256 number';

export const HOSTILE_SIZES: HostileSize[] = [
  {
    what: 'pax size=4294967296',
    header: withPaxSize('4294967296'),
    reason: 'truncated-tar',
    says: 'needs 4294967296 bytes, the file ends after',
  },
  { what: 'pax size=NaN', header: withPaxSize('NaN'), reason: 'bad-tar', says: notDecimal('NaN') },
  { what: 'pax size=-5', header: withPaxSize('-5'), reason: 'bad-tar', says: notDecimal('-5') },
  { what: 'pax size empty', header: withPaxSize(''), reason: 'bad-tar', says: notDecimal('') },
  { what: 'pax size=+5', header: withPaxSize('+5'), reason: 'bad-tar', says: notDecimal('+5') },
  { what: 'pax size=5x', header: withPaxSize('5x'), reason: 'bad-tar', says: notDecimal('5x') },
  {
    what: 'base-256 size past the end of the file',
    header: (name) => headerWithSizeField(name, base256(2n ** 40n)),
    reason: 'truncated-tar',
    says: `needs ${2 ** 40} bytes, the file ends after`,
  },
  {
    what: 'negative base-256 size',
    header: (name) => headerWithSizeField(name, Buffer.alloc(12, 0xff)),
    reason: 'bad-tar',
    says: notNumber,
  },
  {
    what: 'octal size with garbage after the digits',
    header: (name) => headerWithSizeField(name, Buffer.from('0000000005x\0', 'latin1')),
    reason: 'bad-tar',
    says: `size field '0000000005x\\x00' ${notNumber}`,
  },
  {
    what: 'blank octal size',
    header: (name) => headerWithSizeField(name, Buffer.alloc(12, 32)),
    reason: 'bad-tar',
    says: notNumber,
  },
  {
    what: 'octal size larger than the file',
    header: (name) => tarHeader(name, 0o7777777),
    reason: 'truncated-tar',
    says: `needs ${0o7777777} bytes, the file ends after`,
  },
];

/**
 * Writes a sparse file: `head` at offset 0, then `size` bytes that are never written (a hole),
 * then `tail`. A member of gigabytes costs no disk and no time to create.
 */
export function writeSparse(path: string, head: Buffer, size: number, tail: Buffer): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head, 0, head.length, 0);
    writeSync(fd, tail, 0, tail.length, head.length + size + ((BLOCK - (size % BLOCK)) % BLOCK));
  } finally {
    closeSync(fd);
  }
}
