// The entry balance panel's speed (issue 4), measured in the real webview bundle (dist/webview.js,
// its CSS bundled in) in headless Chromium, on a curation of 1M texts against 500k entries:
//   - a move of t to the updated figures (expected size, head entries, head share), by the slider
//     and by the host's `setT` message, at 20 values each                      (target < 100 ms)
//   - scrolling the 500k-row entry table: frame times from requestAnimationFrame (target 16.7 ms)
// The payload is made as the extension host makes it: `dist/cli.js curate` writes the curation
// (summary.json, counts.bin, matches.bin), the language server's `curationBalance` (tsc output in
// out/, as `metacurate/balance` answers the host) reads it, and the host's decoding makes the
// BalancePayload. The page is the host's HTML (same CSP but for `connect-src`, which fetches the
// payload) with a stub `acquireVsCodeApi`; host messages arrive through window.postMessage, as
// VS Code delivers them. Figures are reported, never asserted; the figures shown are checked
// against an exact sum computed here (a mismatch is a problem, as in scripts/bench.mjs).
//
// Usage: `import { benchPanel } from './bench/panel.mjs'` (returns { rows, problems, details };
// rows are { metric, value, unit, target, pass }), or `node scripts/bench/panel.mjs` to print them.
// Needs `npm run bundle` first; CHROMIUM_PATH overrides /usr/bin/chromium.
/* global document, window, fetch, requestAnimationFrame, MutationObserver, PerformanceObserver, Event -- the in-page functions run in Chromium */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePoolJsonl } from '../generate_pool.mjs';
import { loadBenchData } from './data.mjs';
import { median } from './measure.mjs';

/** @typedef {import('node:net').AddressInfo} AddressInfo */
/**
 * The page's window: its stand-in for the VS Code webview API records what the panel posts (pageHtml).
 * @typedef {Window & typeof globalThis & { __bench: { posted: Array<{ type: string }> } }} BenchWindow
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(REPO, 'bench-out');
const DIST = join(REPO, 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const require = createRequire(join(REPO, 'package.json'));

const TEXTS = 1_000_000;
const T_STEPS = 20;
const TARGETS = { updateMillis: 100, frameMillis: 1000 / 60 };
/** A frame this much longer than one vsync interval counts as dropped. */
const DROPPED_FRAME_MILLIS = 1.5 * TARGETS.frameMillis;

/** The curation the panel shows: 1M JSONL records curated by the CLI (reused when already there). */
async function prepareCuration(log) {
  const outDir = join(OUT, 'panel', 'curation');
  const summaryPath = join(outDir, 'summary.json');
  const d = await loadBenchData(REPO, OUT);
  {
    if (existsSync(summaryPath) && existsSync(join(outDir, 'matches.bin'))) {
      const s = JSON.parse(readFileSync(summaryPath, 'utf8'));
      if (s.pool?.records === TEXTS && s.metadata?.path === d.metadataPath) {
        log(`panel: reusing the curation in ${outDir}`);
        return { outDir, data: d };
      }
    }
    // The pool is made here, not with data.mjs's poolJsonlFile: that keeps a single pool size and
    // would delete the curation section's 2M pool.
    const pool = join(OUT, 'panel', `pool-${TEXTS}.jsonl`);
    mkdirSync(dirname(pool), { recursive: true });
    log(`panel: writing a ${TEXTS.toLocaleString('en-US')}-record pool ${pool}`);
    writePoolJsonl(d.captions, pool + '.tmp', TEXTS);
    renameSync(pool + '.tmp', pool);
    rmSync(outDir, { recursive: true, force: true });
    const args = [
      join(DIST, 'cli.js'),
      'curate',
      '--metadata',
      d.metadataPath,
      '--input',
      pool,
      '--text-field',
      'text',
      '--t',
      '20000',
      '--seed',
      '1',
      '--out',
      outDir,
      '--workers',
      '2',
      '--progress',
      'none',
    ];
    log(`panel: node ${args.join(' ')}`);
    const r = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0)
      throw new Error(`panel bench: curate exited with ${r.status}: ${(r.stderr ?? '').trim().slice(-2000)}`);
    // The panel reads summary.json, counts.bin and matches.bin; the curated records are not needed.
    rmSync(pool, { force: true });
    rmSync(join(outDir, 'data'), { recursive: true, force: true });
    return { outDir, data: d };
  }
}

/** The payload of a curation source as the language server prepares it and the host decodes it. */
async function loadPayload(folder) {
  const started = performance.now();
  const { curationBalance } = require(join(REPO, 'out/server/src/lsp/balanceData.js'));
  const { decodeBalanceModel } = require(join(REPO, 'out/contracts/src/balanceWire.js'));
  const result = await curationBalance(folder, { kind: 'curation', folder });
  return {
    payload: { ...result, model: decodeBalanceModel(result.model) },
    millis: performance.now() - started,
  };
}

/** The payload as JSON (plain fields, the typed arrays' places) and one binary of the arrays. */
function packPayload(payload) {
  const arrays = [];
  const parts = [];
  let offset = 0;
  const model = {};
  for (const [key, value] of Object.entries(payload.model)) {
    if (!ArrayBuffer.isView(value)) {
      model[key] = value;
      continue;
    }
    const pad = (8 - (offset % 8)) % 8;
    if (pad) parts.push(Buffer.alloc(pad));
    offset += pad;
    const length = /** @type {NodeJS.TypedArray} */ (value).length;
    arrays.push({ key, type: value.constructor.name, offset, length });
    parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    offset += value.byteLength;
  }
  const json = JSON.stringify({ info: payload.info, names: payload.names, model, arrays });
  return { json, binary: Buffer.concat(parts) };
}

/** The exact expected curated size at t: sum over texts of 1 - prod(1 - min(1, t / count)). */
function expectedSizeDirect(model, t) {
  const { offsets, ids, counts } = model;
  let sum = 0;
  for (let r = 0; r + 1 < offsets.length; r++) {
    let drop = 1;
    for (let k = offsets[r]; k < offsets[r + 1]; k++) {
      const c = counts[ids[k]];
      drop *= c <= t ? 0 : 1 - t / c;
    }
    if (offsets[r + 1] > offsets[r]) sum += 1 - drop;
  }
  return sum;
}

function pageHtml(origin) {
  const nonce = 'bench0nonce';
  const csp = [
    "default-src 'none'",
    'img-src data: blob:',
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `connect-src ${origin}`,
  ].join('; ');
  // A few of the variables VS Code sets on a dark theme; the panel falls back for the rest.
  const theme = `html { --vscode-font-family: sans-serif; --vscode-font-size: 13px;
    --vscode-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-panel-border: #2b2b2b; }
    body { background: var(--vscode-editor-background); color: var(--vscode-foreground); margin: 0; padding: 0 20px; }`;
  const stub = `window.__bench = { posted: [] };
    window.acquireVsCodeApi = () => ({
      postMessage(m) { window.__bench.posted.push(m); },
      getState() { return undefined; },
      setState(s) { window.__bench.state = s; },
    });`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Entry Balance (bench)</title>
<style nonce="${nonce}">${theme}</style>
</head>
<body class="vscode-dark" data-vscode-theme-kind="vscode-dark">
<div id="app" data-nonce="${nonce}"></div>
<script nonce="${nonce}">${stub}</script>
<script nonce="${nonce}" src="${origin}/webview.js"></script>
</body>
</html>`;
}

// ---------------------------------------------------------------------------------------------
// In the page (functions passed to page.evaluate: no closures over this module)
// ---------------------------------------------------------------------------------------------

/** Fetches the payload, posts the `data` message, resolves when the panel has drawn it. */
async function inPageLoad({ origin, t }) {
  const meta = await (await fetch(`${origin}/payload.json`)).json();
  const binary = await (await fetch(`${origin}/payload.bin`)).arrayBuffer();
  const model = { ...meta.model };
  for (const a of meta.arrays) {
    const Ctor = globalThis[a.type];
    // Each array in its own buffer, as the host transfers them.
    model[a.key] = new Ctor(binary.slice(a.offset, a.offset + a.length * Ctor.BYTES_PER_ELEMENT));
  }
  const payload = { info: meta.info, names: meta.names, model };
  const afterPaint = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const started = performance.now();
  /** @type {Promise<void>} */
  const ready = new Promise((r) => {
    const mo = new MutationObserver(() => {
      if (document.body.dataset.ready === 'true') {
        mo.disconnect();
        r();
      }
    });
    mo.observe(document.body, { attributes: true, attributeFilter: ['data-ready'] });
  });
  window.postMessage({ type: 'data', payload, t }, '*');
  await ready;
  await afterPaint();
  return { firstRenderMillis: performance.now() - started, tMax: Math.max(10, model.ranked[0] * 1.25, t) };
}

/**
 * Moves t `steps` times, by the slider (`how: 'slider'`, positions over its range) or by the host's
 * setT message (`how: 'message'`, values log-spaced up to tMax). Per move: the time to the figures
 * in the DOM, to the end of the first frame painted with them, and to the painted per-entry expected kept of the chart
 * and the table (computed in slices after the figures; the table's data-kept-t says its t).
 */
async function inPageMoveT({ how, steps, tMax }) {
  const afterPaint = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  const slider = /** @type {HTMLInputElement} */ (document.getElementById('t-slider'));
  const size = /** @type {HTMLElement} */ (document.getElementById('expected-size'));
  const table = /** @type {HTMLElement} */ (document.getElementById('table-viewport'));
  const read = () => ({
    t: Number(size.dataset.t),
    expectedSize: Number(size.dataset.value),
    headEntries: Number(/** @type {HTMLElement} */ (document.getElementById('head-entries')).dataset.value),
    headShare: Number(/** @type {HTMLElement} */ (document.getElementById('head-share')).dataset.value),
    computeMillis: Number(size.dataset.millis),
  });
  const moves = [];
  for (let i = 0; i < steps; i++) {
    await pause(60);
    const before = size.dataset.t;
    // The end of the first frame painted with the new figures: a timer queued by the first frame
    // callback that sees them. Registered before the move, so that it runs ahead of the webview's
    // own (the slices of the per-entry expected kept start from a timer queued in that frame).
    const painted = new Promise((r) => {
      const tick = () => {
        if (size.dataset.t === before) requestAnimationFrame(tick);
        else setTimeout(() => r(performance.now()), 0);
      };
      requestAnimationFrame(tick);
    });
    const started = performance.now();
    let domMillis;
    if (how === 'slider') {
      // Positions over the slider's whole range (its integer log scale has up to 1000).
      const position = Math.round(((i + 0.5) * Number(slider.max)) / steps);
      slider.value = String(position);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      domMillis = performance.now() - started;
    } else {
      // t is a positive integer: the panel refuses any other.
      const t = Math.max(1, Math.round(Math.exp((Math.log(tMax) * (i + 0.7)) / steps) * 0.999));
      const changed = new Promise((r, reject) => {
        const timer = setTimeout(() => reject(new Error(`setT ${t}: the figures did not change`)), 10_000);
        const mo = new MutationObserver(() => {
          if (size.dataset.t === String(t)) {
            clearTimeout(timer);
            mo.disconnect();
            r(performance.now());
          }
        });
        mo.observe(size, { attributes: true, attributeFilter: ['data-t'] });
      });
      window.postMessage({ type: 'setT', t }, '*');
      domMillis = (await changed) - started;
    }
    const paintedMillis = (await painted) - started;
    const shown = read();
    // The per-entry expected kept (chart and table), computed in slices after the figures.
    const keptAt = () => table.dataset.keptT === String(shown.t);
    for (let waited = 0; !keptAt() && waited < 10_000; waited += 5) await pause(5);
    await afterPaint();
    const settledMillis = keptAt() ? performance.now() - started : NaN;
    moves.push({ ...shown, before, domMillis, paintedMillis, settledMillis });
  }
  return moves;
}

/**
 * Scrolls the entry table one step per frame and returns the frame intervals (requestAnimationFrame
 * timestamps): `steady` moves `stepPx` a frame from the top (a fast wheel), `jumps` goes to a
 * random row of all of them each frame (dragging the scroll bar). Also checks the last row.
 */
async function inPageScroll({ frames, stepPx }) {
  const viewport = /** @type {HTMLElement} */ (document.getElementById('table-viewport'));
  viewport.scrollIntoView({ block: 'center' });
  const afterPaint = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  await afterPaint();
  await afterPaint();
  let longFrames = 0;
  let observer;
  try {
    observer = new PerformanceObserver((list) => (longFrames += list.getEntries().length));
    observer.observe({ type: 'long-animation-frame' });
  } catch {
    observer = undefined; // an older Chromium: no long-animation-frame entries
  }
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const run = (next) =>
    new Promise((r) => {
      const stamps = [];
      let i = 0;
      const tick = (ts) => {
        stamps.push(ts);
        if (i >= frames) return r(stamps.slice(1).map((s, k) => s - stamps[k]));
        viewport.scrollTop = next(i++);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
  viewport.scrollTop = 0;
  await afterPaint();
  const max = () => viewport.scrollHeight - viewport.clientHeight;
  const steady = await run((i) => Math.min(max(), (i + 1) * stepPx));
  const jumps = await run(() => Math.floor(random() * max()));
  viewport.scrollTop = max();
  await afterPaint();
  await afterPaint();
  const ranks = [...document.querySelectorAll('#table-viewport .row:not([hidden]) .cell:first-child')].map(
    (c) => c.textContent,
  );
  observer?.disconnect();
  return {
    steady,
    jumps,
    lastRank: ranks[ranks.length - 1],
    rowsInDom: document.querySelectorAll('#table-viewport .row').length,
    tableCount: /** @type {HTMLElement} */ (document.getElementById('table-count')).textContent,
    scrollHeight: viewport.scrollHeight,
    longAnimationFrames: observer ? longFrames : undefined,
  };
}

// ---------------------------------------------------------------------------------------------

function percentile(values, p) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
}

/** @param {{ log?: (line: string) => void }} [options] */
export async function benchPanel({ log = () => {} } = {}) {
  for (const f of ['cli.js', 'webview.js'])
    if (!existsSync(join(DIST, f))) throw new Error(`panel bench: dist/${f} is missing (run npm run bundle)`);
  if (!existsSync(join(REPO, 'out/server/src/lsp/balanceData.js')))
    throw new Error('panel bench: out/server/src/lsp/balanceData.js is missing (run npm run build)');
  if (!existsSync(CHROMIUM))
    throw Object.assign(
      new Error(`panel bench: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`),
      {
        code: 'NO_CHROMIUM',
      },
    );
  const problems = [];
  const { outDir, data } = await prepareCuration(log);
  const { payload, millis: hostMillis } = await loadPayload(outDir);
  const m = payload.model;
  log(
    `panel: payload of ${m.numEntries.toLocaleString('en-US')} entries, ${payload.info.texts.toLocaleString('en-US')} texts ` +
      `(${m.matchedTexts.toLocaleString('en-US')} matched, ${m.ids.length.toLocaleString('en-US')} matched ids), ` +
      `read and prepared by the balance worker in ${hostMillis.toFixed(0)} ms`,
  );
  if (payload.info.texts !== TEXTS)
    problems.push(`panel: the curation has ${payload.info.texts} texts, not ${TEXTS}`);
  const { json, binary } = packPayload(payload);

  // A local HTTP server for the page and the payload (tens of MB: too big for a routed response,
  // which travels over the DevTools pipe).
  const files = {
    '/': [Buffer.from(''), 'text/html'],
    '/webview.js': [readFileSync(join(DIST, 'webview.js')), 'text/javascript'],
    '/payload.json': [Buffer.from(json), 'application/json'],
    '/payload.bin': [binary, 'application/octet-stream'],
  };
  const server = createServer((req, res) => {
    const file = files[new URL(/** @type {string} */ (req.url), 'http://x').pathname];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[1], 'content-length': file[0].length }).end(file[0]);
  });
  await /** @type {Promise<void>} */ (new Promise((r) => server.listen(0, '127.0.0.1', r)));
  const origin = `http://127.0.0.1:${/** @type {AddressInfo} */ (server.address()).port}`;
  files['/'][0] = Buffer.from(pageHtml(origin));

  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('crash', () => log('panel: the page crashed'));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    // Nothing but the bench's own server (the harness's rule).
    await page.route('**/*', (route) =>
      new URL(route.request().url()).origin === origin ? route.continue() : route.abort(),
    );
    await page.goto(`${origin}/`);
    await page.waitForFunction(() =>
      /** @type {BenchWindow} */ (window).__bench.posted.some((msg) => msg.type === 'ready'),
    );
    const t0 = 1000;
    const load = await page.evaluate(inPageLoad, { origin, t: t0 });
    log(`panel: data message to the drawn panel ${load.firstRenderMillis.toFixed(0)} ms`);

    const slider = await page.evaluate(inPageMoveT, { how: 'slider', steps: T_STEPS, tMax: load.tMax });
    const message = await page.evaluate(inPageMoveT, { how: 'message', steps: T_STEPS, tMax: load.tMax });
    for (const move of [...slider, ...message]) {
      const exact = expectedSizeDirect(m, move.t);
      if (!(Math.abs(move.expectedSize - exact) <= 1e-6 * Math.max(1, exact)))
        problems.push(
          `panel: at t = ${move.t} the panel shows an expected size ${move.expectedSize}, the exact sum is ${exact}`,
        );
      if (String(move.t) === move.before) problems.push(`panel: a move to t = ${move.t} did not change t`);
    }
    const scroll = await page.evaluate(inPageScroll, { frames: 240, stepPx: 40 * 22 });
    if (scroll.lastRank !== m.numEntries.toLocaleString('en-US'))
      problems.push(
        `panel: scrolled to the end, the last row shows rank ${scroll.lastRank}, not ${m.numEntries}`,
      );
    await page.screenshot({ path: join(OUT, 'panel', 'panel.png'), fullPage: true });
    for (const e of pageErrors) problems.push(`panel: page error: ${e}`);
    const version = browser.version();

    const ms = (values) => values.map((v) => Number(v.toFixed(2)));
    const details = {
      chromium: version,
      curation: outDir,
      metadata: data.metadataPath,
      synthetic: data.synthetic,
      texts: payload.info.texts,
      entries: m.numEntries,
      matchedTexts: m.matchedTexts,
      matchedIds: m.ids.length,
      payloadMB: (json.length + binary.length) / 1e6,
      hostPrepareMillis: hostMillis,
      firstRenderMillis: load.firstRenderMillis,
      slider,
      message,
      scroll: {
        ...scroll,
        steady: ms(scroll.steady),
        jumps: ms(scroll.jumps),
      },
      loadAverage: loadavg(),
    };
    const frames = (name, intervals) => {
      const dropped = intervals.filter((d) => d > DROPPED_FRAME_MILLIS).length / intervals.length;
      return [
        {
          metric: `panel: table scroll, ${name}: median frame`,
          value: median(intervals),
          unit: 'ms',
          target: `<= ${TARGETS.frameMillis.toFixed(1)} ms`,
          // One vsync interval, give or take the timer's jitter.
          pass: median(intervals) <= TARGETS.frameMillis * 1.05,
        },
        {
          metric: `panel: table scroll, ${name}: 95th percentile frame`,
          value: percentile(intervals, 0.95),
          unit: 'ms',
          target: 'info',
          pass: true,
        },
        {
          metric: `panel: table scroll, ${name}: frames over ${DROPPED_FRAME_MILLIS.toFixed(0)} ms`,
          value: dropped * 100,
          unit: '%',
          target: '< 5 %',
          pass: dropped < 0.05,
        },
      ];
    };
    const update = (name, moves) => [
      {
        metric: `panel: ${name} to updated figures, painted (median of ${moves.length})`,
        value: median(moves.map((x) => x.paintedMillis)),
        unit: 'ms',
        target: `< ${TARGETS.updateMillis} ms`,
        pass: median(moves.map((x) => x.paintedMillis)) < TARGETS.updateMillis,
      },
      {
        metric: `panel: ${name} to updated figures, painted (worst of ${moves.length})`,
        value: Math.max(...moves.map((x) => x.paintedMillis)),
        unit: 'ms',
        target: `< ${TARGETS.updateMillis} ms`,
        pass: Math.max(...moves.map((x) => x.paintedMillis)) < TARGETS.updateMillis,
      },
      {
        metric: `panel: ${name} to expected kept in chart and table (median of ${moves.length})`,
        value: median(moves.map((x) => x.settledMillis)),
        unit: 'ms',
        target: 'info',
        pass: true,
      },
      {
        metric: `panel: ${name} to expected kept in chart and table (worst of ${moves.length})`,
        value: Math.max(...moves.map((x) => x.settledMillis)),
        unit: 'ms',
        target: 'info',
        pass: true,
      },
    ];
    const entries = m.numEntries.toLocaleString('en-US');
    const rows = [
      ...update('t slider', slider),
      ...update('host setT message', message),
      {
        metric: 'panel: figures computed in the webview (data-millis, median)',
        value: median([...slider, ...message].map((x) => x.computeMillis)),
        unit: 'ms',
        target: 'info',
        pass: true,
      },
      ...frames(`${entries} rows, steady 40 rows/frame`, scroll.steady),
      ...frames(`${entries} rows, random jumps`, scroll.jumps),
      {
        metric: 'panel: data message to the drawn panel',
        value: load.firstRenderMillis,
        unit: 'ms',
        target: 'info',
        pass: true,
      },
      {
        metric: 'panel: host reads and prepares the curation (balance worker)',
        value: hostMillis,
        unit: 'ms',
        target: 'info',
        pass: true,
      },
    ];
    return { rows, problems, details };
  } finally {
    await browser.close();
    server.close();
  }
}

/** A row's value as the tables print it. */
export function formatPanelValue(r) {
  return `${r.value.toFixed(r.unit === '%' || r.value >= 100 ? 1 : 2)} ${r.unit}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { rows, problems, details } = await benchPanel({ log: (l) => console.error(l) });
  console.error(
    `panel: Chromium ${details.chromium}; ${details.entries} entries, ${details.texts} texts, payload ${details.payloadMB.toFixed(1)} MB; load average ${details.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
  );
  for (const r of rows) {
    console.log(
      `${r.metric.padEnd(78)} ${formatPanelValue(r).padStart(10)}  ${r.target.padEnd(9)} ${r.target === 'info' ? '' : r.pass ? 'PASS' : 'MISS'}`,
    );
  }
  for (const p of problems) console.log(`problem: ${p}`);
  // Run alone, the figures go beside the screenshot (npm run bench puts them in bench-out/results.json).
  const path = join(OUT, 'panel', 'results.json');
  writeFileSync(
    path + '.tmp',
    JSON.stringify({ date: new Date().toISOString(), rows, problems, details }, null, 2) + '\n',
  );
  renameSync(path + '.tmp', path);
  console.error(`panel: wrote ${path}`);
  process.exitCode = problems.length ? 1 : 0;
}
