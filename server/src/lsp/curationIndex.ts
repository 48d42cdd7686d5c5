/**
 * The curations and training runs of a workspace, as plain records read from their files:
 *   a curation folder holds `.metacurate/manifest.json` (written from the first run on), or a
 *   `summary.json` with `counts.json` / `counts.bin` beside it (a finished curation);
 *   a run is `.metacurate/runs/<id>/run.json` in a workspace folder.
 * Each records the sha256 of the metadata file it was made with (the summary's `metadata.sha256`,
 * else the manifest's plan; a run's `curation.metadataSha256`, else its curation's). Folders from
 * before that was recorded have none: "unknown metadata", never shown against a list.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findFiles, GlobSet } from '../../engine/src/documents/glob';

export interface CurationInfo {
  /** The curation folder (absolute). */
  dir: string;
  /** Its per-entry counts (counts.json, else counts.bin); undefined while it is being made. */
  countsPath: string | undefined;
  /** sha256 (hex) of the metadata file's bytes it was made with; undefined = unknown. */
  metadataSha256: string | undefined;
  t?: number;
  seed?: number;
  /** Pool records counted. */
  records?: number;
  /** Records kept. */
  kept?: number;
  /** When it was made: its summary's modification time (ms since the epoch), else the manifest's. */
  created: number;
  /** A worldwide curation: its languages (summary.json `worldwide`). */
  worldwide?: WorldwideLanguageInfo[];
  /**
   * Set on a worldwide curation as seen from one of its language lists (`curationsOf`): that
   * language, whose counts are counts.bin at `offset`; `t`, `records` and `kept` are then its own.
   */
  language?: WorldwideLanguageInfo;
}

/** One language of a worldwide curation (contracts/src/cliEvents.ts, CliWorldwideLanguage). */
export interface WorldwideLanguageInfo {
  code: string;
  file: string;
  sha256: string;
  entries: number;
  offset: number;
  t: number;
  records: number;
  matchedRecords: number;
  kept: number;
}

export interface RunInfo {
  id: string;
  /** The curation folder it trained on (absolute), when it trained on one. */
  curationDir?: string;
  /** sha256 of the metadata its curation was made with; undefined = unknown. */
  metadataSha256?: string;
}

const SUMMARY_GLOBS = new GlobSet(['**/summary.json']);

/** The sha256 (hex) of a file's bytes or of a text's UTF-8 bytes (what the engine records). */
export function sha256Of(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await fsp.readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

async function mtimeOf(path: string): Promise<number | undefined> {
  try {
    return (await fsp.stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const numberOr = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const stringOr = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The manifest path of a curation folder (see engine/src/curationFolder.ts). */
function manifestPathOf(dir: string): string {
  return join(dir, '.metacurate', 'manifest.json');
}

/** The curation in `dir`, or undefined when `dir` holds none. */
export async function readCuration(dir: string): Promise<CurationInfo | undefined> {
  const summaryPath = join(dir, 'summary.json');
  let countsPath: string | undefined;
  for (const name of ['counts.json', 'counts.bin']) {
    if (existsSync(join(dir, name))) {
      countsPath = join(dir, name);
      break;
    }
  }
  const summaryTime = countsPath ? await mtimeOf(summaryPath) : undefined;
  const manifestTime = await mtimeOf(manifestPathOf(dir));
  if (summaryTime === undefined && manifestTime === undefined) return undefined;
  const summary = summaryTime !== undefined ? await readJson(summaryPath) : undefined;
  const manifest = manifestTime !== undefined ? await readJson(manifestPathOf(dir)) : undefined;
  const s = isObject(summary) ? summary : {};
  const metadata = isObject(s.metadata) ? s.metadata : {};
  const plan = isObject(manifest) && isObject(manifest.plan) ? manifest.plan : {};
  const pool = isObject(s.pool) ? s.pool : {};
  return {
    dir,
    countsPath: summaryTime !== undefined ? countsPath : undefined,
    metadataSha256: stringOr(metadata.sha256) ?? stringOr(plan.metadataSha256),
    t: numberOr(s.t),
    seed: numberOr(s.seed),
    records: numberOr(pool.records) ?? numberOr(s.records),
    kept: numberOr(s.kept),
    created: summaryTime ?? manifestTime!,
    ...(isObject(s.worldwide) ? { worldwide: worldwideLanguagesOf(s.worldwide) } : {}),
  };
}

/** The languages of a summary's `worldwide`; a language missing a field is left out (never shown). */
function worldwideLanguagesOf(worldwide: Record<string, unknown>): WorldwideLanguageInfo[] {
  const languages = Array.isArray(worldwide.languages) ? (worldwide.languages as unknown[]) : [];
  const out: WorldwideLanguageInfo[] = [];
  for (const l of languages) {
    if (!isObject(l)) continue;
    const code = stringOr(l.code);
    const file = stringOr(l.file);
    const sha256 = stringOr(l.sha256);
    const [entries, offset, t] = [numberOr(l.entries), numberOr(l.offset), numberOr(l.t)];
    if (!code || !file || !sha256 || entries === undefined || offset === undefined || t === undefined)
      continue;
    out.push({
      code,
      file,
      sha256,
      entries,
      offset,
      t,
      records: numberOr(l.records) ?? 0,
      matchedRecords: numberOr(l.matched_records) ?? 0,
      kept: numberOr(l.kept) ?? 0,
    });
  }
  return out;
}

/** Folders holding a curation under `folder` (curations in progress only when found by summary). */
async function curationDirsUnder(folder: string): Promise<string[]> {
  const dirs = new Set<string>();
  for (const summary of await findFiles(folder, SUMMARY_GLOBS)) dirs.add(dirname(summary));
  return [...dirs];
}

/** The runs of a workspace folder, their metadata taken from run.json or from their curation. */
export async function readRuns(folder: string, curations: readonly CurationInfo[]): Promise<RunInfo[]> {
  const runsDir = join(folder, '.metacurate', 'runs');
  let names: string[];
  try {
    names = await fsp.readdir(runsDir);
  } catch {
    return [];
  }
  const out: RunInfo[] = [];
  for (const name of names.sort()) {
    const spec = await readJson(join(runsDir, name, 'run.json'));
    if (!isObject(spec) || typeof spec.id !== 'string') continue;
    const curation = isObject(spec.curation) ? spec.curation : {};
    const dir = stringOr(curation.dir);
    const curationDir = dir ? resolve(folder, dir) : undefined;
    const ofCuration = curationDir ? curations.find((c) => c.dir === curationDir) : undefined;
    out.push({
      id: spec.id,
      curationDir,
      metadataSha256: stringOr(curation.metadataSha256) ?? ofCuration?.metadataSha256,
    });
  }
  return out;
}

/** Every curation and run of the workspace folders. */
export async function scanCurations(
  folders: readonly string[],
): Promise<{ curations: CurationInfo[]; runs: RunInfo[] }> {
  const curations: CurationInfo[] = [];
  const runs: RunInfo[] = [];
  for (const folder of folders) {
    const found: CurationInfo[] = [];
    for (const dir of await curationDirsUnder(folder)) {
      const curation = await readCuration(dir);
      if (curation) found.push(curation);
    }
    curations.push(...found);
    runs.push(...(await readRuns(folder, found)));
  }
  return { curations, runs };
}

/**
 * The curations made with the metadata of sha256 `sha`, newest first. A worldwide curation counts
 * when one of its languages' lists has that sha256 (and, for a language list, its code): it is
 * returned as that language's view (`language`, its t, records and kept). Its own
 * `metadata.sha256` (of the folder) never matches a list.
 */
export function curationsOf(
  sha: string | undefined,
  curations: readonly CurationInfo[],
  code?: string,
): CurationInfo[] {
  if (!sha) return [];
  const found: CurationInfo[] = [];
  for (const c of curations) {
    if (!c.worldwide) {
      if (c.metadataSha256 === sha) found.push(c);
      continue;
    }
    const language = c.worldwide.find((l) => l.sha256 === sha && (code === undefined || l.code === code));
    if (language) found.push(languageView(c, language));
  }
  return found.sort((a, b) => b.created - a.created || (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

/** A worldwide curation as seen from one of its languages' lists. */
export function languageView(c: CurationInfo, language: WorldwideLanguageInfo): CurationInfo {
  return {
    ...c,
    metadataSha256: language.sha256,
    t: language.t,
    records: language.records,
    kept: language.kept,
    language,
  };
}

/** The active one of `candidates` (newest first): the chosen folder when it is one, else the newest. */
export function activeOf(
  candidates: readonly CurationInfo[],
  chosenDir: string | undefined,
): CurationInfo | undefined {
  return candidates.find((c) => c.dir === chosenDir) ?? candidates[0];
}

/**
 * Whether `path` lies in a curation folder (its pools and outputs): some folder from `path`'s up
 * to `root` holds a curation manifest, or a summary.json beside counts. `cache` remembers folders.
 */
export function isInsideCuration(path: string, root: string, cache: Map<string, boolean>): boolean {
  const top = resolve(root);
  let dir = dirname(resolve(path));
  const visited: string[] = [];
  let found = false;
  for (;;) {
    const known = cache.get(dir);
    if (known !== undefined) {
      found = known;
      break;
    }
    visited.push(dir);
    if (
      existsSync(manifestPathOf(dir)) ||
      (existsSync(join(dir, 'summary.json')) &&
        (existsSync(join(dir, 'counts.json')) || existsSync(join(dir, 'counts.bin'))))
    ) {
      found = true;
      break;
    }
    const parent = dirname(dir);
    if (dir === top || parent === dir || !dir.startsWith(top)) break;
    dir = parent;
  }
  // A folder is inside a curation when any folder above it is one: the answer holds for all visited.
  for (const v of visited) cache.set(v, found);
  return found;
}
