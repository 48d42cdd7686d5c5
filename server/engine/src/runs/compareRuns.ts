/**
 * What a run achieved, read from its results.jsonl (both trainers' key names), and runs side by
 * side: t, pool and curated sizes, steps, top-1, top-5, mean per-class top-1, then per class.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { CliRunSummary } from '../../../../contracts/src/cliEvents';
import { join } from 'node:path';
import { latestZeroShot, parseResultsJsonl, type ResultsRecord } from '../trainResults';
import { elapsedSeconds, type RunEntry } from './runFolder';

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
  return {
    id: spec.id,
    kind: spec.kind,
    status: state.status,
    t: spec.curation?.t,
    poolRecords: spec.curation?.poolRecords,
    curatedRecords: spec.curation?.curatedRecords,
    steps: last?.step ?? state.progress?.step ?? spec.steps,
    samplesSeen: last?.numSamples,
    seconds: elapsedSeconds(state),
    dataset: z?.dataset,
    top1: z?.top1,
    top5: z?.top5,
    meanPerClassTop1: z?.meanPerClassTop1,
    perClass: z?.perClassTop1,
  };
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
