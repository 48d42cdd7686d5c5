// Formatting of the results table.

export function fmtRate(recordsPerSecond) {
  if (!Number.isFinite(recordsPerSecond)) return '-';
  return `${Math.round(recordsPerSecond).toLocaleString('en-US')}/s`;
}

export function fmtSeconds(s, digits = 3) {
  return Number.isFinite(s) ? `${s.toFixed(digits)} s` : '-';
}

export function fmtMB(mb) {
  return Number.isFinite(mb) ? `${Math.round(mb)} MB` : '-';
}

export function fmtRatio(x) {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : '-';
}

export function fmtCount(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
}

/** PASS / MISS for "at least `min`" with an optional stretch `aim`; '-' when not measured. */
export function atLeast(value, min, aim) {
  if (!Number.isFinite(value)) return '-';
  if (value < min) return 'MISS';
  return aim !== undefined && value < aim ? 'PASS (aim: MISS)' : 'PASS';
}

export function below(value, max) {
  if (!Number.isFinite(value)) return '-';
  return value < max ? 'PASS' : 'MISS';
}

const COLUMNS = [
  ['metric', 'metric'],
  ['ours', 'ours'],
  ['reference', 'reference'],
  ['ratio', 'ratio'],
  ['target', 'target'],
  ['status', 'PASS/MISS'],
];

/** Rows are { metric, ours, reference, ratio, target, status } of strings, or { section }. */
export function renderTable(rows) {
  const widths = COLUMNS.map(([key, title]) =>
    Math.max(title.length, ...rows.filter((r) => !r.section).map((r) => String(r[key] ?? '').length)),
  );
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const out = [line(COLUMNS.map(([, title]) => title)), rule];
  for (const r of rows) {
    if (r.section) out.push(`${r.section}`);
    else out.push(line(COLUMNS.map(([key]) => r[key] ?? '')));
  }
  return out.join('\n');
}
