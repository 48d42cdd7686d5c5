/**
 * The "All languages" chart of a worldwide curation: one rank-frequency curve per language on
 * log-log axes, each with a mark where its count falls to its own t_lang (docs/spec.md section 2,
 * "Worldwide thresholds"). Pure geometry, no DOM: views/languageCurves.ts draws it.
 */
import type { LanguageCurve } from '../../contracts/src/webview';

export interface CurvePlot {
  code: string;
  t: number;
  /** SVG polyline points, "x,y x,y …", in the plot's pixels. */
  points: string;
  /** Where the curve meets its t_lang: the last rank whose count is above t (none: all tail). */
  tMark?: { x: number; y: number; rank: number };
}

export interface CurvesLayout {
  width: number;
  height: number;
  /** The plot area inside the margins. */
  left: number;
  top: number;
  right: number;
  bottom: number;
  plots: CurvePlot[];
  /** Powers of ten on each axis, with their pixel positions. */
  xTicks: { value: number; at: number }[];
  yTicks: { value: number; at: number }[];
}

const MARGIN = { left: 48, right: 12, top: 12, bottom: 32 };

function decades(max: number): number {
  return Math.max(1, Math.ceil(Math.log10(Math.max(max, 1)) - 1e-9));
}

/** The chart of `curves` in a `width` × `height` box (ranks and counts from 1 to the next power of ten). */
export function layoutCurves(curves: readonly LanguageCurve[], width: number, height: number): CurvesLayout {
  const maxRank = Math.max(1, ...curves.flatMap((c) => c.ranks));
  const maxCount = Math.max(1, ...curves.flatMap((c) => c.counts), ...curves.map((c) => c.t));
  const xDecades = decades(maxRank);
  const yDecades = decades(maxCount);
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const x = (rank: number) => left + ((right - left) * Math.log10(rank)) / xDecades;
  const y = (count: number) => bottom - ((bottom - top) * Math.log10(count)) / yDecades;
  const round = (v: number) => Math.round(v * 10) / 10;
  const plots = curves.map((c): CurvePlot => {
    const points = c.ranks.map((r, i) => `${round(x(r))},${round(y(c.counts[i]))}`).join(' ');
    let head = -1;
    for (let i = 0; i < c.counts.length; i++) if (c.counts[i] > c.t) head = i;
    const plot: CurvePlot = { code: c.code, t: c.t, points };
    if (head >= 0) plot.tMark = { x: round(x(c.ranks[head])), y: round(y(c.t)), rank: c.ranks[head] };
    return plot;
  });
  const ticks = (n: number, at: (v: number) => number) =>
    Array.from({ length: n + 1 }, (_, i) => ({ value: 10 ** i, at: round(at(10 ** i)) }));
  return {
    width,
    height,
    left,
    top,
    right,
    bottom,
    plots,
    xTicks: ticks(xDecades, x),
    yTicks: ticks(yDecades, y),
  };
}
