/**
 * The study's statistics (Student t quantiles against published table values, intervals, paired
 * differences), its tables and its SVG charts, read back from the SVG text.
 */
import assert from 'node:assert/strict';
import {
  mean,
  meanInterval,
  pairedDifference,
  sampleSd,
  studentTCdf,
  studentTQuantile,
} from '../../../server/src/experiment/statistics';
import { defaultTValues, studyUnits } from '../../../server/src/experiment/study';
import {
  formatInterval,
  resultsMarkdown,
  studyCharts,
  summarise,
  type UnitResult,
} from '../../../server/src/experiment/studyReport';
import { renderLineChart } from '../../../server/src/experiment/svgChart';
import { studyPlan, studyPool } from '../../support/studySummary';

describe('experiment statistics', () => {
  it('computes Student t quantiles as the tables give them', () => {
    // t_{0.975, df} from the standard table (3 decimals), and t_{0.95, df}.
    const table975: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [4, 2.776],
      [9, 2.262],
      [29, 2.045],
      [120, 1.98],
    ];
    for (const [df, q] of table975)
      assert.equal(studentTQuantile(0.975, df).toFixed(3), q.toFixed(3), `df ${df}`);
    assert.equal(studentTQuantile(0.95, 4).toFixed(3), '2.132');
    assert.equal(studentTQuantile(0.025, 4).toFixed(3), '-2.776');
    assert.ok(Math.abs(studentTQuantile(0.975, 1e6) - 1.95996) < 1e-4, 'the normal quantile in the limit');
    assert.ok(Math.abs(studentTCdf(0, 3) - 0.5) < 1e-12);
    // df = 1 is the Cauchy distribution: CDF(1) = 3/4.
    assert.ok(Math.abs(studentTCdf(1, 1) - 0.75) < 1e-10);
    assert.throws(() => studentTQuantile(1, 3));
  });

  it('gives the mean, the sample sd and the 95% interval of the mean', () => {
    const v = [0.5, 0.6, 0.7, 0.8, 0.9];
    assert.ok(Math.abs(mean(v) - 0.7) < 1e-12);
    assert.ok(Math.abs(sampleSd(v) - Math.sqrt(0.025)) < 1e-12);
    const m = meanInterval(v);
    const half = (2.776445 * Math.sqrt(0.025)) / Math.sqrt(5);
    assert.ok(Math.abs(m.halfWidth! - half) < 1e-5);
    assert.ok(Math.abs(m.ci![0] - (0.7 - half)) < 1e-5);
    assert.equal(m.n, 5);
    const one = meanInterval([0.4]);
    assert.deepEqual([one.mean, one.sd, one.ci], [0.4, null, null]);
    assert.equal(formatInterval(m), '70.0 ± 19.6');
    assert.equal(formatInterval(one), '40.0');
  });

  it('pairs differences by seed, over the seeds both arms have', () => {
    const a = new Map([
      [1, 0.6],
      [2, 0.7],
      [3, 0.65],
      [4, 0.9],
    ]);
    const b = new Map([
      [1, 0.5],
      [2, 0.5],
      [3, 0.55],
    ]);
    const d = pairedDifference(a, b)!;
    assert.deepEqual(d.keys, [1, 2, 3]);
    assert.ok(Math.abs(d.mean - (0.1 + 0.2 + 0.1) / 3) < 1e-12);
    assert.ok(d.halfWidth! > 0);
    assert.equal(pairedDifference(a, new Map([[9, 1]])), null);
  });
});

describe('experiment study: units, default t values and the report', () => {
  it('lists units seed-major; raw has no t', () => {
    const units = studyUnits(['raw', 'curated'], [5, 50], ['crop', 'none'], 2);
    assert.equal(units.length, 2 * 2 * 3);
    assert.deepEqual(
      units.slice(0, 4).map((u) => u.id),
      ['raw-crop-s1', 'curated-t5-crop-s1', 'curated-t50-crop-s1', 'raw-none-s1'],
    );
    assert.equal(new Set(units.map((u) => u.id)).size, units.length);
  });

  it('derives six t from tiny to no balancing', () => {
    const ts = defaultTValues(3000);
    assert.equal(ts.length, 6);
    assert.equal(ts[0], 10);
    assert.equal(ts[5], 3000, 't >= the largest count balances nothing');
    for (let i = 1; i < ts.length; i++) assert.ok(ts[i] > ts[i - 1]);
    assert.deepEqual(defaultTValues(3), [1, 2, 3]);
  });

  const result = (arm: 'raw' | 'curated', t: number | null, seed: number, top1: number): UnitResult => ({
    id: `${arm}-${seed}`,
    arm,
    t,
    augment: 'crop',
    seed,
    wall_seconds: 1,
    training: {
      top1,
      top5: top1 + 0.1,
      mean_per_class_top1: top1,
      per_class: { a: top1, b: top1 / 2 },
      train_pairs: 100,
      online_pairs_per_epoch: null,
      samples_seen: 1000,
      epochs: 10,
      final_loss: 1,
      samples_per_second: 10,
      train_seconds: 1,
      torch: '1.13',
      parameters: 1,
    },
  });

  it('summarises groups over seeds, paired against raw, as tables and charts', () => {
    const results = [
      result('raw', null, 1, 0.3),
      result('raw', null, 2, 0.4),
      result('curated', 10, 1, 0.5),
      result('curated', 10, 2, 0.5),
      result('curated', 100, 1, 0.45),
      result('curated', 100, 2, 0.35),
    ];
    const s = summarise({
      experiment: 'sweep',
      plan: studyPlan({ 't-values': [10, 100] }),
      pool: studyPool(),
      classes: ['a', 'b'],
      tailClasses: ['b'],
      curations: [
        { t: 10, curated_size: 100, expected_size: 101, head_entries: 5, per_class: {} },
        { t: 100, curated_size: 900, expected_size: 880, head_entries: 1, per_class: {} },
      ],
      unitsTotal: 8,
      results,
    });
    assert.deepEqual(
      s.groups.map((g) => `${g.arm}/${g.t}`),
      ['raw/null', 'curated/10', 'curated/100'],
    );
    assert.ok(Math.abs(s.groups[0].top1.mean - 0.35) < 1e-12);
    assert.equal(s.groups[1].times_seen, 10);
    assert.ok(Math.abs(s.paired[0].top1.mean - 0.15) < 1e-12);
    assert.ok(Math.abs(s.groups[2].per_class.b.mean - 0.2) < 1e-12);
    const md = resultsMarkdown(s);
    assert.match(md, /6 of 8 trainings finished/);
    assert.match(md, /\| curated t=10 \| crop \| 2 \| 100 \| 10\.0 \| 50\.0 ± 0\.0 \|/);
    assert.match(
      md,
      /\| curated t=10 \| crop \| 2 \| \+15\.0 ± 63\.5 \| \+15\.0 ± 63\.5 \| \+15\.0 ± 63\.5 \|/,
    );
    assert.ok(Math.abs(s.paired[0].top5.mean - 0.15) < 1e-12, 'top-5 is paired too');
    assert.deepEqual(
      s.units_by_seed.map((u) => `${u.arm}/${u.t}/${u.seed}`),
      ['raw/null/1', 'raw/null/2', 'curated/10/1', 'curated/10/2', 'curated/100/1', 'curated/100/2'],
    );
    assert.match(md, /## Each training \(top-1 \/ top-5, step it left the loss of chance\)/);
    assert.match(md, /\| curated t=100 \| crop \| 45\.0 \/ 55\.0 \| 35\.0 \/ 45\.0 \|/);
    const withPlateau = resultsMarkdown(
      summarise({
        experiment: 'mini',
        plan: studyPlan({}),
        pool: studyPool(),
        classes: ['a', 'b'],
        tailClasses: ['b'],
        curations: [],
        unitsTotal: 2,
        results: [
          { ...result('raw', null, 1, 0.3), left_chance_at_step: null },
          { ...result('raw', null, 2, 0.4), left_chance_at_step: 150 },
        ],
      }),
    );
    assert.match(
      withPlateau,
      /\| raw \| crop \| 30\.0 \/ 40\.0, never left \| 40\.0 \/ 50\.0, left at 150 \|/,
    );
    const charts = studyCharts(s);
    assert.deepEqual(
      charts.map((c) => c.name),
      ['accuracy-vs-t.svg', 'curated-size-vs-t.svg'],
    );
    assert.match(charts[1].svg, /data-x="100" data-y="900"/);
    // The raw arm (no t) is the level each t is read against; where balancing stops is marked.
    assert.match(charts[0].svg, /<g class="reference" data-name="raw, crop \(n=2\)" data-y="0.35">/);
    const stops = s.pool.largest_entry_count;
    for (const chart of charts) assert.match(chart.svg, new RegExp(`class="x-marker" data-x="${stops}"`));
  });
});

describe('experiment charts (SVG)', () => {
  const svg = renderLineChart({
    title: 'Top-1 <against> t',
    xLabel: 't',
    yLabel: 'top-1 accuracy',
    logX: true,
    series: [
      {
        name: 'curated',
        points: [
          { x: 10, y: 0.5, low: 0.4, high: 0.6 },
          { x: 1000, y: 0.3, low: 0.25, high: 0.35 },
          { x: 100, y: 0.6, low: 0.55, high: 0.65 },
        ],
      },
    ],
  });

  it('writes every point, whisker and axis label, escaped', () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const points = [
      ...svg.matchAll(
        /<circle class="point" data-x="([\d.]+)" data-y="([\d.]+)" cx="([\d.]+)" cy="([\d.]+)"/g,
      ),
    ];
    assert.deepEqual(
      points.map((m) => [Number(m[1]), Number(m[2])]),
      [
        [10, 0.5],
        [100, 0.6],
        [1000, 0.3],
      ],
    );
    // Log x: 10, 100, 1000 are evenly spaced; a higher y is higher on the page (smaller cy).
    const cx = points.map((m) => Number(m[3]));
    assert.ok(Math.abs(cx[1] - cx[0] - (cx[2] - cx[1])) < 0.2);
    assert.ok(Number(points[1][4]) < Number(points[0][4]));
    assert.equal([...svg.matchAll(/class="whisker"/g)].length, 3);
    assert.match(svg, /class="axis-label x-label"[^>]*>t \(log scale\)</);
    assert.match(svg, /class="axis-label y-label"[^>]*>top-1 accuracy</);
    assert.match(svg, /<title>Top-1 &#60;against&#62; t<\/title>/);
    assert.ok(!svg.includes('<against>'));
    assert.match(svg, /class="tick x-tick"[^>]*>1000</);
  });

  it('keeps accuracies in [0, 1]: a wider interval is cut at the bound and has no cap there', () => {
    const bounded = renderLineChart({
      title: 'top-1',
      xLabel: 't',
      yLabel: 'top-1',
      logX: true,
      yFromZero: true,
      yBounds: [0, 1],
      references: [{ name: 'raw, none (n=2)', y: 0.31 }],
      xMarker: { x: 2825, label: 't = 2825: no balancing' },
      series: [
        {
          name: 'curated',
          points: [
            { x: 9, y: 0.29 },
            { x: 202, y: 0.495, low: -0.457, high: 1.447 },
            { x: 891, y: 0.4, low: 0.35, high: 0.45 },
          ],
        },
      ],
    });
    const yTicks = [...bounded.matchAll(/class="tick y-tick"[^>]*>([\d.-]+)</g)].map((m) => Number(m[1]));
    assert.equal(Math.min(...yTicks), 0);
    assert.equal(Math.max(...yTicks), 1);
    const whiskers = [
      ...bounded.matchAll(
        /class="whisker" data-low="([\d.-]+)" data-high="([\d.-]+)" x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"/g,
      ),
    ];
    // The interval's true ends stay in the data; the line stops at the plot's top and bottom.
    assert.deepEqual(
      whiskers.map((m) => [Number(m[1]), Number(m[2])]),
      [
        [-0.457, 1.447],
        [0.35, 0.45],
      ],
    );
    const axis = /class="axis y-axis" x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"/.exec(bounded)!;
    assert.equal(Number(whiskers[0][3]), Number(axis[2]), 'cut at 0: the bottom of the axis');
    assert.equal(Number(whiskers[0][4]), Number(axis[1]), 'cut at 1: the top of the axis');
    assert.equal([...bounded.matchAll(/class="whisker-cap"/g)].length, 2, 'caps only on the uncut interval');
    assert.match(bounded, /<g class="reference" data-name="raw, none \(n=2\)" data-y="0.31">/);
    assert.match(bounded, /class="x-marker" data-x="2825"/);
    assert.match(bounded, /class="x-marker-label"[^>]*>t = 2825: no balancing</);
  });

  it('refuses what it cannot draw', () => {
    assert.throws(() => renderLineChart({ title: 'x', xLabel: 'x', yLabel: 'y', series: [] }), /no points/);
    assert.throws(
      () =>
        renderLineChart({
          title: 'x',
          xLabel: 'x',
          yLabel: 'y',
          logX: true,
          series: [{ name: 's', points: [{ x: 0, y: 1 }] }],
        }),
      /positive/,
    );
  });
});
