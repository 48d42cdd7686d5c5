/**
 * The entry-balance panel's webview: the source selector, the t control (log slider and number),
 * the expected size, head entries and head share at t, three charts (entries ranked by count with
 * the line at t and the head shaded, before and after balancing; the cumulative share of matches;
 * the expected size over t with the current t marked) and the virtualised table of entries.
 * When the host sends a training run's per-class zero-shot accuracy, the ranked chart shows it as
 * points at the ranks of the entries naming the classes (right axis, 0–100 %; a baseline run as
 * hollow points), behind a checkbox, and the table gets a column of it.
 *
 * Every t move is answered here from the host's prepared model (balanceView.ts): the figures in
 * microseconds, the per-entry expected kept (O(ids)) coalesced to one computation per frame.
 * Messages: protocol.ts. State (source, t, sort, search, scroll) is kept with `setState`.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';
import {
  addKeptOfTexts,
  cumulativeShare,
  keptPerEntryAt,
  matchedTextCount,
  sampleRanks,
  sizeCurve,
  statsAt,
  thresholdGrid,
  type BalanceModel,
  type BalanceStats,
} from '../../server/engine/src/balanceView';
import { Chart, opaque, type ChartDef, type SeriesDef } from './charts';
import panelCss from './styles.css';
import {
  sourceKey,
  type AccuracyOverlay,
  type BalancePayload,
  type CurationChoice,
  type ExportFormat,
  type HostMessage,
  type PanelState,
  type SortKey,
  type SourceSpec,
  type WebviewMessage,
} from '../../contracts/src/webview';
import { VirtualTable, type Column } from './table';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const dec2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

function formatSize(v: number): string {
  return Math.abs(v) >= 1000 ? int.format(v) : dec1.format(v);
}
function formatPercent(v: number): string {
  return `${dec1.format(v * 100)}%`;
}
function formatT(t: number): string {
  return t >= 100 ? int.format(t) : dec2.format(t);
}
function compact(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a < 0.01) return v.toExponential(0);
  return String(+v.toPrecision(3));
}
/** A t from the slider: 3 significant digits. */
function niceT(t: number): number {
  return Number(t.toPrecision(t >= 1000 ? 4 : 3));
}

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

const sheet = new CSSStyleSheet();
sheet.replaceSync(`${uplotCss}\n${panelCss}`);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

const app = document.getElementById('app')!;
app.innerHTML = `
<header>
  <h1>Entry Balance</h1>
  <vscode-single-select id="source-select" aria-label="Counts from"></vscode-single-select>
  <vscode-button id="refresh" secondary title="Read the source again">Refresh</vscode-button>
  <vscode-button id="curate" title="Curate the pool at this t">Curate Pool…</vscode-button>
</header>
<div id="status" class="status" role="status"></div>
<section class="controls" aria-label="Threshold">
  <div class="t-control">
    <label for="t-slider">t</label>
    <input id="t-slider" type="range" min="0" max="1000" step="1" aria-label="t (log scale)">
    <vscode-textfield id="t-input" type="number" min="0" aria-label="t"></vscode-textfield>
  </div>
  <div class="stats">
    <div class="stat"><span class="label">Expected curated size</span>
      <span class="value" id="expected-size" data-value="">–</span><span class="sub" id="expected-sub"></span></div>
    <div class="stat"><span class="label">Head entries (count &gt; t)</span>
      <span class="value" id="head-entries" data-value="">–</span><span class="sub" id="head-sub"></span></div>
    <div class="stat"><span class="label">Head share of matches</span>
      <span class="value" id="head-share" data-value="">–</span><span class="sub" id="share-sub"></span></div>
  </div>
</section>
<section class="charts" id="charts"></section>
<section class="card table-card" aria-label="Entries">
  <div class="table-tools">
    <vscode-textfield id="table-search" placeholder="Search entries (or #id)" aria-label="Search entries"></vscode-textfield>
    <span class="table-count" id="table-count"></span>
    <vscode-button id="export-csv" secondary>Export CSV</vscode-button>
  </div>
  <div class="table-header" id="table-header" role="row"></div>
  <div id="table-host"></div>
</section>`;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const sourceSelect = $<HTMLElement & { value: string }>('source-select');
const statusEl = $('status');
const slider = $<HTMLInputElement>('t-slider');
const tInput = $<HTMLElement & { value: string }>('t-input');
const searchInput = $<HTMLElement & { value: string }>('table-search');

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

const saved = vscode.getState();
const state: PanelState = saved ?? {
  source: { kind: 'samples' },
  t: 0,
  sort: { key: 'count', descending: true },
  search: '',
  scrollRow: 0,
};
let payload: BalancePayload | undefined;
let model: BalanceModel | undefined;
let choices: CurationChoice[] = [];
let stats: BalanceStats | undefined;
let kept: Float64Array | undefined;
let keptT = NaN;
let rankOf: Uint32Array | undefined;
let nameOrder: Uint32Array | undefined;
let lowerNames: string[] | undefined;
let tMax = 10;
/** The zero-shot accuracy overlay on the data shown (by rank), and by entry id for the table. */
let accuracy: AccuracyOverlay | undefined;
let accuracyById: Float64Array | undefined;
let baselineById: Float64Array | undefined;

let saveTimer = 0;
function saveState(): void {
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => {
    state.scrollRow = table.firstRow;
    vscode.setState(state);
  }, 150);
}

function post(message: WebviewMessage): void {
  vscode.postMessage(message);
}

// ---------------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------------

const chartDefs: ChartDef[] = [
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
    xRange: () => logRange(1, Math.max(2, model?.matchedEntries ?? 10)),
    yRange: () => logRange(Math.min(1, (stats?.t ?? 1) * 0.9), Math.max(tMax, 10)),
    series: [
      { label: 'matches (before)', color: (c) => c.before, width: 2 },
      { label: 'expected kept (after)', color: (c) => c.after, width: 1.5 },
    ],
  },
  {
    id: 'cumulative',
    title: 'Cumulative share of matches',
    xLabel: 'share of entries (by rank)',
    yLabel: 'share of matches',
    xLog: false,
    yLog: false,
    xRange: () => [0, 1],
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
    xRange: () => logRange(1, tMax),
    yRange: () => [0, Math.max(1, model?.matchedTexts ?? 1) * 1.05],
    xFormat: compact,
    yFormat: compact,
    series: [{ label: 'expected size', color: (c) => c.after, width: 2 }],
  },
];

/** A log range widened to whole powers of ten. */
function logRange(lo: number, hi: number): [number, number] {
  return [10 ** Math.floor(Math.log10(lo) + 1e-9), 10 ** Math.ceil(Math.log10(hi) - 1e-9)];
}

const chartsEl = $('charts');
const charts = new Map<string, Chart>();
for (const def of chartDefs) {
  const card = document.createElement('div');
  card.className = 'card';
  card.innerHTML = `<div class="card-head"><h2></h2>
    <vscode-button secondary data-export="png">PNG</vscode-button>
    <vscode-button secondary data-export="svg">SVG</vscode-button></div>
    <p class="card-note"></p><div class="chart-host" id="chart-${def.id}"></div>`;
  card.querySelector('h2')!.textContent = def.title;
  chartsEl.appendChild(card);
  const chart = new Chart(def, card.querySelector<HTMLElement>('.chart-host')!);
  charts.set(def.id, chart);
  for (const button of card.querySelectorAll<HTMLElement>('[data-export]')) {
    button.addEventListener('click', () => {
      if (!chart.plot) return;
      const format = button.dataset.export as ExportFormat;
      post({
        type: 'export',
        format,
        name: `entry-balance-${def.id}`,
        content: format === 'png' ? chart.png() : chart.svg(),
      });
    });
  }
}
const note = (id: string, text: string) => {
  const el = $(`chart-${id}`).parentElement!.querySelector('.card-note')!;
  el.textContent = text;
};

// The zero-shot accuracy overlay's checkbox, in the ranked chart's head; shown only with an overlay.
const accuracyToggle = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
accuracyToggle.id = 'show-accuracy';
accuracyToggle.textContent = 'Zero-shot accuracy';
accuracyToggle.title = 'Show the per-class zero-shot accuracy of the training run on this chart';
accuracyToggle.hidden = true;
accuracyToggle.checked = state.showAccuracy !== false;
$('chart-ranked').parentElement!.querySelector('.card-head h2')!.after(accuracyToggle);
accuracyToggle.addEventListener('change', () => {
  state.showAccuracy = accuracyToggle.checked;
  saveState();
  if (model) drawRanked();
});

new ResizeObserver(() => {
  for (const c of charts.values()) c.resize();
}).observe(chartsEl);

// Theme changes: VS Code swaps the body class and the variables; rebuild with the new colours.
new MutationObserver(() => {
  for (const c of charts.values()) if (c.plot) c.rebuild();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

let rankedRanks: Uint32Array = new Uint32Array(0);
const rankedBase = chartDefs[0];
/** The ranked chart's series and axes last built (it is rebuilt only when they change). */
let rankedShape = '';

function showingAccuracy(): boolean {
  return !!accuracy && state.showAccuracy !== false;
}

/** The ranked chart's definition: with the accuracy points and their right axis when shown. */
function rankedDef(): ChartDef {
  if (!showingAccuracy()) return rankedBase;
  const o = accuracy!.overlay;
  const series: SeriesDef[] = [
    ...rankedBase.series,
    { label: `zero-shot top-1, run ${o.runId}`, color: (c) => c.accuracy, mark: 'points' },
  ];
  if (o.baseline)
    series.push({ label: `baseline, run ${o.baseline.runId}`, color: (c) => c.baseline, mark: 'hollow' });
  // The axis has room for about 28 characters; the legend and the note name the run in full.
  const axisLabel = `zero-shot top-1 (run ${o.runId})`;
  return {
    ...rankedBase,
    series: series.map((s, i) => (i >= rankedBase.series.length ? { ...s, right: true } : s)),
    right: {
      label: axisLabel.length <= 28 ? axisLabel : 'zero-shot top-1',
      range: [0, 100],
      format: (v) => `${+v.toPrecision(3)}%`,
    },
  };
}

/** Ranks (below the matched entries) of the entries with an accuracy, of the run or the baseline. */
function accuracyRanks(): number[] {
  const a = accuracy!;
  const n = Math.min(model!.matchedEntries, a.ranked.length);
  const out: number[] = [];
  for (let r = 0; r < n; r++)
    if (Number.isFinite(a.ranked[r]) || (a.baselineRanked && Number.isFinite(a.baselineRanked[r])))
      out.push(r);
  return out;
}

/** The accuracy columns of the ranked chart's data (percent; null where no point), when shown. */
function accuracySeries(): (number | null)[][] {
  if (!showingAccuracy()) return [];
  const column = (byRank: Float64Array) =>
    Array.from(rankedRanks, (r) => (Number.isFinite(byRank[r]) ? byRank[r] * 100 : null));
  const a = accuracy!;
  return a.baselineRanked ? [column(a.ranked), column(a.baselineRanked)] : [column(a.ranked)];
}

/** The ranked chart: counts before and after at log-spaced ranks, and the accuracy points. */
function drawRanked(): void {
  const m = model!;
  // Matched entries only (a log axis has no 0), at log-spaced ranks, and at every rank with a point.
  rankedRanks = sampleRanks(m.matchedEntries, 1500);
  if (showingAccuracy()) {
    const extra = accuracyRanks();
    if (extra.length > 0) rankedRanks = Uint32Array.from(new Set([...rankedRanks, ...extra])).sort();
  }
  const rx = Float64Array.from(rankedRanks, (r) => r + 1);
  const before = Float64Array.from(rankedRanks, (r) => m.ranked[r]);
  const data = [rx, before, afterSeries(), ...accuracySeries()] as unknown as uPlot.AlignedData;
  const def = rankedDef();
  const shape = [...def.series.map((s) => s.label), def.right?.label ?? ''].join('\n');
  const chart = charts.get('ranked')!;
  if (shape !== rankedShape || !chart.plot) {
    rankedShape = shape;
    chart.redefine(def, data);
  } else chart.setData(data);
  note('ranked', rankedNote());
}

function rankedNote(): string {
  const m = model!;
  let text = `${int.format(m.matchedEntries)} of ${int.format(m.numEntries)} entries matched; the line is t, the shaded ranks are the head.`;
  const a = accuracy;
  if (!a || !showingAccuracy()) return text;
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

function drawStaticCharts(): void {
  const m = model!;
  drawRanked();

  // Cumulative share: log-spaced ranks (the head) and evenly spaced ones (the tail).
  const n = m.matchedEntries;
  const set = new Set<number>(sampleRanks(n, 600));
  for (let i = 1; i <= 400; i++) set.add(Math.max(0, Math.round((n * i) / 400) - 1));
  const ranks = Uint32Array.from([...set].filter((r) => r < n)).sort();
  const { entryShare, matchShare } = cumulativeShare(m, ranks);
  const xs = Float64Array.from([...entryShare, 1]);
  const ys = Float64Array.from([...matchShare, n > 0 ? 1 : 0]);
  charts.get('cumulative')!.setData([xs, ys]);
  note('cumulative', `The top entries by count, as a share of all ${int.format(m.numEntries)} entries.`);

  // Expected size over t.
  const grid = thresholdGrid(m, 240);
  charts.get('size')!.setData([grid, sizeCurve(m, grid)]);
  note(
    'size',
    `Exact expectation over the ${int.format(m.matchedTexts)} matched texts; the dot is the current t.`,
  );
  updateOverlays();
}

function afterSeries(): Float64Array {
  const m = model!;
  const out = new Float64Array(rankedRanks.length);
  for (let i = 0; i < rankedRanks.length; i++) out[i] = kept ? kept[m.order[rankedRanks[i]]] : NaN;
  return out;
}

function updateOverlays(): void {
  const m = model;
  const s = stats;
  if (!m || !s) return;
  const t = s.t;
  charts.get('ranked')!.setOverlay((p) => {
    if (s.headEntries > 0) p.xBand(0.5, s.headEntries + 0.5, themeHead(), 0.15);
    p.hLine(t, themeColor('threshold'), `t = ${formatT(t)}`);
  });
  charts.get('cumulative')!.setOverlay((p) => {
    if (s.headEntries > 0) {
      const x = s.headEntries / m.numEntries;
      p.xBand(0, x, themeHead(), 0.15);
      p.vLine(x, themeColor('threshold'), `head: ${formatPercent(s.headShare)} of matches`);
      p.dot(x, s.headShare, themeColor('marker'));
    }
  });
  charts.get('size')!.setOverlay((p) => {
    p.vLine(t, themeColor('threshold'), `t = ${formatT(t)}`);
    p.dot(t, s.expectedSize, themeColor('marker'));
  });
}

let colorCache: Record<string, string> | undefined;
function themeColor(name: 'threshold' | 'marker' | 'head'): string {
  if (!colorCache) {
    const style = getComputedStyle(document.documentElement);
    const get = (v: string, d: string) => opaque(style.getPropertyValue(v).trim() || d);
    colorCache = {
      threshold: get('--vscode-charts-red', '#f14c4c'),
      marker: get('--vscode-charts-purple', '#b180d7'),
      head: get('--vscode-charts-yellow', '#cca700'),
    };
  }
  return colorCache[name];
}
const themeHead = () => themeColor('head');
new MutationObserver(() => {
  colorCache = undefined;
  updateOverlays();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// ---------------------------------------------------------------------------------------------
// The t control
// ---------------------------------------------------------------------------------------------

function sliderToT(v: number): number {
  return niceT(Math.exp((Math.log(tMax) * v) / 1000));
}
function tToSlider(t: number): number {
  return Math.round((1000 * Math.log(Math.max(1, t))) / Math.log(tMax));
}

/** Moves t: the figures at once, the per-entry expected kept after they are painted. */
function setT(t: number, from: 'slider' | 'input' | 'host'): void {
  if (!(t > 0) || !Number.isFinite(t)) return;
  state.t = t;
  if (from !== 'slider') slider.value = String(tToSlider(t));
  if (from !== 'input') tInput.value = String(t);
  if (!model) return;
  const started = performance.now();
  stats = statsAt(model, t);
  showStats();
  updateOverlays();
  const el = $('expected-size');
  el.dataset.millis = (performance.now() - started).toFixed(3);
  scheduleKept();
  saveState();
  if (from !== 'host') postT(t);
}

let postTimer = 0;
function postT(t: number): void {
  clearTimeout(postTimer);
  postTimer = window.setTimeout(() => post({ type: 'tChanged', t }), 200);
}

/** Texts per slice of the per-entry expected kept: input is answered between slices. */
const KEPT_SLICE_TEXTS = 125_000;
/** Bumped by each move of t: a computation of an older t stops at its next slice. */
let keptJob = 0;
/** The array the next computation fills (the one before last, reused). */
let keptSpare: Float64Array | undefined;
let resortTimer = 0;
/**
 * The per-entry expected kept at the current t (O(ids): about 10M for a million texts), after
 * the frame that shows the figures and in slices, so that neither the figures' paint nor the
 * next move of t waits for it.
 */
function scheduleKept(): void {
  const job = ++keptJob;
  requestAnimationFrame(() =>
    setTimeout(() => {
      const m = model;
      if (job !== keptJob || !m || !stats || keptT === stats.t) return;
      const t = stats.t;
      const out = keptSpare && keptSpare.length === m.numEntries ? keptSpare : new Float64Array(m.numEntries);
      keptSpare = undefined;
      out.fill(0);
      const texts = matchedTextCount(m);
      const slice = (from: number) => {
        if (job !== keptJob || m !== model) {
          keptSpare = out;
          return;
        }
        const to = Math.min(texts, from + KEPT_SLICE_TEXTS);
        addKeptOfTexts(m, t, out, from, to);
        if (to < texts) setTimeout(() => slice(to), 0);
        else showKept(out, t);
      };
      slice(0);
    }, 0),
  );
}

function showKept(values: Float64Array, t: number): void {
  keptSpare = kept;
  kept = values;
  keptT = t;
  // The t the chart's after curve and the table's expected kept are at (for tests and the bench).
  table.viewport.dataset.keptT = String(t);
  const ranked = charts.get('ranked')!;
  if (ranked.plot) {
    const d = ranked.plot.data;
    ranked.setData([
      d[0] as unknown as number[],
      d[1] as unknown as number[],
      afterSeries() as unknown as number[],
      ...(d.slice(3) as unknown as number[][]), // the accuracy points
    ]);
  }
  table.refresh();
  if (state.sort.key === 'kept') {
    clearTimeout(resortTimer);
    resortTimer = window.setTimeout(() => applyView(false), 250);
  }
}

function showStats(): void {
  const m = model!;
  const s = stats!;
  const size = $('expected-size');
  size.textContent = formatSize(s.expectedSize);
  size.dataset.value = String(s.expectedSize);
  size.dataset.t = String(s.t);
  $('expected-sub').textContent =
    m.matchedTexts > 0
      ? `${formatPercent(s.expectedSize / m.matchedTexts)} of ${int.format(m.matchedTexts)} matched texts`
      : 'no matched texts';
  const head = $('head-entries');
  head.textContent = int.format(s.headEntries);
  head.dataset.value = String(s.headEntries);
  $('head-sub').textContent = `of ${int.format(m.matchedEntries)} matched entries`;
  const share = $('head-share');
  share.textContent = formatPercent(s.headShare);
  share.dataset.value = String(s.headShare);
  $('share-sub').textContent = `${int.format(s.headMatches)} of ${int.format(m.totalMatches)} matches`;
}

slider.addEventListener('input', () => setT(sliderToT(Number(slider.value)), 'slider'));
const fromInput = () => {
  const t = Number(tInput.value);
  if (t > 0 && Number.isFinite(t)) setT(t, 'input');
};
tInput.addEventListener('input', fromInput);
tInput.addEventListener('change', fromInput);

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

const columns: (Column & { sort: SortKey; num: boolean })[] = [
  { key: 'rank', title: 'Rank', className: 'num', sort: 'rank', num: true },
  { key: 'entry', title: 'Entry', className: 'entry', sort: 'entry', num: false },
  { key: 'id', title: 'Id', className: 'num', sort: 'id', num: true },
  { key: 'count', title: 'Count', className: 'num', sort: 'count', num: true },
  { key: 'probability', title: 'p at t', className: 'num', sort: 'probability', num: true },
  { key: 'kept', title: 'Expected kept', className: 'num', sort: 'kept', num: true },
  // Shown only with an accuracy overlay (the table card's `with-accuracy` class).
  { key: 'accuracy', title: 'Zero-shot top-1', className: 'num', sort: 'accuracy', num: true },
];
const ACCURACY_COLUMN = 6;

/** An entry's zero-shot accuracy, and its difference to the baseline's in points when both exist. */
function accuracyText(id: number): string {
  const a = accuracyById?.[id] ?? NaN;
  const b = baselineById?.[id] ?? NaN;
  if (!Number.isFinite(a)) return Number.isFinite(b) ? `– (base ${dec1.format(b * 100)}%)` : '';
  if (!Number.isFinite(b)) return `${dec1.format(a * 100)}%`;
  const d = (a - b) * 100;
  return `${dec1.format(a * 100)}% (${d >= 0 ? '+' : '−'}${dec1.format(Math.abs(d))})`;
}

function cellText(id: number, column: number): string {
  const m = model!;
  switch (column) {
    case 0:
      return int.format(rankOf![id] + 1);
    case 1:
      return payload!.names[id] ?? `#${id}`;
    case 2:
      return String(id);
    case 3:
      return int.format(m.counts[id]);
    case 4: {
      const c = m.counts[id];
      const t = stats?.t ?? state.t;
      return c <= t ? '1' : (t / c).toPrecision(3);
    }
    case 5:
      return kept && keptT === stats?.t ? dec2.format(kept[id]) : '…';
    default:
      return accuracyText(id);
  }
}

const table = new VirtualTable($('table-host'), columns, cellText, (id) => post({ type: 'revealEntry', id }));
table.viewport.addEventListener('scroll', () => saveState(), { passive: true });

const headerEl = $('table-header');
const tableCard = headerEl.closest<HTMLElement>('.table-card')!;
for (const c of columns) {
  const b = document.createElement('button');
  b.textContent = c.title;
  b.className = c.num ? 'num' : '';
  b.dataset.sort = c.sort;
  b.addEventListener('click', () => {
    if (state.sort.key === c.sort) state.sort.descending = !state.sort.descending;
    else state.sort = { key: c.sort, descending: c.sort !== 'entry' && c.sort !== 'id' && c.sort !== 'rank' };
    applyView(true);
    saveState();
  });
  headerEl.appendChild(b);
}

function sortedIds(): Uint32Array {
  const m = model!;
  const n = m.numEntries;
  const { key, descending } = state.sort;
  let asc: Uint32Array;
  switch (key) {
    case 'rank':
    case 'count':
    case 'probability': {
      // By count descending is rank order; p ascending is the same order.
      const byCount = m.order;
      const countDescending = key === 'probability' ? !descending : key === 'rank' ? !descending : descending;
      return countDescending ? byCount : byCount.slice().reverse();
    }
    case 'id':
      asc = Uint32Array.from({ length: n }, (_, i) => i);
      break;
    case 'entry': {
      if (!nameOrder) {
        const names = payload!.names;
        nameOrder = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) =>
          names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b,
        );
      }
      asc = nameOrder;
      break;
    }
    case 'accuracy': {
      // By accuracy (equal ones by rank), entries without one last either way; by count without an overlay.
      const acc = accuracyById;
      if (!acc) return descending ? m.order : m.order.slice().reverse();
      const valid: number[] = [];
      const rest: number[] = [];
      for (const id of m.order) (Number.isFinite(acc[id]) ? valid : rest).push(id);
      valid.sort(descending ? (a, b) => acc[b] - acc[a] : (a, b) => acc[a] - acc[b]);
      return Uint32Array.from([...valid, ...rest]);
    }
    case 'kept': {
      if (!kept || keptT !== stats?.t) kept = keptPerEntryAt(m, stats?.t ?? state.t, kept);
      keptT = stats?.t ?? state.t;
      const k = kept;
      asc = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => k[a] - k[b] || a - b);
      break;
    }
  }
  return descending ? asc.slice().reverse() : asc;
}

function applyView(top: boolean): void {
  if (!model || !payload) return;
  let ids: Uint32Array = sortedIds();
  const q = state.search.trim();
  if (q) {
    const idQuery = /^#(\d+)$/.exec(q);
    if (idQuery) {
      const id = Number(idQuery[1]);
      ids = id < model.numEntries ? Uint32Array.of(id) : new Uint32Array(0);
    } else {
      if (!lowerNames) lowerNames = payload.names.map((s) => s.toLowerCase());
      const needle = q.toLowerCase();
      const names = lowerNames;
      const keep = new Uint8Array(model.numEntries);
      let count = 0;
      for (let i = 0; i < names.length; i++)
        if (names[i].includes(needle)) {
          keep[i] = 1;
          count++;
        }
      const out = new Uint32Array(count);
      let k = 0;
      for (let i = 0; i < ids.length; i++) if (keep[ids[i]]) out[k++] = ids[i];
      ids = out;
    }
  }
  table.setView(ids, top);
  $('table-count').textContent = `${int.format(ids.length)} of ${int.format(model.numEntries)} entries`;
  for (const b of headerEl.querySelectorAll<HTMLButtonElement>('button')) {
    const on = b.dataset.sort === state.sort.key;
    b.classList.toggle('sorted', on);
    b.classList.toggle('asc', on && !state.sort.descending);
    b.setAttribute('aria-sort', on ? (state.sort.descending ? 'descending' : 'ascending') : 'none');
  }
}

let searchTimer = 0;
searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => {
    state.search = searchInput.value;
    applyView(true);
    saveState();
  }, 120);
});

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

$('export-csv').addEventListener('click', () => {
  if (!model || !payload) return;
  const m = model;
  const t = stats?.t ?? state.t;
  if (!kept || keptT !== t) {
    kept = keptPerEntryAt(m, t, kept);
    keptT = t;
  }
  const acc = accuracyById;
  const base = baselineById;
  const value = (v: number) => (Number.isFinite(v) ? String(v) : '');
  const lines = [
    'rank,id,entry,count,probability,expected_kept' +
      (acc ? ',zero_shot_top1' : '') +
      (base ? ',baseline_zero_shot_top1' : ''),
  ];
  const view = table.ids;
  for (let i = 0; i < view.length; i++) {
    const id = view[i];
    const c = m.counts[id];
    lines.push(
      `${rankOf![id] + 1},${id},${csvField(payload.names[id] ?? '')},${c},${c <= t ? 1 : t / c},${kept[id]}` +
        (acc ? `,${value(acc[id])}` : '') +
        (base ? `,${value(base[id])}` : ''),
    );
  }
  post({ type: 'export', format: 'csv', name: `entry-balance-t${t}`, content: lines.join('\n') + '\n' });
});

// ---------------------------------------------------------------------------------------------
// Source, buttons and host messages
// ---------------------------------------------------------------------------------------------

function renderChoices(current: SourceSpec): void {
  const options: { value: string; label: string }[] = [
    { value: 'samples', label: 'Workspace samples' },
    ...choices.map((c) => ({ value: sourceKey({ kind: 'curation', folder: c.folder }), label: c.label })),
  ];
  const key = sourceKey(current);
  sourceSelect.innerHTML = '';
  for (const o of options) {
    const el = document.createElement('vscode-option');
    el.setAttribute('value', o.value);
    // The select reads its options when they are slotted (later): mark the chosen one.
    el.toggleAttribute('selected', o.value === key);
    el.textContent = o.label;
    sourceSelect.appendChild(el);
  }
  sourceSelect.value = key;
  requestAnimationFrame(() => {
    if (sourceSelect.value !== key) sourceSelect.value = key;
  });
}

sourceSelect.addEventListener('change', () => {
  const value = sourceSelect.value;
  const source: SourceSpec =
    value === 'samples' ? { kind: 'samples' } : { kind: 'curation', folder: value.slice('curation:'.length) };
  if (sourceKey(source) === sourceKey(state.source)) return;
  state.source = source;
  saveState();
  post({ type: 'selectSource', source });
});
$('refresh').addEventListener('click', () => post({ type: 'refresh' }));
$('curate').addEventListener('click', () => post({ type: 'curate', t: stats?.t ?? state.t }));

function setStatus(html: string | Node, kind: 'info' | 'error' | 'loading' = 'info'): void {
  statusEl.className = `status${kind === 'error' ? ' error' : ''}`;
  statusEl.replaceChildren();
  if (kind === 'loading') {
    const box = document.createElement('span');
    box.className = 'loading';
    const ring = document.createElement('vscode-progress-ring');
    box.append(ring, document.createTextNode(String(html)));
    statusEl.appendChild(box);
  } else statusEl.append(typeof html === 'string' ? document.createTextNode(html) : html);
}

/**
 * Takes the host's accuracy overlay for the data shown (undefined: none); returns false when it
 * belongs to other data (the host sends it again with its data).
 */
function setAccuracy(a: AccuracyOverlay | undefined): boolean {
  const m = model;
  if (a && (!m || !payload || a.source !== sourceKey(payload.info.spec) || a.ranked.length !== m.numEntries))
    return false;
  accuracy = a;
  accuracyById = undefined;
  baselineById = undefined;
  if (a && m) {
    const byId = (byRank: Float64Array) => {
      const out = new Float64Array(m.numEntries);
      for (let r = 0; r < m.numEntries; r++) out[m.order[r]] = byRank[r];
      return out;
    };
    accuracyById = byId(a.ranked);
    if (a.baselineRanked?.length === m.numEntries) baselineById = byId(a.baselineRanked);
  }
  state.accuracy = a?.overlay;
  accuracyToggle.hidden = !a;
  accuracyToggle.checked = state.showAccuracy !== false;
  tableCard.classList.toggle('with-accuracy', !!a);
  const header = headerEl.children[ACCURACY_COLUMN] as HTMLElement | undefined;
  if (header) {
    header.textContent = baselineById ? 'Top-1 (Δ base)' : columns[ACCURACY_COLUMN].title;
    header.title = a
      ? `${a.overlay.dataset} zero-shot top-1 of run ${a.overlay.runId}` +
        (a.overlay.baseline ? ` (difference to run ${a.overlay.baseline.runId} in points)` : '')
      : '';
  }
  if (!a && state.sort.key === 'accuracy') state.sort = { key: 'count', descending: true };
  saveState();
  return true;
}

function onData(p: BalancePayload, t: number, a: AccuracyOverlay | undefined): void {
  payload = p;
  model = p.model;
  kept = undefined;
  keptT = NaN;
  nameOrder = undefined;
  lowerNames = undefined;
  const m = model;
  rankOf = new Uint32Array(m.numEntries);
  for (let i = 0; i < m.numEntries; i++) rankOf[m.order[i]] = i;
  tMax = Math.max(10, (m.ranked[0] ?? 1) * 1.25, t);
  state.source = p.info.spec;
  const info = p.info;
  if (
    info.spec.kind === 'curation' &&
    !choices.some((c) => c.folder === (info.spec as { folder: string }).folder)
  )
    choices = [...choices, { folder: info.spec.folder, label: info.label }];
  renderChoices(info.spec);
  const parts = [
    info.label,
    `metadata ${info.metadataPath.split(/[\\/]/).pop()} (${int.format(m.numEntries)} entries)`,
    `${int.format(info.texts)} texts, ${int.format(m.matchedTexts)} matched`,
  ];
  if (info.kept !== undefined && info.t !== undefined)
    parts.push(`kept ${int.format(info.kept)} at t = ${formatT(info.t)}`);
  setStatus(parts.join(' · '));
  statusEl.title = `${info.metadataPath}\nRead and prepared in ${info.millis} ms.`;
  if (!setAccuracy(a)) setAccuracy(undefined);
  setT(t, 'host');
  drawStaticCharts();
  applyView(false);
  if (state.scrollRow > 0) table.scrollToRow(state.scrollRow);
  document.body.dataset.ready = 'true';
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const m = event.data;
  switch (m.type) {
    case 'loading':
      document.body.dataset.ready = 'false';
      setStatus(m.message, 'loading');
      return;
    case 'data':
      onData(m.payload, m.t, m.accuracy);
      return;
    case 'accuracy':
      if (!setAccuracy(m.accuracy) || !model) return;
      drawRanked();
      applyView(false);
      return;
    case 'error':
      document.body.dataset.ready = 'error';
      setStatus(m.message, 'error');
      return;
    case 'choices':
      choices = m.curations;
      renderChoices(m.current);
      return;
    case 'setT':
      setT(m.t, 'host');
      return;
    case 'exported':
      if (m.path) setStatus(`Exported ${m.path}`);
      return;
  }
});

if (state.t > 0) {
  tInput.value = String(state.t);
}
renderChoices(state.source);
searchInput.value = state.search;
post({ type: 'ready', state: saved });
