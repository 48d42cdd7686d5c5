/**
 * Wikipedia article titles from hourly page-view files (`pageviews-YYYYMMDD-HH0000.gz`, lines
 * `project title views bytes`), as the reference builds its title part (facebookresearch/MetaCLIP,
 * metaclip/build_metadata.py `wiki_title`):
 * - only lines of project `en` (desktop English Wikipedia; `en.m` is not merged in MetaCLIP 1);
 * - a line must have exactly four space-separated fields;
 * - `_` becomes a space; titles containing `:` (namespaces such as `Special:`, `File:`) are dropped;
 * - a line counts only if its hourly views are at least 50 (the reference's `int(count / 50) > 0`);
 * - views are summed over all files, and a title is kept with a sum of at least 70.
 * Only titles with a 50-view hour are ever held, so memory stays far below the file sizes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../engine/src/errors';
import type { ScoredEntry } from './ngrams';

export interface PageviewOptions {
  /** Project code whose lines count (default `en`). */
  project?: string;
  /** Hourly views a line needs to count at all (default 50, as the reference). */
  minLineViews?: number;
}

export interface PageviewFileRecord {
  path: string;
  bytes: number;
  sha256: string;
  /** Lines of the project, with the views they carry. */
  projectLines: number;
  /** Lines of the project that counted (enough views, no `:`). */
  countedLines: number;
  malformedLines: number;
}

export interface PageviewCounts {
  titles: Map<string, number>;
  files: PageviewFileRecord[];
}

/** Files as given, each once; a directory stands for the `pageviews-*` files in it, in name order. */
export async function expandPageviewPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch (err) {
      throw new InputError(p, {}, 'unreadable', `cannot read page-view file: ${(err as Error).message}`);
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    const names = (await readdir(p)).filter((n) => n.startsWith('pageviews-')).sort();
    if (names.length === 0) throw new InputError(p, {}, 'unreadable', 'folder holds no pageviews-* files');
    out.push(...names.map((n) => join(p, n)));
  }
  // A file named twice (or also through its folder) would count its views twice.
  const seen = new Set<string>();
  return out.filter((p) => {
    const key = resolve(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Sums qualifying views per title over all files, a few files at a time on this thread. */
export async function countPageviews(
  paths: string[],
  opts: PageviewOptions = {},
  onFile?: (done: number, total: number) => void,
): Promise<PageviewCounts> {
  const titles = new Map<string, number>();
  const files: PageviewFileRecord[] = new Array<PageviewFileRecord>(paths.length);
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      files[i] = await countPageviewFile(paths[i], titles, opts);
      onFile?.(++done, paths.length);
    }
  };
  // zlib inflates on the libuv pool; a few files at once keep it busy while this thread parses.
  await Promise.all(Array.from({ length: Math.min(4, paths.length) }, lane));
  return { titles, files };
}

/** Adds one file's qualifying views to `titles`. */
export async function countPageviewFile(
  path: string,
  titles: Map<string, number>,
  opts: PageviewOptions = {},
): Promise<PageviewFileRecord> {
  const project = opts.project ?? 'en';
  const minLineViews = opts.minLineViews ?? 50;
  const marker = Buffer.from(`\n${project} `, 'utf8');
  const rec: PageviewFileRecord = {
    path,
    bytes: 0,
    sha256: '',
    projectLines: 0,
    countedLines: 0,
    malformedLines: 0,
  };
  const hash = createHash('sha256');
  /**
   * One project line, bytes [from, to) of `buf` starting at the title (after "en "). Works on the
   * bytes: most lines have a few views, and only the rare counted ones become strings.
   */
  const parseLine = (buf: Buffer, from: number, to: number): void => {
    rec.projectLines++;
    // Python's strip() then split(" "): exactly four fields (project, title, views, bytes).
    while (to > from && isSpaceByte(buf[to - 1])) to--;
    const s1 = buf.indexOf(0x20, from);
    const s2 = s1 < 0 || s1 >= to ? -1 : buf.indexOf(0x20, s1 + 1);
    if (s2 < 0 || s2 >= to || s2 === s1 + 1 || s2 + 1 >= to || hasSpace(buf, s2 + 1, to)) {
      rec.malformedLines++;
      return;
    }
    let views = 0;
    for (let k = s1 + 1; k < s2; k++) {
      const d = buf[k] - 0x30;
      if (d < 0 || d > 9) {
        rec.malformedLines++;
        return;
      }
      views = views * 10 + d;
    }
    if (views < minLineViews) return;
    const title = buf.toString('utf8', from, s1).trim().replace(/_/g, ' ');
    if (title.includes(':')) return;
    rec.countedLines++;
    titles.set(title, (titles.get(title) ?? 0) + views);
  };
  // A leading newline lets the first line match the "\nen " marker like every other line.
  let carry: Buffer = Buffer.from('\n');
  const consume = (chunk: Buffer, final: boolean): void => {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      const at = buf.indexOf(marker, pos);
      if (at < 0) {
        // Keep the last partial line: it may start with the marker once more bytes arrive.
        const lastNl = buf.lastIndexOf(0x0a);
        carry = lastNl >= pos ? buf.subarray(lastNl) : buf.subarray(pos);
        break;
      }
      const end = buf.indexOf(0x0a, at + 1);
      if (end < 0) {
        carry = buf.subarray(at);
        break;
      }
      parseLine(buf, at + marker.length, end);
      pos = end;
    }
    if (final && carry.length > marker.length && carry.subarray(0, marker.length).equals(marker)) {
      parseLine(carry, marker.length, carry.length);
      carry = Buffer.alloc(0);
    }
  };
  try {
    const raw = createReadStream(path, { highWaterMark: 1 << 20 });
    const source = async function* (): AsyncGenerator<Buffer> {
      for await (const c of raw) {
        const b = c as Buffer;
        rec.bytes += b.length;
        hash.update(b);
        yield b;
      }
    };
    const iter = source();
    // Peek at the magic: gzip is expected, plain text is accepted too.
    const head = await iter.next();
    if (head.done) return { ...rec, sha256: hash.digest('hex') };
    if (head.value.length >= 2 && head.value[0] === 0x1f && head.value[1] === 0x8b) {
      const g = createGunzip();
      const feed = (async () => {
        g.write(head.value);
        for await (const b of iter)
          if (!g.write(b)) await new Promise<void>((r) => g.once('drain', () => r()));
        g.end();
      })();
      feed.catch((err: Error) => g.destroy(err));
      for await (const c of g) consume(c as Buffer, false);
      await feed;
    } else {
      consume(head.value, false);
      for await (const b of iter) consume(b, false);
    }
    consume(Buffer.alloc(0), true);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const isZlib = typeof e.code === 'string' && e.code.startsWith('Z_');
    throw new InputError(
      path,
      {},
      isZlib ? 'bad-gzip' : 'unreadable',
      `cannot read page views: ${e.message}`,
    );
  }
  rec.sha256 = hash.digest('hex');
  return rec;
}

function isSpaceByte(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

function hasSpace(buf: Buffer, from: number, to: number): boolean {
  const i = buf.indexOf(0x20, from);
  return i >= 0 && i < to;
}

/** Titles with at least `minViews` summed views (the reference keeps >= 70). */
export function selectTitles(titles: Map<string, number>, minViews: number): ScoredEntry[] {
  const out: ScoredEntry[] = [];
  for (const [entry, score] of titles) if (score >= minViews) out.push({ entry, score });
  return out;
}
