/**
 * The entry browser's paging arithmetic: pages of BROWSER_PAGE_SIZE records, the "records 101–200
 * of 94,117" line and the jump to a record number. Pure: no DOM.
 */
import { int } from '../format';

/** The first record of the page that holds record `offset` (0-based), within [0, total). */
export function pageStart(offset: number, total: number, pageSize: number): number {
  if (!(total > 0) || !(offset > 0)) return 0;
  const last = Math.floor((total - 1) / pageSize) * pageSize;
  return Math.min(last, Math.floor(offset / pageSize) * pageSize);
}

/** The next page's first record, or undefined on the last page. */
export function nextPage(offset: number, total: number, pageSize: number): number | undefined {
  const next = pageStart(offset, total, pageSize) + pageSize;
  return next < total ? next : undefined;
}

/** The previous page's first record, or undefined on the first page. */
export function previousPage(offset: number, total: number, pageSize: number): number | undefined {
  const start = pageStart(offset, total, pageSize);
  return start > 0 ? start - pageSize : undefined;
}

/** "records 101–200 of 94,117" for `shown` records from `offset`; "no records" when there are none. */
export function rangeLabel(offset: number, shown: number, total: number): string {
  if (total <= 0 || shown <= 0) return 'no records';
  if (shown === 1) return `record ${int.format(offset + 1)} of ${int.format(total)}`;
  return `records ${int.format(offset + 1)}–${int.format(offset + shown)} of ${int.format(total)}`;
}

export type JumpResult = { ok: true; offset: number } | { ok: false; reason: string };

/**
 * The page to show for a record number the user typed (1-based, commas and spaces allowed): the
 * page that holds it; a number that is not a whole number from 1 to `total` says why.
 */
export function jumpTo(text: string, total: number, pageSize: number): JumpResult {
  const cleaned = text.replace(/[\s,_]/g, '');
  if (!/^\d+$/.test(cleaned)) return { ok: false, reason: `"${text.trim()}" is not a record number` };
  const n = Number(cleaned);
  if (total <= 0) return { ok: false, reason: 'there are no records to go to' };
  if (n < 1 || n > total)
    return { ok: false, reason: `record ${text.trim()} is not between 1 and ${int.format(total)}` };
  return { ok: true, offset: pageStart(n - 1, total, pageSize) };
}
