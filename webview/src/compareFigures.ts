/**
 * The figures of a comparison ("Compare with…") as rows of text: each curation's pool, kept, t,
 * seed, head entries and head share (each at its own t), and the difference where one means
 * something. Pure: no DOM (views/compare.ts draws them).
 */
import type { Comparison, CompareSide } from '../../contracts/src/webview';
import { formatPercent, formatT, int } from './format';

export interface FigureRow {
  /** The row's key (`data-figure` in the panel). */
  key: 'pool' | 'kept' | 't' | 'seed' | 'headEntries' | 'headShare' | 'perEntry';
  label: string;
  base: string;
  other: string;
  /** Other minus base, written with its sign ('' where a difference says nothing). */
  delta: string;
}

/** A signed difference ("+12", "−3", "0"), in the row's own format. */
function signed(d: number, format: (v: number) => string): string {
  return d > 0 ? `+${format(d)}` : d < 0 ? `−${format(-d)}` : format(0);
}

function numberRow(
  key: FigureRow['key'],
  label: string,
  c: Comparison,
  of: (s: CompareSide) => number | undefined,
  format: (v: number) => string = (v) => int.format(v),
): FigureRow {
  const a = of(c.base);
  const b = of(c.other);
  return {
    key,
    label,
    base: a === undefined ? '–' : format(a),
    other: b === undefined ? '–' : format(b),
    delta: a === undefined || b === undefined ? '' : signed(b - a, format),
  };
}

export function comparisonFigures(c: Comparison): FigureRow[] {
  const perEntry = (s: CompareSide) =>
    s.keptSource === 'actual' ? 'recorded' : `expected at t = ${formatT(s.t)}`;
  const points = (v: number) => `${(v * 100).toFixed(1)} pt`;
  const headShare = numberRow('headShare', 'Head share of matches', c, (s) => s.headShare, formatPercent);
  headShare.delta = signed(c.other.headShare - c.base.headShare, points);
  return [
    numberRow('pool', 'Pool records', c, (s) => s.pool),
    numberRow('kept', 'Kept records', c, (s) => s.kept),
    numberRow('t', 't', c, (s) => s.t, formatT),
    { key: 'seed', label: 'Seed', base: seedText(c.base), other: seedText(c.other), delta: '' },
    numberRow('headEntries', 'Head entries (count > t)', c, (s) => s.headEntries),
    headShare,
    { key: 'perEntry', label: 'Kept per entry', base: perEntry(c.base), other: perEntry(c.other), delta: '' },
  ];
}

function seedText(s: CompareSide): string {
  return s.seed === undefined ? '–' : String(s.seed);
}
