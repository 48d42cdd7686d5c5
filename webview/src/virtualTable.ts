/**
 * The entries table, virtualised: only the rows in view exist in the DOM (a few dozen, reused),
 * over a spacer as tall as all rows. Past MAX_SPACER pixels (about 545k rows) the spacer stops
 * growing and the scroll position maps proportionally onto the rows, so any number of rows
 * scrolls smoothly. Rows are drawn from a `view` (entry ids in display order) by a cell function.
 */

export const ROW_HEIGHT = 22;
const MAX_SPACER = 12_000_000;

export interface Column {
  key: string;
  title: string;
  className: string;
}

export class VirtualTable {
  readonly viewport: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly rowsBox: HTMLDivElement;
  private rows: HTMLDivElement[] = [];
  private view: Uint32Array = new Uint32Array(0);
  private frame = 0;
  /** First row drawn (for the state kept across reloads). */
  firstRow = 0;

  constructor(
    parent: HTMLElement,
    private readonly columns: Column[],
    private readonly cell: (id: number, column: number) => string,
    /** A row was clicked: its entry id and the key of the column clicked (undefined: none). */
    private readonly onActivate: (id: number, column: string | undefined) => void,
  ) {
    this.viewport = document.createElement('div');
    this.viewport.className = 'table-viewport';
    this.viewport.id = 'table-viewport';
    this.viewport.tabIndex = 0;
    this.spacer = document.createElement('div');
    this.spacer.className = 'table-spacer';
    this.rowsBox = document.createElement('div');
    this.rowsBox.className = 'table-rows';
    this.spacer.appendChild(this.rowsBox);
    this.viewport.appendChild(this.spacer);
    parent.appendChild(this.viewport);
    this.viewport.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.rowsBox.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      const row = target.closest<HTMLDivElement>('.row');
      const cell = target.closest<HTMLElement>('.cell');
      const column =
        cell && row ? this.columns[Array.prototype.indexOf.call(row.children, cell)]?.key : undefined;
      if (row && row.dataset.id) this.onActivate(Number(row.dataset.id), column);
    });
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
  }

  get length(): number {
    return this.view.length;
  }

  /** The entry ids shown, in display order (after sorting and search): what a CSV export writes. */
  get ids(): Uint32Array {
    return this.view;
  }

  /** Replaces the rows (ids in display order); keeps the scroll position unless `top`. */
  setView(view: Uint32Array, top = false): void {
    this.view = view;
    const full = view.length * ROW_HEIGHT;
    this.spacer.style.height = `${Math.min(full, MAX_SPACER)}px`;
    if (top) this.viewport.scrollTop = 0;
    this.render();
  }

  scrollToRow(row: number): void {
    const n = this.view.length;
    const vh = this.viewport.clientHeight;
    const spacer = Math.min(n * ROW_HEIGHT, MAX_SPACER);
    if (n * ROW_HEIGHT <= MAX_SPACER) this.viewport.scrollTop = row * ROW_HEIGHT;
    else {
      const visible = Math.ceil(vh / ROW_HEIGHT);
      this.viewport.scrollTop = (row / Math.max(1, n - visible)) * Math.max(1, spacer - vh);
    }
    this.render();
  }

  /** Redraws the rows in view (their values changed). */
  refresh(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const n = this.view.length;
    const vh = this.viewport.clientHeight || 400;
    const visible = Math.ceil(vh / ROW_HEIGHT) + 1;
    const scrollTop = this.viewport.scrollTop;
    let first: number;
    let offset: number;
    if (n * ROW_HEIGHT <= MAX_SPACER) {
      first = Math.floor(scrollTop / ROW_HEIGHT);
      offset = first * ROW_HEIGHT;
    } else {
      const spacer = MAX_SPACER;
      const fraction = Math.min(1, scrollTop / Math.max(1, spacer - vh));
      first = Math.floor(fraction * Math.max(0, n - visible + 1));
      offset = scrollTop;
    }
    first = Math.max(0, Math.min(first, Math.max(0, n - 1)));
    this.firstRow = first;
    while (this.rows.length < visible) {
      const row = document.createElement('div');
      row.className = 'row';
      for (const c of this.columns) {
        const span = document.createElement('span');
        span.className = `cell ${c.className}`;
        row.appendChild(span);
      }
      this.rowsBox.appendChild(row);
      this.rows.push(row);
    }
    this.rowsBox.style.transform = `translateY(${offset}px)`;
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i];
      const index = first + i;
      if (i >= visible || index >= n) {
        row.hidden = true;
        continue;
      }
      row.hidden = false;
      const id = this.view[index];
      row.dataset.id = String(id);
      row.classList.toggle('odd', index % 2 === 1);
      const cells = row.children;
      for (let c = 0; c < this.columns.length; c++) {
        const text = this.cell(id, c);
        const span = cells[c] as HTMLSpanElement;
        if (span.textContent !== text) span.textContent = text;
        if (c === 1) span.title = text;
      }
    }
  }
}
