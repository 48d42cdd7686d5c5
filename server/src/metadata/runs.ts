/**
 * Sorted runs for external counting: bounded memory comes from spilling in-memory counts to runs and
 * merging them. A run is a file of lines `key\tvalue\n` sorted by key in UTF-16 code unit order
 * (keys never contain a tab or a newline), stored as length-prefixed raw-deflate blocks of whole lines
 * so that it compresses and can still be read synchronously (the merges run in worker threads).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { openAtomicOutputSync, type AtomicOutputSync } from '../../engine/src/fsAtomic';

const BLOCK_CHARS = 1 << 20;

/** Writes a run; lines must come in key order. The file appears under its name only on close. */
export class RunWriter {
  private readonly out: AtomicOutputSync;
  private pending: string[] = [];
  private pendingChars = 0;
  lines = 0;

  constructor(readonly path: string) {
    this.out = openAtomicOutputSync(path);
  }

  write(key: string, value: string): void {
    this.pending.push(key, '\t', value, '\n');
    this.pendingChars += key.length + value.length + 2;
    this.lines++;
    if (this.pendingChars >= BLOCK_CHARS) this.flushBlock();
  }

  private flushBlock(): void {
    if (this.pending.length === 0) return;
    const data = deflateRawSync(Buffer.from(this.pending.join(''), 'utf8'), { level: 1 });
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(data.length, 0);
    this.out.write(len);
    this.out.write(data);
    this.pending = [];
    this.pendingChars = 0;
  }

  close(): void {
    this.flushBlock();
    this.out.commit();
  }
}

/** Reads a run line by line, synchronously. */
export class RunReader {
  private readonly fd: number;
  private pos = 0;
  private lines: string[] = [];
  private index = 0;
  key = '';
  value = '';
  done = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.advance();
  }

  /** Moves to the next line; sets `done` (and closes the file) at the end. */
  advance(): void {
    while (this.index >= this.lines.length) {
      if (!this.readBlock()) {
        this.done = true;
        closeSync(this.fd);
        return;
      }
    }
    const line = this.lines[this.index++];
    const tab = line.indexOf('\t');
    this.key = line.slice(0, tab);
    this.value = line.slice(tab + 1);
  }

  private readBlock(): boolean {
    const len = Buffer.allocUnsafe(4);
    if (readFully(this.fd, len, this.pos) < 4) return false;
    const size = len.readUInt32LE(0);
    const data = Buffer.allocUnsafe(size);
    if (readFully(this.fd, data, this.pos + 4) < size) throw new Error(`${this.path}: truncated run block`);
    this.pos += 4 + size;
    const text = inflateRawSync(data).toString('utf8');
    this.lines = text.split('\n');
    this.lines.pop(); // the text ends with a newline
    this.index = 0;
    return true;
  }

  close(): void {
    if (!this.done) {
      this.done = true;
      closeSync(this.fd);
    }
  }
}

function readFully(fd: number, buf: Buffer, position: number): number {
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Writes a map of counts as one run, sorted by key. */
export function writeCountRun(path: string, counts: Map<string, number>): number {
  const keys = [...counts.keys()].sort();
  const w = new RunWriter(path);
  for (const k of keys) w.write(k, String(counts.get(k)));
  w.close();
  return keys.length;
}

/**
 * Merges sorted runs into one, calling `combine` on the values of equal keys (in input order).
 * Returns the number of lines written.
 */
export function mergeRuns(
  inputs: string[],
  output: string,
  combine: (a: string, b: string) => string,
  onLine?: (key: string, value: string) => void,
): number {
  const readers = inputs.map((p) => new RunReader(p)).filter((r) => !r.done);
  const heap = new ReaderHeap(readers);
  const w = new RunWriter(output);
  try {
    while (heap.size > 0) {
      const top = heap.top();
      const key = top.key;
      let value = top.value;
      heap.advanceTop();
      while (heap.size > 0 && heap.top().key === key) {
        value = combine(value, heap.top().value);
        heap.advanceTop();
      }
      w.write(key, value);
      onLine?.(key, value);
    }
  } finally {
    for (const r of readers) r.close();
  }
  w.close();
  return w.lines;
}

export const sumCounts = (a: string, b: string): string => String(Number(a) + Number(b));

/** A min-heap of readers ordered by current key, then by input order (so merges are stable). */
class ReaderHeap {
  private readonly items: Array<{ r: RunReader; order: number }>;

  constructor(readers: RunReader[]) {
    this.items = readers.map((r, order) => ({ r, order }));
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get size(): number {
    return this.items.length;
  }

  top(): RunReader {
    return this.items[0].r;
  }

  advanceTop(): void {
    const first = this.items[0];
    first.r.advance();
    if (first.r.done) {
      const last = this.items.pop();
      if (this.items.length === 0 || last === undefined) return;
      this.items[0] = last;
    }
    this.down(0);
  }

  private less(i: number, j: number): boolean {
    const a = this.items[i];
    const b = this.items[j];
    if (a.r.key !== b.r.key) return a.r.key < b.r.key;
    return a.order < b.order;
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      const t = this.items[i];
      this.items[i] = this.items[m];
      this.items[m] = t;
      i = m;
    }
  }
}
