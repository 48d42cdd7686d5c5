/**
 * The entry browser's page: its elements, built once, and `render` that draws a state. The ids,
 * classes and data attributes are what the e2e suite (test/e2e/entryBrowser.e2e.mjs) finds.
 */
import type { ShownImage } from '../../../contracts/src/entryBrowserMessages';
import type { EntryRecord, RecordImage } from '../../../contracts/src/entryRecords';
import { int } from '../format';
import baseCss from '../base.css';
import browserCss from './browser.css';
import { escapeHtml, highlightHtml } from './highlight';
import { rangeLabel } from './paging';
import type { BrowserAction, BrowserViewState, ShownPage } from './state';

const TEMPLATE = `
<header>
  <vscode-button id="back" secondary title="The entry browsed before">Back</vscode-button>
  <h1 id="entry-title">Entry records</h1>
  <span id="entry-source" class="source"></span>
</header>
<div id="status" class="status" role="status"></div>
<section class="counts" aria-label="Counts">
  <div><span class="label">Matching records</span><span class="value" id="count-all">–</span></div>
  <div><span class="label">Kept</span><span class="value" id="count-kept">–</span></div>
  <div><span class="label">Dropped</span><span class="value" id="count-dropped">–</span></div>
  <div><span class="label">t</span><span class="value" id="count-t">–</span></div>
  <div><span class="label">Seed</span><span class="value" id="count-seed">–</span></div>
</section>
<div class="toolbar">
  <div class="filters" role="group" aria-label="Show">
    <vscode-button data-filter="all">All</vscode-button>
    <vscode-button data-filter="kept" secondary>Kept</vscode-button>
    <vscode-button data-filter="dropped" secondary>Dropped</vscode-button>
  </div>
  <vscode-button id="previous" secondary>Previous</vscode-button>
  <span id="range" class="range"></span>
  <vscode-button id="next" secondary>Next</vscode-button>
  <vscode-textfield id="jump" placeholder="Go to record…" aria-label="Go to record number"></vscode-textfield>
  <span id="jump-error" class="jump-error" role="alert"></span>
</div>
<ol id="records" class="records" aria-label="Records"></ol>`;

type ValueElement = HTMLElement & { value: string };

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the entry browser has no element #${id}`);
  return el as T;
}

/** A keep probability: "1" for a tail entry, else 3 significant digits. */
export function formatProbability(p: number): string {
  return p >= 1 ? '1' : p.toPrecision(3);
}

export class BrowserView {
  private readonly records: HTMLElement;
  /** The page the list holds (the list is rebuilt only for another). */
  private renderedPage: ShownPage | undefined;
  /** The images the list shows (each slot is drawn again only when its image changes). */
  private renderedImages: ShownPage['images'] = {};

  constructor(app: HTMLElement, dispatch: (action: BrowserAction) => void) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(`${baseCss}\n${browserCss}`);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    app.innerHTML = TEMPLATE;
    this.records = byId('records');
    byId('back').addEventListener('click', () => dispatch({ type: 'back' }));
    byId('previous').addEventListener('click', () => dispatch({ type: 'previous' }));
    byId('next').addEventListener('click', () => dispatch({ type: 'next' }));
    for (const b of app.querySelectorAll<HTMLElement>('.filters [data-filter]'))
      b.addEventListener('click', () =>
        dispatch({ type: 'filter', filter: b.dataset.filter as 'all' | 'kept' | 'dropped' }),
      );
    const jump = byId<ValueElement>('jump');
    jump.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') dispatch({ type: 'jump', text: jump.value });
    });
    // A click on another entry browses it; anywhere else on a record opens it.
    this.records.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      // A URL opens outside (VS Code asks first); it never opens the record.
      if (target.closest('.image-link')) {
        e.stopPropagation();
        return;
      }
      const thumbnail = target.closest<HTMLElement>('.record-image img');
      if (thumbnail) {
        e.stopPropagation();
        const slot = thumbnail.closest<HTMLElement>('.record-image');
        dispatch({ type: 'enlarge', index: Number(slot?.dataset.imageIndex) });
        return;
      }
      const other = target.closest<HTMLElement>('.other-entry');
      if (other) {
        e.stopPropagation();
        dispatch({ type: 'browse', entryId: Number(other.dataset.entryId) });
        return;
      }
      const record = target.closest<HTMLElement>('.record');
      if (record) dispatch({ type: 'open', index: Number(record.dataset.index) });
    });
    this.records.addEventListener('keydown', (e) => {
      const record = (e.target as HTMLElement).closest<HTMLElement>('.record');
      if (e.key === 'Enter' && record && e.target === record)
        dispatch({ type: 'open', index: Number(record.dataset.index) });
    });
  }

  render(state: BrowserViewState): void {
    const query = state.saved.query;
    const page = state.page;
    const status = byId('status');
    status.classList.toggle('error', !!state.error);
    status.textContent =
      state.error ?? (state.loading ? 'Loading records…' : query ? '' : 'No entry chosen.');
    byId('back').hidden = state.saved.history.length === 0;
    byId('jump-error').textContent = state.jumpError ?? '';
    for (const b of document.querySelectorAll<HTMLElement>('.filters [data-filter]')) {
      const on = b.dataset.filter === (query?.filter ?? 'all');
      b.toggleAttribute('secondary', !on);
      b.setAttribute('aria-pressed', String(on));
    }
    document.body.dataset.ready = state.loading ? 'false' : state.error ? 'error' : page ? 'true' : 'false';
    if (!page) return;
    const r = page.result;
    byId('entry-title').textContent = `${r.entry} · id ${r.entryId}`;
    byId('entry-source').textContent = page.sourceLabel;
    const curation = page.query.target.source.kind === 'curation';
    byId('count-all').textContent = int.format(r.totalAll);
    byId('count-kept').textContent = curation ? int.format(r.kept) : '–';
    byId('count-dropped').textContent = curation ? int.format(r.dropped) : '–';
    byId('count-t').textContent = r.t === undefined ? '–' : int.format(r.t);
    byId('count-seed').textContent = r.seed === undefined ? '–' : String(r.seed);
    const offset = page.query.offset;
    byId('range').textContent = rangeLabel(offset, r.records.length, r.total);
    byId('previous').toggleAttribute('disabled', offset === 0);
    byId('next').toggleAttribute('disabled', offset + r.records.length >= r.total);
    const list = this.records;
    list.dataset.offset = String(offset);
    list.dataset.total = String(r.total);
    list.dataset.filter = page.query.filter;
    list.dataset.entryId = String(r.entryId);
    if (this.renderedPage?.result !== page.result) {
      const newQuery = this.renderedPage?.query !== page.query;
      list.innerHTML = r.records.map((rec, i) => recordHtml(rec, i, page.files[i] ?? rec.file)).join('');
      this.renderedImages = {};
      // Another page or entry starts at its top.
      if (newQuery) window.scrollTo(0, 0);
    }
    this.renderedPage = page;
    for (const [index, image] of Object.entries(page.images))
      if (this.renderedImages[Number(index)] !== image)
        this.drawImage(Number(index), image, r.records[Number(index)]);
    this.renderedImages = page.images;
    for (const slot of list.querySelectorAll<HTMLElement>('.record-image'))
      slot.classList.toggle('enlarged', Number(slot.dataset.imageIndex) === state.enlarged);
  }

  /** Record `index`'s image slot: the thumbnail (decoded off the main thread), or why there is none. */
  private drawImage(index: number, image: ShownImage, record: EntryRecord | undefined): void {
    const slot = this.records.querySelector<HTMLElement>(`.record-image[data-image-index="${index}"]`);
    if (!slot || !record) return;
    if (image.kind === 'error') {
      const message = document.createElement('span');
      message.className = 'image-error';
      message.textContent = `Image not shown: ${image.message}`;
      slot.replaceChildren(message);
      return;
    }
    const img = document.createElement('img');
    img.decoding = 'async';
    img.alt = `Image of record ${record.key}`;
    img.title = 'Click to enlarge';
    img.src = image.uri;
    slot.replaceChildren(img);
  }
}

/** A record's image slot: a link for a URL (never fetched), the reason for a refused value, else a placeholder the host's image replaces. */
function imageSlotHtml(image: RecordImage | undefined, index: number): string {
  if (!image) return '';
  let inner: string;
  if (image.kind === 'url' && !/^https?:\/\//i.test(image.url))
    inner = `<span class="image-error">Image URL not shown: only http(s) URLs are linked</span>`;
  else if (image.kind === 'url')
    inner = `<a class="image-link" href="${escapeHtml(image.url)}" title="Image URL (not fetched): opens in your browser">${escapeHtml(image.url)}</a>`;
  else if (image.kind === 'refused')
    inner = `<span class="image-error">Image '${escapeHtml(image.value)}' not shown: it ${escapeHtml(image.reason)}</span>`;
  else inner = '<span class="image-loading">Loading image…</span>';
  return `<div class="record-image" data-image-index="${index}">${inner}</div>`;
}

/** One record's item: its text with the matches marked, then its facts. Every value escaped. */
function recordHtml(rec: EntryRecord, index: number, file: string): string {
  const where = rec.line === undefined ? file : `${file}:${rec.line}`;
  const badge =
    rec.kept === undefined
      ? ''
      : `<span class="badge ${rec.kept ? 'kept' : 'dropped'}">${rec.kept ? 'kept' : 'dropped'}</span>`;
  const others =
    rec.otherEntries.length === 0
      ? ''
      : `<span class="others">also: ${rec.otherEntries
          .map(
            (o) =>
              `<button class="other-entry" data-entry-id="${escapeHtml(String(o.id))}" title="Browse entry ${escapeHtml(String(o.id))}">${escapeHtml(o.entry)}</button>`,
          )
          .join(', ')}</span>`;
  return `<li class="record" tabindex="0" data-index="${index}" data-kept="${rec.kept === undefined ? '' : String(rec.kept === true)}" title="Open ${escapeHtml(where)}">
${imageSlotHtml(rec.image, index)}<div class="record-text">${highlightHtml(rec.text, rec.spans)}</div>
<div class="record-meta">${badge}<span class="probability">p = ${formatProbability(rec.probability)}</span>
<span class="record-key">key ${escapeHtml(rec.key)}</span>
<span class="record-file">${escapeHtml(where)}</span>${others}</div></li>`;
}
