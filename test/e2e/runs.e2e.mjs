// Training runs in the real VS Code (code-server + headless Chromium): on the miniature
// experiment's tiny curation (`experiment mini --data-only`), start a built-in run from the command
// palette, watch it in the Runs view until it succeeds, and see the per-class zero-shot accuracy
// appear inline next to the class entries of the metadata file (checked against the run's own
// results through the CLI). Then a second, shorter run, the first as baseline (changes in points
// inline), the comparison side by side, the accuracy over the balance panel's entry chart, a
// cancelled run, the log, and a text-only curation refused with its reason. Started by
// test/e2e/main.mjs (`bash scripts/e2e/run.sh`).
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  activeTab,
  activeEditorText,
  createRunner,
  eventually,
  expect,
  launchBrowser,
  pickRow,
  runCommand,
  sleep,
  openFile,
  startCodeServer,
  cli,
} from './harness.mjs';

const log = (m) => console.log(`e2e: ${m}`);
const CLASSES = [
  't-shirt',
  'trousers',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle boot',
];
const SETTINGS = {
  'metacurate.executor': 'local',
  'metacurate.training.zeroshotData': 'mini/test',
  'metacurate.training.classnames': 'mini/classnames.txt',
  'metacurate.training.promptTemplates': 'mini/templates.txt',
  'metacurate.training.zeroshotName': 'fashion-mnist',
  'metacurate.training.steps': 30,
  'metacurate.training.batchSize': 32,
  'metacurate.training.seed': 4,
};
const RUN_ID = /^\d{8}-\d{6}-builtin(-\d+)?$/;

function writeRunsWorkspace(dir) {
  const ws = join(dir, 'runs-workspace');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  cli(
    [
      'experiment',
      'mini',
      '--out',
      join(ws, 'mini'),
      '--data-only',
      '--pool-size',
      '800',
      '--test-per-class',
      '10',
      '--t',
      '20',
      '--progress',
      'none',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return ws;
}

/** The runs as the CLI reads them, newest first. */
function runsOf(ws) {
  return JSON.parse(cli(['run', 'list', '--json', '--workspace', ws]));
}

async function toast(page, text, timeout) {
  const t = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await t.waitFor({ state: 'visible', timeout });
  return t;
}

async function quickTitle(page, pattern) {
  const widget = page.locator('.quick-input-widget');
  await eventually(async () => pattern.test(await widget.locator('.quick-input-title').innerText()), {
    timeout: 10_000,
    message: `a quick input titled ${pattern}`,
  });
  return widget;
}

/** Answers the input box in front, checking what it was prefilled with. */
async function answerInput(page, value, expectPrefilled) {
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  if (expectPrefilled !== undefined) {
    const had = await eventually(async () => (await input.inputValue()) || null, {
      timeout: 5_000,
      message: 'a prefilled input box',
    });
    expect(had === expectPrefilled, `prefilled with ${JSON.stringify(had)}, expected ${expectPrefilled}`);
  }
  if (value !== undefined) await input.fill(value);
  await sleep(200);
  await input.press('Enter');
  await sleep(400);
}

/** The palette, after taking the keyboard focus back to the workbench. */
async function command(page, label) {
  await page.locator('.part.sidebar .title-label').first().click();
  await runCommand(page, label);
}

/** The Runs view in the explorer, expanded. */
async function runsView(page) {
  const header = page.locator('.pane-header', { hasText: 'Metacurate Runs' }).first();
  await header.waitFor({ state: 'visible', timeout: 30_000 });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  return page.locator('.pane', { has: header }).first();
}

/** The text of the Runs view's row of run `id` (label and description). */
async function runRow(page, id) {
  const view = await runsView(page);
  const row = view.locator('.monaco-list-row', { hasText: id }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  return (await row.innerText()).replace(/\s+/g, ' ').trim();
}

/** Starts a built-in run through the palette with `steps`; returns its id (the new run). */
async function startBuiltinRun(page, ws, steps) {
  const before = new Set(runsOf(ws).map((r) => r.id));
  await command(page, 'Metacurate: Start Training Run…');
  const widget = await quickTitle(page, /Start Training Run: job$/);
  await pickRow(widget, 'Built-in trainer');
  await quickTitle(page, /steps$/);
  await answerInput(page, String(steps), String(SETTINGS['metacurate.training.steps']));
  return eventually(() => runsOf(ws).find((r) => !before.has(r.id))?.id ?? null, {
    timeout: 30_000,
    message: 'the new run folder',
  });
}

async function waitForStatus(page, ws, id, status, timeout = 180_000) {
  await eventually(async () => (await runRow(page, id)).includes(status), {
    timeout,
    interval: 500,
    message: `run ${id} ${status} in the Runs view`,
  });
  const run = runsOf(ws).find((r) => r.id === id);
  expect(run?.status === status, `the CLI reads run ${id} as ${run?.status}`);
  return run;
}

const pct = (v) => `${(100 * v).toFixed(1)}%`;
function delta(now, base) {
  const d = 100 * (now - base);
  const abs = Math.abs(d).toFixed(1);
  return abs === '0.0' ? '±0.0' : d > 0 ? `+${abs}` : `−${abs}`;
}
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function runsSuite(vsix) {
  let page;
  const runner = createRunner(() => page, 'runs');
  const { test, screenshot } = runner;
  /** @type {import('./harness.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('./harness.mjs').Browser | undefined} */
  let browser;
  let ws;
  let first;
  let second;

  test('a built-in run starts from the command palette and shows in the Runs view', async () => {
    server = await startCodeServer({ vsix, log });
    ws = writeRunsWorkspace(server.dir);
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    // The extension runs once its status-bar item counts the metadata (mini/metadata.json).
    await page
      .locator('.statusbar-item', { hasText: /\d+ entries/ })
      .first()
      .waitFor({ timeout: 60_000 });
    const view = await runsView(page);
    await view
      .locator('.welcome-view-content', { hasText: 'No training runs yet' })
      .first()
      .waitFor({ timeout: 15_000 });
    first = await startBuiltinRun(page, ws, 30);
    expect(RUN_ID.test(first), `run id ${first}`);
    const row = await runRow(page, first);
    log(`Runs view: ${row}`);
    expect(/queued|running|succeeded/.test(row), `row: ${row}`);
    await screenshot('run-started');
  });

  test('the run succeeds in the Runs view, with its zero-shot top-1', async () => {
    const run = await waitForStatus(page, ws, first, 'succeeded');
    const row = await runRow(page, first);
    log(`Runs view: ${row}`);
    expect(row.includes(`top-1 ${pct(run.top1)}`), `row ${row} lacks top-1 ${pct(run.top1)}`);
    const done = await toast(page, `run ${first} succeeded`, 30_000);
    expect(
      /zero-shot fashion-mnist top-1 \d+\.\d%/.test(await done.innerText()),
      'the toast names the top-1',
    );
    await screenshot('run-succeeded');
  });

  test('per-class zero-shot accuracy appears inline next to the class entries', async () => {
    const run = runsOf(ws).find((r) => r.id === first);
    await openFile(page, 'mini/metadata.json');
    await eventually(
      async () => {
        const text = await activeEditorText(page);
        return CLASSES.every((c) =>
          new RegExp(`"${escape(c)}"[^\\n]*zero-shot ${escape(pct(run.perClass[c]))}(?! \\()`).test(text),
        );
      },
      { timeout: 30_000, message: 'every class entry with its accuracy inline' },
    );
    const text = await activeEditorText(page);
    expect(!/"tee"[^\n]*zero-shot/.test(text), 'an entry that is no class name has no accuracy');
    log(`inline: ${text.split('\n').find((l) => l.includes('"trousers"'))}`);
    await screenshot('accuracy-inline');
  });

  test('a second run against the first as baseline shows the change in points', async () => {
    second = await startBuiltinRun(page, ws, 12);
    await waitForStatus(page, ws, second, 'succeeded');
    await command(page, 'Metacurate: Set as Baseline Run');
    const widget = await quickTitle(page, /.*/);
    await pickRow(widget, first);
    const runs = runsOf(ws);
    const a = runs.find((r) => r.id === first);
    const b = runs.find((r) => r.id === second);
    await openFile(page, 'mini/metadata.json');
    await eventually(
      async () => {
        const text = await activeEditorText(page);
        return CLASSES.every((c) =>
          text.includes(`zero-shot ${pct(b.perClass[c])} (${delta(b.perClass[c], a.perClass[c])})`),
        );
      },
      { timeout: 30_000, message: 'the second run inline, with changes against the first' },
    );
    expect((await runRow(page, first)).includes('[baseline]'), 'the baseline is marked in the Runs view');
    expect((await runRow(page, second)).includes('[inline]'), 'the shown run is marked in the Runs view');
    await screenshot('accuracy-against-baseline');
  });

  test('two runs compare side by side', async () => {
    await command(page, 'Metacurate: Compare Runs');
    const widget = await quickTitle(page, /.*/);
    // The baseline is picked already; add the other run.
    await widget.locator('.monaco-list-row', { hasText: second }).first().click();
    await widget.locator('input.input').press('Enter');
    await activeTab(page, 'compare-2-runs.md', 15_000);
    const text = await eventually(
      async () => {
        const shown = await activeEditorText(page);
        return shown.includes('| top-1 |') ? shown : null;
      },
      { timeout: 15_000, message: 'the comparison table in the active editor' },
    );
    const expected = cli(['run', 'compare', first, second, '--markdown', '--workspace', ws]);
    for (const label of [
      '| t |',
      '| pool |',
      '| curated |',
      '| steps |',
      '| top-1 |',
      '| top-5 |',
      '| mean per-class top-1 |',
    ]) {
      const line = expected.split('\n').find((l) => l.startsWith(label));
      expect(line && text.includes(line), `the comparison lacks ${line ?? label}:\n${text}`);
    }
    expect(text.includes(first) && text.includes(second), 'both runs are compared');
    await screenshot('runs-compared');
  });

  test('the balance panel draws the accuracy over the entry chart', async () => {
    await command(page, 'Metacurate: Show Entry Balance');
    await activeTab(page, 'Entry Balance', 30_000);
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await frame.locator('body[data-ready="true"]').waitFor({ timeout: 60_000 });
    const toggle = frame.locator('#show-accuracy');
    await toggle.waitFor({ state: 'visible', timeout: 30_000 });
    // The run shown inline is the second; the first is the baseline (hollow points).
    const panelText = await eventually(
      async () => {
        const t = await frame.locator('body').innerText();
        return t.includes(`zero-shot top-1, run ${second}`) ? t : null;
      },
      { timeout: 15_000, message: `the chart legend naming run ${second}` },
    );
    expect(panelText.includes(`baseline, run ${first}`), 'the legend names the baseline run');
    expect(/at the 10 entries naming a class/.test(panelText), 'the 10 class entries carry points');
    await screenshot('balance-with-accuracy');
  });

  test('a long run is cancelled from the palette', async () => {
    const id = await startBuiltinRun(page, ws, 100000);
    await waitForStatus(page, ws, id, 'running', 60_000);
    await command(page, 'Metacurate: Cancel Run');
    const widget = await quickTitle(page, /.*/);
    await pickRow(widget, id);
    await waitForStatus(page, ws, id, 'cancelled', 60_000);
  });

  test('the log of a run opens in an editor', async () => {
    // The cancelled run's notifications can close the first quick pick while it opens: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await command(page, 'Metacurate: Open Run Log');
        await pickRow(await quickTitle(page, /.*/), first);
        break;
      } catch (err) {
        if (attempt === 3) throw err;
        await page.keyboard.press('Escape');
      }
    }
    await activeTab(page, 'job.log', 15_000);
    await eventually(async () => /\[trainer\] step 30\/30/.test(await activeEditorText(page)) || null, {
      timeout: 10_000,
      message: 'the trainer lines in job.log',
    });
  });

  test('a text-only curation is listed with its reason and refused before any run folder', async () => {
    // The demo's kind of curation: JSONL captions, no images.
    const demo = join(ws, 'demo-curated');
    mkdirSync(demo, { recursive: true });
    writeFileSync(join(demo, 'pool.jsonl'), '{"text": "a dog on a beach"}\n');
    writeFileSync(
      join(demo, 'summary.json'),
      JSON.stringify({ t: 2000, kept: 1, pool: { records: 1 }, outputs: [{ output: 'pool.jsonl' }] }),
    );
    const before = runsOf(ws).length;
    await command(page, 'Metacurate: Start Training Run…');
    const widget = await quickTitle(page, /Start Training Run: curation$/);
    const row = widget.locator('.monaco-list-row', { hasText: 'demo-curated' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    const rowText = (await row.innerText()).replace(/\s+/g, ' ');
    expect(rowText.includes('text only: the trainer needs images'), `row ${rowText} lacks its reason`);
    await screenshot('text-only-curation-listed');
    await pickRow(widget, 'demo-curated');
    const refusal = await toast(page, 'cannot train on demo-curated', 15_000);
    expect(
      /text only: the trainer needs images \(its outputs \(pool\.jsonl\) are \.jsonl files/.test(
        await refusal.innerText(),
      ),
      'the refusal says why',
    );
    await screenshot('text-only-curation-refused');
    expect(runsOf(ws).length === before, 'no run folder was made');
  });

  try {
    return await runner.run();
  } finally {
    if (browser) await browser.close().catch(() => undefined);
    if (server) await server.stop();
  }
}
