/**
 * `metacurate stats` of a worldwide curation: its summary.json beside counts.json holds, per
 * language, the records, matches, t, head entries and kept records; they are printed as a table,
 * with the records whose language has no list.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CliWorldwideSummary } from '../../../../contracts/src/cliEvents';
import { formatCount } from '../../../engine/src/progress';

/** The `worldwide` part of the summary.json beside a counts file, if it is a worldwide curation's. */
export async function worldwideSummaryBeside(countsPath: string): Promise<CliWorldwideSummary | undefined> {
  const text = await readFile(join(dirname(countsPath), 'summary.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return (JSON.parse(text) as { worldwide?: CliWorldwideSummary }).worldwide;
  } catch {
    return undefined; // not a curation's summary: the counts are summarised alone
  }
}

export function worldwideTable(w: CliWorldwideSummary): string[] {
  const header = ['language', 'records', 'matched', 't', 'head entries', 'expected kept', 'kept'];
  const rows = w.languages.map((l) => [
    l.code,
    formatCount(l.records),
    formatCount(l.matched_records),
    formatCount(l.t),
    formatCount(l.head_entries),
    l.expected_kept.toFixed(1),
    formatCount(l.kept),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const without = Object.entries(w.without_metadata).sort((a, b) => b[1] - a[1]);
  return [
    `Worldwide: t_en=${formatCount(w.t_en)}, English's tail share ${(w.tail_proportion * 100).toFixed(2)}% kept in every language (${w.metadata_dir})`,
    line(header),
    ...rows.map(line),
    without.length > 0
      ? `Records without a list (not matched): ${without.map(([code, n]) => `${code} ${formatCount(n)}`).join(', ')}`
      : 'Records without a list: none',
  ];
}
