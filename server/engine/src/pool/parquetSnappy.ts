/**
 * Snappy compression of Parquet pages for ParquetPoolWriter: the algorithm of hyparquet-writer's
 * snappyCompress (snappyjs: one block, hash table of at most 2^14, offsets up to 0xffff), so the
 * bytes are the same, but written into one preallocated array instead of a growing ByteWriter
 * checked per byte: the writer's hot loop when most of a pool is kept.
 */

const MAX_HASH_TABLE_BITS = 14;
const MAX_OFFSET = 0xffff;
const INPUT_MARGIN = 15;
const hashTables: (Uint32Array | undefined)[] = [];

function hashOf(input: Uint8Array, pos: number, shift: number): number {
  const key = input[pos] + (input[pos + 1] << 8) + (input[pos + 2] << 16) + (input[pos + 3] << 24);
  return Math.imul(key, 0x1e35a7bd) >>> shift;
}

function equals32(input: Uint8Array, a: number, b: number): boolean {
  return (
    input[a] === input[b] &&
    input[a + 1] === input[b + 1] &&
    input[a + 2] === input[b + 2] &&
    input[a + 3] === input[b + 3]
  );
}

/** Writes a literal of input[from, from + len) at out[op]; returns the new end. */
function emitLiteral(out: Uint8Array, op: number, input: Uint8Array, from: number, len: number): number {
  if (len <= 60) out[op++] = (len - 1) << 2;
  else {
    const value = len - 1;
    const bytes = value < 0x100 ? 1 : value < 0x10000 ? 2 : value < 0x1000000 ? 3 : 4;
    out[op++] = (59 + bytes) << 2;
    for (let i = 0; i < bytes; i++) out[op++] = value >>> (i * 8);
  }
  // Short literals byte by byte: a subarray per literal costs more than the copy.
  if (len <= 32) for (let i = 0; i < len; i++) out[op++] = input[from + i];
  else {
    out.set(input.subarray(from, from + len), op);
    op += len;
  }
  return op;
}

function emitCopyLessThan64(out: Uint8Array, op: number, offset: number, len: number): number {
  if (len < 12 && offset < 2048) {
    out[op++] = 1 + ((len - 4) << 2) + ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
  } else {
    out[op++] = 2 + ((len - 1) << 2);
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}

function emitCopy(out: Uint8Array, op: number, offset: number, len: number): number {
  while (len >= 68) {
    op = emitCopyLessThan64(out, op, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    op = emitCopyLessThan64(out, op, offset, 60);
    len -= 60;
  }
  return emitCopyLessThan64(out, op, offset, len);
}

/** The compressed bytes of `input`: the same as hyparquet-writer's snappyCompress. */
export function snappyCompressPage(input: Uint8Array): Uint8Array {
  const inputSize = input.length;
  // Snappy's bound: literal headers and copies never add more than this.
  const out = new Uint8Array(32 + inputSize + Math.ceil(inputSize / 6));
  let op = 0;
  for (let value = inputSize; ; value >>>= 7) {
    if ((value & ~0x7f) === 0) {
      out[op++] = value;
      break;
    }
    out[op++] = (value & 0x7f) | 0x80;
  }

  let hashTableBits = 1;
  while (1 << hashTableBits <= inputSize && hashTableBits <= MAX_HASH_TABLE_BITS) hashTableBits++;
  hashTableBits--;
  const shift = 32 - hashTableBits;
  const hashTable = (hashTables[hashTableBits] ??= new Uint32Array(1 << hashTableBits));
  hashTable.fill(0);

  let nextEmit = 0;
  if (inputSize >= INPUT_MARGIN) {
    const ipLimit = inputSize - INPUT_MARGIN;
    let ip = 1;
    let nextHash = hashOf(input, ip, shift);
    let candidate = 0;
    outer: for (;;) {
      let skip = 32;
      let nextIp = ip;
      do {
        ip = nextIp;
        const hash = nextHash;
        nextIp = ip + (skip >>> 5);
        skip++;
        if (ip > ipLimit) break outer;
        nextHash = hashOf(input, nextIp, shift);
        candidate = hashTable[hash];
        hashTable[hash] = ip;
      } while (ip - candidate > MAX_OFFSET || !equals32(input, ip, candidate));

      op = emitLiteral(out, op, input, nextEmit, ip - nextEmit);

      do {
        const base = ip;
        let matched = 4;
        while (ip + matched < inputSize && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        op = emitCopy(out, op, base - candidate, matched);
        nextEmit = ip;
        if (ip >= ipLimit) break outer;
        hashTable[hashOf(input, ip - 1, shift)] = ip - 1;
        const curHash = hashOf(input, ip, shift);
        candidate = hashTable[curHash];
        hashTable[curHash] = ip;
      } while (ip - candidate <= MAX_OFFSET && equals32(input, ip, candidate));

      ip++;
      nextHash = hashOf(input, ip, shift);
    }
  }
  if (nextEmit < inputSize) op = emitLiteral(out, op, input, nextEmit, inputSize - nextEmit);
  return out.subarray(0, op);
}
