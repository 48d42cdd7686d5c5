/**
 * What a run achieved, read from its results.jsonl (both trainers' key names), and runs side by
 * side: t, pool and curated sizes, steps, top-1, top-5, mean per-class top-1, then per class.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { CliRunSummary } from '../../../../contracts/src/cliEvents';
import { join } from 'node:path';
import { latestZeroShot, parseResultsJsonl, type ResultsRecord } from '../trainResults';
import { elapsedSeconds, type RunEntry, type RunSpec } from './runFolder';

/** What a run achieved: the contract's row (`run list --json`, the `done` event). */
export type RunSummary = CliRunSummary;

/** The run's results.jsonl records ([] when it has none yet). */
export function readRunResults(run: RunEntry): ResultsRecord[] {
  const path = join(run.runDir, run.spec.results);
  if (!existsSync(path)) return [];
  return parseResultsJsonl(readFileSync(path, 'utf8'));
}

export function summarizeRun(run: RunEntry, records: ResultsRecord[] = readRunResults(run)): RunSummary {
  const { spec, state } = run;
  const z = latestZeroShot(records, spec.zeroshot?.name);
  const last = records[records.length - 1];
  // The built-in trainer's evaluation records count the zero-shot images in num_samples and the
  // training samples in samples_seen; other records count training samples in num_samples.
  const trainSamples = (r: ResultsRecord | undefined) =>
    typeof r?.raw.samples_seen === 'number' ? r.raw.samples_seen : r?.numSamples;
  const evalImages = z && typeof z.record.raw.samples_seen === 'number' ? z.record.numSamples : undefined;
  return {
    id: spec.id,
    kind: spec.kind,
    status: state.status,
    t: spec.curation?.t,
    poolRecords: spec.curation?.poolRecords,
    curatedRecords: spec.curation?.curatedRecords,
    steps: last?.step ?? state.progress?.step ?? spec.steps,
    samplesSeen: trainSamples(last),
    seconds: elapsedSeconds(state),
    dataset: z?.dataset,
    top1: z?.top1,
    top5: z?.top5,
    meanPerClassTop1: z?.meanPerClassTop1,
    perClass: z?.perClassTop1,
    classes: z ? zeroShotClasses(spec, z.dataset, z.perClassTop1) : undefined,
    evalImages,
  };
}

/** OpenCLIP's --imagenet-val evaluates on ImageNet's 1,000 classes. */
const IMAGENET_CLASSES = 1000;

/**
 * The number of classes of a run's zero-shot evaluation: its per-class results, else the class
 * names it was given (a comma-separated list, or a file of one name a line), else ImageNet's for
 * OpenCLIP; undefined when none says.
 */
export function zeroShotClasses(
  spec: Pick<RunSpec, 'kind' | 'zeroshot'>,
  dataset: string,
  perClass?: Record<string, number | null>,
): number | undefined {
  if (perClass && Object.keys(perClass).length > 0) return Object.keys(perClass).length;
  const names = spec.zeroshot?.classnames;
  if (names?.includes(',')) return names.split(',').filter((n) => n.trim()).length;
  if (names) {
    try {
      const count = readFileSync(names, 'utf8')
        .split('\n')
        .filter((l) => l.trim()).length;
      if (count > 0) return count;
    } catch {
      // The file is gone: the count is unknown.
    }
  }
  return spec.kind === 'openclip' && dataset.startsWith('imagenet') ? IMAGENET_CLASSES : undefined;
}

/** Top-1 by chance and whether a top-1 is no better than that, within the evaluation's noise. */
export interface ChanceLevel {
  /** 1 / classes. */
  chance: number;
  classes: number;
  /**
   * True when top-1 is at most chance plus two standard errors of a guess over the evaluation's
   * images (sqrt(c (1 − c) / n)); without the image count, when it is within half a point.
   */
  nearChance: boolean;
}

export function chanceLevel(
  top1: number | undefined,
  classes: number | undefined,
  evalImages?: number,
): ChanceLevel | undefined {
  if (top1 === undefined || classes === undefined || !(classes >= 2)) return undefined;
  const chance = 1 / classes;
  const noise =
    evalImages !== undefined && evalImages > 0 ? 2 * Math.sqrt((chance * (1 - chance)) / evalImages) : 0.005;
  return { chance, classes, nearChance: top1 <= chance + noise };
}

/**
 * A top-1 with its chance level: `10.0% (chance 10.0% for 10 classes)`, and `: at chance` when it
 * is within noise of it; the bare percentage when the class count is unknown.
 */
export function formatTop1(summary: Pick<RunSummary, 'top1' | 'classes' | 'evalImages'>): string {
  const top1 = pct(summary.top1);
  const level = chanceLevel(summary.top1, summary.classes, summary.evalImages);
  if (!level) return top1;
  return `${top1} (chance ${pct(level.chance)} for ${level.classes} classes${level.nearChance ? ': at chance' : ''})`;
}

const pct = (v: number | undefined | null) =>
  v === undefined || v === null ? '–' : `${(100 * v).toFixed(1)}%`;
const int = (v: number | undefined) => (v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));

/** A signed change in percentage points, `+4.2` / `−1.0` / `±0.0`. */
export function formatDelta(now: number | null | undefined, base: number | null | undefined): string {
  if (now === undefined || now === null || base === undefined || base === null) return '';
  const d = 100 * (now - base);
  const text = Math.abs(d).toFixed(1);
  return text === '0.0' ? '±0.0' : d > 0 ? `+${text}` : `−${text}`;
}

/**
 * The comparison as rows of cells: a header row of run ids, then one row per figure, then one
 * per class (the union of the runs' classes, in the first run's order). With a baseline (the first
 * run), the other runs' accuracies carry their change against it in points.
 */
export function comparisonRows(summaries: RunSummary[]): string[][] {
  const base = summaries[0];
  const withDelta = (s: RunSummary, v: number | null | undefined, b: number | null | undefined) =>
    s === base || summaries.length < 2 || formatDelta(v, b) === ''
      ? pct(v)
      : `${pct(v)} (${formatDelta(v, b)})`;
  const rows: string[][] = [['', ...summaries.map((s) => s.id)]];
  rows.push(['kind', ...summaries.map((s) => s.kind)]);
  rows.push(['status', ...summaries.map((s) => s.status)]);
  rows.push(['t', ...summaries.map((s) => (s.t === undefined ? '–' : String(s.t)))]);
  rows.push(['pool', ...summaries.map((s) => int(s.poolRecords))]);
  rows.push(['curated', ...summaries.map((s) => int(s.curatedRecords))]);
  rows.push(['steps', ...summaries.map((s) => int(s.steps))]);
  rows.push([
    'time',
    ...summaries.map((s) => (s.seconds === undefined ? '–' : `${Math.round(s.seconds)} s`)),
  ]);
  rows.push(['top-1', ...summaries.map((s) => withDelta(s, s.top1, base.top1))]);
  if (summaries.some((s) => chanceLevel(s.top1, s.classes))) {
    rows.push([
      'chance top-1',
      ...summaries.map((s) => {
        const level = chanceLevel(s.top1, s.classes, s.evalImages);
        if (!level) return '–';
        return `${pct(level.chance)} (${level.classes} classes)${level.nearChance ? ' at chance' : ''}`;
      }),
    ]);
  }
  rows.push(['top-5', ...summaries.map((s) => withDelta(s, s.top5, base.top5))]);
  rows.push([
    'mean per-class top-1',
    ...summaries.map((s) => withDelta(s, s.meanPerClassTop1, base.meanPerClassTop1)),
  ]);
  const classes: string[] = [];
  for (const s of summaries)
    for (const c of Object.keys(s.perClass ?? {})) if (!classes.includes(c)) classes.push(c);
  for (const c of classes) {
    rows.push([`  ${c}`, ...summaries.map((s) => withDelta(s, s.perClass?.[c], base.perClass?.[c]))]);
  }
  return rows;
}

/** Rows as a Markdown table. */
export function markdownTable(rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  const [head, ...body] = rows;
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Rows as aligned plain text (for a terminal). */
export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
