// A threshold sweep in the entry-balance panel, in the real VS Code (code-server + headless
// Chromium): a real tiny sweep made by the CLI beforehand (`metacurate experiment sweep`, t = 3
// and 40, two seeds of 12 steps: the options of test/server/experiment/study.test.ts), then "Show
// Entry Balance" on its folder from the explorer's context menu opens the "Threshold sweep" view:
// one table row per t with summary.json's numbers, what the sweep was made of, both charts drawn.
// A unit trained again by the CLI meanwhile fills the view in (units 3 of 4, then 4 of 4); a window
// reload brings the sweep back; a t's row opens its curation in the balance view at that t; a folder
// that is neither a sweep nor a curation is an error naming it. Needs /usr/bin/python3 with PyTorch
// (as the study's tests do). Started by test/e2e/main.mjs
// (`METACURATE_E2E_SUITES=sweep bash scripts/e2e/run.sh` runs it alone).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  activeTab,
  cli,
  createRunner,
  eventually,
  expect,
  launchBrowser,
  panelFrame,
  ROOT,
  sleep,
  startCodeServer,
  waitForWorkbench,
} from './harness.mjs';

const log = (m) => console.log(`e2e: ${m}`);

const PYTHON = '/usr/bin/python3';
const T_VALUES = [3, 40];
/** The unit trained again while the panel shows the sweep (the last one, seed-major). */
const RETRAINED = 'curated-t40-crop-s2';
/** The tiny sweep's arguments (test/server/experiment/study.test.ts's sweep test). */
const sweepArgs = (out) => [
  'experiment',
  'sweep',
  '--out',
  out,
  '--python',
  PYTHON,
  '--steps',
  '12',
  '--batch-size',
  '32',
  '--pool-size',
  '1600',
  '--texts-per-image',
  '2',
  '--test-per-class',
  '20',
  '--threads',
  '2',
  '--t-values',
  T_VALUES.join(','),
  '--seeds',
  '2',
  '--warmup',
  '1',
  '--progress',
  'none',
];

const fmt = (n) => n.toLocaleString('en-US');
/** summary.json's interval as the view writes it (contracts/src/studySummary.ts formatInterval). */
const interval = (m) =>
  m.halfWidth === null
    ? (100 * m.mean).toFixed(1)
    : `${(100 * m.mean).toFixed(1)} ± ${(100 * m.halfWidth).toFixed(1)}`;

/** The explorer's row of the top-level folder `name`. */
function explorerRow(page, name) {
  return page
    .locator('.explorer-folders-view .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${name}\\s*$`) }) })
    .first();
}

/** "Show Entry Balance" from the explorer's context menu on the folder `name` (again while the menu stays open). */
async function showFolder(page, name) {
  await eventually(
    async () => {
      await page.keyboard.press('Escape');
      await explorerRow(page, name).click({ button: 'right' });
      const menu = page.locator('.monaco-menu').first();
      const item = menu.locator('.action-item', { hasText: 'Show Entry Balance' }).first();
      await item.waitFor({ state: 'visible', timeout: 5_000 });
      // A menu ignores a click in the moment it opens.
      await sleep(500);
      await item.click();
      await menu.waitFor({ state: 'hidden', timeout: 5_000 });
      return true;
    },
    { timeout: 60_000, interval: 2_000, message: `"Show Entry Balance" in the context menu of ${name}` },
  );
}

/** The sweep view's table: per row its t, arm and each cell's text and numbers. */
async function tableRows(frame) {
  return frame.locator('#sweep-table tbody tr').evaluateAll((rows) =>
    rows.map((tr) => {
      const cell = (key) => tr.querySelector(`td[data-column="${key}"]`);
      const of = (key) => ({ text: cell(key)?.textContent ?? null, ...(cell(key)?.dataset ?? {}) });
      return {
        t: tr.dataset.t,
        arm: tr.dataset.arm,
        openable: tr.classList.contains('openable'),
        t_text: of('t').text,
        pairs: of('pairs'),
        timesSeen: of('timesSeen'),
        seeds: of('seeds'),
        top1: of('top1'),
        meanPerClassTop1: of('meanPerClassTop1'),
      };
    }),
  );
}

/** Each row equals summary.json's numbers for its t (what was trained so far). */
async function expectTableOf(frame, summary) {
  const rows = await tableRows(frame);
  expect(rows.length === T_VALUES.length, `${rows.length} rows, expected one per t: ${JSON.stringify(rows)}`);
  rows.forEach((row, i) => {
    const t = T_VALUES[i];
    const curation = summary.curations.find((c) => c.t === t);
    const group = summary.groups.find((g) => g.arm === 'curated' && g.t === t && g.augment === 'crop');
    const where = `row ${i} (t = ${t}): ${JSON.stringify(row)}`;
    expect(row.t === String(t) && row.t_text === String(t), `t: ${where}`);
    expect(row.openable, `not openable: ${where}`);
    expect(row.pairs.value === String(curation.curated_size), `pairs: ${where}`);
    expect(row.pairs.text === fmt(curation.curated_size), `pairs text: ${where}`);
    expect(
      row.seeds.value === String(group?.n ?? 0) && row.seeds.text === `${group?.n ?? 0} of 2`,
      `seeds: ${where}`,
    );
    if (!group) return;
    expect(row.timesSeen.value === String(group.times_seen), `times seen: ${where}`);
    expect(
      row.top1.mean === String(group.top1.mean) && row.top1.text === interval(group.top1),
      `top-1: ${where}`,
    );
    expect(
      row.meanPerClassTop1.mean === String(group.mean_per_class_top1.mean) &&
        row.meanPerClassTop1.text === interval(group.mean_per_class_top1),
      `mean per-class top-1: ${where}`,
    );
  });
  return rows;
}

export async function sweepSuite(vsix) {
  let page;
  const runner = createRunner(() => page, 'sweep');
  const { test, screenshot } = runner;
  /** @type {import('./harness.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('./harness.mjs').Browser | undefined} */
  let browser;
  let ws;
  let sweep;
  const cspViolations = [];
  const readSummary = () => JSON.parse(readFileSync(join(sweep, 'summary.json'), 'utf8'));

  test('a real tiny sweep made by the CLI, in a workspace that opens', async () => {
    server = await startCodeServer({ vsix, log });
    ws = join(server.dir, 'sweep-workspace');
    sweep = join(ws, 'sweep');
    mkdirSync(join(ws, '.vscode'), { recursive: true });
    mkdirSync(join(ws, 'notes'), { recursive: true });
    writeFileSync(join(ws, 'notes', 'README.md'), 'Not a curation, not a sweep.\n');
    writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'metacurate.executor': 'local' }));
    const started = Date.now();
    cli(sweepArgs(sweep), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    const summary = readSummary();
    log(
      `sweep made in ${Math.round((Date.now() - started) / 1000)} s: ${summary.units.done} of ${summary.units.total} units`,
    );
    expect(
      summary.experiment === 'sweep' && summary.units.done === 4,
      `summary: ${JSON.stringify(summary.units)}`,
    );
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy|Refused to/.test(text) && /nonce-|webview\.js/.test(text))
        cspViolations.push(text);
    });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await waitForWorkbench(page);
    // The extension's view in the explorer: its contributions (the context menu too) are loaded.
    await page
      .locator('.pane-header', { hasText: 'Metacurate Runs' })
      .first()
      .waitFor({ state: 'visible', timeout: 90_000 });
    await explorerRow(page, 'sweep').waitFor({ timeout: 30_000 });
  });

  test('"Show Entry Balance" on the sweep folder opens the Threshold sweep view: a row per t with summary.json\'s numbers', async () => {
    await showFolder(page, 'sweep');
    await activeTab(page, 'Entry Balance', 30_000);
    const frame = panelFrame(page);
    await frame.locator('body[data-ready="true"][data-view="sweep"]').waitFor({ timeout: 60_000 });
    const summary = readSummary();
    const rows = await expectTableOf(frame, summary);
    log(`sweep view: ${rows.map((r) => `t=${r.t}: ${r.pairs.text} pairs, top-1 ${r.top1.text}`).join('; ')}`);
    const trace = Object.fromEntries(
      await frame
        .locator('#sweep-trace dd')
        .evaluateAll((dds) => dds.map((d) => [d.dataset.trace, { text: d.textContent, title: d.title }])),
    );
    log(`trace: ${JSON.stringify(trace)}`);
    expect(trace.folder.text === sweep, `folder: ${trace.folder.text}`);
    expect(
      trace.pool.text === `${fmt(summary.pool.size)} pairs (${fmt(summary.pool.matched)} matched)`,
      `pool: ${trace.pool.text}`,
    );
    const curationSha = JSON.parse(readFileSync(join(sweep, 'curations', 't3', 'summary.json'), 'utf8'))
      .metadata.sha256;
    expect(
      trace.metadata.title === summary.pool.metadata_sha256 && trace.metadata.title === curationSha,
      `metadata: ${trace.metadata.title}, summary ${summary.pool.metadata_sha256}, curation ${curationSha}`,
    );
    expect(trace.budget.text === '12 steps × 32 pairs = 384 samples a unit', `budget: ${trace.budget.text}`);
    expect(trace.seeds.text === '1–2', `seeds: ${trace.seeds.text}`);
    const progress = frame.locator('#sweep-progress');
    expect((await progress.innerText()) === 'All 4 units done.', `progress: ${await progress.innerText()}`);
    const status = await frame.locator('#status').innerText();
    expect(status.includes(sweep) && status.includes('4 of 4 units'), `status: ${status}`);
    expect(cspViolations.length === 0, `CSP violations in the panel:\n${cspViolations.join('\n')}`);
    await screenshot('sweep-view');
  });

  test('both charts are drawn against t: their canvases hold a picture, a point per t, where balancing stops said', async () => {
    const frame = panelFrame(page);
    const summary = readSummary();
    for (const id of ['chart-sweep-accuracy', 'chart-sweep-size']) {
      const host = frame.locator(`#${id}`);
      const points = await host.getAttribute('data-points');
      const painted = await host
        .locator('canvas')
        .first()
        .evaluate((canvas) => {
          const { width, height } = canvas;
          if (!width || !height) return 0;
          const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
          let n = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) n++;
          return n;
        });
      log(`${id}: ${points} points, ${painted} painted pixels`);
      expect(points === String(T_VALUES.length), `${id}: ${points} points`);
      expect(painted > 2_000, `${id}: the canvas is (nearly) empty: ${painted} painted pixels`);
    }
    const legend = await frame.locator('#chart-sweep-accuracy .u-legend').innerText();
    expect(/top-1/.test(legend) && /mean per-class top-1/.test(legend), `legend: ${legend}`);
    const note = await frame.locator('#sweep-charts .card-note').first().innerText();
    expect(note.includes(`t ≥ ${summary.pool.largest_entry_count} balances nothing`), `note: ${note}`);
  });

  test('a unit trained again by the CLI fills the view in as summary.json changes (3 of 4 units, then 4 of 4)', async () => {
    const frame = panelFrame(page);
    rmSync(join(sweep, 'units', RETRAINED), { recursive: true, force: true });
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...sweepArgs(sweep)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually(
        async () => (await frame.locator('#sweep-progress').getAttribute('data-done')) === '3',
        {
          timeout: 120_000,
          message: 'the progress line at 3 of 4 units',
        },
      );
      const progress = await frame.locator('#sweep-progress').innerText();
      log(`while the unit trains: ${progress}`);
      expect(/^Units done: 3\/4\./.test(progress), `progress: ${progress}`);
      const partial = await expectTableOf(frame, readSummary());
      expect(partial[1].seeds.text === '1 of 2', `t = 40 while training: ${JSON.stringify(partial[1])}`);
      await screenshot('sweep-running');
      const code = await exited;
      expect(code === 0, `the sweep exited with ${code}: ${stderr.slice(-2000)}`);
      await eventually(
        async () => (await frame.locator('#sweep-progress').getAttribute('data-done')) === '4',
        {
          timeout: 30_000,
          message: 'the progress line at 4 of 4 units',
        },
      );
      await expectTableOf(frame, readSummary());
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  });

  test('after a window reload the panel shows the sweep again', async () => {
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    const tab = page.locator('.tabs-container .tab', { hasText: 'Entry Balance' }).first();
    await tab.waitFor({ timeout: 60_000 });
    await tab.click();
    await activeTab(page, 'Entry Balance', 30_000);
    const frame = panelFrame(page);
    await frame.locator('body[data-ready="true"][data-view="sweep"]').waitFor({ timeout: 60_000 });
    await expectTableOf(frame, readSummary());
    const folder = await frame.locator('#sweep-trace dd[data-trace="folder"]').innerText();
    expect(folder === sweep, `after the reload: ${folder}`);
  });

  test("a t's row opens its curation in the balance view, at that t", async () => {
    const frame = panelFrame(page);
    const t = T_VALUES[0];
    const curation = readSummary().curations.find((c) => c.t === t);
    await frame.locator(`#sweep-table tbody tr[data-t="${t}"] vscode-button`).click();
    await frame.locator('body[data-ready="true"][data-view="balance"]').waitFor({ timeout: 60_000 });
    const status = await frame.locator('#status').innerText();
    const tInput = await frame.locator('#t-input').evaluate((el) => el.value);
    const shownT = await frame.locator('#expected-size').getAttribute('data-t');
    log(`t = ${t}: ${status}; t control ${tInput}`);
    const selected = await frame.locator('#source-select').evaluate((el) => el.value);
    expect(selected === `curation:${join(sweep, 'curations', `t${t}`)}`, `the selector shows ${selected}`);
    expect(status.includes(`Curation t${t} (t = ${t})`), `status: ${status}`);
    expect(status.includes(`kept ${fmt(curation.curated_size)} at t = ${t}`), `status: ${status}`);
    expect(Number(tInput) === t && Number(shownT) === t, `t shown: input ${tInput}, figures at ${shownT}`);
    await screenshot('sweep-curation');
  });

  test('a folder that is neither a sweep nor a curation: an error naming it', async () => {
    await showFolder(page, 'notes');
    const frame = panelFrame(page);
    await frame.locator('body[data-ready="error"]').waitFor({ timeout: 60_000 });
    const status = await frame.locator('#status.error').innerText();
    log(`notes: ${status}`);
    expect(
      status.includes(join(ws, 'notes')) && /holds no finished curation/.test(status),
      `status: ${status}`,
    );
  });

  let result;
  try {
    result = await runner.run();
  } finally {
    if (server) server.saveLogs('sweep');
    if (browser) await browser.close().catch(() => undefined);
    if (server) {
      await server.stop();
      server.cleanup();
    }
  }
  return result;
}
