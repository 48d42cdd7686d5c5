/**
 * The matcher the rest of the product uses: builds (or loads from the on-disk cache) the index
 * for a metadata list and a padding rule, and matches captions against it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readSync, closeSync, fstatSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Metadata } from '../metadata';
import { packArrays, unpackArrays } from './packing';
import type { Padding } from './spacing';
import { buildSubstringIndex, SubstringMatcher, type SubstringIndex } from './substringMatcher';
import { buildTokenIndex, TokenMatcher, type TokenIndex } from './tokenMatcher';

/** Bumped whenever the packed layout or the build changes, so stale caches are rebuilt. */
const INDEX_FORMAT = 3;

export interface EntryMatcher {
  readonly numEntries: number;
  /** Ascending ids of the entries one text matches (allocates; for tools and tests). */
  match(text: string): number[];
  /** Hot path: begin() a set, collect() one or more texts into it, sorted() reads it. */
  begin(): void;
  collect(text: string): void;
  sorted(): Uint32Array;
}

/** A built index in its shareable form: one SharedArrayBuffer that workers receive as is. */
export interface PackedIndex {
  padding: Padding;
  buffer: SharedArrayBuffer;
}

export function buildPackedIndex(entries: readonly string[], padding: Padding): PackedIndex {
  const index = padding === 'english' ? buildTokenIndex(entries) : buildSubstringIndex(entries);
  const { numEntries, ...rest } = index as unknown as Record<string, unknown> & { numEntries: number };
  const arrays: Record<string, Int32Array | Uint16Array | Uint8Array> = {};
  const scalars: Record<string, unknown> = { numEntries, padding, format: INDEX_FORMAT };
  for (const [k, v] of Object.entries(rest)) {
    if (ArrayBuffer.isView(v)) arrays[k] = v as Int32Array;
    else scalars[k] = v;
  }
  return { padding, buffer: packArrays(scalars, arrays) };
}

export function matcherFromPacked(packed: PackedIndex): EntryMatcher {
  const { meta, arrays } = unpackArrays(packed.buffer);
  const index = { ...meta, ...arrays } as Record<string, unknown>;
  if (meta.padding === 'english') return new TokenMatcher(index as unknown as TokenIndex);
  return new SubstringMatcher(index as unknown as SubstringIndex);
}

export function createMatcher(entries: readonly string[], padding: Padding = 'english'): EntryMatcher {
  return matcherFromPacked(buildPackedIndex(entries, padding));
}

export interface LoadedIndex {
  packed: PackedIndex;
  fromCache: boolean;
  /** Where the cache file is (or would have been written). */
  cachePath: string;
  millis: number;
}

/**
 * The cache lives next to the metadata in `.metacurate-cache/`, keyed by the metadata's sha256,
 * the padding and the index format; if that folder cannot be written, under the OS temp folder.
 */
export function cachePathFor(metadata: Metadata, padding: Padding, root?: string): string {
  const key = createHash('sha256')
    .update(`${metadata.sha256}:${padding}:${INDEX_FORMAT}`)
    .digest('hex')
    .slice(0, 24);
  return join(
    root ?? join(dirname(metadata.path), '.metacurate-cache'),
    `${basename(metadata.path)}.${key}.idx`,
  );
}

export function loadOrBuildIndex(metadata: Metadata, padding: Padding, useCache = true): LoadedIndex {
  const started = performance.now();
  const candidates = [
    cachePathFor(metadata, padding),
    cachePathFor(metadata, padding, join(tmpdir(), 'metacurate-cache')),
  ];
  if (useCache) {
    for (const path of candidates) {
      const buffer = readShared(path);
      if (!buffer) continue;
      try {
        const meta = unpackArrays(buffer).meta;
        if (
          meta.format === INDEX_FORMAT &&
          meta.padding === padding &&
          meta.numEntries === metadata.entries.length
        ) {
          return {
            packed: { padding, buffer },
            fromCache: true,
            cachePath: path,
            millis: performance.now() - started,
          };
        }
      } catch {
        // A corrupt cache file is rebuilt below.
      }
    }
  }
  const packed = buildPackedIndex(metadata.entries, padding);
  let cachePath = candidates[0];
  if (useCache) {
    for (const path of candidates) {
      if (writeAtomically(path, new Uint8Array(packed.buffer))) {
        cachePath = path;
        break;
      }
    }
  }
  return { packed, fromCache: false, cachePath, millis: performance.now() - started };
}

function readShared(path: string): SharedArrayBuffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const buffer = new SharedArrayBuffer(size);
    const view = new Uint8Array(buffer);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, view, read, size - read, read);
      if (n === 0) return undefined;
      read += n;
    }
    return buffer;
  } finally {
    closeSync(fd);
  }
}

function writeAtomically(path: string, bytes: Uint8Array): boolean {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
    return true;
  } catch {
    return false;
  }
}
