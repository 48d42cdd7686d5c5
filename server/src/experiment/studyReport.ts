/**
 * The study's figures from the units finished so far: summary.json (every group's statistics
 * over seeds, paired differences against raw, the pool and its curations), results.md (the same
 * as tables) and, over several t, the SVG charts accuracy-vs-t.svg and curated-size-vs-t.svg.
 * Pure but for the writing; rewritten after every unit, so the figures grow as the study runs.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../engine/src/fsAtomic';
import type { TrainingResult } from './mini';
import {
  formatInterval,
  formatPercent,
  type Arm,
  type AugmentMode,
  type CurationStats,
  type GroupSummary,
  type PairedSummary,
  type StudyExperiment,
  type StudyPlan,
  type StudyPoolFigures,
  type StudySummary,
} from '../../../contracts/src/studySummary';
import { CHANCE_MARGIN } from './chancePlateau';
import { meanInterval, pairedDifference, type MeanInterval } from './statistics';
import { renderLineChart, type ChartSeries } from './svgChart';

export type { Arm, AugmentMode, CurationStats, GroupSummary, PairedSummary, StudySummary };
export { formatInterval };

/** What a finished unit leaves in its folder (result.json). */
export interface UnitResult {
  id: string;
  arm: Arm;
  /** The balancing t (curated: offline, online: per epoch); null for raw. */
  t: number | null;
  augment: AugmentMode;
  seed: number;
  training: TrainingResult;
  wall_seconds: number;
  /**
   * The step at which the training left the loss of chance (chancePlateau.ts), null if it never
   * did; absent when its log is gone.
   */
  left_chance_at_step?: number | null;
}

export interface StudyReportInput {
  experiment: StudyExperiment;
  plan: StudyPlan;
  pool: StudyPoolFigures;
  classes: string[];
  /** The rarest classes of the pool, rarest last. */
  tailClasses: string[];
  curations: CurationStats[];
  unitsTotal: number;
  results: UnitResult[];
}

const groupKey = (r: { arm: Arm; t: number | null; augment: AugmentMode }) =>
  `${r.arm}|${r.t ?? ''}|${r.augment}`;
const ARM_ORDER: Arm[] = ['raw', 'curated', 'online'];

export function summarise(input: StudyReportInput): StudySummary {
  const groups = new Map<string, UnitResult[]>();
  for (const r of input.results) {
    const list = groups.get(groupKey(r)) ?? [];
    list.push(r);
    groups.set(groupKey(r), list);
  }
  const summaries: GroupSummary[] = [...groups.values()].map((rs) => {
    rs.sort((a, b) => a.seed - b.seed);
    const of = (f: (r: UnitResult) => number) => meanInterval(rs.map(f));
    const perClass = Object.fromEntries(
      input.classes.map((c) => [c, of((r) => r.training.per_class[c] ?? 0)]),
    ) as Record<string, MeanInterval>;
    const first = rs[0];
    // Online balancing sees about its per-epoch draw once an epoch, like a curation of that size.
    const distinct = first.training.online_pairs_per_epoch ?? first.training.train_pairs;
    return {
      arm: first.arm,
      t: first.t,
      augment: first.augment,
      n: rs.length,
      seeds: rs.map((r) => r.seed),
      top1: of((r) => r.training.top1),
      top5: of((r) => r.training.top5),
      mean_per_class_top1: of((r) => r.training.mean_per_class_top1),
      per_class: perClass,
      train_pairs: first.training.train_pairs,
      times_seen: distinct > 0 ? first.training.samples_seen / distinct : 0,
    };
  });
  summaries.sort(
    (a, b) =>
      a.augment.localeCompare(b.augment) ||
      ARM_ORDER.indexOf(a.arm) - ARM_ORDER.indexOf(b.arm) ||
      (a.t ?? 0) - (b.t ?? 0),
  );
  const paired: PairedSummary[] = [];
  for (const g of summaries) {
    if (g.arm === 'raw') continue;
    const raw = groups.get(groupKey({ arm: 'raw', t: null, augment: g.augment }));
    if (!raw) continue;
    const mine = groups.get(groupKey(g))!;
    const bySeed = (rs: UnitResult[], f: (r: UnitResult) => number) => new Map(rs.map((r) => [r.seed, f(r)]));
    const difference = (f: (r: UnitResult) => number) => pairedDifference(bySeed(mine, f), bySeed(raw, f));
    const top1 = difference((r) => r.training.top1);
    const top5 = difference((r) => r.training.top5);
    const perClass = difference((r) => r.training.mean_per_class_top1);
    if (!top1 || !top5 || !perClass) continue;
    const interval = ({ keys, ...rest }: NonNullable<typeof top1>): MeanInterval => {
      void keys;
      return rest;
    };
    paired.push({
      arm: g.arm,
      t: g.t,
      augment: g.augment,
      against: 'raw',
      seeds: top1.keys,
      top1: interval(top1),
      top5: interval(top5),
      mean_per_class_top1: interval(perClass),
    });
  }
  const unitsBySeed = summaries.flatMap((g) =>
    [...groups.get(groupKey(g))!]
      .sort((a, b) => a.seed - b.seed)
      .map((r) => ({
        arm: r.arm,
        t: r.t,
        augment: r.augment,
        seed: r.seed,
        top1: r.training.top1,
        top5: r.training.top5,
        ...(r.left_chance_at_step !== undefined ? { left_chance_at_step: r.left_chance_at_step } : {}),
      })),
  );
  return {
    experiment: input.experiment,
    plan: input.plan,
    pool: input.pool,
    curations: input.curations,
    units: { total: input.unitsTotal, done: input.results.length },
    tail_classes: input.tailClasses,
    groups: summaries,
    paired,
    units_by_seed: unitsBySeed,
    figures: [],
  };
}

const armLabel = (g: { arm: Arm; t: number | null }) => (g.t === null ? g.arm : `${g.arm} t=${g.t}`);

export function resultsMarkdown(s: StudySummary): string {
  const lines: string[] = [];
  lines.push(
    `# ${s.experiment === 'sweep' ? 'Balancing threshold sweep' : 'Raw against curated'}: Fashion-MNIST zero-shot`,
    '',
    `${s.units.done} of ${s.units.total} trainings finished. Accuracies in percent on the held-out balanced test ` +
      'split: mean over seeds ± the half width of the 95% confidence interval (Student t, n - 1 degrees of freedom).',
    '',
    '| arm | augment | n | pairs | times seen | top-1 | mean per-class top-1 | top-5 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const g of s.groups) {
    lines.push(
      `| ${armLabel(g)} | ${g.augment} | ${g.n} | ${g.train_pairs} | ${g.times_seen.toFixed(1)} | ${formatInterval(g.top1)} | ${formatInterval(g.mean_per_class_top1)} | ${formatInterval(g.top5)} |`,
    );
  }
  if (s.paired.length > 0) {
    lines.push(
      '',
      '## Paired differences against raw (same seed)',
      '',
      '| arm | augment | seeds | top-1 difference | mean per-class difference | top-5 difference |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const p of s.paired) {
      lines.push(
        `| ${armLabel(p)} | ${p.augment} | ${p.seeds.length} | ${formatInterval(p.top1, true)} | ${formatInterval(p.mean_per_class_top1, true)} | ${formatInterval(p.top5, true)} |`,
      );
    }
  }
  const seeds = [...new Set(s.units_by_seed.map((u) => u.seed))].sort((a, b) => a - b);
  if (seeds.length > 0) {
    lines.push(
      '',
      '## Each training (top-1 / top-5, step it left the loss of chance)',
      '',
      `A contrastive loss starts at the loss of chance, ln of the batch size; a run that stays there learns nothing, and how long it stays decides most of its accuracy. "left at" is the first logged step whose mean loss is ${CHANCE_MARGIN} below it.`,
      '',
      `| arm | augment | ${seeds.map((seed) => `seed ${seed}`).join(' | ')} |`,
      `| --- | --- | ${seeds.map(() => '---').join(' | ')} |`,
    );
    for (const g of s.groups) {
      const mine = s.units_by_seed.filter((u) => groupKey(u) === groupKey(g));
      const cells = seeds.map((seed) => {
        const u = mine.find((m) => m.seed === seed);
        if (!u) return '';
        const left =
          u.left_chance_at_step === undefined
            ? ''
            : `, ${u.left_chance_at_step === null ? 'never left' : `left at ${u.left_chance_at_step}`}`;
        return `${formatPercent(u.top1)} / ${formatPercent(u.top5)}${left}`;
      });
      lines.push(`| ${armLabel(g)} | ${g.augment} | ${cells.join(' | ')} |`);
    }
  }
  if (s.tail_classes.length > 0 && s.groups.length > 0) {
    lines.push(
      '',
      '## Tail classes (the rarest in the pool, rarest last)',
      '',
      `| arm | augment | ${s.tail_classes.join(' | ')} |`,
      `| --- | --- | ${s.tail_classes.map(() => '---').join(' | ')} |`,
    );
    for (const g of s.groups) {
      lines.push(
        `| ${armLabel(g)} | ${g.augment} | ${s.tail_classes.map((c) => formatInterval(g.per_class[c])).join(' | ')} |`,
      );
    }
  }
  if (s.curations.length > 0) {
    lines.push(
      '',
      '## Curations',
      '',
      '| t | curated pairs | expected | head entries |',
      '| --- | --- | --- | --- |',
    );
    for (const c of s.curations)
      lines.push(`| ${c.t} | ${c.curated_size} | ${c.expected_size.toFixed(0)} | ${c.head_entries} |`);
  }
  return lines.join('\n') + '\n';
}

/** Where balancing stops: every t at or above the largest entry count keeps every match. */
function balancingStops(s: StudySummary): { x: number; label: string } {
  const x = s.pool.largest_entry_count;
  return { x, label: `t = ${x}: no balancing` };
}

/** The charts over t: only when curations at two or more t were trained on. */
export function studyCharts(s: StudySummary): { name: string; svg: string }[] {
  const overT = s.groups.filter((g) => g.arm !== 'raw' && g.t !== null);
  if (new Set(overT.map((g) => g.t)).size < 2) return [];
  const series = new Map<string, ChartSeries>();
  for (const g of overT) {
    const name = `${g.arm}, ${g.augment}`;
    const entry = series.get(name) ?? { name, points: [] };
    entry.points.push({ x: g.t!, y: g.top1.mean, low: g.top1.ci?.[0], high: g.top1.ci?.[1] });
    series.set(name, entry);
  }
  const charts = [
    {
      name: 'accuracy-vs-t.svg',
      svg: renderLineChart({
        title: 'Zero-shot top-1 against the balancing threshold t (mean, 95% CI)',
        xLabel: 't',
        yLabel: 'top-1 accuracy',
        logX: true,
        yFromZero: true,
        yBounds: [0, 1],
        // The raw arm has no t: its mean is a level to read each t against.
        references: s.groups
          .filter((g) => g.arm === 'raw')
          .map((g) => ({ name: `raw, ${g.augment} (n=${g.n})`, y: g.top1.mean })),
        xMarker: balancingStops(s),
        series: [...series.values()],
      }),
    },
  ];
  const sizes = s.curations.filter((c) => overT.some((g) => g.t === c.t));
  if (sizes.length > 0) {
    charts.push({
      name: 'curated-size-vs-t.svg',
      svg: renderLineChart({
        title: 'Curated pairs against the balancing threshold t',
        xLabel: 't',
        yLabel: 'curated pairs',
        logX: true,
        yFromZero: true,
        xMarker: balancingStops(s),
        series: [{ name: 'curated pairs', points: sizes.map((c) => ({ x: c.t, y: c.curated_size })) }],
      }),
    });
  }
  return charts;
}

/** Writes summary.json, results.md and the charts into `out`; returns the summary written. */
export async function writeStudyReport(out: string, input: StudyReportInput): Promise<StudySummary> {
  const summary = summarise(input);
  const charts = studyCharts(summary);
  summary.figures = ['results.md', ...charts.map((c) => c.name)];
  for (const c of charts) await writeFileAtomic(join(out, c.name), c.svg);
  await writeFileAtomic(join(out, 'results.md'), resultsMarkdown(summary));
  await writeFileAtomic(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
