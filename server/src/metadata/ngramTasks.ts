/**
 * The work done in worker threads for the Wikipedia n-gram parts: counting chunks with bounded
 * memory (spilling sorted runs), merging runs, and the PMI selection join. The same handler runs
 * in-process when no worker script is available (see ngrams.ts).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { serializeError, type SerializedError } from '../../engine/src/workerProtocol';
import {
  addPageStats,
  emptyPageStats,
  readChunkArticles,
  type ChunkSpec,
  type PageStats,
} from './dumpChunks';
import { countPageviewFile, type PageviewFileRecord, type PageviewOptions } from './pageviews';
import { mergeRuns, RunReader, RunWriter, sumCounts, writeCountRun } from './runs';
import { textCounterFor, type LanguageTokenizer, type TextCounter } from './languageTokenizers';
import { newCounter, type NgramCounter } from './tokenize';
import { articleText } from './wikitext';

/** What a worker reports when counts of whole chunks are safely on disk. */
export interface Commit {
  chunks: number[];
  unigramRuns: string[];
  bigramRuns: string[];
  stats: PageStats;
}

export type TaskRequest =
  | { type: 'init'; runDir: string; spillEntries: number; tokenizer: LanguageTokenizer }
  | { type: 'count'; chunk: ChunkSpec }
  | { type: 'flush' }
  | { type: 'merge'; inputs: string[]; output: string }
  | { type: 'pmi'; args: PmiArgs }
  | { type: 'pageviews'; path: string; opts: PageviewOptions };

export type TaskReply =
  | { type: 'progress'; chunk: number; filePos: number }
  | { type: 'counted'; chunk: number }
  | { type: 'commit'; commit: Commit }
  | { type: 'flushed' }
  | { type: 'merged'; output: string; lines: number; total: number }
  | { type: 'pmi'; result: PmiResult }
  | { type: 'pageviews'; record: PageviewFileRecord; titles: Array<[string, number]> }
  | { type: 'error'; error: SerializedError };

/** Per-thread counting state: counts in memory, runs written but not yet committed. */
class CountState {
  counter: NgramCounter = newCounter();
  chunks: number[] = [];
  runsUni: string[] = [];
  runsBi: string[] = [];
  stats: PageStats = emptyPageStats();
  private seq = 0;
  private readonly tag = randomBytes(6).toString('hex');

  constructor(
    readonly runDir: string,
    readonly spillEntries: number,
    readonly countText: TextCounter,
  ) {}

  size(): number {
    return this.counter.unigrams.size + this.counter.bigrams.size;
  }

  spill(): void {
    if (this.counter.unigrams.size === 0 && this.counter.bigrams.size === 0) return;
    const base = join(this.runDir, `${this.tag}-${this.seq++}`);
    writeCountRun(`${base}.uni`, this.counter.unigrams);
    writeCountRun(`${base}.bi`, this.counter.bigrams);
    this.runsUni.push(`${base}.uni`);
    this.runsBi.push(`${base}.bi`);
    this.counter = newCounter();
  }

  commit(): Commit {
    this.spill();
    const commit: Commit = {
      chunks: this.chunks,
      unigramRuns: this.runsUni,
      bigramRuns: this.runsBi,
      stats: this.stats,
    };
    this.chunks = [];
    this.runsUni = [];
    this.runsBi = [];
    this.stats = emptyPageStats();
    return commit;
  }
}

/** Handles one request; replies go through `reply`. One handler instance per thread. */
export function createTaskHandler(reply: (msg: TaskReply) => void): (req: TaskRequest) => void {
  let state: CountState | undefined;
  return (req) => {
    try {
      switch (req.type) {
        case 'init':
          state = new CountState(req.runDir, req.spillEntries, textCounterFor(req.tokenizer));
          return;
        case 'count': {
          if (!state) throw new Error('count before init');
          const s = state;
          const hardLimit = s.spillEntries * 2;
          let lastReport = 0;
          const stats = readChunkArticles(
            req.chunk,
            (page) => {
              s.countText(articleText(page), s.counter);
              // A huge chunk may outgrow the budget: spill now, commit with the chunk.
              if (s.size() > hardLimit) s.spill();
            },
            (filePos) => {
              const now = Date.now();
              if (now - lastReport > 250) {
                lastReport = now;
                reply({ type: 'progress', chunk: req.chunk.id, filePos });
              }
            },
          );
          s.chunks.push(req.chunk.id);
          addPageStats(s.stats, stats);
          reply({ type: 'counted', chunk: req.chunk.id });
          // Commit once over budget, or when a mid-chunk spill left runs waiting for this chunk.
          if (s.size() > s.spillEntries || s.runsUni.length > 0)
            reply({ type: 'commit', commit: s.commit() });
          return;
        }
        case 'flush':
          if (state && state.chunks.length > 0) reply({ type: 'commit', commit: state.commit() });
          reply({ type: 'flushed' });
          return;
        case 'merge': {
          let total = 0;
          const lines = mergeRuns(req.inputs, req.output, sumCounts, (_k, v) => {
            total += Number(v);
          });
          reply({ type: 'merged', output: req.output, lines, total });
          return;
        }
        case 'pmi':
          reply({ type: 'pmi', result: selectByPmi(req.args) });
          return;
        case 'pageviews': {
          const titles = new Map<string, number>();
          countPageviewFile(req.path, titles, req.opts).then(
            (record) => reply({ type: 'pageviews', record, titles: [...titles] }),
            (err: Error) => reply(errorReply(err)),
          );
          return;
        }
      }
    } catch (err) {
      reply(errorReply(err as Error));
    }
  };
}

function errorReply(e: Error): TaskReply {
  return { type: 'error', error: serializeError(e) };
}

export interface PmiArgs {
  unigramFile: string;
  bigramFile: string;
  /** N of the reference's formula: the sum of all unigram counts. */
  totalTokens: number;
  minPmi: number;
  runDir: string;
  spillEntries: number;
  /** Where the kept bigrams go, as a run: key "w1 w2", value "count pmi". */
  output: string;
}

export interface PmiResult {
  candidates: number;
  kept: number;
}

/**
 * Pointwise mutual information as the reference computes it with NLTK's
 * `BigramAssocMeasures.pmi`: log2(n_ii * N) - log2(n_ix * n_xi) (metaclip/build_metadata.py).
 */
export function bigramPmi(count: number, countW1: number, countW2: number, totalTokens: number): number {
  return Math.log2(count * totalTokens) - Math.log2(countW1 * countW2);
}

/**
 * Keeps bigrams with PMI >= minPmi by two sort-merge joins against the sorted unigram counts, so
 * that neither table has to fit in memory. Since count <= min(n1, n2), PMI <= log2(N / max(n1, n2)):
 * only bigrams whose first word has log2(N / n1) >= minPmi can pass; they alone go to the second join.
 */
export function selectByPmi(args: PmiArgs): PmiResult {
  const { totalTokens: n, minPmi } = args;
  const log2N = Math.log2(n);
  const slack = 1e-9;
  // Join 1: first-word counts, bigram file order (grouped by w1, see tokenize.ts).
  const candRuns: string[] = [];
  let buffer: Array<[string, string]> = [];
  const tag = randomBytes(6).toString('hex');
  const flush = (): void => {
    if (buffer.length === 0) return;
    buffer.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const path = join(args.runDir, `pmi-${tag}-${candRuns.length}.cand`);
    const w = new RunWriter(path);
    for (const [k, v] of buffer) w.write(k, v);
    w.close();
    candRuns.push(path);
    buffer = [];
  };
  let candidates = 0;
  {
    const uni = new RunReader(args.unigramFile);
    const bi = new RunReader(args.bigramFile);
    try {
      while (!bi.done) {
        const sp = bi.key.indexOf(' ');
        const w1 = bi.key.slice(0, sp);
        while (!uni.done && uni.key < w1) uni.advance();
        if (uni.done || uni.key !== w1)
          throw new Error(`unigram count missing for '${w1}' (bigram '${bi.key}')`);
        const n1 = Number(uni.value);
        if (log2N - Math.log2(n1) >= minPmi - slack) {
          buffer.push([bi.key.slice(sp + 1) + ' ' + w1, `${bi.value} ${n1}`]);
          candidates++;
          if (buffer.length >= args.spillEntries) flush();
        }
        bi.advance();
      }
    } finally {
      uni.close();
      bi.close();
    }
    flush();
  }
  // Join 2: second-word counts, candidates sorted by (w2, w1).
  const kept: Array<[string, string]> = [];
  if (candRuns.length > 0) {
    const merged = join(args.runDir, `pmi-${tag}.cand`);
    mergeRuns(candRuns, merged, (a) => a);
    const uni = new RunReader(args.unigramFile);
    const cand = new RunReader(merged);
    try {
      while (!cand.done) {
        const sp = cand.key.indexOf(' ');
        const w2 = cand.key.slice(0, sp);
        const w1 = cand.key.slice(sp + 1);
        while (!uni.done && uni.key < w2) uni.advance();
        if (uni.done || uni.key !== w2) throw new Error(`unigram count missing for '${w2}'`);
        const [count, n1] = cand.value.split(' ').map(Number);
        const pmi = bigramPmi(count, n1, Number(uni.value), n);
        if (pmi >= minPmi) kept.push([w1 + ' ' + w2, `${count} ${pmi}`]);
        cand.advance();
      }
    } finally {
      uni.close();
      cand.close();
    }
    candRuns.push(merged);
  }
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const w = new RunWriter(args.output);
  for (const [k, v] of kept) w.write(k, v);
  w.close();
  for (const p of candRuns) removeQuietly(p);
  return { candidates, kept: kept.length };
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // a leftover temp file is harmless
  }
}
