/** What a chart is: its axes, series and overlay primitives (webview/src/chart/chart.ts draws it). */
import type { ThemeColors } from './theme';

/** Drawing primitives in data units (x on the x scale, y on the y scale). */
export interface Painter {
  /** A band between x0 and x1 over the whole height. */
  xBand(x0: number, x1: number, color: string, alpha: number): void;
  hLine(y: number, color: string, label?: string): void;
  vLine(x: number, color: string, label?: string): void;
  dot(x: number, y: number, color: string): void;
  /** A vertical error bar at x from y0 to y1, with caps (a confidence interval). */
  whisker(x: number, y0: number, y1: number, color: string): void;
}
export type Overlay = (p: Painter) => void;

export interface SeriesDef {
  label: string;
  color: (c: ThemeColors) => string;
  dash?: number[];
  width?: number;
  /**
   * A line through the values (default), a line with a filled point at each value (few values),
   * or unconnected points: filled, or outlined (hollow).
   */
  mark?: 'line' | 'linePoints' | 'points' | 'hollow';
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

/** Diameter of the points of a `points`, `hollow` or `linePoints` series, in CSS pixels. */
export const POINT_SIZE = 7;

/** Half the width of a whisker's caps, in CSS pixels. */
export const WHISKER_CAP = 4;

export function isPoints(s: SeriesDef): boolean {
  return s.mark === 'points' || s.mark === 'hollow';
}
