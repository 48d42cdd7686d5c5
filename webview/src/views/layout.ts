/**
 * The panel's page: its stylesheets and elements, built once by `buildLayout` (from main.ts's
 * init). The body's `data-view` says which view shows: the entry balance (the `balance-view`
 * elements) or a threshold sweep (`#sweep`). The ids, classes and aria labels are what the e2e suite (test/e2e/balance.e2e.mjs) and
 * the panel bench (scripts/bench/panel.mjs) find the controls by: keep them.
 */
import uplotCss from 'uplot/dist/uPlot.min.css';
import baseCss from '../base.css';
import panelCss from '../styles.css';

const TEMPLATE = `
<header>
  <h1>Entry Balance</h1>
  <vscode-single-select id="source-select" aria-label="Counts from"></vscode-single-select>
  <vscode-single-select class="balance-view" id="language-select" aria-label="Language" title="The language of the worldwide curation shown" hidden></vscode-single-select>
  <vscode-single-select class="balance-view" id="compare-select" aria-label="Compare with" title="Compare with another curation of the same metadata" hidden></vscode-single-select>
  <vscode-button id="refresh" secondary title="Read the source again">Refresh</vscode-button>
  <vscode-button class="balance-view" id="curate" title="Curate the pool at this t">Curate Pool…</vscode-button>
</header>
<div id="status" class="status" role="status"></div>
<section class="controls balance-view" aria-label="Threshold">
  <div class="t-control">
    <label for="t-slider">t</label>
    <input id="t-slider" type="range" min="0" max="1000" step="1" aria-label="t (log scale)">
    <vscode-textfield id="t-input" type="number" min="1" step="1" aria-label="t"></vscode-textfield>
    <span id="t-error" class="t-error" role="alert" hidden></span>
  </div>
  <div class="stats">
    <div class="stat"><span class="label">Expected curated size</span>
      <span class="value" id="expected-size" data-value="">–</span><span class="sub" id="expected-sub"></span></div>
    <div class="stat"><span class="label">Head entries (count &gt; t)</span>
      <span class="value" id="head-entries" data-value="">–</span><span class="sub" id="head-sub"></span></div>
    <div class="stat"><span class="label">Head share of matches</span>
      <span class="value" id="head-share" data-value="">–</span><span class="sub" id="share-sub"></span></div>
  </div>
</section>
<section class="card compare-card balance-view" id="compare-card" aria-label="Comparison" hidden></section>
<section class="card balance-view" id="language-curves" aria-label="All languages" hidden>
  <div class="card-head"><h2>Rank-frequency per language (t_lang marked)</h2></div>
  <p class="card-note" id="language-legend"></p><div class="chart-host" id="language-curves-host"></div>
</section>
<section class="charts balance-view" id="charts"></section>
<section class="sweep-view" id="sweep" aria-label="Threshold sweep">
  <h2 class="sweep-title">Threshold sweep</h2>
  <dl class="sweep-trace" id="sweep-trace"></dl>
  <p class="sweep-progress" id="sweep-progress" role="status"></p>
  <div class="charts" id="sweep-charts"></div>
  <section class="card sweep-table-card" aria-label="Results per t">
    <div class="card-head"><h2>Results per t</h2></div>
    <p class="card-note">Top-1 in percent on the held-out test split: mean over seeds ± the half width of the 95% CI. Open a t's curation to see what balancing kept.</p>
    <table class="sweep-table" id="sweep-table"></table>
  </section>
</section>
<section class="card table-card balance-view" aria-label="Entries">
  <div class="table-tools">
    <vscode-textfield id="table-search" placeholder="Search entries (or #id)" aria-label="Search entries"></vscode-textfield>
    <span class="table-count" id="table-count"></span>
    <vscode-button id="export-csv" secondary>Export CSV</vscode-button>
  </div>
  <div class="table-header" id="table-header" role="row"></div>
  <div id="table-host"></div>
</section>`;

/** A vscode-elements field or select: an element with a string value. */
export type ValueElement = HTMLElement & { value: string };

/** The element with this id (the layout has it). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the panel has no element #${id}`);
  return el as T;
}

/** Applies the stylesheets and fills `app` with the panel's elements. */
export function buildLayout(app: HTMLElement): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`${uplotCss}\n${baseCss}\n${panelCss}`);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  app.innerHTML = TEMPLATE;
}
