/**
 * Parallel-friendly bzip2 reading. A bzip2 block starts with the 48-bit magic 0x314159265359 at
 * any bit position and decodes on its own (its CRC is checked), so byte ranges of one .bz2 file can
 * be decoded by different workers, whether the file holds one stream or many (as Wikipedia's
 * multistream dumps do) - the way lbzip2 and pbzip2 split work. Decoding uses the pure-JS
 * `seek-bzip`, prefixed with a stream header so that a block from the middle of a file decodes.
 * The magic can also occur by chance inside compressed data (about once in 2^48 bit positions); a
 * block that then fails to decode is reported as an input error rather than guessed around.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import Bunzip from 'seek-bzip';
import { InputError } from '../../engine/src/errors';

const BLOCK_MAGIC = 0x314159265359n;
/** A stream header with the largest block size: a block decodes under any larger-or-equal size. */
const STREAM_HEADER = Buffer.from('BZh9', 'latin1');
/** Upper bound on one compressed block (900k of input, Huffman-coded, with generous slack). */
export const MAX_COMPRESSED_BLOCK = 3 * 1024 * 1024;

interface ShiftPattern {
  shift: number;
  /** The bytes the magic covers completely, searched with Buffer.indexOf. */
  key: Buffer;
  keyOffset: number;
  firstMask: number;
  firstValue: number;
  lastMask: number;
  lastValue: number;
}

const PATTERNS: ShiftPattern[] = buildPatterns();

function buildPatterns(): ShiftPattern[] {
  const out: ShiftPattern[] = [];
  for (let shift = 0; shift < 8; shift++) {
    // Seven bytes in which the magic starts `shift` bits into the first one (MSB first).
    const v = BLOCK_MAGIC << BigInt(8 - shift);
    const bytes: number[] = [];
    for (let k = 0; k < 7; k++) bytes.push(Number((v >> BigInt(8 * (6 - k))) & 0xffn));
    if (shift === 0) {
      out.push({
        shift,
        key: Buffer.from(bytes.slice(0, 6)),
        keyOffset: 0,
        firstMask: 0,
        firstValue: 0,
        lastMask: 0,
        lastValue: 0,
      });
    } else {
      const firstMask = (1 << (8 - shift)) - 1;
      const lastMask = (0xff << (8 - shift)) & 0xff;
      out.push({
        shift,
        key: Buffer.from(bytes.slice(1, 6)),
        keyOffset: 1,
        firstMask,
        firstValue: bytes[0] & firstMask,
        lastMask,
        lastValue: bytes[6] & lastMask,
      });
    }
  }
  return out;
}

/** Whether the bytes start like a bzip2 stream ("BZh1".."BZh9"). */
export function looksLikeBzip2(head: Buffer): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 3) === 'BZh' && head[3] >= 0x31 && head[3] <= 0x39;
}

/**
 * Bit positions (relative to `buf`, ascending) where a block magic starts in a byte in
 * [fromByte, toByte). A magic whose last bits lie beyond `buf` is not reported.
 */
export function findBlockStarts(buf: Buffer, fromByte: number, toByte: number): number[] {
  const found: number[] = [];
  for (const p of PATTERNS) {
    let idx = buf.indexOf(p.key, fromByte + p.keyOffset);
    while (idx >= 0) {
      const i = idx - p.keyOffset;
      if (i >= toByte) break;
      const firstOk = p.firstMask === 0 || (buf[i] & p.firstMask) === p.firstValue;
      const lastOk = p.lastMask === 0 || (i + 6 < buf.length && (buf[i + 6] & p.lastMask) === p.lastValue);
      if (firstOk && lastOk) found.push(i * 8 + p.shift);
      idx = buf.indexOf(p.key, idx + 1);
    }
  }
  return found.sort((a, b) => a - b);
}

/** Collects seek-bzip's byte-at-a-time output. */
class GrowableSink {
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  writeByte(byte: number): void {
    if (this.pos === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger);
      this.buf = bigger;
    }
    this.buf[this.pos++] = byte;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Decodes the block whose magic starts at bit `bitPos` of `buf`; `buf` must hold the whole block. */
export function decodeBlockAt(buf: Buffer, bitPos: number): Buffer {
  const byte = Math.floor(bitPos / 8);
  const end = Math.min(buf.length, byte + MAX_COMPRESSED_BLOCK);
  const input = Buffer.concat([STREAM_HEADER, buf.subarray(byte, end)]);
  const sink = new GrowableSink();
  Bunzip.decodeBlock(input, 32 + (bitPos % 8), sink);
  return sink.result();
}

/** Decodes a whole (multi-stream) .bz2 buffer in one go; for small inputs. */
export function decodeAll(buf: Buffer): Buffer {
  return Bunzip.decode(buf, undefined, true);
}

export interface DecodedBlock {
  /** Absolute bit position of the block magic in the file. */
  startBit: number;
  data: Buffer;
}

const WINDOW = 16 * 1024 * 1024;

/**
 * Decodes, in file order, every block whose magic starts at or after byte `startByte` of `path`.
 * The caller stops iterating when it has what it needs, so only the blocks it takes are decoded.
 */
export function* readBlocks(path: string, fileSize: number, startByte: number): Generator<DecodedBlock> {
  const fd = openSync(path, 'r');
  try {
    let scanFrom = startByte;
    while (scanFrom < fileSize) {
      const wStart = scanFrom;
      const wEnd = Math.min(fileSize, wStart + WINDOW + MAX_COMPRESSED_BLOCK);
      const buf = Buffer.allocUnsafe(wEnd - wStart);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, wStart + got);
        if (n === 0) break;
        got += n;
      }
      const window = buf.subarray(0, got);
      const atEnd = wStart + got >= fileSize;
      // Only blocks that start early enough to fit whole in the window are decoded from it.
      const scanTo = atEnd ? got : Math.max(1, got - MAX_COMPRESSED_BLOCK);
      for (const rel of findBlockStarts(window, 0, scanTo)) {
        let data: Buffer;
        try {
          data = decodeBlockAt(window, rel);
        } catch (err) {
          throw new InputError(
            path,
            { byteOffset: wStart + Math.floor(rel / 8) },
            'unreadable',
            `bzip2 block at bit ${rel % 8} does not decode: ${(err as Error).message}`,
          );
        }
        yield { startBit: wStart * 8 + rel, data };
      }
      scanFrom = wStart + scanTo;
    }
  } finally {
    closeSync(fd);
  }
}
