/** How the panel writes numbers. Pure: no DOM. */

export const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const dec1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
export const dec2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function formatSize(v: number): string {
  return Math.abs(v) >= 1000 ? int.format(v) : dec1.format(v);
}

export function formatPercent(v: number): string {
  return `${dec1.format(v * 100)}%`;
}

/** A t (the panel's are integers; a curation made by an older CLI may have another). */
export function formatT(t: number): string {
  return t >= 100 ? int.format(t) : dec2.format(t);
}

/** An axis value in 3 significant digits with a k/M/G suffix. */
export function compact(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a < 0.01) return v.toExponential(0);
  return String(+v.toPrecision(3));
}

export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
