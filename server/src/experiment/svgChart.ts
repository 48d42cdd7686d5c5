/**
 * A small SVG line chart for the study's figures (accuracy against t with CI whiskers, curated
 * size against t): standalone files a browser or a README shows, written without a chart package.
 * Every point is a `<circle class="point" data-x data-y>` and every whisker a
 * `<line class="whisker">`, so tests (and scripts) read the numbers back from the file.
 */

export interface ChartPoint {
  x: number;
  y: number;
  /** The whisker's ends (a confidence interval), when known. */
  low?: number;
  high?: number;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

/** A level every x shares (the raw arm: no curation, so no t), drawn as a dashed line. */
export interface ChartReference {
  name: string;
  y: number;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  /** The y axis from 0 (sizes, accuracies) rather than from the data's minimum. */
  yFromZero?: boolean;
  /**
   * The values y can take (accuracies: [0, 1]): the axis never goes past them, and a whisker
   * that does (a wide interval of few seeds) is cut there and drawn open at that end.
   */
  yBounds?: [number, number];
  references?: ChartReference[];
  /** A vertical dotted line at x, labelled (where balancing stops). */
  xMarker?: { x: number; label: string };
  series: ChartSeries[];
}

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 150, top: 40, bottom: 55 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** About five round tick values over [lo, hi]. */
function linearTicks(lo: number, hi: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / 5;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (Math.abs(v) >= 10000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
}

export function renderLineChart(chart: LineChart): string {
  const points = chart.series.flatMap((s) => s.points);
  if (points.length === 0) throw new Error(`chart '${chart.title}' has no points`);
  if (chart.logX && points.some((p) => !(p.x > 0))) throw new Error('a log axis needs positive x');
  const fx = (x: number) => (chart.logX ? Math.log10(x) : x);
  const references = chart.references ?? [];
  const marker = chart.xMarker;
  const xs = [...points.map((p) => fx(p.x)), ...(marker ? [fx(marker.x)] : [])];
  const [yLow, yHigh] = chart.yBounds ?? [-Infinity, Infinity];
  const bound = (y: number) => Math.min(yHigh, Math.max(yLow, y));
  const ys = [
    ...points.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y]),
    ...references.map((ref) => ref.y),
  ].map(bound);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  let y0 = chart.yFromZero ? Math.min(0, ...ys) : Math.min(...ys);
  let y1 = Math.max(...ys);
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  [y0, y1] = [bound(y0), bound(y1)];
  const pad = (x1 - x0) * 0.05;
  [x0, x1] = [x0 - pad, x1 + pad];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + ((fx(x) - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => MARGIN.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const r = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text class="title" x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(chart.title)}</text>`,
  );
  // Axes, ticks and labels.
  const bottom = MARGIN.top + plotH;
  out.push(
    `<line class="axis x-axis" x1="${MARGIN.left}" y1="${bottom}" x2="${MARGIN.left + plotW}" y2="${bottom}" stroke="black"/>`,
    `<line class="axis y-axis" x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="black"/>`,
  );
  const xTicks = chart.logX
    ? [...new Set(points.map((p) => p.x))].sort((a, b) => a - b)
    : linearTicks(x0 + pad, x1 - pad);
  for (const t of xTicks) {
    const x = r(px(t));
    out.push(
      `<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="black"/>`,
      `<text class="tick x-tick" x="${x}" y="${bottom + 18}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  for (const t of linearTicks(y0, y1)) {
    const y = r(py(t));
    out.push(
      `<line x1="${MARGIN.left - 5}" y1="${y}" x2="${MARGIN.left}" y2="${y}" stroke="black"/>`,
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#ddd"/>`,
      `<text class="tick y-tick" x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`,
    );
  }
  out.push(
    `<text class="axis-label x-label" x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(chart.xLabel + (chart.logX ? ' (log scale)' : ''))}</text>`,
    `<text class="axis-label y-label" transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  );
  if (marker) {
    const x = r(px(marker.x));
    out.push(
      `<line class="x-marker" data-x="${marker.x}" x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${bottom}" stroke="#888" stroke-dasharray="2 3"/>`,
      `<text class="x-marker-label" x="${x}" y="${MARGIN.top - 4}" text-anchor="middle" font-size="10" fill="#555">${escapeXml(marker.label)}</text>`,
    );
  }
  const legendY = (i: number) => MARGIN.top + 10 + i * 18;
  // References: a dashed level across the plot and a legend entry, after the series' entries.
  references.forEach((ref, i) => {
    const y = r(py(bound(ref.y)));
    const ly = legendY(chart.series.length + i);
    out.push(
      `<g class="reference" data-name="${escapeXml(ref.name)}" data-y="${ref.y}">`,
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#555" stroke-dasharray="6 4"/>`,
      `<line x1="${WIDTH - MARGIN.right + 10}" y1="${ly}" x2="${WIDTH - MARGIN.right + 26}" y2="${ly}" stroke="#555" stroke-dasharray="6 4"/>`,
      `<text class="legend" x="${WIDTH - MARGIN.right + 30}" y="${ly}" dominant-baseline="middle">${escapeXml(ref.name)}</text>`,
      '</g>',
    );
  });
  // Series: line, whiskers, points, legend entry.
  chart.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    if (sorted.length > 1) {
      const path = sorted.map((p) => `${r(px(p.x))},${r(py(p.y))}`).join(' ');
      out.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
    }
    for (const p of sorted) {
      if (p.low !== undefined && p.high !== undefined) {
        const cx = px(p.x);
        const x = r(cx);
        out.push(
          `<line class="whisker" data-low="${p.low}" data-high="${p.high}" x1="${x}" y1="${r(py(bound(p.low)))}" x2="${x}" y2="${r(py(bound(p.high)))}" stroke="${colour}"/>`,
        );
        // A cap at each end the interval really has; none where the bounds cut it.
        for (const end of [p.low, p.high]) {
          if (end !== bound(end)) continue;
          const y = r(py(end));
          out.push(
            `<line class="whisker-cap" x1="${r(cx - 4)}" y1="${y}" x2="${r(cx + 4)}" y2="${y}" stroke="${colour}"/>`,
          );
        }
      }
      out.push(
        `<circle class="point" data-x="${p.x}" data-y="${p.y}" cx="${r(px(p.x))}" cy="${r(py(p.y))}" r="3.5" fill="${colour}"/>`,
      );
    }
    const ly = legendY(i);
    out.push(
      `<rect x="${WIDTH - MARGIN.right + 12}" y="${ly - 6}" width="12" height="12" fill="${colour}"/>`,
      `<text class="legend" x="${WIDTH - MARGIN.right + 30}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
      '</g>',
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
