/**
 * The "Threshold sweep" view's figures from a `SweepView` (contracts/src/webview.ts): the accuracy
 * chart's series (top-1 and mean per-class top-1 against t, their 95% CI, the raw arm's level),
 * the curated size against t, the table's rows, the progress line and what the sweep was made of.
 * Pure: no DOM; views/sweep.ts draws them.
 */
import {
  formatInterval,
  type Arm,
  type AugmentMode,
  type MeanInterval,
} from '../../contracts/src/studySummary';
import type { SweepGroup, SweepView } from '../../contracts/src/webview';
import { dec1, formatT, int } from './format';

/** One arm with one augmentation: a line of the accuracy chart per metric, a table row per t. */
export interface SweepArm {
  arm: Arm;
  augment: AugmentMode;
}

/** One line of the accuracy chart: a metric of one arm and augmentation at each t (percent; null: no seed done yet). */
export interface SweepSeries extends SweepArm {
  label: string;
  metric: 'top1' | 'meanPerClassTop1';
  values: (number | null)[];
  /** The ends of the 95% CI (percent) where two or more seeds are done, else null. */
  low: (number | null)[];
  high: (number | null)[];
}

export interface SweepAccuracyChart {
  /** The t values, ascending: the x of every series. */
  ts: number[];
  series: SweepSeries[];
  /** The raw arm's top-1 (the whole pool, no curation) per augmentation: a level line each. */
  raw: { label: string; value: number }[];
  /** The y axis, percent: from 0 to a little above the highest value or CI end. */
  yRange: [number, number];
}

export interface SweepSizeChart {
  ts: number[];
  pairs: number[];
}

/** A row of the table: one arm and augmentation at one t (raw: none). */
export interface SweepRow extends SweepArm {
  key: string;
  t: number | null;
  /** t ≥ the pool's largest entry count: nothing is balanced. */
  noBalancing: boolean;
  /** Pairs trained on: the curation's at t (the raw arm: the pool's); undefined: not known yet. */
  pairs: number | undefined;
  /** How often each pair is seen (samples over distinct pairs); undefined until a seed is done. */
  timesSeen: number | undefined;
  /** Seeds done, of those planned. */
  seeds: number[];
  top1: MeanInterval | undefined;
  meanPerClassTop1: MeanInterval | undefined;
  /** The curation at this t, to open in the balance view. */
  curationFolder: string | undefined;
}

const ARM_ORDER: Arm[] = ['raw', 'curated', 'online'];
const AUGMENT_ORDER: AugmentMode[] = ['crop', 'none'];
const byArm = (a: SweepArm, b: SweepArm) =>
  ARM_ORDER.indexOf(a.arm) - ARM_ORDER.indexOf(b.arm) ||
  AUGMENT_ORDER.indexOf(a.augment) - AUGMENT_ORDER.indexOf(b.augment);

/** The arms over t (every arm but raw) with each augmentation: those planned and any with results. */
export function sweepArms(view: SweepView): SweepArm[] {
  const found = new Map<string, SweepArm>();
  const add = (arm: Arm, augment: AugmentMode) => found.set(`${arm}|${augment}`, { arm, augment });
  for (const arm of view.arms) if (arm !== 'raw') for (const augment of view.augments) add(arm, augment);
  for (const g of view.groups) if (g.arm !== 'raw') add(g.arm, g.augment);
  return [...found.values()].sort(byArm);
}

/** The t values of the plan and of any result, ascending. */
export function sweepTs(view: SweepView): number[] {
  const ts = new Set(view.tValues);
  for (const g of view.groups) if (g.t !== null) ts.add(g.t);
  return [...ts].sort((a, b) => a - b);
}

/** Whether `t` balances nothing (at or above the pool's largest entry count). */
export function isNoBalancing(view: SweepView, t: number): boolean {
  return t >= view.largestEntryCount;
}

/** A t as the view writes it: "40", or "124 (no balancing)". */
export function sweepTLabel(view: SweepView, t: number): string {
  return isNoBalancing(view, t) ? `${formatT(t)} (no balancing)` : formatT(t);
}

/** The x axis's label: t on a log scale, and where balancing stops. */
export function sweepXLabel(view: SweepView): string {
  return `t (log scale; t ≥ ${int.format(view.largestEntryCount)}: no balancing)`;
}

/** "curated, crop" (an arm's name in labels when the sweep has more than one). */
export function armLabel(a: SweepArm): string {
  return `${a.arm}, ${a.augment}`;
}

function groupOf(view: SweepView, arm: Arm, t: number | null, augment: AugmentMode): SweepGroup | undefined {
  return view.groups.find((g) => g.arm === arm && g.t === t && g.augment === augment);
}

/** The log x range of both charts: whole powers of ten around the t values and the no-balancing mark. */
export function sweepXRange(view: SweepView): [number, number] {
  const xs = [...sweepTs(view), view.largestEntryCount].filter((x) => x > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(1e300, ...xs)) + 1e-9);
  const hi = 10 ** Math.ceil(Math.log10(Math.max(1, ...xs)) - 1e-9);
  return xs.length === 0 ? [1, 10] : [lo, hi > lo ? hi : lo * 10];
}

/** Zero-shot top-1 and mean per-class top-1 against t, per arm and augmentation, in percent. */
export function sweepAccuracyChart(view: SweepView): SweepAccuracyChart {
  const ts = sweepTs(view);
  const arms = sweepArms(view);
  const pct = (v: number | undefined) => (v === undefined ? null : 100 * v);
  const series: SweepSeries[] = [];
  for (const metric of ['top1', 'meanPerClassTop1'] as const) {
    for (const a of arms) {
      const groups = ts.map((t) => groupOf(view, a.arm, t, a.augment));
      const name = metric === 'top1' ? 'top-1' : 'mean per-class top-1';
      series.push({
        ...a,
        label: arms.length > 1 ? `${name}, ${armLabel(a)}` : name,
        metric,
        values: groups.map((g) => pct(g?.[metric].mean)),
        low: groups.map((g) => pct(g?.[metric].ci?.[0])),
        high: groups.map((g) => pct(g?.[metric].ci?.[1])),
      });
    }
  }
  const raw = view.groups
    .filter((g) => g.arm === 'raw')
    .sort(byArm)
    .map((g) => ({
      label: `raw pool, ${g.augment}: ${dec1.format(100 * g.top1.mean)}%`,
      value: 100 * g.top1.mean,
    }));
  const highest = Math.max(
    0,
    ...series.flatMap((s) => [...s.values, ...s.high].filter((v): v is number => v !== null)),
    ...raw.map((r) => r.value),
  );
  const top = Math.min(100, Math.max(10, Math.ceil((highest * 1.1) / 10) * 10));
  return { ts, series, raw, yRange: [0, top] };
}

/** The pairs each curation kept against its t (the plan's t values; the online arm's source is left out). */
export function sweepSizeChart(view: SweepView): SweepSizeChart {
  const planned = new Set(sweepTs(view));
  const shown = view.curations.filter((c) => planned.has(c.t));
  return { ts: shown.map((c) => c.t), pairs: shown.map((c) => c.pairs) };
}

/** The table: the raw arm (if any) first, then each t ascending with each arm over t. */
export function sweepRows(view: SweepView): SweepRow[] {
  const rows: SweepRow[] = [];
  const row = (a: SweepArm, t: number | null): SweepRow => {
    const g = groupOf(view, a.arm, t, a.augment);
    const curation = t === null ? undefined : view.curations.find((c) => c.t === t);
    const pairs = a.arm === 'raw' ? view.poolPairs : a.arm === 'curated' ? curation?.pairs : g?.trainPairs;
    return {
      ...a,
      key: `${a.arm}|${t ?? ''}|${a.augment}`,
      t,
      noBalancing: t !== null && isNoBalancing(view, t),
      pairs: pairs ?? g?.trainPairs,
      timesSeen: g?.timesSeen,
      seeds: g?.seeds ?? [],
      top1: g?.top1,
      meanPerClassTop1: g?.meanPerClassTop1,
      curationFolder: curation?.folder,
    };
  };
  const rawArms = new Map<AugmentMode, SweepArm>();
  if (view.arms.includes('raw'))
    for (const augment of view.augments) rawArms.set(augment, { arm: 'raw', augment });
  for (const g of view.groups)
    if (g.arm === 'raw') rawArms.set(g.augment, { arm: 'raw', augment: g.augment });
  for (const a of [...rawArms.values()].sort(byArm)) rows.push(row(a, null));
  const arms = sweepArms(view);
  for (const t of sweepTs(view)) for (const a of arms) rows.push(row(a, t));
  return rows;
}

/** Whether the table needs its arm column (more than one arm or augmentation). */
export function showsArmColumn(view: SweepView): boolean {
  return new Set(sweepRows(view).map(armLabel)).size > 1;
}

/** A table column: its header, its tooltip and each row's text. */
export interface SweepColumn {
  key: 't' | 'arm' | 'pairs' | 'timesSeen' | 'seeds' | 'top1' | 'meanPerClassTop1';
  label: string;
  title: string;
  numeric: boolean;
  text: (row: SweepRow, view: SweepView) => string;
}

const NONE = '–';

export const SWEEP_COLUMNS: readonly SweepColumn[] = [
  {
    key: 't',
    label: 't',
    title: 'The balancing threshold (a t at or above the largest entry count balances nothing)',
    numeric: true,
    text: (r, v) => (r.t === null ? 'raw pool' : sweepTLabel(v, r.t)),
  },
  { key: 'arm', label: 'arm', title: 'Arm and augmentation', numeric: false, text: (r) => armLabel(r) },
  {
    key: 'pairs',
    label: 'curated pairs',
    title: "Pairs trained on: the curation's kept pairs at t (raw: the whole pool)",
    numeric: true,
    text: (r) => (r.pairs === undefined ? NONE : int.format(r.pairs)),
  },
  {
    key: 'timesSeen',
    label: 'times each pair seen',
    title: 'Samples seen in training over distinct pairs',
    numeric: true,
    text: (r) => (r.timesSeen === undefined ? NONE : dec1.format(r.timesSeen)),
  },
  {
    key: 'seeds',
    label: 'seeds done',
    title: 'Training seeds finished, of those planned',
    numeric: true,
    text: (r, v) => `${r.seeds.length} of ${v.seeds}`,
  },
  {
    key: 'top1',
    label: 'top-1 %',
    title: 'Zero-shot top-1 on the held-out test split: mean over seeds ± the half width of the 95% CI',
    numeric: true,
    text: (r) => (r.top1 ? formatInterval(r.top1) : NONE),
  },
  {
    key: 'meanPerClassTop1',
    label: 'mean per-class top-1 %',
    title: 'The mean over classes of the per-class top-1: mean over seeds ± the half width of the 95% CI',
    numeric: true,
    text: (r) => (r.meanPerClassTop1 ? formatInterval(r.meanPerClassTop1) : NONE),
  },
];

/** The progress line: units done of the total, and whether the sweep is complete. */
export function sweepProgress(view: SweepView): { complete: boolean; text: string } {
  const { done, total } = view.units;
  if (done >= total) return { complete: true, text: `All ${int.format(total)} units done.` };
  return {
    complete: false,
    text:
      `Units done: ${int.format(done)}/${int.format(total)}. The sweep is running or was stopped ` +
      '(the same command resumes it); this view follows its summary.json.',
  };
}

/** What the sweep was made of, for the view's head: each item a label, its value and a tooltip. */
export function sweepTrace(view: SweepView): { key: string; label: string; value: string; title: string }[] {
  const samples = view.steps * view.batchSize;
  const sha = view.metadataSha256;
  return [
    { key: 'folder', label: 'Sweep', value: view.folder, title: view.summaryPath },
    {
      key: 'pool',
      label: 'Pool',
      value: `${int.format(view.poolPairs)} pairs (${int.format(view.matchedPairs)} matched)`,
      title: `The largest entry count is ${int.format(view.largestEntryCount)}: t ≥ it balances nothing`,
    },
    {
      key: 'metadata',
      label: 'Metadata sha256',
      value: sha ? `${sha.slice(0, 12)}…` : 'not recorded',
      title: sha ?? 'Neither summary.json nor its curations record it',
    },
    {
      key: 'budget',
      label: 'Training budget',
      value: `${int.format(view.steps)} steps × ${int.format(view.batchSize)} pairs = ${int.format(samples)} samples a unit`,
      title: `Model ${view.modelConfig}; every unit trains the same steps, whatever its t`,
    },
    {
      key: 'seeds',
      label: 'Seeds',
      value: view.seeds === 1 ? '1' : `1–${view.seeds}`,
      title: `Seeds 1 to ${view.seeds} of every arm and t`,
    },
    {
      key: 'ts',
      label: 't values',
      value: view.tValues.map((t) => sweepTLabel(view, t)).join(', '),
      title: `Arms ${view.arms.join(', ')}; augmentation ${view.augments.join(', ')}`,
    },
  ];
}
