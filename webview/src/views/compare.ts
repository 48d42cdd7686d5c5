/** The comparison card: the two curations' figures side by side (compareFigures.ts). */
import type { Comparison } from '../../../contracts/src/webview';
import { comparisonFigures } from '../compareFigures';
import { byId } from './layout';

/** Fills the card with the comparison, or hides it (undefined). Cells carry `data-figure` and `data-side`. */
export function showComparisonFigures(c: Comparison | undefined): void {
  const card = byId('compare-card');
  card.hidden = !c;
  card.replaceChildren();
  if (!c) return;
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const [text, title] of [
    ['', ''],
    [c.base.label, c.base.folder],
    [c.other.label, c.other.folder],
    ['Δ (other − this)', ''],
  ]) {
    const th = document.createElement('th');
    th.textContent = text;
    th.title = title;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of comparisonFigures(c)) {
    const tr = body.insertRow();
    tr.dataset.figure = row.key;
    tr.insertCell().textContent = row.label;
    for (const side of ['base', 'other', 'delta'] as const) {
      const td = tr.insertCell();
      td.dataset.side = side;
      td.textContent = row[side];
    }
  }
  card.appendChild(table);
}
