/**
 * The panel's charts on uPlot (canvas), in the editor theme's colours, with overlays (the line at
 * t, the shaded head, the marker of the current t) drawn by one `Overlay` function both on the
 * canvas and into the SVG export (svg.ts), so the two exports show the same picture. A chart may
 * have a second, linear y axis on the right for series drawn as points (the zero-shot accuracy
 * per class on the ranked-entry chart).
 */
import uPlot from 'uplot';
import { chartSvg, LEGEND_ROW, legendLayout } from './svg';
import { themeColors, type ThemeColors } from './theme';
import {
  isPoints,
  POINT_SIZE,
  WHISKER_CAP,
  type ChartDef,
  type Overlay,
  type Painter,
  type SeriesDef,
} from './types';

export type { ChartDef, Overlay, Painter, SeriesDef };

const HEIGHT = 240;

/** A uPlot chart with its definition, data and overlay; rebuilt on theme changes. */
export class Chart {
  plot: uPlot | undefined;
  private data: uPlot.AlignedData = [[]];
  private overlay: Overlay = () => undefined;
  private colors: ThemeColors = themeColors();

  constructor(
    private definition: ChartDef,
    /** The element the chart is drawn in. */
    readonly host: HTMLElement,
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
          points:
            s.mark === 'linePoints'
              ? { show: true, size: POINT_SIZE, width: s.width ?? 1.5, stroke: color, fill: color }
              : { show: false },
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
    return chartSvg(this.plot!, this.def, this.colors, this.overlay);
  }
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
    whisker(x, y0, y1, color) {
      withClip(() => {
        const px = X(x);
        const [a, b] = [Y(y0), Y(y1)];
        const cap = WHISKER_CAP * ratio;
        ctx.strokeStyle = color;
        ctx.lineWidth = 1.5 * ratio;
        ctx.setLineDash([]);
        ctx.beginPath();
        ctx.moveTo(px, a);
        ctx.lineTo(px, b);
        for (const y of [a, b]) {
          ctx.moveTo(px - cap, y);
          ctx.lineTo(px + cap, y);
        }
        ctx.stroke();
      });
    },
  };
}
