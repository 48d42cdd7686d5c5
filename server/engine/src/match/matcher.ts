/**
 * The matcher the rest of the product uses: builds (or loads from the on-disk cache) the index
 * for a metadata list and a padding rule, and matches captions against it.
 */
import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../fsAtomic';
import { loadMetadata, type Metadata } from '../metadata';
import { packArrays, unpackArrays } from './packing';
import type { Padding } from './spacing';
import { buildSubstringIndex, SubstringMatcher, type SubstringIndex } from './substringMatcher';
import { buildTokenIndex, TokenMatcher, type TokenIndex } from './tokenMatcher';

/** Bumped whenever the packed layout or the build changes, so stale caches are rebuilt. */
const INDEX_FORMAT = 7;

export interface EntryMatcher {
  readonly numEntries: number;
  /** Ascending ids of the entries one text matches (allocates; for tools and tests). */
  match(text: string): number[];
  /** Hot path: begin() a set, collect() one or more texts into it, sorted() reads it. */
  begin(): void;
  collect(text: string): void;
  /** collect() of the UTF-8 text bytes[start, end), decoded as Buffer#toString('utf8') would. */
  collectUtf8(bytes: Uint8Array, start: number, end: number): void;
  /**
   * collectUtf8() of the line at bytes[start] (up to the first LF before `limit`, without a CR
   * before it); returns the next line's start, or -1 (nothing collected) if no LF is in reach.
   */
  collectLine(bytes: Uint8Array, start: number, limit: number): number;
  sorted(): Uint32Array;
  /** sorted() without allocating: sorts the set in place and returns its size n. */
  sortInPlace(): number;
  /** The set after sortInPlace(): ids()[0, n), valid until the next begin() or collect. */
  ids(): Uint32Array;
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

/** The number of entries an index was built from. */
export function indexEntryCount(packed: PackedIndex): number {
  return unpackArrays(packed.buffer).meta.numEntries as number;
}

/**
 * Per entry: the next entry with the same string, or -1 (the English token index's nextEntry; its
 * trie nodes are split(' ') token paths, one per string). Undefined for other indexes.
 */
export function sameStringChains(packed: PackedIndex): Int32Array | undefined {
  if (packed.padding !== 'english') return undefined;
  const next = unpackArrays(packed.buffer).arrays.nextEntry;
  return next instanceof Int32Array ? next : undefined;
}

export function createMatcher(entries: readonly string[], padding: Padding = 'english'): EntryMatcher {
  return matcherFromPacked(buildPackedIndex(entries, padding));
}

/** What names a metadata file's cache: its path and the sha256 of its bytes. */
type MetadataKey = Pick<Metadata, 'path' | 'sha256'>;

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
export function cachePathFor(metadata: MetadataKey, padding: Padding, root?: string): string {
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
  if (useCache) {
    const cached = readCachedIndex(metadata, padding, metadata.entries.length);
    if (cached) return { ...cached, millis: performance.now() - started };
  }
  const packed = buildPackedIndex(metadata.entries, padding);
  let cachePath = cacheCandidates(metadata, padding)[0];
  if (useCache) {
    for (const path of cacheCandidates(metadata, padding)) {
      if (writeAtomically(path, new Uint8Array(packed.buffer))) {
        cachePath = path;
        break;
      }
    }
  }
  return { packed, fromCache: false, cachePath, millis: performance.now() - started };
}

/**
 * loadOrBuildIndex for a metadata file. On a cache hit the file is only hashed, not parsed:
 * parsing 500k entries costs several times what loading their index does. Only metadata that
 * loaded without error is ever cached, so a hit needs no validation; on a miss, loadMetadata
 * reports bad metadata as usual. `millis` leaves out reading, hashing and parsing the metadata,
 * as loadOrBuildIndex does.
 */
export async function loadIndexForMetadataFile(
  path: string,
  padding: Padding,
  useCache = true,
): Promise<LoadedIndex> {
  if (useCache) {
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes) {
      const cached = loadCachedIndex(
        { path, sha256: createHash('sha256').update(bytes).digest('hex') },
        padding,
      );
      if (cached) return cached;
    }
  }
  return loadOrBuildIndex(await loadMetadata(path), padding, useCache);
}

/**
 * The cached index of a metadata file known by its path and sha256 alone, if one is on disk (only
 * metadata that loaded without error is cached, so a hit needs no validation).
 */
export function loadCachedIndex(metadata: MetadataKey, padding: Padding): LoadedIndex | undefined {
  const started = performance.now();
  const cached = readCachedIndex(metadata, padding);
  return cached && { ...cached, millis: performance.now() - started };
}

function cacheCandidates(metadata: MetadataKey, padding: Padding): string[] {
  return [
    cachePathFor(metadata, padding),
    cachePathFor(metadata, padding, join(tmpdir(), 'metacurate-cache')),
  ];
}

/** The cached index of this metadata and padding, if a valid one is on disk. */
function readCachedIndex(
  metadata: MetadataKey,
  padding: Padding,
  numEntries?: number,
): Omit<LoadedIndex, 'millis'> | undefined {
  for (const path of cacheCandidates(metadata, padding)) {
    const buffer = readShared(path);
    if (!buffer) continue;
    try {
      const meta = unpackArrays(buffer).meta;
      if (
        meta.format === INDEX_FORMAT &&
        meta.padding === padding &&
        (numEntries === undefined || meta.numEntries === numEntries)
      ) {
        return { packed: { padding, buffer }, fromCache: true, cachePath: path };
      }
    } catch {
      // A corrupt cache file is rebuilt.
    }
  }
  return undefined;
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
    writeFileAtomicSync(path, bytes);
    return true;
  } catch {
    return false;
  }
}
