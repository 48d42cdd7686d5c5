/**
 * The "Threshold sweep" view (a sweep's folder shown): what the sweep was made of, the progress
 * line, two uPlot charts on a log t axis (zero-shot top-1 and mean per-class top-1 with their 95%
 * CI as whiskers and the raw arm's level; the curated pairs), both marking where balancing stops,
 * and the table of each t. A row, or a chart's point, opens that t's curation in the balance view.
 * The figures come from sweepFigures.ts; the ids and `data-*` attributes are what the e2e suite
 * (test/e2e/sweep.e2e.mjs) reads.
 */
import type uPlot from 'uplot';
import type { SweepView, WebviewMessage } from '../../../contracts/src/webview';
import { Chart, type ChartDef, type Overlay } from '../chart/chart';
import { themeColors, type ThemeColors } from '../chart/theme';
import { compact, int } from '../format';
import type { PanelAction } from '../state';
import {
  sweepAccuracyChart,
  sweepProgress,
  sweepRows,
  sweepSizeChart,
  sweepTLabel,
  sweepTrace,
  sweepXLabel,
  sweepXRange,
  showsArmColumn,
  SWEEP_COLUMNS,
  type SweepAccuracyChart,
  type SweepSizeChart,
} from '../sweepFigures';
import { wireExportButtons } from './charts';
import { byId } from './layout';

/** How near the cursor must be to a t of a chart (in x) for a click to open its curation. */
const PICK_PX = 16;

const palette = (c: ThemeColors) => [c.before, c.accuracy, c.after, c.marker, c.head];
const percent = (v: number) => `${+v.toPrecision(3)}%`;

export class ThresholdSweepView {
  private readonly accuracy: Chart;
  private readonly size: Chart;
  private colors: ThemeColors = themeColors();
  /** The series and axes each chart was last built with (rebuilt only when they change). */
  private readonly shapes = new Map<Chart, string>();

  constructor(
    private readonly dispatch: (action: PanelAction) => void,
    post: (message: WebviewMessage) => void,
  ) {
    const host = byId('sweep-charts');
    this.accuracy = this.card(host, 'sweep-accuracy', 'Zero-shot top-1 against t (mean, 95% CI)', post);
    this.size = this.card(host, 'sweep-size', 'Curated pairs against t', post);
    new ResizeObserver(() => {
      this.accuracy.resize();
      this.size.resize();
    }).observe(host);
    // Theme changes: VS Code swaps the body class and the variables; rebuild with the new colours.
    new MutationObserver(() => {
      this.colors = themeColors();
      for (const chart of [this.accuracy, this.size]) if (chart.plot) chart.rebuild();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    // A row (its button, or anywhere on it) opens its t's curation.
    byId('sweep-table').addEventListener('click', (event) => {
      const row = (event.target as HTMLElement).closest<HTMLElement>('tr.openable');
      if (row?.dataset.t) dispatch({ type: 'openSweepCuration', t: Number(row.dataset.t) });
    });
  }

  /** A chart's card (title, exports, note, host), its chart, and a click on a t opening its curation. */
  private card(
    parent: HTMLElement,
    id: string,
    title: string,
    post: (message: WebviewMessage) => void,
  ): Chart {
    const card = document.createElement('div');
    card.className = 'card';
    card.innerHTML = `<div class="card-head"><h2></h2>
    <vscode-button secondary data-export="png">PNG</vscode-button>
    <vscode-button secondary data-export="svg">SVG</vscode-button></div>
    <p class="card-note"></p><div class="chart-host"></div>`;
    card.querySelector('h2')!.textContent = title;
    const host = card.querySelector<HTMLElement>('.chart-host')!;
    host.id = `chart-${id}`;
    host.title = 'Click a t to open its curation in the balance view';
    parent.appendChild(card);
    const chart = new Chart(
      { id, title, xLabel: 't', yLabel: '', xLog: true, yLog: false, series: [] },
      host,
    );
    wireExportButtons(card, chart, `${id}-vs-t`, post);
    host.addEventListener('click', () => {
      const t = this.tAtCursor(chart);
      if (t !== undefined) this.dispatch({ type: 'openSweepCuration', t });
    });
    return chart;
  }

  /** The t of the chart's point nearest the cursor, within PICK_PX in x (undefined: none). */
  private tAtCursor(chart: Chart): number | undefined {
    const u = chart.plot;
    const idx = u?.cursor.idx;
    const left = u?.cursor.left;
    if (!u || idx == null || left === undefined) return undefined;
    const t = (u.data[0] as ArrayLike<number>)[idx];
    return Math.abs(u.valToPos(t, 'x') - left) <= PICK_PX ? t : undefined;
  }

  /** Shows `view` (new, or the same sweep read again after its summary.json changed). */
  show(view: SweepView): void {
    this.showTrace(view);
    const progress = sweepProgress(view);
    const line = byId('sweep-progress');
    line.textContent = progress.text;
    line.classList.toggle('running', !progress.complete);
    line.dataset.done = String(view.units.done);
    line.dataset.total = String(view.units.total);
    this.drawAccuracy(view, sweepAccuracyChart(view));
    this.drawSize(view, sweepSizeChart(view));
    this.showTable(view);
  }

  private showTrace(view: SweepView): void {
    const list = byId('sweep-trace');
    list.replaceChildren();
    for (const item of sweepTrace(view)) {
      const dt = document.createElement('dt');
      dt.textContent = item.label;
      const dd = document.createElement('dd');
      dd.dataset.trace = item.key;
      dd.textContent = item.value;
      dd.title = item.title;
      list.append(dt, dd);
    }
  }

  /** Builds the chart anew when its series or axes changed, else only sets the data. */
  private draw(chart: Chart, def: ChartDef, data: uPlot.AlignedData, overlay: Overlay): void {
    const shape = [def.xLabel, def.yLabel, ...def.series.map((s) => s.label)].join('\n');
    if (shape !== this.shapes.get(chart) || !chart.plot) {
      this.shapes.set(chart, shape);
      chart.redefine(def, data);
    } else chart.setData(data);
    chart.setOverlay(overlay);
    chart.host.dataset.points = String(data[0].length);
  }

  /** Where balancing stops (t ≥ the largest entry count, said by the axis label), on both charts. */
  private noBalancingMark(view: SweepView, p: Parameters<Overlay>[0]): void {
    p.vLine(view.largestEntryCount, this.colors.threshold, 'no balancing');
  }

  private drawAccuracy(view: SweepView, figures: SweepAccuracyChart): void {
    // A colour per line (top-1 and mean per-class of each arm); mean per-class is dashed too.
    const colorOf = (i: number) => (c: ThemeColors) => palette(c)[i % palette(c).length];
    const def: ChartDef = {
      id: 'sweep-accuracy',
      title: 'Zero-shot top-1 against t (mean, 95% CI)',
      xLabel: sweepXLabel(view),
      yLabel: 'zero-shot accuracy',
      xLog: true,
      yLog: false,
      xRange: () => sweepXRange(view),
      yRange: () => figures.yRange,
      xFormat: compact,
      yFormat: percent,
      series: figures.series.map((s, i) => ({
        label: s.label,
        color: colorOf(i),
        width: 2,
        mark: 'linePoints' as const,
        ...(s.metric === 'meanPerClassTop1' ? { dash: [5, 4] } : {}),
      })),
    };
    const data = [figures.ts, ...figures.series.map((s) => s.values)] as unknown as uPlot.AlignedData;
    this.draw(this.accuracy, def, data, (p) => {
      this.noBalancingMark(view, p);
      for (const raw of figures.raw) p.hLine(raw.value, this.colors.muted, raw.label);
      figures.series.forEach((s, i) => {
        const color = colorOf(i)(this.colors);
        figures.ts.forEach((t, k) => {
          const [low, high] = [s.low[k], s.high[k]];
          if (low !== null && high !== null) p.whisker(t, low, high, color);
        });
      });
    });
    const withCi = figures.series.some((s) => s.low.some((v) => v !== null));
    this.note(
      this.accuracy,
      `Solid: top-1; dashed: mean per-class top-1${withCi ? '; whiskers: the 95% CI over seeds' : ' (the CI needs two seeds)'}` +
        `${figures.raw.length > 0 ? '; grey: the raw pool' : ''}. t ≥ ${int.format(view.largestEntryCount)} balances nothing.`,
    );
  }

  private drawSize(view: SweepView, figures: SweepSizeChart): void {
    // Room above the matched pairs' line for its label, below the no-balancing mark's.
    const top = Math.max(1, view.matchedPairs, ...figures.pairs) * 1.3;
    const def: ChartDef = {
      id: 'sweep-size',
      title: 'Curated pairs against t',
      xLabel: sweepXLabel(view),
      yLabel: 'curated pairs',
      xLog: true,
      yLog: false,
      xRange: () => sweepXRange(view),
      yRange: () => [0, top],
      xFormat: compact,
      yFormat: compact,
      series: [{ label: 'curated pairs', color: (c) => c.after, width: 2, mark: 'linePoints' }],
    };
    this.draw(this.size, def, [figures.ts, figures.pairs], (p) => {
      this.noBalancingMark(view, p);
      p.hLine(view.matchedPairs, this.colors.muted, `all ${int.format(view.matchedPairs)} matched pairs`);
    });
    this.note(
      this.size,
      `The pairs each curation kept, of ${int.format(view.poolPairs)} in the pool (${int.format(view.matchedPairs)} matched).`,
    );
  }

  private note(chart: Chart, text: string): void {
    chart.host.parentElement!.querySelector('.card-note')!.textContent = text;
  }

  private showTable(view: SweepView): void {
    const table = byId<HTMLTableElement>('sweep-table');
    const columns = SWEEP_COLUMNS.filter((c) => c.key !== 'arm' || showsArmColumn(view));
    table.replaceChildren();
    const head = table.createTHead().insertRow();
    for (const column of [...columns, undefined]) {
      const th = document.createElement('th');
      if (column) {
        th.textContent = column.label;
        th.title = column.title;
        th.className = column.numeric ? 'num' : '';
      }
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const row of sweepRows(view)) {
      const tr = body.insertRow();
      tr.dataset.t = row.t === null ? '' : String(row.t);
      tr.dataset.arm = row.arm;
      tr.dataset.augment = row.augment;
      tr.classList.toggle('no-balancing', row.noBalancing);
      for (const column of columns) {
        const td = tr.insertCell();
        td.dataset.column = column.key;
        td.className = column.numeric ? 'num' : '';
        td.textContent = column.text(row, view);
      }
      // The exact numbers behind the cells (the e2e suite compares them with summary.json's).
      const cell = (key: string) => tr.querySelector<HTMLElement>(`td[data-column="${key}"]`);
      if (row.pairs !== undefined) cell('pairs')!.dataset.value = String(row.pairs);
      if (row.timesSeen !== undefined) cell('timesSeen')!.dataset.value = String(row.timesSeen);
      cell('seeds')!.dataset.value = String(row.seeds.length);
      cell('seeds')!.title = row.seeds.length > 0 ? `seeds ${row.seeds.join(', ')}` : 'no seed done yet';
      for (const key of ['top1', 'meanPerClassTop1'] as const) {
        const interval = row[key];
        if (!interval) continue;
        cell(key)!.dataset.mean = String(interval.mean);
        if (interval.halfWidth !== null) cell(key)!.dataset.halfWidth = String(interval.halfWidth);
      }
      const action = tr.insertCell();
      if (row.curationFolder && row.t !== null) {
        tr.classList.add('openable');
        tr.title = `Open the curation at t = ${sweepTLabel(view, row.t)} in the balance view (${row.curationFolder})`;
        const button = document.createElement('vscode-button');
        button.setAttribute('secondary', '');
        button.dataset.open = row.curationFolder;
        button.textContent = 'Open curation';
        action.appendChild(button);
      }
    }
  }
}
