/**
 * A chart as SVG: axes with the chart's own ticks, the series as polylines or points, the legend
 * and the overlay drawn by the same function as on the canvas, so both exports show one picture.
 */
import uPlot from 'uplot';
import type { ThemeColors } from './theme';
import { isPoints, POINT_SIZE, WHISKER_CAP, type ChartDef, type Overlay, type Painter } from './types';

/** The SVG document of a drawn chart. */
export function chartSvg(u: uPlot, def: ChartDef, c: ThemeColors, overlay: Overlay): string {
  const ratio = uPlot.pxRatio;
  const legend = legendLayout(
    def.series.map((s) => s.label.length * 6.5),
    u.width,
  );
  const top = 40 + LEGEND_ROW * (legend.rows - 1);
  const left = u.bbox.left / ratio;
  const plotTop = u.bbox.top / ratio + top;
  const w = u.bbox.width / ratio;
  const h = u.bbox.height / ratio;
  const X = (v: number) => left + u.valToPos(v, 'x');
  const Y = (v: number) => plotTop + u.valToPos(v, 'y');
  const right = def.right;
  const Y2 = (v: number) => plotTop + u.valToPos(v, right ? 'y2' : 'y');
  const parts: string[] = [];
  const width = u.width;
  const height = u.height + top;
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="${esc(c.background)}"/>`);
  parts.push(`<text x="8" y="18" font-size="13" fill="${esc(c.foreground)}">${esc(def.title)}</text>`);
  def.series.forEach((s, i) => {
    const lx = legend.x[i];
    const dy = LEGEND_ROW * legend.row[i];
    const color = esc(s.color(c));
    parts.push(
      isPoints(s)
        ? `<circle cx="${lx + 5}" cy="${28.5 + dy}" r="${POINT_SIZE / 2 - 0.75}" stroke="${color}" stroke-width="1.5" fill="${s.mark === 'points' ? color : 'none'}"/>`
        : `<rect x="${lx}" y="${27 + dy}" width="10" height="3" fill="${color}"/>`,
    );
    parts.push(
      `<text x="${lx + 14}" y="${32 + dy}" font-size="11" fill="${esc(c.foreground)}">${esc(s.label)}</text>`,
    );
  });
  // Grid, ticks and labels from the chart's own splits.
  const axes = u.axes as unknown as { _splits?: number[]; _values?: string[] }[];
  const xs = axes[0]?._splits ?? [];
  const xv = axes[0]?._values ?? xs.map(String);
  const ys = axes[1]?._splits ?? [];
  const yv = axes[1]?._values ?? ys.map(String);
  xs.forEach((v, i) => {
    const x = X(v);
    if (!(x >= left - 0.5 && x <= left + w + 0.5)) return;
    parts.push(
      `<line x1="${f(x)}" y1="${f(plotTop)}" x2="${f(x)}" y2="${f(plotTop + h)}" stroke="${esc(c.grid)}"/>`,
    );
    parts.push(
      `<text x="${f(x)}" y="${f(plotTop + h + 14)}" font-size="11" text-anchor="middle" fill="${esc(c.foreground)}">${esc(String(xv[i] ?? ''))}</text>`,
    );
  });
  ys.forEach((v, i) => {
    const y = Y(v);
    if (!(y >= plotTop - 0.5 && y <= plotTop + h + 0.5)) return;
    parts.push(
      `<line x1="${f(left)}" y1="${f(y)}" x2="${f(left + w)}" y2="${f(y)}" stroke="${esc(c.grid)}"/>`,
    );
    parts.push(
      `<text x="${f(left - 6)}" y="${f(y + 4)}" font-size="11" text-anchor="end" fill="${esc(c.foreground)}">${esc(String(yv[i] ?? ''))}</text>`,
    );
  });
  if (right) {
    const rs = axes[2]?._splits ?? [];
    const rv = axes[2]?._values ?? rs.map(String);
    rs.forEach((v, i) => {
      const y = Y2(v);
      if (!(y >= plotTop - 0.5 && y <= plotTop + h + 0.5)) return;
      parts.push(
        `<line x1="${f(left + w)}" y1="${f(y)}" x2="${f(left + w + 4)}" y2="${f(y)}" stroke="${esc(c.grid)}"/>`,
      );
      parts.push(
        `<text x="${f(left + w + 6)}" y="${f(y + 4)}" font-size="11" fill="${esc(c.foreground)}">${esc(String(rv[i] ?? ''))}</text>`,
      );
    });
    parts.push(
      `<text transform="translate(${f(width - 12)} ${f(plotTop + h / 2)}) rotate(90)" font-size="11" text-anchor="middle" fill="${esc(c.foreground)}">${esc(right.label)}</text>`,
    );
  }
  parts.push(
    `<text x="${f(left + w / 2)}" y="${f(plotTop + h + 32)}" font-size="11" text-anchor="middle" fill="${esc(c.foreground)}">${esc(def.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(12 ${f(plotTop + h / 2)}) rotate(-90)" font-size="11" text-anchor="middle" fill="${esc(c.foreground)}">${esc(def.yLabel)}</text>`,
  );
  parts.push(
    `<rect x="${f(left)}" y="${f(plotTop)}" width="${f(w)}" height="${f(h)}" fill="none" stroke="${esc(c.grid)}"/>`,
  );
  parts.push(
    `<clipPath id="plot"><rect x="${f(left)}" y="${f(plotTop)}" width="${f(w)}" height="${f(h)}"/></clipPath>`,
  );
  const clipped: string[] = [];
  overlay(svgPainter(clipped, X, Y, left, plotTop, w, h));
  const xsData = u.data[0] as ArrayLike<number>;
  const points: string[] = [];
  def.series.forEach((s, i) => {
    const ys2 = u.data[i + 1] as ArrayLike<number | null>;
    const onRight = !!(s.right && right);
    const log = !onRight && def.yLog;
    const color = esc(s.color(c));
    const pts: string[] = [];
    for (let k = 0; k < xsData.length; k++) {
      const y = ys2[k];
      if (y == null || !Number.isFinite(y) || (log && y <= 0)) continue;
      const px = X(xsData[k]);
      const py = onRight ? Y2(y) : Y(y);
      if (isPoints(s))
        pts.push(
          `<circle cx="${f(px)}" cy="${f(py)}" r="${POINT_SIZE / 2 - 0.75}" stroke="${color}" stroke-width="${s.width ?? 1.5}" fill="${s.mark === 'points' ? color : 'none'}"/>`,
        );
      else pts.push(`${f(px)},${f(py)}`);
    }
    if (pts.length === 0) return;
    // Points lie inside the plot (their axis is fixed), and are not cut at its edges.
    if (isPoints(s)) points.push(`<g>${pts.join('')}</g>`);
    else
      clipped.push(
        `<polyline fill="none" stroke="${color}" stroke-width="${s.width ?? 1.5}"${s.dash ? ` stroke-dasharray="${s.dash.join(' ')}"` : ''} points="${pts.join(' ')}"/>`,
      );
    if (s.mark === 'linePoints')
      clipped.push(
        ...pts.map((p) => {
          const [cx, cy] = p.split(',');
          return `<circle cx="${cx}" cy="${cy}" r="${POINT_SIZE / 2 - 0.75}" fill="${color}"/>`;
        }),
      );
  });
  parts.push(`<g clip-path="url(#plot)">${clipped.join('')}</g>`, ...points);
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(c.fontFamily)}">
${parts.join('\n')}
</svg>
`;
}

/** Height of a legend row of the exports, in CSS pixels. */
export const LEGEND_ROW = 16;

/**
 * The exports' legend: items (a 10-pixel mark, a gap, the label of the given width, a gap) from the
 * left, wrapped to another row where the next would pass `maxWidth`. CSS pixels.
 */
export function legendLayout(
  labelWidths: number[],
  maxWidth: number,
): { x: number[]; row: number[]; rows: number } {
  const x: number[] = [];
  const row: number[] = [];
  let cx = 8;
  let r = 0;
  for (const w of labelWidths) {
    if (cx > 8 && cx + 14 + w > maxWidth - 8) {
      r++;
      cx = 8;
    }
    x.push(cx);
    row.push(r);
    cx += 14 + w + 16;
  }
  return { x, row, rows: r + 1 };
}

function f(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function svgPainter(
  out: string[],
  X: (v: number) => number,
  Y: (v: number) => number,
  left: number,
  top: number,
  w: number,
  h: number,
): Painter {
  return {
    xBand(x0, x1, color, alpha) {
      const a = Math.max(left, X(x0));
      const b = Math.min(left + w, X(x1));
      if (b > a)
        out.push(
          `<rect x="${f(a)}" y="${f(top)}" width="${f(b - a)}" height="${f(h)}" fill="${esc(color)}" fill-opacity="${alpha}"/>`,
        );
    },
    hLine(y, color, text) {
      const py = Y(y);
      out.push(
        `<line x1="${f(left)}" y1="${f(py)}" x2="${f(left + w)}" y2="${f(py)}" stroke="${esc(color)}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      );
      if (text)
        out.push(
          `<text x="${f(left + w - 4)}" y="${f(py - 3)}" font-size="11" text-anchor="end" fill="${esc(color)}">${esc(text)}</text>`,
        );
    },
    vLine(x, color, text) {
      const px = X(x);
      out.push(
        `<line x1="${f(px)}" y1="${f(top)}" x2="${f(px)}" y2="${f(top + h)}" stroke="${esc(color)}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      );
      if (text)
        out.push(
          `<text x="${f(px + 4)}" y="${f(top + 14)}" font-size="11" fill="${esc(color)}">${esc(text)}</text>`,
        );
    },
    dot(x, y, color) {
      out.push(`<circle cx="${f(X(x))}" cy="${f(Y(y))}" r="4" fill="${esc(color)}"/>`);
    },
    whisker(x, y0, y1, color) {
      const px = X(x);
      const [a, b] = [Y(y0), Y(y1)];
      const c = WHISKER_CAP;
      out.push(
        `<path class="whisker" d="M${f(px)} ${f(a)}V${f(b)}M${f(px - c)} ${f(a)}H${f(px + c)}M${f(px - c)} ${f(b)}H${f(px + c)}" stroke="${esc(color)}" stroke-width="1.5" fill="none"/>`,
      );
    },
  };
}
