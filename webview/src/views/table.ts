/**
 * The entries table: its sortable header, the virtualised rows (virtualTable.ts), the search box,
 * the count of entries shown and the CSV export of the rows in view order.
 */
import type { WebviewMessage } from '../../../contracts/src/webview';
import type { Comparison, SortKey } from '../../../contracts/src/webview';
import type { BalanceStats } from '../../../server/engine/src/balanceView';
import type { EntryData } from '../entryData';
import { csvField, dec1, dec2, int } from '../format';
import type { PanelAction, PanelViewState } from '../state';
import { VirtualTable, type Column } from '../virtualTable';
import { byId, type ValueElement } from './layout';

const COLUMNS: (Column & { sort: SortKey; num: boolean })[] = [
  { key: 'rank', title: 'Rank', className: 'num', sort: 'rank', num: true },
  { key: 'entry', title: 'Entry', className: 'entry', sort: 'entry', num: false },
  { key: 'id', title: 'Id', className: 'num', sort: 'id', num: true },
  { key: 'count', title: 'Count', className: 'num', sort: 'count', num: true },
  { key: 'probability', title: 'p at t', className: 'num', sort: 'probability', num: true },
  { key: 'kept', title: 'Expected kept', className: 'num', sort: 'kept', num: true },
  // Shown only for a curation that recorded its kept records per entry (the `with-actual` class).
  { key: 'actualKept', title: 'Kept', className: 'num', sort: 'actualKept', num: true },
  // Shown only with an accuracy overlay (the table card's `with-accuracy` class).
  { key: 'accuracy', title: 'Zero-shot top-1', className: 'num', sort: 'accuracy', num: true },
  // Shown only with "Compare with…" (the `with-compare` class): the other curation's kept and the difference.
  { key: 'compareKept', title: 'Kept (other)', className: 'num', sort: 'compareKept', num: true },
  { key: 'deltaKept', title: 'Δ kept', className: 'num', sort: 'deltaKept', num: true },
];
const ACTUAL_KEPT_COLUMN = 6;
const ACCURACY_COLUMN = 7;
const COMPARE_KEPT_COLUMN = 8;
const DELTA_KEPT_COLUMN = 9;
/** The grid's column widths, in COLUMNS' order and then the browse column. */
const COLUMN_WIDTHS = [
  '70px',
  'minmax(160px, 1fr)',
  '80px',
  '100px',
  '100px',
  '120px',
  '100px',
  '150px',
  '100px',
  '80px',
  '80px',
];
/** The last column: a link to the entry browser (the records behind the entry). */
const BROWSE_COLUMN: Column = { key: 'browse', title: 'Records', className: 'browse' };
const BROWSE_TEXT = 'Browse ›';

/** What the table shows: the state, the data and the figures' t, the per-entry expected kept. */
export interface TableInputs {
  state: PanelViewState;
  data: EntryData | undefined;
  stats: BalanceStats | undefined;
  /** The per-entry expected kept, when computed at the figures' t (else undefined). */
  kept: Float64Array | undefined;
  /** The per-entry expected kept at the figures' t, computed now if it is not yet. */
  keptNow: () => Float64Array;
}

export class EntryTable {
  readonly rows: VirtualTable;
  private readonly header = byId('table-header');
  private readonly card: HTMLElement;
  private readonly searchBox = byId<ValueElement>('table-search');
  private searchTimer = 0;

  constructor(
    private readonly inputs: () => TableInputs,
    dispatch: (action: PanelAction) => void,
    post: (message: WebviewMessage) => void,
  ) {
    this.rows = new VirtualTable(
      byId('table-host'),
      [...COLUMNS, BROWSE_COLUMN],
      (id, column) => this.cellText(id, column),
      (id, column) => {
        // The rows are the data's: its ids are what the entry browser is asked for.
        const source = inputs().data?.payload.info.spec;
        if (column !== BROWSE_COLUMN.key) post({ type: 'revealEntry', id });
        else if (source) post({ type: 'browseEntry', id, source });
      },
    );
    // The first row in view, once the rows have followed the scroll (their frame is asked first).
    let scrollFrame = 0;
    this.rows.viewport.addEventListener(
      'scroll',
      () => {
        if (scrollFrame) return;
        scrollFrame = requestAnimationFrame(() => {
          scrollFrame = 0;
          dispatch({ type: 'scroll', row: this.rows.firstRow });
        });
      },
      { passive: true },
    );
    this.card = this.header.closest<HTMLElement>('.table-card')!;
    for (const c of COLUMNS) {
      const b = document.createElement('button');
      b.textContent = c.title;
      b.className = c.num ? 'num' : '';
      b.dataset.sort = c.sort;
      b.addEventListener('click', () => dispatch({ type: 'sort', key: c.sort }));
      this.header.appendChild(b);
    }
    const browseHead = document.createElement('span');
    browseHead.className = 'browse-head';
    browseHead.textContent = BROWSE_COLUMN.title;
    browseHead.title = 'The records that match each entry (the entry browser)';
    this.header.appendChild(browseHead);
    this.searchBox.value = inputs().state.saved.search;
    this.searchBox.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = window.setTimeout(
        () => dispatch({ type: 'search', text: this.searchBox.value }),
        120,
      );
    });
    byId('export-csv').addEventListener('click', () => {
      const content = this.csv();
      const t = inputs().stats?.t ?? inputs().state.saved.t;
      if (content !== undefined)
        post({ type: 'export', format: 'csv', name: `entry-balance-t${t}`, content });
    });
  }

  /** An entry's zero-shot accuracy, and its difference to the baseline's in points when both exist. */
  private accuracyText(data: EntryData, id: number): string {
    const a = data.accuracyById?.[id] ?? NaN;
    const b = data.baselineById?.[id] ?? NaN;
    if (!Number.isFinite(a)) return Number.isFinite(b) ? `– (base ${dec1.format(b * 100)}%)` : '';
    if (!Number.isFinite(b)) return `${dec1.format(a * 100)}%`;
    const d = (a - b) * 100;
    return `${dec1.format(a * 100)}% (${d >= 0 ? '+' : '−'}${dec1.format(Math.abs(d))})`;
  }

  private cellText(id: number, column: number): string {
    const { data, stats, state, kept } = this.inputs();
    if (!data) return '';
    const m = data.model;
    switch (column) {
      case 0:
        return int.format(data.rankOf[id] + 1);
      case 1:
        return data.names[id] ?? `#${id}`;
      case 2:
        return String(id);
      case 3:
        return int.format(m.counts[id]);
      case 4: {
        const c = m.counts[id];
        const t = stats?.t ?? state.saved.t;
        return c <= t ? '1' : (t / c).toPrecision(3);
      }
      case 5:
        return kept ? dec2.format(kept[id]) : '…';
      case ACTUAL_KEPT_COLUMN:
        return m.actualKept ? int.format(m.actualKept[id]) : '';
      case ACCURACY_COLUMN:
        return this.accuracyText(data, id);
      case COMPARE_KEPT_COLUMN:
        return data.compareKept ? keptText(data.compareKept[id]) : '';
      case DELTA_KEPT_COLUMN:
        return data.deltaKept ? deltaText(data.deltaKept[id]) : '';
      default:
        return BROWSE_TEXT;
    }
  }

  /** The actual kept column is there for a curation that recorded it, named with its t. */
  showActualKept(data: EntryData | undefined): void {
    const shown = !!data?.model.actualKept;
    this.card.classList.toggle('with-actual', shown);
    const header = this.header.children[ACTUAL_KEPT_COLUMN] as HTMLElement | undefined;
    if (!header) return;
    const t = data?.payload.info.t;
    header.title = shown
      ? `Records the curation kept that match the entry (at its own t${t === undefined ? '' : ` = ${t}`}, whatever t shows here)`
      : '';
  }

  /**
   * The comparison's columns follow it (the `with-compare` class); their grid is set here, since
   * the stylesheet has one per combination of the other optional columns.
   */
  showComparison(state: PanelViewState): void {
    const c = state.comparison;
    this.card.classList.toggle('with-compare', !!c);
    const shown = COLUMN_WIDTHS.filter(
      (_, i) =>
        (i !== ACTUAL_KEPT_COLUMN || this.card.classList.contains('with-actual')) &&
        (i !== ACCURACY_COLUMN || this.card.classList.contains('with-accuracy')),
    );
    this.card.style.setProperty('--compare-columns', shown.join(' '));
    const compareHeader = this.header.children[COMPARE_KEPT_COLUMN] as HTMLElement | undefined;
    const deltaHeader = this.header.children[DELTA_KEPT_COLUMN] as HTMLElement | undefined;
    if (!compareHeader || !deltaHeader) return;
    const keptOf = (side: Comparison['base']) =>
      `${side.label}: ${side.keptSource === 'actual' ? 'records it kept' : 'expected kept'} at its t = ${side.t}`;
    compareHeader.title = c ? keptOf(c.other) : '';
    deltaHeader.title = c
      ? `${c.other.label} minus ${c.base.label}\n${keptOf(c.other)}\n${keptOf(c.base)}`
      : '';
  }

  /** The accuracy column and its header follow the overlay. */
  showAccuracy(state: PanelViewState, data: EntryData | undefined): void {
    const a = state.accuracy;
    this.card.classList.toggle('with-accuracy', !!a);
    const header = this.header.children[ACCURACY_COLUMN] as HTMLElement | undefined;
    if (!header) return;
    header.textContent = data?.baselineById ? 'Top-1 (Δ base)' : COLUMNS[ACCURACY_COLUMN].title;
    header.title = a
      ? `${a.overlay.dataset} zero-shot top-1 of run ${a.overlay.runId}` +
        (a.overlay.baseline ? ` (difference to run ${a.overlay.baseline.runId} in points)` : '')
      : '';
  }

  /** The rows for the state's sort and search; back to the first row when `top`. */
  apply(top: boolean): void {
    const { state, data, keptNow } = this.inputs();
    if (!data) return;
    const ids = data.search(data.sortedIds(state.saved.sort, keptNow), state.saved.search);
    this.rows.setView(ids, top);
    byId('table-count').textContent =
      `${int.format(ids.length)} of ${int.format(data.model.numEntries)} entries`;
    const { key, descending } = state.saved.sort;
    for (const b of this.header.querySelectorAll<HTMLButtonElement>('button')) {
      const on = b.dataset.sort === key;
      b.classList.toggle('sorted', on);
      b.classList.toggle('asc', on && !descending);
      b.setAttribute('aria-sort', on ? (descending ? 'descending' : 'ascending') : 'none');
    }
  }

  /** The rows in view order as CSV, with the accuracy columns when there is an overlay. */
  private csv(): string | undefined {
    const { data, stats, state, keptNow } = this.inputs();
    if (!data) return undefined;
    const m = data.model;
    const t = stats?.t ?? state.saved.t;
    const kept = keptNow();
    const acc = data.accuracyById;
    const base = data.baselineById;
    const actual = m.actualKept;
    const other = data.compareKept;
    const delta = data.deltaKept;
    const value = (v: number) => (Number.isFinite(v) ? String(v) : '');
    const lines = [
      'rank,id,entry,count,probability,expected_kept' +
        (actual ? ',kept' : '') +
        (acc ? ',zero_shot_top1' : '') +
        (base ? ',baseline_zero_shot_top1' : '') +
        (other && delta ? ',other_kept,delta_kept' : ''),
    ];
    const view = this.rows.ids;
    for (let i = 0; i < view.length; i++) {
      const id = view[i];
      const c = m.counts[id];
      lines.push(
        `${data.rankOf[id] + 1},${id},${csvField(data.names[id] ?? '')},${c},${c <= t ? 1 : t / c},${kept[id]}` +
          (actual ? `,${actual[id]}` : '') +
          (acc ? `,${value(acc[id])}` : '') +
          (base ? `,${value(base[id])}` : '') +
          (other && delta ? `,${other[id]},${delta[id]}` : ''),
      );
    }
    return lines.join('\n') + '\n';
  }
}

/** A kept count: whole for a curation's recorded kept, two decimals for an expected kept. */
function keptText(k: number): string {
  return Number.isInteger(k) ? int.format(k) : dec2.format(k);
}

/** A difference of kept counts, signed ("+12", "−3", "0"). */
function deltaText(d: number): string {
  const text = keptText(Math.abs(d));
  return d > 0 ? `+${text}` : d < 0 ? `−${text}` : text;
}
