/**
 * Wikipedia unigram and bigram counts from `pages-articles` dumps, with bounded memory, all cores and
 * resumability:
 * - the dumps are cut into chunks (dumpChunks.ts) that worker threads count;
 * - a worker spills its counts as sorted runs when they pass its share of the memory budget, and
 *   then commits "these chunks are counted, in these runs" to the main thread, which records it in
 *   `manifest.json` of the work folder (atomically), so a re-run skips committed chunks and deletes
 *   runs nobody committed;
 * - runs are merged (64 at a time, in parallel) into `unigrams.counts` and `bigrams.counts`, which
 *   stay in the work folder as a cache: a later build with other thresholds reuses them.
 * Memory: each worker holds at most about 2 x spillEntries distinct n-grams; merges hold one block
 * per input run.
 */
import { availableParallelism, totalmem } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  addPageStats,
  describeDump,
  emptyPageStats,
  planChunks,
  DEFAULT_CHUNK_BYTES,
  type ChunkSpec,
  type DumpFormat,
  type DumpInfo,
  type PageStats,
} from './dumpChunks';
import { writeFileAtomicSync } from '../../engine/src/fsAtomic';
import { sha256File } from './files';
import type { Commit, PmiResult } from './ngramTasks';
import { replyError, runRequests, startPort, workerScript, type Port } from './pool';
import { Progress, type ProgressTarget } from './progress';
import { RunReader } from './runs';
import { tokenizerFor, type LanguageTokenizer } from './languageTokenizers';

/** Bumped when tokenization or markup stripping changes, so stale counts are not resumed. */
export const NGRAM_FORMAT = 'metaclip-simple-tokenizer/1';

/** The manifest's format: English keeps the old one, so its work folders keep resuming. */
function countsFormat(tokenizer: LanguageTokenizer): string {
  return tokenizer.method === 'simple_tokenizer' ? NGRAM_FORMAT : `${NGRAM_FORMAT}+${tokenizer.id}`;
}
const FAN_IN = 64;

export interface NgramCountOptions {
  dumps: string[];
  /** Where checkpoints, runs and the final counts live. */
  workDir: string;
  threads?: number;
  /** Memory budget for counting, all workers together (MB). */
  memoryMb?: number;
  /** Overrides the budget: distinct n-grams a worker keeps before spilling (tests). */
  spillEntries?: number;
  chunkBytes?: Partial<Record<DumpFormat, number>>;
  /** How the dump's language is cut into words; default English (the reference tokenizer). */
  tokenizer?: LanguageTokenizer;
  log?: (line: string) => void;
  progress?: ProgressTarget;
  /** Simulates a crash after this many commits (tests of resuming). */
  stopAfterCommits?: number;
}

export interface DumpRecord extends DumpInfo {
  sha256: string;
}

export interface NgramCounts {
  dumps: DumpRecord[];
  /** Runs (runs.ts) of `token\tcount` and `w1 w2\tcount`, sorted by key. */
  unigramFile: string;
  bigramFile: string;
  /** Sum of all unigram counts: N in the PMI formula. */
  totalTokens: number;
  distinctUnigrams: number;
  distinctBigrams: number;
  stats: PageStats;
  chunks: number;
  /** Chunks found already counted when this run started. */
  resumedChunks: number;
}

interface Manifest {
  format: string;
  dumps: Array<{ path: string; size: number; mtimeMs: number; format: DumpFormat }>;
  chunkBytes: Record<DumpFormat, number>;
  chunks: number;
  done: number[];
  unigramRuns: string[];
  bigramRuns: string[];
  stats: PageStats;
  sha256: Record<string, string>;
  counted?: {
    unigramFile: string;
    bigramFile: string;
    totalTokens: number;
    distinctUnigrams: number;
    distinctBigrams: number;
  };
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

export function defaultMemoryMb(): number {
  return Math.max(512, Math.min(8192, Math.floor(totalmem() / 4 / 1e6)));
}

/** Counts unigrams and bigrams of all dumps, resuming from the work folder's manifest. */
export async function countDumpNgrams(opts: NgramCountOptions): Promise<NgramCounts> {
  const log = opts.log ?? (() => undefined);
  let threads = Math.max(1, opts.threads ?? defaultThreads());
  if (threads > 1 && workerScript() === undefined) {
    // In-process "threads" would only take turns while each held its own counts.
    log('n-grams: no worker script next to this build; counting on the main thread');
    threads = 1;
  }
  // About 300 bytes per distinct n-gram at the peak (two maps up to 2x, plus the sorted key array);
  // capped so that a map stays well under V8's limit of 2^24 entries.
  const spillEntries =
    opts.spillEntries ??
    Math.min(
      4_000_000,
      Math.max(50_000, Math.floor(((opts.memoryMb ?? defaultMemoryMb()) * 1e6) / (threads * 300))),
    );
  const workDir = resolve(opts.workDir);
  const runDir = join(workDir, 'runs');
  mkdirSync(runDir, { recursive: true });
  // The same file named twice would be counted twice.
  const dumps = [...new Set(opts.dumps.map((p) => resolve(p)))].map((p) => describeDump(p));
  const chunkBytes: Record<DumpFormat, number> = { ...DEFAULT_CHUNK_BYTES, ...opts.chunkBytes };
  const chunks = planChunks(dumps, chunkBytes);
  const manifestPath = join(workDir, 'manifest.json');
  const tokenizer = opts.tokenizer ?? tokenizerFor('en');
  const fresh: Manifest = {
    format: countsFormat(tokenizer),
    dumps: dumps.map(({ path, size, mtimeMs, format }) => ({ path, size, mtimeMs, format })),
    chunkBytes,
    chunks: chunks.length,
    done: [],
    unigramRuns: [],
    bigramRuns: [],
    stats: emptyPageStats(),
    sha256: {},
  };
  let manifest = loadManifest(manifestPath);
  if (manifest && !sameInputs(manifest, fresh)) {
    log(`n-grams: inputs or settings changed since the counts in ${workDir}; starting over`);
    manifest = undefined;
  }
  if (!manifest) {
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true });
    for (const f of ['unigrams.counts', 'bigrams.counts']) rmSync(join(workDir, f), { force: true });
    manifest = fresh;
    saveManifest(manifestPath, manifest);
  }
  const m = manifest;
  const resumedChunks = m.done.length;
  const hashing = hashDumps(dumps, m);
  // Awaited below; this only keeps a failure during counting from surfacing as unhandled.
  hashing.catch(() => undefined);
  if (!m.counted) {
    if (resumedChunks > 0)
      log(`n-grams: resuming, ${resumedChunks} of ${chunks.length} chunks already counted`);
    removeOrphanRuns(runDir, m);
    const doneSet = new Set(m.done);
    const pending = chunks.filter((c) => !doneSet.has(c.id));
    const total = dumps.reduce((s, d) => s + d.size, 0);
    const already = chunks.filter((c) => doneSet.has(c.id)).reduce((s, c) => s + (c.end - c.start), 0);
    const progress = new Progress(opts.progress, 'counting n-grams', total, already);
    log(
      `n-grams: ${pending.length} chunks to count with ${threads} threads (${spillEntries} n-grams per spill)`,
    );
    let commits = 0;
    await countPhase(
      tokenizer,
      pending,
      Math.min(threads, pending.length),
      runDir,
      spillEntries,
      progress,
      already,
      (c) => {
        m.done.push(...c.chunks);
        m.unigramRuns.push(...c.unigramRuns.map((p) => relativeRun(runDir, p)));
        m.bigramRuns.push(...c.bigramRuns.map((p) => relativeRun(runDir, p)));
        addPageStats(m.stats, c.stats);
        saveManifest(manifestPath, m);
        if (++commits === opts.stopAfterCommits) throw new Error(`stopped after ${commits} commits`);
      },
    );
    progress.finish();
    log(`n-grams: merging ${m.unigramRuns.length} unigram and ${m.bigramRuns.length} bigram runs`);
    m.counted = await mergePhase(m, workDir, runDir, threads, () => saveManifest(manifestPath, m));
    m.unigramRuns = [];
    m.bigramRuns = [];
    saveManifest(manifestPath, m);
    rmSync(runDir, { recursive: true, force: true });
  } else {
    log(`n-grams: reusing the counts in ${workDir}`);
  }
  const sha = await hashing;
  Object.assign(m.sha256, sha);
  saveManifest(manifestPath, m);
  const counted = m.counted;
  return {
    dumps: dumps.map((d) => ({ ...d, sha256: sha[hashKey(d)] })),
    unigramFile: join(workDir, counted.unigramFile),
    bigramFile: join(workDir, counted.bigramFile),
    totalTokens: counted.totalTokens,
    distinctUnigrams: counted.distinctUnigrams,
    distinctBigrams: counted.distinctBigrams,
    stats: m.stats,
    chunks: chunks.length,
    resumedChunks,
  };
}

function hashKey(d: DumpInfo): string {
  return `${d.path}|${d.size}|${d.mtimeMs}`;
}

/** sha256 of each dump for the provenance, cached in the manifest (hashing 20 GB takes a while). */
async function hashDumps(dumps: DumpInfo[], m: Manifest): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const d of dumps) {
    const key = hashKey(d);
    out[key] = m.sha256[key] ?? (await sha256File(d.path));
  }
  return out;
}

function relativeRun(runDir: string, p: string): string {
  return p.startsWith(runDir + '/') ? p.slice(runDir.length + 1) : p;
}

function loadManifest(path: string): Manifest | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return undefined; // a damaged checkpoint only costs a recount
  }
}

function saveManifest(path: string, m: Manifest): void {
  writeFileAtomicSync(path, JSON.stringify(m));
}

function sameInputs(a: Manifest, b: Manifest): boolean {
  return (
    a.format === b.format &&
    a.chunks === b.chunks &&
    JSON.stringify(a.dumps) === JSON.stringify(b.dumps) &&
    JSON.stringify(a.chunkBytes) === JSON.stringify(b.chunkBytes)
  );
}

/** Deletes run files that no commit recorded (a worker stopped between spill and commit). */
function removeOrphanRuns(runDir: string, m: Manifest): void {
  const known = new Set([...m.unigramRuns, ...m.bigramRuns]);
  for (const name of readdirSync(runDir)) if (!known.has(name)) rmSync(join(runDir, name), { force: true });
}

function countPhase(
  tokenizer: LanguageTokenizer,
  pending: ChunkSpec[],
  threads: number,
  runDir: string,
  spillEntries: number,
  progress: Progress,
  already: number,
  onCommit: (c: Commit) => void,
): Promise<void> {
  if (pending.length === 0) return Promise.resolve();
  const byId = new Map(pending.map((c) => [c.id, c]));
  return new Promise((resolvePhase, rejectPhase) => {
    let next = 0;
    let active = 0;
    let failed = false;
    let counted = already;
    const partial = new Map<number, number>();
    const ports: Port[] = [];
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      void Promise.all(ports.map((p) => p.terminate())).finally(() => rejectPhase(err));
    };
    const report = (): void => {
      let inFlight = 0;
      for (const v of partial.values()) inFlight += v;
      progress.update(counted + inFlight);
    };
    const feed = (port: Port): void => {
      if (next < pending.length) port.send({ type: 'count', chunk: pending[next++] });
      else port.send({ type: 'flush' });
    };
    for (let t = 0; t < threads; t++) {
      const port = startPort((r) => {
        if (failed) return;
        switch (r.type) {
          case 'progress': {
            const c = byId.get(r.chunk);
            if (c) partial.set(c.id, Math.max(0, r.filePos - c.start));
            report();
            return;
          }
          case 'counted': {
            const c = byId.get(r.chunk);
            partial.delete(r.chunk);
            if (c) counted += c.end - c.start;
            report();
            feed(port);
            return;
          }
          case 'commit':
            try {
              onCommit(r.commit);
            } catch (err) {
              fail(err as Error);
            }
            return;
          case 'flushed':
            active--;
            void port.terminate();
            if (active === 0) resolvePhase();
            return;
          case 'error':
            fail(replyError(r));
            return;
          default:
            fail(new Error(`unexpected reply ${r.type}`));
        }
      }, fail);
      ports.push(port);
      active++;
      port.send({ type: 'init', runDir, spillEntries, tokenizer });
      feed(port);
    }
  });
}

let mergeSeq = 0;

async function mergePhase(
  m: Manifest,
  workDir: string,
  runDir: string,
  threads: number,
  save: () => void,
): Promise<NonNullable<Manifest['counted']>> {
  const abs = (name: string): string => join(runDir, name);
  // Intermediate levels, until each kind fits one final merge.
  while (m.unigramRuns.length > FAN_IN || m.bigramRuns.length > FAN_IN) {
    const jobs: Array<{ kind: 'unigramRuns' | 'bigramRuns'; inputs: string[]; output: string }> = [];
    for (const kind of ['unigramRuns', 'bigramRuns'] as const) {
      const runs = m[kind];
      if (runs.length <= FAN_IN) continue;
      for (let i = 0; i < runs.length; i += FAN_IN) {
        const group = runs.slice(i, i + FAN_IN);
        if (group.length < 2) continue;
        jobs.push({
          kind,
          inputs: group,
          output: `m${process.pid}-${Date.now()}-${mergeSeq++}.${kind === 'unigramRuns' ? 'uni' : 'bi'}`,
        });
      }
    }
    await runRequests(
      jobs.map((j) => ({ type: 'merge', inputs: j.inputs.map(abs), output: abs(j.output) })),
      threads,
      (i) => {
        const j = jobs[i];
        const gone = new Set(j.inputs);
        m[j.kind] = [...m[j.kind].filter((r) => !gone.has(r)), j.output];
        save();
        for (const r of j.inputs) rmSync(abs(r), { force: true });
      },
    );
  }
  const result = {
    unigramFile: 'unigrams.counts',
    bigramFile: 'bigrams.counts',
    totalTokens: 0,
    distinctUnigrams: 0,
    distinctBigrams: 0,
  };
  await runRequests(
    [
      { type: 'merge', inputs: m.unigramRuns.map(abs), output: join(workDir, result.unigramFile) },
      { type: 'merge', inputs: m.bigramRuns.map(abs), output: join(workDir, result.bigramFile) },
    ],
    threads,
    (i, r) => {
      if (r.type !== 'merged') throw new Error(`unexpected reply ${r.type}`);
      if (i === 0) {
        result.totalTokens = r.total;
        result.distinctUnigrams = r.lines;
      } else {
        result.distinctBigrams = r.lines;
      }
    },
  );
  return result;
}

/** An entry with the score it was selected by (count, PMI or page views). */
export interface ScoredEntry {
  entry: string;
  score: number;
}

/** Unigrams seen at least `minCount` times (the reference keeps count >= 100). */
export function selectUnigrams(counts: NgramCounts, minCount: number): ScoredEntry[] {
  const out: ScoredEntry[] = [];
  const r = new RunReader(counts.unigramFile);
  while (!r.done) {
    const c = Number(r.value);
    if (c >= minCount) out.push({ entry: r.key, score: c });
    r.advance();
  }
  return out;
}

export interface BigramSelection {
  entries: Array<ScoredEntry & { count: number }>;
  candidates: number;
}

/** Bigrams with PMI >= minPmi (the reference keeps PMI >= 30), computed in a worker thread. */
export async function selectBigrams(
  counts: NgramCounts,
  minPmi: number,
  workDir: string,
  spillEntries = 2_000_000,
): Promise<BigramSelection> {
  // Leftovers of an interrupted selection are only temporary files.
  for (const name of readdirSync(resolve(workDir))) {
    if (name.startsWith('pmi-') || name.startsWith('bigrams-pmi-'))
      rmSync(join(resolve(workDir), name), { force: true });
  }
  const output = join(resolve(workDir), `bigrams-pmi-${process.pid}.run`);
  let result: PmiResult = { candidates: 0, kept: 0 };
  await runRequests(
    [
      {
        type: 'pmi',
        args: {
          unigramFile: counts.unigramFile,
          bigramFile: counts.bigramFile,
          totalTokens: counts.totalTokens,
          minPmi,
          runDir: resolve(workDir),
          spillEntries,
          output,
        },
      },
    ],
    1,
    (_i, r) => {
      if (r.type === 'pmi') result = r.result;
    },
  );
  const entries: BigramSelection['entries'] = [];
  const r = new RunReader(output);
  while (!r.done) {
    const [count, pmi] = r.value.split(' ').map(Number);
    entries.push({ entry: r.key, score: pmi, count });
    r.advance();
  }
  rmSync(output, { force: true });
  return { entries, candidates: result.candidates };
}

/** All lines of a counts file, as [key, count] (for inspection and tests; small files only). */
export function readCounts(file: string): Map<string, number> {
  const out = new Map<string, number>();
  const r = new RunReader(file);
  while (!r.done) {
    out.set(r.key, Number(r.value));
    r.advance();
  }
  return out;
}
