/**
 * Splitting a `pages-articles` dump into chunks that workers count independently, and reading the
 * pages of one chunk. A chunk is a byte range [start, end) of the file (compressed bytes for .bz2);
 * it owns every page whose `<page>` tag starts in the decoded bytes of its range (for .bz2: in the
 * blocks whose magic starts in its range), reading past `end` to finish its last page. Neighbouring
 * chunks thus split the pages between them exactly, whatever the chunk size.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { InputError } from '../../engine/src/errors';
import { looksLikeBzip2, readBlocks } from './bz2';
import { parsePage, type WikiPage } from './wikitext';

export type DumpFormat = 'xml' | 'bz2';

export interface DumpInfo {
  path: string;
  size: number;
  mtimeMs: number;
  format: DumpFormat;
}

export interface ChunkSpec {
  id: number;
  path: string;
  format: DumpFormat;
  start: number;
  end: number;
}

/** Default chunk sizes: about 40-60 MB of XML each, so a worker's counts stay small between spills. */
export const DEFAULT_CHUNK_BYTES: Record<DumpFormat, number> = { xml: 48 << 20, bz2: 10 << 20 };

/** Looks at a dump's first bytes: bzip2 magic, or XML. */
export function describeDump(path: string): DumpInfo {
  let size: number;
  let mtimeMs: number;
  const head = Buffer.alloc(64);
  let got = 0;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
    mtimeMs = st.mtimeMs;
    const fd = openSync(path, 'r');
    try {
      got = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new InputError(path, {}, 'unreadable', `cannot read Wikipedia dump: ${(err as Error).message}`);
  }
  const bytes = head.subarray(0, got);
  if (looksLikeBzip2(bytes)) return { path, size, mtimeMs, format: 'bz2' };
  const text = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('<')) return { path, size, mtimeMs, format: 'xml' };
  throw new InputError(
    path,
    { byteOffset: 0 },
    'unreadable',
    'not a pages-articles dump: expected XML or bzip2 data',
  );
}

export function planChunks(
  dumps: DumpInfo[],
  chunkBytes: Partial<Record<DumpFormat, number>> = {},
): ChunkSpec[] {
  const chunks: ChunkSpec[] = [];
  for (const d of dumps) {
    const step = Math.max(1, chunkBytes[d.format] ?? DEFAULT_CHUNK_BYTES[d.format]);
    for (let start = 0; start < d.size; start += step) {
      chunks.push({
        id: chunks.length,
        path: d.path,
        format: d.format,
        start,
        end: Math.min(d.size, start + step),
      });
    }
  }
  return chunks;
}

interface Piece {
  data: Buffer;
  inRange: boolean;
  /** How far into the file (compressed bytes) this piece reaches; for progress. */
  filePos: number;
}

const READ_BYTES = 4 << 20;

function* xmlPieces(chunk: ChunkSpec): Generator<Piece> {
  const fd = openSync(chunk.path, 'r');
  try {
    let pos = chunk.start;
    for (;;) {
      const buf = Buffer.allocUnsafe(READ_BYTES);
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return;
      const data = buf.subarray(0, n);
      if (pos < chunk.end && pos + n > chunk.end) {
        const cut = chunk.end - pos;
        yield { data: data.subarray(0, cut), inRange: true, filePos: chunk.end };
        yield { data: data.subarray(cut), inRange: false, filePos: chunk.end };
      } else {
        yield { data, inRange: pos < chunk.end, filePos: Math.min(chunk.end, pos + n) };
      }
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

function* bz2Pieces(chunk: ChunkSpec, fileSize: number): Generator<Piece> {
  for (const block of readBlocks(chunk.path, fileSize, chunk.start)) {
    const byte = Math.floor(block.startBit / 8);
    yield { data: block.data, inRange: byte < chunk.end, filePos: Math.min(chunk.end, byte) };
  }
}

export interface PageStats {
  /** `<page>` elements read. */
  pages: number;
  /** Pages counted: namespace 0 and not a redirect. */
  articles: number;
  redirects: number;
  otherNamespaces: number;
}

export function emptyPageStats(): PageStats {
  return { pages: 0, articles: 0, redirects: 0, otherNamespaces: 0 };
}

export function addPageStats(into: PageStats, from: PageStats): void {
  into.pages += from.pages;
  into.articles += from.articles;
  into.redirects += from.redirects;
  into.otherNamespaces += from.otherNamespaces;
}

const PAGE_OPEN = Buffer.from('<page>');
const PAGE_CLOSE = Buffer.from('</page>');

/**
 * Calls `onArticle` for each namespace-0, non-redirect page the chunk owns, in file order.
 * `onProgress` gets the file position (compressed bytes) reached within the chunk's range.
 */
export function readChunkArticles(
  chunk: ChunkSpec,
  onArticle: (page: WikiPage) => void,
  onProgress?: (filePos: number) => void,
): PageStats {
  const stats = emptyPageStats();
  const size = statSync(chunk.path).size;
  const pieces = chunk.format === 'bz2' ? bz2Pieces(chunk, size) : xmlPieces(chunk);
  let pending: Buffer = Buffer.alloc(0);
  let pendingOff = 0; // decoded offset of pending[0]
  let decoded = 0;
  let rangeEnd = Infinity; // decoded offset where data beyond the chunk's range begins
  let finished = false;
  for (const piece of pieces) {
    if (!piece.inRange && rangeEnd === Infinity) rangeEnd = decoded;
    decoded += piece.data.length;
    pending = pending.length === 0 ? piece.data : Buffer.concat([pending, piece.data]);
    let cursor = 0;
    for (;;) {
      const open = pending.indexOf(PAGE_OPEN, cursor);
      if (open < 0) {
        // Keep a tail that may hold the start of a split "<page>".
        const keep = Math.min(pending.length - cursor, PAGE_OPEN.length - 1);
        if (pendingOff + pending.length - keep >= rangeEnd) finished = true;
        cursor = pending.length - keep;
        break;
      }
      if (pendingOff + open >= rangeEnd) {
        finished = true;
        break;
      }
      const close = pending.indexOf(PAGE_CLOSE, open + PAGE_OPEN.length);
      if (close < 0) {
        cursor = open;
        break;
      }
      const page = parsePage(pending.toString('utf8', open, close + PAGE_CLOSE.length));
      cursor = close + PAGE_CLOSE.length;
      stats.pages++;
      if (page === null) continue;
      if (page.ns !== 0) stats.otherNamespaces++;
      else if (page.redirect) stats.redirects++;
      else {
        stats.articles++;
        onArticle(page);
      }
    }
    pending = pending.subarray(cursor);
    pendingOff += cursor;
    if (piece.inRange) onProgress?.(piece.filePos);
    if (finished) break;
  }
  if (!finished && pending.indexOf(PAGE_OPEN) >= 0 && pendingOff + pending.indexOf(PAGE_OPEN) < rangeEnd) {
    throw new InputError(
      chunk.path,
      chunk.format === 'xml' ? { byteOffset: chunk.start + pendingOff + pending.indexOf(PAGE_OPEN) } : {},
      'unreadable',
      'the dump ends inside a <page> element (truncated file?)',
    );
  }
  onProgress?.(chunk.end);
  return stats;
}
