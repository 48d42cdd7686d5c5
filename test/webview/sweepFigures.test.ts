/** The "Threshold sweep" view's figures: the charts' series and whiskers, the table's rows, the progress and the trace. */
import assert from 'node:assert/strict';
import type { SweepGroup } from '../../contracts/src/webview';
import {
  isNoBalancing,
  showsArmColumn,
  SWEEP_COLUMNS,
  sweepAccuracyChart,
  sweepArms,
  sweepProgress,
  sweepRows,
  sweepSizeChart,
  sweepTLabel,
  sweepTrace,
  sweepXLabel,
  sweepXRange,
  type SweepRow,
} from '../../webview/src/sweepFigures';
import { interval, sweepViewOf } from './fixtures';

const close = (a: number | null, b: number) => a !== null && Math.abs(a - b) < 1e-9;

/** Each row's cells as the table writes them. */
const cells = (view = sweepViewOf()) =>
  sweepRows(view).map((r: SweepRow) =>
    Object.fromEntries(SWEEP_COLUMNS.map((c) => [c.key, c.text(r, view)])),
  );

describe('webview/sweepFigures', () => {
  describe('the accuracy chart', () => {
    it('has a top-1 and a mean per-class line over the t values, in percent, with the 95% CI where two seeds are done', () => {
      const chart = sweepAccuracyChart(sweepViewOf());
      assert.deepEqual(chart.ts, [3, 40]);
      assert.deepEqual(
        chart.series.map((s) => [s.label, s.metric]),
        [
          ['top-1', 'top1'],
          ['mean per-class top-1', 'meanPerClassTop1'],
        ],
      );
      const [top1, perClass] = chart.series;
      assert.ok(close(top1.values[0], 30) && close(top1.values[1], 50));
      assert.ok(close(top1.low[0], 25) && close(top1.high[0], 35));
      assert.deepEqual([top1.low[1], top1.high[1]], [null, null], 'one seed at t = 40: no whisker');
      assert.ok(close(perClass.values[0], 25) && close(perClass.high[0], 29));
      assert.deepEqual(chart.raw, []);
      assert.deepEqual(chart.yRange, [0, 60]);
    });

    it('leaves a t without results empty (null), and keeps the planned t values on the axis', () => {
      const view = sweepViewOf({ units: { total: 6, done: 1 }, tValues: [3, 40, 124], groups: [] });
      const chart = sweepAccuracyChart(view);
      assert.deepEqual(chart.ts, [3, 40, 124]);
      assert.deepEqual(chart.series[0].values, [null, null, null]);
      assert.deepEqual(chart.yRange, [0, 10]);
    });

    it('draws one line per arm and augmentation present, named so, and the raw arm as a level', () => {
      const g = (
        augment: 'crop' | 'none',
        t: number | null,
        mean: number,
        arm: SweepGroup['arm'] = 'curated',
      ) => ({
        ...sweepViewOf().groups[0],
        arm,
        t,
        augment,
        top1: interval(mean, null),
        meanPerClassTop1: interval(mean, null),
      });
      const view = sweepViewOf({
        arms: ['raw', 'curated'],
        augments: ['crop', 'none'],
        groups: [g('none', 3, 0.2), g('crop', 3, 0.3), g('crop', null, 0.612, 'raw')],
      });
      assert.deepEqual(sweepArms(view), [
        { arm: 'curated', augment: 'crop' },
        { arm: 'curated', augment: 'none' },
      ]);
      const chart = sweepAccuracyChart(view);
      assert.deepEqual(
        chart.series.map((s) => s.label),
        [
          'top-1, curated, crop',
          'top-1, curated, none',
          'mean per-class top-1, curated, crop',
          'mean per-class top-1, curated, none',
        ],
      );
      assert.deepEqual(chart.series[1].values, [20, null]);
      assert.equal(chart.raw.length, 1);
      assert.equal(chart.raw[0].label, 'raw pool, crop: 61.2%');
      assert.ok(close(chart.raw[0].value, 61.2));
      assert.deepEqual(chart.yRange, [0, 70]);
      assert.ok(showsArmColumn(view));
      assert.ok(!showsArmColumn(sweepViewOf()));
    });
  });

  it("draws the curated size at the plan's t values only (not the online arm's source at the largest count)", () => {
    const view = sweepViewOf({
      curations: [
        ...sweepViewOf().curations,
        { t: 124, folder: '/ws/sweep/curations/t124', pairs: 859, expectedPairs: 859, headEntries: 0 },
      ],
    });
    assert.deepEqual(sweepSizeChart(view), { ts: [3, 40], pairs: [102, 680] });
  });

  it('spans whole powers of ten around the t values and where balancing stops, on a log axis', () => {
    assert.deepEqual(sweepXRange(sweepViewOf()), [1, 1000]);
    assert.deepEqual(
      sweepXRange(sweepViewOf({ tValues: [10], groups: [], largestEntryCount: 10 })),
      [10, 100],
    );
    assert.equal(sweepXLabel(sweepViewOf()), 't (log scale; t ≥ 124: no balancing)');
  });

  it('marks a t at or above the largest entry count as no balancing', () => {
    const view = sweepViewOf();
    assert.deepEqual([isNoBalancing(view, 123), isNoBalancing(view, 124)], [false, true]);
    assert.equal(sweepTLabel(view, 40), '40');
    assert.equal(sweepTLabel(view, 124), '124 (no balancing)');
  });

  describe('the table', () => {
    it('has a row per t: curated pairs, times seen, seeds done of those planned, top-1 and mean per-class top-1 ± the CI half width', () => {
      assert.deepEqual(cells(), [
        {
          t: '3',
          arm: 'curated, crop',
          pairs: '102',
          timesSeen: '3.8',
          seeds: '2 of 2',
          top1: '30.0 ± 5.0',
          meanPerClassTop1: '25.0 ± 4.0',
        },
        {
          t: '40',
          arm: 'curated, crop',
          pairs: '680',
          timesSeen: '0.6',
          seeds: '1 of 2',
          top1: '50.0',
          meanPerClassTop1: '45.0',
        },
      ]);
      assert.deepEqual(
        sweepRows(sweepViewOf()).map((r) => r.curationFolder),
        ['/ws/sweep/curations/t3', '/ws/sweep/curations/t40'],
      );
    });

    it('shows a t not trained yet with its curation and dashes, and no folder for a curation not finished', () => {
      const view = sweepViewOf({
        tValues: [3, 40, 200],
        groups: [],
        curations: [...sweepViewOf().curations, { t: 200, pairs: 859, expectedPairs: 859, headEntries: 0 }],
      });
      const rows = sweepRows(view);
      assert.deepEqual(cells(view)[2], {
        t: '200 (no balancing)',
        arm: 'curated, crop',
        pairs: '859',
        timesSeen: '–',
        seeds: '0 of 2',
        top1: '–',
        meanPerClassTop1: '–',
      });
      assert.equal(rows[2].noBalancing, true);
      assert.equal(rows[2].curationFolder, undefined);
    });

    it('puts the raw arm first, trained on the whole pool', () => {
      const view = sweepViewOf({ arms: ['raw', 'curated'], groups: [] });
      const rows = sweepRows(view);
      assert.deepEqual(
        rows.map((r) => [r.arm, r.t, r.pairs]),
        [
          ['raw', null, 1604],
          ['curated', 3, 102],
          ['curated', 40, 680],
        ],
      );
      assert.equal(cells(view)[0].t, 'raw pool');
    });
  });

  it('says how many units are done while the sweep is incomplete, and when it is complete', () => {
    assert.deepEqual(sweepProgress(sweepViewOf()), {
      complete: false,
      text:
        'Units done: 3/4. The sweep is running or was stopped (the same command resumes it); ' +
        'this view follows its summary.json.',
    });
    assert.deepEqual(sweepProgress(sweepViewOf({ units: { total: 4, done: 4 } })), {
      complete: true,
      text: 'All 4 units done.',
    });
  });

  it('names the sweep, its pool, metadata, training budget and seeds', () => {
    const trace = Object.fromEntries(sweepTrace(sweepViewOf()).map((i) => [i.key, i]));
    assert.equal(trace.folder.value, '/ws/sweep');
    assert.equal(trace.pool.value, '1,604 pairs (859 matched)');
    assert.equal(trace.metadata.value, '84a3fde77ed2…');
    assert.equal(trace.metadata.title, sweepViewOf().metadataSha256);
    assert.equal(trace.budget.value, '12 steps × 32 pairs = 384 samples a unit');
    assert.equal(trace.seeds.value, '1–2');
    assert.equal(trace.ts.value, '3, 40');
    const { metadataSha256: _none, ...unknown } = sweepViewOf();
    void _none;
    assert.equal(
      Object.fromEntries(sweepTrace(unknown).map((i) => [i.key, i.value])).metadata,
      'not recorded',
    );
  });
});
