// The workspace model in the real VS Code (code-server + headless Chromium): two metadata lists in
// one workspace, each curated by the CLI (the first twice), and a training run on the second's
// curation. Each list shows only its own curation's counts and t and its own run's zero-shot
// results (hovers, inlay hints, the status bar's curation item); the curation shown is chosen from
// the status bar and remembered across a window reload; the balance panel's source and accuracy overlay follow the active curation; the
// sample counts cover the pool only, never the curation outputs. Started by test/e2e/main.mjs
// (`METACURATE_E2E_SUITES=workspace-model bash scripts/e2e/run.sh` runs it alone).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  entryHover,
  panelFrame,
  activeEditorText,
  activeTab,
  cli,
  createRunner,
  eventually,
  expect,
  launchBrowser,
  openFile,
  pickRow,
  runCommand,
  sleep,
  startCodeServer,
} from './harness.mjs';

const log = (m) => console.log(`e2e: ${m}`);

const ANIMALS = ['dog', 'cat', 'bird', 'horse'];
const FASHION = ['dress', 'shirt', 'coat'];
/** The pool: 200 captions (the only sample file once the curations' outputs are left out). */
/** @type {Array<[string, number]>} */
const POOL = [
  ['a dog on the grass', 60],
  ['a cat and a dog', 30],
  ['a woman in a red dress', 50],
  ['a dress and a shirt', 20],
  ['a horse', 10],
  ['nothing to see', 30],
];
const POOL_RECORDS = 200;
const RUN_ID = '20261201-000000-builtin';
/** The run's per-class results: "dog" too, which the animals list must never show. */
const PER_CLASS = { dress: 0.9, shirt: 0.4, coat: 0.1, dog: 0.55 };
// metacurate.t is not any curation's t: a list with a curation shows the curation's.
const SETTINGS = { 'metacurate.t': 20000, 'metacurate.executor': 'local' };

const listText = (entries) => `[\n${entries.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`;
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function curate(ws, list, out, t) {
  cli(
    [
      'curate',
      '--metadata',
      join(ws, 'lists', list),
      '--input',
      join(ws, 'pool', 'pool.jsonl'),
      '--text-field',
      'caption',
      '--t',
      String(t),
      '--seed',
      '1',
      '--out',
      join(ws, out),
      '--progress',
      'none',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

export function writeModelWorkspace(dir) {
  const ws = join(dir, 'model-workspace');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  mkdirSync(join(ws, 'lists'), { recursive: true });
  mkdirSync(join(ws, 'pool'), { recursive: true });
  writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  writeFileSync(join(ws, 'lists', 'animals.metadata.json'), listText(ANIMALS));
  writeFileSync(join(ws, 'lists', 'fashion.metadata.json'), listText(FASHION));
  const lines = POOL.flatMap(([caption, n]) => Array.from({ length: n }, () => JSON.stringify({ caption })));
  writeFileSync(join(ws, 'pool', 'pool.jsonl'), lines.join('\n') + '\n');
  // The older animals curation first: the newest (t = 20) is the default.
  curate(ws, 'animals.metadata.json', 'animals-t5', 5);
  curate(ws, 'animals.metadata.json', 'animals-curated', 20);
  curate(ws, 'fashion.metadata.json', 'fashion-curated', 7);
  // A finished training run on the fashion curation, as `metacurate run` leaves it.
  const runDir = join(ws, '.metacurate', 'runs', RUN_ID);
  mkdirSync(join(runDir, 'out'), { recursive: true });
  writeFileSync(
    join(runDir, 'run.json'),
    JSON.stringify({
      version: 1,
      id: RUN_ID,
      createdAt: '2026-12-01T00:00:00.000Z',
      kind: 'builtin',
      executor: 'local',
      curation: {
        dir: join(ws, 'fashion-curated'),
        t: 7,
        metadata: join(ws, 'lists', 'fashion.metadata.json'),
        metadataSha256: sha256(listText(FASHION)),
      },
      trainData: [],
      datasetType: 'csv',
      batchSize: 32,
      seed: 1,
      python: 'python3',
      zeroshot: { data: 'test', name: 'fashion' },
      command: ['true'],
      env: {},
      cwd: ws,
      results: 'out/results.jsonl',
    }),
  );
  writeFileSync(
    join(runDir, 'state.json'),
    JSON.stringify({
      status: 'succeeded',
      startedAt: '2026-12-01T00:00:00.000Z',
      endedAt: '2026-12-01T00:01:00.000Z',
      exitCode: 0,
      updatedAt: '2026-12-01T00:01:00.000Z',
    }),
  );
  writeFileSync(
    join(runDir, 'out', 'results.jsonl'),
    JSON.stringify({
      step: 30,
      'fashion-zeroshot-val-top1': 0.6,
      'fashion-zeroshot-val-per-class-top1': PER_CLASS,
    }) + '\n',
  );
  return ws;
}

/** Kept records per entry id of a curation (its summary.json `entries[].kept`), and its kept records. */
function keptOf(ws, folder) {
  const summary = JSON.parse(readFileSync(join(ws, folder, 'summary.json'), 'utf8'));
  const byId = new Map(summary.entries.map((e) => [e.id, e.kept]));
  return { byId: (id) => byId.get(id) ?? 0, kept: summary.kept };
}

/** Per-entry counts of a curation, as the CLI wrote them. */
const countsOf = (ws, folder) => JSON.parse(readFileSync(join(ws, folder, 'counts.json'), 'utf8'));
const fmt = (n) => n.toLocaleString('en-US');

/** The palette, after taking the keyboard focus back to the workbench. */
async function command(page, label) {
  await page.locator('.part.sidebar .title-label').first().click();
  await runCommand(page, label);
}

/** The text of the status bar's curation item once it says `pattern`. */
async function curationItem(page, pattern) {
  const item = page.locator('.statusbar-item', { hasText: /Curation:|No curation/ }).first();
  return eventually(
    async () => {
      const text = await item.innerText({ timeout: 1_000 });
      return pattern.test(text) ? text : null;
    },
    { timeout: 30_000, message: `the curation item saying ${pattern}` },
  );
}

/** The panel's source (`curation:<folder>` or `samples`) and its text, once `check` holds. */
async function panelShows(page, check, message) {
  const frame = panelFrame(page);
  return eventually(
    async () => {
      const source = await frame
        .locator('#source-select')
        .evaluate((el) => el.value, undefined, { timeout: 2_000 });
      const text = await frame.locator('body[data-ready="true"]').innerText({ timeout: 2_000 });
      return check(source, text) ? { source, text } : null;
    },
    { timeout: 60_000, message },
  );
}

export async function workspaceModelSuite(vsix) {
  let page;
  const runner = createRunner(() => page, 'model');
  const { test, screenshot } = runner;
  /** @type {import('./harness.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('./harness.mjs').Browser | undefined} */
  let browser;
  let ws;

  test('a workspace with two metadata lists, their curations and a run opens', async () => {
    server = await startCodeServer({ vsix, log });
    ws = writeModelWorkspace(server.dir);
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    // The default list is animals.metadata.json (the first by name): 4 entries.
    await page
      .locator('.statusbar-item', { hasText: /4 entries/ })
      .first()
      .waitFor({ timeout: 60_000 });
    const text = await curationItem(page, /Curation: t=20 · animals-curated/);
    log(`status bar: ${text}`);
    await screenshot('opened');
  });

  test("the first list's hover shows its own newest curation, its t, and samples without curation outputs", async () => {
    await openFile(page, 'lists/animals.metadata.json');
    const dog = countsOf(ws, 'animals-curated').dog;
    const text = await entryHover(page, 'dog', /Curation: /);
    log(`hover: ${text}`);
    expect(
      text.includes(`Curation: ${fmt(dog)} (animals-curated, t = 20)`),
      `the hover lacks the animals curation's count ${dog} at t = 20: ${text}`,
    );
    expect(text.includes('Keep probability at t = 20:'), `keep probability not at the curation's t: ${text}`);
    expect(
      text.includes(`Sample matches: 90 of ${POOL_RECORDS} records in 1 sample file: pool/pool.jsonl`),
      `the sample count is not the pool's alone: ${text}`,
    );
    expect(!/fashion-curated|animals-t5|Zero-shot/.test(text), `another curation's figures: ${text}`);
    await screenshot('animals-hover');
  });

  test("the second list shows its own curation, its t and its run's zero-shot results", async () => {
    await command(page, 'Metacurate: Show Per-Class Results Inline');
    await pickRow(page.locator('.quick-input-widget'), RUN_ID);
    await openFile(page, 'lists/fashion.metadata.json');
    await command(page, 'Metacurate: Use as Metadata');
    await curationItem(page, /Curation: t=7 · fashion-curated/);
    const dress = countsOf(ws, 'fashion-curated').dress;
    const text = await entryHover(page, 'dress', /Zero-shot/);
    log(`hover: ${text}`);
    expect(
      text.includes(`Curation: ${fmt(dress)} (fashion-curated, t = 7)`),
      `the hover lacks the fashion curation's count ${dress} at t = 7: ${text}`,
    );
    expect(text.includes('Keep probability at t = 7:'), `keep probability not at t = 7: ${text}`);
    expect(text.includes(`run ${RUN_ID}): 90.0%`), `the run's accuracy of "dress" is missing: ${text}`);
    expect(!/animals-curated/.test(text), `the animals curation shows on the fashion list: ${text}`);
    const hints = await eventually(
      async () => {
        const t = await activeEditorText(page);
        return t.includes('zero-shot 90.0%') ? t : null;
      },
      { timeout: 30_000, message: 'the zero-shot inlay hint of "dress"' },
    );
    expect(hints.includes(`${fmt(dress)} · p`), `the inlay hint lacks the curation's count: ${hints}`);
    await screenshot('fashion-hover');
  });

  test("the balance panel shows the active curation with its run's accuracy", async () => {
    await command(page, 'Metacurate: Show Entry Balance');
    await activeTab(page, 'Entry Balance', 30_000);
    const shown = await panelShows(
      page,
      (source, text) => source.endsWith('fashion-curated') && text.includes(`zero-shot top-1, run ${RUN_ID}`),
      'the fashion curation with the run over it',
    );
    expect(!/\bhorse\b/.test(shown.text), 'the panel lists an animals entry');
    await screenshot('panel-fashion');
  });

  test('back on the first list: its curation, no run results, and the panel follows', async () => {
    await openFile(page, 'lists/animals.metadata.json');
    await command(page, 'Metacurate: Use as Metadata');
    await curationItem(page, /Curation: t=20 · animals-curated/);
    const text = await entryHover(page, 'dog', /Curation: /);
    expect(!/Zero-shot|fashion-curated/.test(text), `the fashion run shows on the animals list: ${text}`);
    const dog = countsOf(ws, 'animals-curated').dog;
    // The hints of the list come in one pass: with the count's hint there, a zero-shot one would be too.
    const editor = await eventually(
      async () => {
        const t = await activeEditorText(page);
        return t.includes(`${fmt(dog)} · p`) ? t : null;
      },
      { timeout: 30_000, message: `the count hint of "dog" (${dog})` },
    );
    expect(!editor.includes('zero-shot'), `a zero-shot hint on the animals list: ${editor}`);
    await command(page, 'Metacurate: Show Entry Balance');
    await activeTab(page, 'Entry Balance', 30_000);
    const shown = await panelShows(
      page,
      (source, text) => source.endsWith('animals-curated') && /\bhorse\b/.test(text),
      'the animals curation in the panel',
    );
    expect(
      !shown.text.includes('zero-shot top-1, run'),
      'the fashion run is drawn over the animals curation',
    );
    await screenshot('panel-animals');
  });

  test('"Compare with…" another curation of the list: its kept side by side and the difference', async () => {
    const frame = panelFrame(page);
    const select = frame.locator('#compare-select');
    await select.click();
    const options = (await frame.locator('#compare-select li.option').allInnerTexts()).join('\n');
    expect(
      options.includes('animals-t5') && !options.includes('fashion') && !options.includes('animals-curated'),
      `"Compare with…" offers other curations than the list's others: ${options}`,
    );
    await frame.locator('#compare-select li.option', { hasText: 'animals-t5' }).first().click();
    await frame.locator('#compare-card:not([hidden])').waitFor({ timeout: 30_000 });
    const shown = keptOf(ws, 'animals-curated');
    const other = keptOf(ws, 'animals-t5');
    const figure = (key, side) =>
      frame.locator(`#compare-card tr[data-figure="${key}"] td[data-side="${side}"]`).innerText();
    expect(
      (await figure('kept', 'base')) === fmt(shown.kept),
      `this curation's kept: ${await figure('kept', 'base')}`,
    );
    expect(
      (await figure('kept', 'other')) === fmt(other.kept),
      `the other's kept: ${await figure('kept', 'other')}`,
    );
    expect((await figure('t', 'other')) === '5', `the other's t: ${await figure('t', 'other')}`);
    // Every row's Δ kept (the 10th cell) is the other's kept minus this one's, from the summaries.
    const rows = await eventually(
      async () => {
        const cells = await frame
          .locator('.row[data-id]:not([hidden])')
          .evaluateAll((els) => els.map((el) => [Number(el.dataset.id), el.children[9]?.textContent ?? '']));
        return cells.length === ANIMALS.length && cells.every(([, d]) => d !== '') ? cells : null;
      },
      { timeout: 30_000, message: 'the Δ kept column of every entry' },
    );
    for (const [id, text] of rows) {
      const delta = Number(text.replace('−', '-').replace(/[+,]/g, ''));
      const expected = other.byId(id) - shown.byId(id);
      expect(delta === expected, `Δ kept of ${ANIMALS[id]}: ${text}, the summaries say ${expected}`);
    }
    expect(
      rows.some(([id]) => other.byId(id) !== shown.byId(id)),
      'the two curations keep the same per entry',
    );
    await frame.locator('button[data-sort="deltaKept"]').click();
    await screenshot('panel-compare-table');
    await frame.locator('#compare-card').scrollIntoViewIfNeeded();
    await screenshot('panel-compare');
  });

  test('another curation of the list is chosen from the status bar, and its t is used', async () => {
    await openFile(page, 'lists/animals.metadata.json');
    await page
      .locator('.statusbar-item', { hasText: /Curation:/ })
      .first()
      .click();
    const widget = page.locator('.quick-input-widget');
    await widget.waitFor({ state: 'visible', timeout: 10_000 });
    await widget.locator('.monaco-list-row', { hasText: 'animals-t5' }).first().waitFor({ timeout: 10_000 });
    const rows = (await widget.locator('.monaco-list-row').allInnerTexts()).join('\n');
    expect(
      rows.includes('animals-curated') && rows.includes('animals-t5') && !rows.includes('fashion'),
      `the pick offers other curations than the list's: ${rows}`,
    );
    await pickRow(widget, 'animals-t5');
    await curationItem(page, /Curation: t=5 · animals-t5/);
    const dog = countsOf(ws, 'animals-t5').dog;
    const text = await entryHover(page, 'dog', /animals-t5/);
    expect(
      text.includes(`Curation: ${fmt(dog)} (animals-t5, t = 5)`) &&
        text.includes('Keep probability at t = 5:'),
      `the chosen curation's count and t are not shown: ${text}`,
    );
    await screenshot('chosen-curation');
  });

  test('the chosen curation is remembered by the workspace across a window reload', async () => {
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    const text = await curationItem(page, /Curation: t=5 · animals-t5/);
    log(`after a reload: ${text}`);
    await screenshot('reloaded');
  });

  try {
    return await runner.run();
  } finally {
    await sleep(100);
    server?.saveLogs('workspace-model');
    if (browser) await browser.close().catch(() => undefined);
    if (server) await server.stop();
  }
}
