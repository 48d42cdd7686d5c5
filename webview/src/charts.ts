/**
 * The panel's three charts on uPlot (canvas), in the editor theme's colours, with overlays (the
 * line at t, the shaded head, the marker of the current t) drawn by one `Overlay` function both
 * on the canvas and into the SVG export, so the two exports show the same picture. A chart may
 * have a second, linear y axis on the right for series drawn as points (the zero-shot accuracy
 * per class on the ranked-entry chart).
 */
import uPlot from 'uplot';

export interface ThemeColors {
  foreground: string;
  muted: string;
  background: string;
  grid: string;
  before: string;
  after: string;
  threshold: string;
  head: string;
  marker: string;
  /** Zero-shot accuracy points: the run shown, and the baseline run (hollow). */
  accuracy: string;
  baseline: string;
  fontFamily: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

/**
 * A theme colour without its alpha: some themes give the chart colours a transparency meant for
 * fills, which would leave thin lines faint.
 */
export function opaque(color: string): string {
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color.trim());
  if (hex) {
    const h = hex[1];
    if (h.length === 4) return `#${h.slice(0, 3)}`;
    if (h.length === 8) return `#${h.slice(0, 6)}`;
    return color.trim();
  }
  const rgba = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(color.trim());
  if (rgba) return `rgb(${rgba[1]}, ${rgba[2]}, ${rgba[3]})`;
  return color.trim();
}

/** The theme's colours, from the variables VS Code puts on the webview's root element. */
export function themeColors(): ThemeColors {
  const style = getComputedStyle(document.documentElement);
  const light =
    document.body.classList.contains('vscode-light') ||
    document.body.classList.contains('vscode-high-contrast-light');
  return {
    foreground: cssVar(style, '--vscode-foreground', light ? '#333333' : '#cccccc'),
    muted: cssVar(style, '--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d'),
    background: cssVar(style, '--vscode-editor-background', light ? '#ffffff' : '#1f1f1f'),
    grid: cssVar(style, '--vscode-editorWidget-border', light ? '#c8c8c8' : '#454545'),
    before: opaque(cssVar(style, '--vscode-charts-blue', light ? '#1a85ff' : '#3794ff')),
    after: opaque(cssVar(style, '--vscode-charts-orange', '#d18616')),
    threshold: opaque(cssVar(style, '--vscode-charts-red', light ? '#e51400' : '#f14c4c')),
    head: opaque(cssVar(style, '--vscode-charts-yellow', light ? '#bf8803' : '#cca700')),
    marker: opaque(cssVar(style, '--vscode-charts-purple', light ? '#652d90' : '#b180d7')),
    accuracy: opaque(cssVar(style, '--vscode-charts-green', light ? '#388a34' : '#89d185')),
    baseline: opaque(cssVar(style, '--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d')),
    fontFamily: cssVar(style, '--vscode-font-family', 'sans-serif'),
  };
}

/** Drawing primitives in data units (x on the x scale, y on the y scale). */
export interface Painter {
  /** A band between x0 and x1 over the whole height. */
  xBand(x0: number, x1: number, color: string, alpha: number): void;
  hLine(y: number, color: string, label?: string): void;
  vLine(x: number, color: string, label?: string): void;
  dot(x: number, y: number, color: string): void;
}
export type Overlay = (p: Painter) => void;

export interface SeriesDef {
  label: string;
  color: (c: ThemeColors) => string;
  dash?: number[];
  width?: number;
  /** A line through the values (default), or unconnected points: filled, or outlined (hollow). */
  mark?: 'line' | 'points' | 'hollow';
  /** Against the right axis (`ChartDef.right`) instead of the left one. */
  right?: boolean;
}

/** The right y axis (linear). */
export interface RightAxisDef {
  label: string;
  range: [number, number];
  format?: (v: number) => string;
}

export interface ChartDef {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  xLog: boolean;
  yLog: boolean;
  series: SeriesDef[];
  /** Ranges (else from the data), asked at every redraw. */
  xRange?: () => [number, number];
  yRange?: () => [number, number];
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** A second y axis on the right, for the series marked `right`. */
  right?: RightAxisDef;
}

const HEIGHT = 240;
/** Diameter of the points of a `points` or `hollow` series, in CSS pixels. */
const POINT_SIZE = 7;

function isPoints(s: SeriesDef): boolean {
  return s.mark === 'points' || s.mark === 'hollow';
}

/** A uPlot chart with its definition, data and overlay; rebuilt on theme changes. */
export class Chart {
  plot: uPlot | undefined;
  private data: uPlot.AlignedData = [[]];
  private overlay: Overlay = () => undefined;
  private colors: ThemeColors = themeColors();

  constructor(
    private definition: ChartDef,
    private readonly host: HTMLElement,
  ) {}

  get def(): ChartDef {
    return this.definition;
  }

  setData(data: uPlot.AlignedData): void {
    this.data = data;
    if (this.plot) this.plot.setData(data, true);
    else this.build();
  }

  /** Another definition (series or axes added or removed), with its data: the chart is rebuilt. */
  redefine(def: ChartDef, data: uPlot.AlignedData): void {
    this.definition = def;
    this.data = data;
    this.build();
  }

  setOverlay(overlay: Overlay): void {
    this.overlay = overlay;
    this.plot?.redraw(false, false);
  }

  /** Re-creates the chart (new theme colours or size). */
  rebuild(): void {
    this.colors = themeColors();
    this.build();
  }

  resize(): void {
    if (this.plot) this.plot.setSize({ width: this.width(), height: HEIGHT });
  }

  private width(): number {
    return Math.max(240, Math.floor(this.host.clientWidth || 400));
  }

  private build(): void {
    this.plot?.destroy();
    const c = this.colors;
    const def = this.def;
    const font = `11px ${c.fontFamily}`;
    const axis = (label: string, log: boolean, fmt?: (v: number) => string): uPlot.Axis => ({
      label,
      stroke: c.foreground,
      font,
      labelFont: font,
      grid: { stroke: c.grid, width: 1 },
      ticks: { stroke: c.grid, width: 1 },
      values: fmt ? (_u, splits) => splits.map((v) => (v == null ? '' : fmt(v))) : undefined,
      space: log ? 30 : 40,
    });
    const right = def.right;
    const scales: uPlot.Scales = {
      x: { time: false, distr: def.xLog ? 3 : 1, range: def.xRange ? () => def.xRange!() : undefined },
      y: { distr: def.yLog ? 3 : 1, range: def.yRange ? () => def.yRange!() : undefined },
    };
    const axes = [axis(def.xLabel, def.xLog, def.xFormat), axis(def.yLabel, def.yLog, def.yFormat)];
    if (right) {
      scales.y2 = { distr: 1, range: right.range };
      axes.push({ ...axis(right.label, false, right.format), scale: 'y2', side: 1, grid: { show: false } });
    }
    const series = (s: SeriesDef): uPlot.Series => {
      const color = s.color(c);
      const onRight = !!(s.right && right);
      const value = (_u: uPlot, v: number | null) =>
        v == null ? '' : ((onRight ? right!.format : def.yFormat) ?? String)(v);
      if (!isPoints(s))
        return {
          label: s.label,
          stroke: color,
          width: s.width ?? 1.5,
          dash: s.dash,
          points: { show: false },
          value,
        };
      const hollow = s.mark === 'hollow';
      return {
        label: s.label,
        class: hollow ? 'mc-hollow' : 'mc-points',
        scale: onRight ? 'y2' : 'y',
        // No line: only the points, where the value is not null. The stroke and fill colour the legend.
        paths: () => null,
        stroke: color,
        fill: hollow ? undefined : color,
        width: s.width ?? 1.5,
        points: {
          show: true,
          size: POINT_SIZE,
          width: s.width ?? 1.5,
          stroke: color,
          fill: hollow ? 'transparent' : color,
        },
        value,
      };
    };
    const opts: uPlot.Options = {
      width: this.width(),
      height: HEIGHT,
      pxAlign: 0,
      cursor: { drag: { x: false, y: false }, points: { size: 5 } },
      legend: { show: true, live: false },
      scales,
      axes,
      series: [
        { label: def.xLabel, value: (_u, v) => (v == null ? '' : (def.xFormat ?? String)(v)) },
        ...def.series.map(series),
      ],
      hooks: {
        draw: [(u) => this.overlay(canvasPainter(u))],
      },
    };
    this.plot = new uPlot(opts, this.data, this.host);
  }

  /** PNG of the chart on the theme's background, with its title and legend. */
  png(): string {
    const u = this.plot!;
    const src = u.ctx.canvas;
    const ratio = uPlot.pxRatio;
    const out = document.createElement('canvas');
    const c = this.colors;
    const legendFont = `${Math.round(11 * ratio)}px ${c.fontFamily}`;
    let ctx = out.getContext('2d')!;
    ctx.font = legendFont;
    const legend = legendLayout(
      this.def.series.map((s) => ctx.measureText(s.label).width / ratio),
      src.width / ratio,
    );
    const top = Math.round((40 + LEGEND_ROW * (legend.rows - 1)) * ratio);
    out.width = src.width;
    out.height = src.height + top;
    ctx = out.getContext('2d')!;
    ctx.fillStyle = c.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = c.foreground;
    ctx.font = `${Math.round(13 * ratio)}px ${c.fontFamily}`;
    ctx.textBaseline = 'top';
    ctx.fillText(this.def.title, 8 * ratio, 4 * ratio);
    ctx.font = legendFont;
    this.def.series.forEach((s, i) => {
      const x = legend.x[i] * ratio;
      const dy = LEGEND_ROW * legend.row[i] * ratio;
      if (isPoints(s)) {
        ctx.beginPath();
        ctx.arc(x + 5 * ratio, 25.5 * ratio + dy, (POINT_SIZE / 2 - 0.75) * ratio, 0, 2 * Math.PI);
        ctx.lineWidth = 1.5 * ratio;
        ctx.strokeStyle = s.color(c);
        ctx.stroke();
        if (s.mark === 'points') {
          ctx.fillStyle = s.color(c);
          ctx.fill();
        }
      } else {
        ctx.fillStyle = s.color(c);
        ctx.fillRect(x, 24 * ratio + dy, 10 * ratio, 3 * ratio);
      }
      ctx.fillStyle = c.foreground;
      ctx.fillText(s.label, x + 14 * ratio, 20 * ratio + dy);
    });
    ctx.drawImage(src, 0, top);
    return out.toDataURL('image/png');
  }

  /** SVG of the chart: axes with the chart's ticks, the series as polylines, the overlay. */
  svg(): string {
    const u = this.plot!;
    const c = this.colors;
    const ratio = uPlot.pxRatio;
    const legend = legendLayout(
      this.def.series.map((s) => s.label.length * 6.5),
      u.width,
    );
    const top = 40 + LEGEND_ROW * (legend.rows - 1);
    const left = u.bbox.left / ratio;
    const plotTop = u.bbox.top / ratio + top;
    const w = u.bbox.width / ratio;
    const h = u.bbox.height / ratio;
    const X = (v: number) => left + u.valToPos(v, 'x');
    const Y = (v: number) => plotTop + u.valToPos(v, 'y');
    const right = this.def.right;
    const Y2 = (v: number) => plotTop + u.valToPos(v, right ? 'y2' : 'y');
    const parts: string[] = [];
    const width = u.width;
    const height = u.height + top;
    parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="${esc(c.background)}"/>`);
    parts.push(`<text x="8" y="18" font-size="13" fill="${esc(c.foreground)}">${esc(this.def.title)}</text>`);
    this.def.series.forEach((s, i) => {
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
      `<text x="${f(left + w / 2)}" y="${f(plotTop + h + 32)}" font-size="11" text-anchor="middle" fill="${esc(c.foreground)}">${esc(this.def.xLabel)}</text>`,
    );
    parts.push(
      `<text transform="translate(12 ${f(plotTop + h / 2)}) rotate(-90)" font-size="11" text-anchor="middle" fill="${esc(c.foreground)}">${esc(this.def.yLabel)}</text>`,
    );
    parts.push(
      `<rect x="${f(left)}" y="${f(plotTop)}" width="${f(w)}" height="${f(h)}" fill="none" stroke="${esc(c.grid)}"/>`,
    );
    parts.push(
      `<clipPath id="plot"><rect x="${f(left)}" y="${f(plotTop)}" width="${f(w)}" height="${f(h)}"/></clipPath>`,
    );
    const clipped: string[] = [];
    this.overlay(svgPainter(clipped, X, Y, left, plotTop, w, h));
    const xsData = u.data[0] as ArrayLike<number>;
    const points: string[] = [];
    this.def.series.forEach((s, i) => {
      const ys2 = u.data[i + 1] as ArrayLike<number | null>;
      const onRight = !!(s.right && right);
      const log = !onRight && this.def.yLog;
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
    });
    parts.push(`<g clip-path="url(#plot)">${clipped.join('')}</g>`, ...points);
    return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(c.fontFamily)}">
${parts.join('\n')}
</svg>
`;
  }
}

/** Height of a legend row of the exports, in CSS pixels. */
const LEGEND_ROW = 16;

/**
 * The exports' legend: items (a 10-pixel mark, a gap, the label of the given width, a gap) from the
 * left, wrapped to another row where the next would pass `maxWidth`. CSS pixels.
 */
function legendLayout(labelWidths: number[], maxWidth: number): { x: number[]; row: number[]; rows: number } {
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

function canvasPainter(u: uPlot): Painter {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const ratio = uPlot.pxRatio;
  const X = (v: number) => u.valToPos(v, 'x', true);
  const Y = (v: number) => u.valToPos(v, 'y', true);
  const label = (text: string, x: number, y: number, color: string, align: CanvasTextAlign) => {
    ctx.fillStyle = color;
    ctx.font = `${Math.round(11 * ratio)}px sans-serif`;
    ctx.textAlign = align;
    ctx.textBaseline = 'bottom';
    ctx.fillText(text, x, y);
  };
  const withClip = (draw: () => void) => {
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    draw();
    ctx.restore();
  };
  return {
    xBand(x0, x1, color, alpha) {
      withClip(() => {
        const a = Math.max(left, X(x0));
        const b = Math.min(left + width, X(x1));
        if (!(b > a)) return;
        ctx.globalAlpha = alpha;
        ctx.fillStyle = color;
        ctx.fillRect(a, top, b - a, height);
      });
    },
    hLine(y, color, text) {
      withClip(() => {
        const py = Y(y);
        ctx.strokeStyle = color;
        ctx.lineWidth = 1.5 * ratio;
        ctx.setLineDash([6 * ratio, 4 * ratio]);
        ctx.beginPath();
        ctx.moveTo(left, py);
        ctx.lineTo(left + width, py);
        ctx.stroke();
        if (text) label(text, left + width - 4 * ratio, py - 2 * ratio, color, 'right');
      });
    },
    vLine(x, color, text) {
      withClip(() => {
        const px = X(x);
        ctx.strokeStyle = color;
        ctx.lineWidth = 1.5 * ratio;
        ctx.setLineDash([6 * ratio, 4 * ratio]);
        ctx.beginPath();
        ctx.moveTo(px, top);
        ctx.lineTo(px, top + height);
        ctx.stroke();
        if (text) label(text, px + 4 * ratio, top + 14 * ratio, color, 'left');
      });
    },
    dot(x, y, color) {
      withClip(() => {
        ctx.fillStyle = color;
        ctx.beginPath();
        ctx.arc(X(x), Y(y), 4 * ratio, 0, 2 * Math.PI);
        ctx.fill();
      });
    },
  };
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
  };
}
