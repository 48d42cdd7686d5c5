/**
 * The panel's three charts: entries ranked by match count (before and after balancing, the line
 * at t, the head shaded, and a training run's per-class zero-shot accuracy as points on a right
 * axis behind a checkbox), the cumulative share of matches, and the expected size over t.
 */
import type uPlot from 'uplot';
import type { ExportFormat, WebviewMessage } from '../../../contracts/src/webview';
import {
  cumulativeCurve,
  sampleRanks,
  sizeCurve,
  thresholdGrid,
  type BalanceStats,
} from '../../../server/engine/src/balanceView';
import { Chart, type ChartDef, type SeriesDef } from '../chart/chart';
import { opaque } from '../chart/theme';
import { actualKeptByRank, type EntryData } from '../entryData';
import { compact, formatPercent, formatT, int } from '../format';
import { showingAccuracy, type PanelAction, type PanelViewState } from '../state';
import { byId } from './layout';

/** How near the cursor must be to a point of the ranked chart for a click to browse its entry. */
const POINT_PICK_PX = 12;

/** A log range widened to whole powers of ten. */
function logRange(lo: number, hi: number): [number, number] {
  return [10 ** Math.floor(Math.log10(lo) + 1e-9), 10 ** Math.ceil(Math.log10(hi) - 1e-9)];
}

/** What the charts draw: the state, the data shown and the figures at t. */
export interface ChartInputs {
  state: PanelViewState;
  data: EntryData | undefined;
  stats: BalanceStats | undefined;
  /** The per-entry expected kept at the figures' t, once computed. */
  kept: Float64Array | undefined;
}

export class ChartsView {
  private readonly charts = new Map<string, Chart>();
  private readonly rankedBase: ChartDef;
  private readonly accuracyToggle: HTMLElement & { checked: boolean };
  /** Ranks drawn on the ranked chart. */
  private rankedRanks: Uint32Array = new Uint32Array(0);
  /** The ranked chart's series and axes last built (it is rebuilt only when they change). */
  private rankedShape = '';
  private colorCache: Record<string, string> | undefined;

  constructor(
    private readonly inputs: () => ChartInputs,
    dispatch: (action: PanelAction) => void,
    post: (message: WebviewMessage) => void,
  ) {
    const defs = this.definitions();
    this.rankedBase = defs[0];
    const chartsEl = byId('charts');
    for (const def of defs) {
      const card = document.createElement('div');
      card.className = 'card';
      card.innerHTML = `<div class="card-head"><h2></h2>
    <vscode-button secondary data-export="png">PNG</vscode-button>
    <vscode-button secondary data-export="svg">SVG</vscode-button></div>
    <p class="card-note"></p><div class="chart-host" id="chart-${def.id}"></div>`;
      card.querySelector('h2')!.textContent = def.title;
      chartsEl.appendChild(card);
      const chart = new Chart(def, card.querySelector<HTMLElement>('.chart-host')!);
      this.charts.set(def.id, chart);
      wireExportButtons(card, chart, `entry-balance-${def.id}`, post);
    }

    // A click on the ranked chart browses the records of the entry under the cursor.
    const rankedHost = byId('chart-ranked');
    rankedHost.title = 'Click a point to browse the records of its entry';
    rankedHost.addEventListener('click', () => {
      const id = this.rankedEntryAtCursor();
      const source = this.inputs().data?.payload.info.spec;
      if (id !== undefined && source) post({ type: 'browseEntry', id, source });
    });

    // The zero-shot accuracy overlay's checkbox, in the ranked chart's head; shown only with an overlay.
    const toggle = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
    toggle.id = 'show-accuracy';
    toggle.textContent = 'Zero-shot accuracy';
    toggle.title = 'Show the per-class zero-shot accuracy of the training run on this chart';
    toggle.hidden = true;
    toggle.checked = inputs().state.saved.showAccuracy !== false;
    byId('chart-ranked').parentElement!.querySelector('.card-head h2')!.after(toggle);
    toggle.addEventListener('change', () => dispatch({ type: 'showAccuracy', on: toggle.checked }));
    this.accuracyToggle = toggle;

    new ResizeObserver(() => {
      for (const c of this.charts.values()) c.resize();
    }).observe(chartsEl);
    // Theme changes: VS Code swaps the body class and the variables; rebuild with the new colours.
    new MutationObserver(() => {
      for (const c of this.charts.values()) if (c.plot) c.rebuild();
      this.colorCache = undefined;
      this.updateOverlays();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  private definitions(): ChartDef[] {
    const model = () => this.inputs().data?.model;
    const tMax = () => this.inputs().state.scale.top;
    return [
      {
        id: 'ranked',
        title: 'Entries ranked by match count',
        xLabel: 'rank',
        yLabel: 'texts',
        xLog: true,
        yLog: true,
        xFormat: compact,
        yFormat: compact,
        // Fixed while t moves, so the line at t slides over still axes: from 1 to above the largest count.
        xRange: () => logRange(1, Math.max(2, model()?.matchedEntries ?? 10)),
        yRange: () => logRange(Math.min(1, (this.inputs().stats?.t ?? 1) * 0.9), Math.max(tMax(), 10)),
        series: [
          { label: 'matches (before)', color: (c) => c.before, width: 2 },
          { label: 'expected kept (after)', color: (c) => c.after, width: 1.5 },
        ],
      },
      {
        id: 'cumulative',
        title: 'Cumulative share of matches',
        xLabel: 'share of entries (by rank, log scale)',
        yLabel: 'share of matches',
        // Log: the head is a tiny share of the entries, and would sit against the left edge.
        xLog: true,
        yLog: false,
        xRange: () => this.cumulativeXRange(),
        yRange: () => [0, 1],
        xFormat: (v) => `${+(v * 100).toPrecision(3)}%`,
        yFormat: (v) => `${+(v * 100).toPrecision(3)}%`,
        series: [{ label: 'matches held by the top entries', color: (c) => c.before, width: 2 }],
      },
      {
        id: 'size',
        title: 'Expected curated size over t',
        xLabel: 't',
        yLabel: 'expected texts kept',
        xLog: true,
        yLog: false,
        xRange: () => logRange(1, tMax()),
        yRange: () => [0, Math.max(1, model()?.matchedTexts ?? 1) * 1.05],
        xFormat: compact,
        yFormat: compact,
        series: [{ label: 'expected size', color: (c) => c.after, width: 2 }],
      },
    ];
  }

  /** From the share of one entry to all, in whole powers of ten. */
  private cumulativeXRange(): [number, number] {
    return logRange(1 / Math.max(1, this.inputs().data?.model.numEntries ?? 1), 1);
  }

  private note(id: string, text: string): void {
    byId(`chart-${id}`).parentElement!.querySelector('.card-note')!.textContent = text;
  }

  /** The checkbox follows the overlay (shown only with one) and the state. */
  showAccuracyToggle(state: PanelViewState): void {
    this.accuracyToggle.hidden = !state.accuracy;
    this.accuracyToggle.checked = state.saved.showAccuracy !== false;
  }

  /**
   * The ranked chart's definition: with a curation's actual kept (dashed, beside the expected)
   * when it recorded it, and the accuracy points and their right axis when shown.
   */
  private rankedDef(state: PanelViewState, data: EntryData): ChartDef {
    const left: SeriesDef[] = [...this.rankedBase.series];
    if (data.model.actualKept) {
      const t = data.payload.info.t;
      left.push({
        label: `kept by the curation${t === undefined ? '' : ` (t = ${formatT(t)})`}`,
        color: (c) => c.after,
        dash: [5, 4],
        width: 1.5,
      });
    }
    const c = state.comparison;
    if (c && data.compareKept)
      left.push({
        label: `kept by ${c.other.label}${c.other.keptSource === 'expected' ? ' (expected)' : ''}`,
        color: (colors) => colors.compare,
        dash: [2, 3],
        width: 1.5,
      });
    const base = { ...this.rankedBase, series: left };
    if (!showingAccuracy(state)) return base;
    const o = state.accuracy!.overlay;
    const series: SeriesDef[] = [
      ...left,
      { label: `zero-shot top-1, run ${o.runId}`, color: (c) => c.accuracy, mark: 'points' },
    ];
    if (o.baseline)
      series.push({ label: `baseline, run ${o.baseline.runId}`, color: (c) => c.baseline, mark: 'hollow' });
    // The axis has room for about 28 characters; the legend and the note name the run in full.
    const axisLabel = `zero-shot top-1 (run ${o.runId})`;
    return {
      ...base,
      series: series.map((s, i) => (i >= base.series.length ? { ...s, right: true } : s)),
      right: {
        label: axisLabel.length <= 28 ? axisLabel : 'zero-shot top-1',
        range: [0, 100],
        format: (v) => `${+v.toPrecision(3)}%`,
      },
    };
  }

  /** The ranked chart: counts before and after at log-spaced ranks, and the accuracy points. */
  /** The entry of the ranked chart's point under the cursor (within a few pixels; undefined: none). */
  private rankedEntryAtCursor(): number | undefined {
    const u = this.charts.get('ranked')?.plot;
    const idx = u?.cursor.idx;
    const order = this.inputs().data?.model.order;
    if (!u || idx == null || !order || idx >= this.rankedRanks.length) return undefined;
    const { left, top } = u.cursor;
    const x = u.valToPos(u.data[0][idx], 'x');
    const y = u.valToPos(u.data[1][idx] ?? NaN, 'y');
    if (left === undefined || top === undefined || !(Math.hypot(left - x, top - y) <= POINT_PICK_PX))
      return undefined;
    return order[this.rankedRanks[idx]];
  }

  drawRanked(): void {
    const { state, data } = this.inputs();
    if (!data) return;
    const m = data.model;
    const a = state.accuracy;
    const showing = showingAccuracy(state);
    // Matched entries only (a log axis has no 0), at log-spaced ranks, and at every rank with a point.
    let ranks = sampleRanks(m.matchedEntries, 1500);
    if (showing && a) {
      const n = Math.min(m.matchedEntries, a.ranked.length);
      const extra: number[] = [];
      for (let r = 0; r < n; r++)
        if (Number.isFinite(a.ranked[r]) || (a.baselineRanked && Number.isFinite(a.baselineRanked[r])))
          extra.push(r);
      if (extra.length > 0) ranks = Uint32Array.from(new Set([...ranks, ...extra])).sort();
    }
    this.rankedRanks = ranks;
    const column = (byRank: Float64Array) =>
      Array.from(ranks, (r) => (Number.isFinite(byRank[r]) ? byRank[r] * 100 : null));
    const points =
      !showing || !a
        ? []
        : a.baselineRanked
          ? [column(a.ranked), column(a.baselineRanked)]
          : [column(a.ranked)];
    const rx = Float64Array.from(ranks, (r) => r + 1);
    const before = Float64Array.from(ranks, (r) => m.ranked[r]);
    const actual = actualKeptByRank(m, ranks);
    const other =
      state.comparison && actualKeptByRank({ order: m.order, actualKept: data.compareKept }, ranks);
    const plotData = [
      rx,
      before,
      this.afterSeries(),
      ...(actual ? [actual] : []),
      ...(other ? [other] : []),
      ...points,
    ] as unknown as uPlot.AlignedData;
    const def = this.rankedDef(state, data);
    const shape = [...def.series.map((s) => s.label), def.right?.label ?? ''].join('\n');
    const chart = this.charts.get('ranked')!;
    if (shape !== this.rankedShape || !chart.plot) {
      this.rankedShape = shape;
      chart.redefine(def, plotData);
    } else chart.setData(plotData);
    this.note('ranked', this.rankedNote());
  }

  private rankedNote(): string {
    const { state, data } = this.inputs();
    const m = data!.model;
    let text = `${int.format(m.matchedEntries)} of ${int.format(m.numEntries)} entries matched; the line is t, the shaded ranks are the head.`;
    const a = state.accuracy;
    if (!a || !showingAccuracy(state)) return text;
    let placed = 0;
    let unmatchedEntries = 0;
    for (let r = 0; r < a.ranked.length; r++)
      if (Number.isFinite(a.ranked[r]) || (a.baselineRanked && Number.isFinite(a.baselineRanked[r]))) {
        if (r < m.matchedEntries) placed++;
        else unmatchedEntries++;
      }
    const o = a.overlay;
    text += ` Points: ${o.dataset} zero-shot top-1 of run ${o.runId}`;
    if (o.baseline) text += ` (hollow: run ${o.baseline.runId})`;
    text += ` at the ${int.format(placed)} entries naming a class`;
    if (unmatchedEntries > 0) text += `; ${int.format(unmatchedEntries)} more are not matched (not drawn)`;
    if (a.unmatched.length > 0) {
      const listed = a.unmatched.slice(0, 5).join(', ') + (a.unmatched.length > 5 ? ', …' : '');
      text += `; no entry names ${listed}`;
    }
    return `${text}.`;
  }

  /** All three charts, for new data. */
  drawAll(): void {
    const { data } = this.inputs();
    if (!data) return;
    const m = data.model;
    this.drawRanked();

    // Cumulative share at log-spaced ranks, for the log x axis.
    const { x, y } = cumulativeCurve(m, 1000);
    this.charts.get('cumulative')!.setData([x, y]);
    this.note(
      'cumulative',
      `The top entries by count, as a share of all ${int.format(m.numEntries)} entries.`,
    );

    // Expected size over t.
    const grid = thresholdGrid(m, 240);
    this.charts.get('size')!.setData([grid, sizeCurve(m, grid)]);
    this.note(
      'size',
      `Exact expectation over the ${int.format(m.matchedTexts)} matched texts; the dot is the current t.`,
    );
    this.updateOverlays();
  }

  /** The ranked chart's "after" values: the expected kept of the entry at each rank drawn. */
  private afterSeries(): Float64Array {
    const { data, kept } = this.inputs();
    const out = new Float64Array(this.rankedRanks.length);
    if (!data) return out;
    const order = data.model.order;
    for (let i = 0; i < this.rankedRanks.length; i++) out[i] = kept ? kept[order[this.rankedRanks[i]]] : NaN;
    return out;
  }

  /** The ranked chart's "after" curve, for a new per-entry expected kept. */
  updateAfter(): void {
    const ranked = this.charts.get('ranked')!;
    if (!ranked.plot) return;
    const d = ranked.plot.data;
    ranked.setData([
      d[0] as unknown as number[],
      d[1] as unknown as number[],
      this.afterSeries() as unknown as number[],
      ...(d.slice(3) as unknown as number[][]), // the actual and compared kept, the accuracy points
    ]);
  }

  /** The line at t, the head shaded and the markers of the current t. */
  updateOverlays(): void {
    const { data, stats: s } = this.inputs();
    if (!data || !s) return;
    const m = data.model;
    const t = s.t;
    const threshold = this.themeColor('threshold');
    const marker = this.themeColor('marker');
    const head = this.themeColor('head');
    this.charts.get('ranked')!.setOverlay((p) => {
      if (s.headEntries > 0) p.xBand(0.5, s.headEntries + 0.5, head, 0.15);
      p.hLine(t, threshold, `t = ${formatT(t)}`);
    });
    this.charts.get('cumulative')!.setOverlay((p) => {
      if (s.headEntries > 0) {
        const x = s.headEntries / m.numEntries;
        p.xBand(this.cumulativeXRange()[0], x, head, 0.15);
        p.vLine(x, threshold, `head: ${formatPercent(s.headShare)} of matches`);
        p.dot(x, s.headShare, marker);
      }
    });
    this.charts.get('size')!.setOverlay((p) => {
      p.vLine(t, threshold, `t = ${formatT(t)}`);
      p.dot(t, s.expectedSize, marker);
    });
  }

  private themeColor(name: 'threshold' | 'marker' | 'head'): string {
    if (!this.colorCache) {
      const style = getComputedStyle(document.documentElement);
      const get = (v: string, d: string) => opaque(style.getPropertyValue(v).trim() || d);
      this.colorCache = {
        threshold: get('--vscode-charts-red', '#f14c4c'),
        marker: get('--vscode-charts-purple', '#b180d7'),
        head: get('--vscode-charts-yellow', '#cca700'),
      };
    }
    return this.colorCache[name];
  }
}

/** The PNG and SVG buttons of a chart card: each posts the chart's drawing as `name`. */
export function wireExportButtons(
  card: HTMLElement,
  chart: Chart,
  name: string,
  post: (message: WebviewMessage) => void,
): void {
  for (const button of card.querySelectorAll<HTMLElement>('[data-export]')) {
    button.addEventListener('click', () => {
      if (!chart.plot) return;
      const format = button.dataset.export as ExportFormat;
      post({ type: 'export', format, name, content: format === 'png' ? chart.png() : chart.svg() });
    });
  }
}
