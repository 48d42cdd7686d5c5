// The entry-balance panel and "Curate Pool…" in the real VS Code (code-server + headless Chromium):
// open the panel from the command palette, read the expected size inside the webview and check it
// against the engine (the CLI's `stats` over a curation of the same samples), move t (number input
// and slider) and check again, reveal an entry from the table, take screenshots in the dark and
// light themes, then curate a generated pool through the quick picks and compare the outputs with
// the CLI's for the same arguments, show the run in the panel, switch its source selector to the
// samples and back (figures checked against the engine each time), follow a high-contrast theme
// set in the settings, and run the curation again (it resumes).
// Started by test/e2e/main.mjs (`bash scripts/e2e/run.sh`).
/* global document, getComputedStyle */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  panelFrame,
  activeTab,
  createRunner,
  cursorPosition,
  eventually,
  expect,
  launchBrowser,
  pickRow,
  runCommand,
  sleep,
  openFile,
  startCodeServer,
  cli,
  activeEditorText,
} from './harness.mjs';

const log = (m) => console.log(`e2e: ${m}`);

const METADATA = [
  'dog',
  'cat',
  'golden retriever',
  'red car',
  'sunset',
  'beach',
  'mountain lake',
  'city skyline',
  'coffee',
  'bicycle',
  'snow',
  'forest',
];
const SETTINGS = {
  'metacurate.samplesFolder': 'samples',
  'metacurate.t': 40,
  'metacurate.seed': 7,
  // CI has Debian's slurm-client, so `sbatch` is on the PATH: these curations run locally.
  'metacurate.executor': 'local',
  'metacurate.workers': 2,
};
/** The t typed into the panel; the curation then defaults to it. */
const T_TYPED = 25;
/** Records of the pool whose curation is cancelled and resumed. */
const BIG_POOL = 1_600_000;

/** A workspace: metadata, 600 sample captions (the panel's counts) and a 4,000-record pool in 2 files. */
function writeBalanceWorkspace(dir) {
  const ws = join(dir, 'balance-workspace');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(
    join(ws, 'metadata.json'),
    `[\n${METADATA.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`,
  );
  writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  const meta = join(ws, 'metadata.json');
  cli([
    'generate-pool',
    '--metadata',
    meta,
    '--records',
    '600',
    '--seed',
    '3',
    '--out',
    join(ws, 'samples', 'captions.jsonl'),
  ]);
  cli([
    'generate-pool',
    '--metadata',
    meta,
    '--records',
    '4000',
    '--seed',
    '5',
    '--files',
    '2',
    '--out',
    join(ws, 'pool', 'pool.jsonl'),
  ]);
  cli([
    'generate-pool',
    '--metadata',
    meta,
    '--records',
    String(BIG_POOL),
    '--seed',
    '9',
    '--out',
    join(ws, 'bigpool', 'pool.jsonl'),
  ]);
  return ws;
}

async function readFigure(frame, id) {
  const el = frame.locator(`#${id}`);
  return {
    value: Number(await el.getAttribute('data-value')),
    text: (await el.innerText()).trim(),
    t: await el.getAttribute('data-t'),
  };
}

/** The engine's exact expected size at t, from the CLI: `stats` over a curation of the samples. */
function engineExpected(countsDir, t) {
  const out = JSON.parse(
    cli([
      'stats',
      '--counts',
      join(countsDir, 'counts.json'),
      '--matches',
      join(countsDir, 'matches.bin'),
      '--t',
      String(t),
      '--json',
    ]),
  );
  return out.expected_curated_size;
}

function formatSize(v) {
  return Math.abs(v) >= 1000
    ? Math.round(v).toLocaleString('en-US')
    : v.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function filesUnder(dir, rel = '') {
  const out = [];
  for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) {
      if (d.name !== '.metacurate') out.push(...filesUnder(dir, r));
    } else out.push(r);
  }
  return out.sort();
}

async function toast(page, text, timeout) {
  const t = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await t.waitFor({ state: 'visible', timeout });
  return t;
}

/** The command palette, after taking the keyboard focus back from the panel's frame. */
async function command(page, label) {
  await page.locator('.part.sidebar .title-label').first().click();
  await runCommand(page, label);
}

/** Answers the quick input in front with `value` (or its prefilled value when undefined). */
async function answerInput(page, value, expectPrefilled) {
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible', timeout: 10_000 });
  const input = widget.locator('input.input');
  if (expectPrefilled !== undefined) {
    const had = await eventually(async () => (await input.inputValue()) || null, {
      timeout: 5_000,
      message: 'a prefilled input box',
    });
    expect(
      had === expectPrefilled,
      `input box prefilled with ${JSON.stringify(had)}, expected ${JSON.stringify(expectPrefilled)}`,
    );
  }
  if (value !== undefined) await input.fill(value);
  await sleep(200);
  // On the input itself: the panel's frame may still hold the keyboard focus.
  await input.press('Enter');
  await sleep(400);
}

/** Picks a source in the panel's selector (a vscode-single-select: its face, then an option). */
async function chooseSource(frame, label) {
  await frame.locator('#source-select').click();
  const option = frame.locator('#source-select li.option', { hasText: label }).first();
  await option.waitFor({ state: 'visible', timeout: 10_000 });
  await option.click();
}

async function quickTitle(page, pattern) {
  const widget = page.locator('.quick-input-widget');
  await eventually(async () => pattern.test(await widget.locator('.quick-input-title').innerText()), {
    timeout: 10_000,
    message: `a quick input titled ${pattern}`,
  });
  return widget;
}

export async function balanceSuite(vsix) {
  let page;
  const runner = createRunner(() => page, 'balance');
  const { test, screenshot } = runner;
  /** @type {import('./harness.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('./harness.mjs').Browser | undefined} */
  let browser;
  let ws;
  const scratch = mkdtempSync(join(tmpdir(), 'metacurate-e2e-balance-'));
  const engineCounts = join(scratch, 'samples-curation');
  const cspViolations = [];

  test('the panel opens from the command palette on the workspace samples', async () => {
    server = await startCodeServer({ vsix, log });
    ws = writeBalanceWorkspace(server.dir);
    // The engine's counts of the same samples (the CLI, as a user would run it).
    cli([
      'curate',
      '--metadata',
      join(ws, 'metadata.json'),
      '--input',
      join(ws, 'samples', 'captions.jsonl'),
      '--text-field',
      'text',
      '--t',
      '40',
      '--seed',
      '1',
      '--out',
      engineCounts,
      '--progress',
      'none',
    ]);
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    // CSP reports of the panel's frame (its directives carry our nonce).
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy|Refused to/.test(text) && /nonce-|webview\.js/.test(text))
        cspViolations.push(text);
    });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    await page
      .locator('.explorer-folders-view .monaco-list-row', { hasText: 'metadata.json' })
      .first()
      .waitFor({ timeout: 60_000 });
    // The extension's contributions are in the palette once it runs (its status-bar item is up).
    await page
      .locator('.statusbar-item', { hasText: new RegExp(`${METADATA.length} entries`) })
      .first()
      .waitFor({ timeout: 60_000 });
    await command(page, 'Metacurate: Show Entry Balance');
    await activeTab(page, 'Entry Balance', 30_000);
    const frame = panelFrame(page);
    await frame.locator('body[data-ready="true"]').waitFor({ timeout: 60_000 });
    const status = await frame.locator('#status').innerText();
    log(`panel: ${status}`);
    expect(/Workspace samples \(1 file\)/.test(status) && /600 texts/.test(status), `status: ${status}`);
  });

  test("the expected size in the webview is the engine's for the settings' t", async () => {
    const frame = panelFrame(page);
    const size = await readFigure(frame, 'expected-size');
    const engine = engineExpected(engineCounts, SETTINGS['metacurate.t']);
    log(`t = ${size.t}: panel ${size.value} (${size.text}), engine ${engine}`);
    expect(Number(size.t) === SETTINGS['metacurate.t'], `the panel opened at t = ${size.t}`);
    expect(Math.abs(size.value - engine) < 1e-6, `panel ${size.value} != engine ${engine}`);
    expect(size.text === formatSize(engine), `shown ${size.text}, engine ${formatSize(engine)}`);
    const tValue = await frame.locator('#t-input').evaluate((el) => el.value);
    expect(Number(tValue) === SETTINGS['metacurate.t'], `t input shows ${tValue}`);
    expect(cspViolations.length === 0, `CSP violations in the panel:\n${cspViolations.join('\n')}`);
    await screenshot('panel-dark');
  });

  test("typing t updates the expected size to the engine's value for that t", async () => {
    const frame = panelFrame(page);
    const before = await readFigure(frame, 'expected-size');
    await frame.locator('#t-input input').fill(String(T_TYPED));
    await frame.locator('#t-input input').press('Enter');
    const after = await eventually(
      async () => {
        const f = await readFigure(frame, 'expected-size');
        return Number(f.t) === T_TYPED ? f : null;
      },
      { timeout: 5_000, message: `the expected size at t = ${T_TYPED}` },
    );
    const engine = engineExpected(engineCounts, T_TYPED);
    log(`t = ${T_TYPED}: panel ${after.value} (${after.text}), engine ${engine}; was ${before.value}`);
    expect(after.value !== before.value, 'the expected size did not change');
    expect(Math.abs(after.value - engine) < 1e-6, `panel ${after.value} != engine ${engine}`);
    expect(after.text === formatSize(engine), `shown ${after.text}, engine ${formatSize(engine)}`);
    const head = await readFigure(frame, 'head-entries');
    const stats = JSON.parse(
      cli(['stats', '--counts', join(engineCounts, 'counts.json'), '--t', String(T_TYPED), '--json']),
    );
    expect(head.value === stats.head_entries, `head entries ${head.value}, engine ${stats.head_entries}`);
    const share = await readFigure(frame, 'head-share');
    expect(
      Math.abs(share.value - stats.head_share_of_matches) < 1e-9,
      `head share ${share.value}, engine ${stats.head_share_of_matches}`,
    );
  });

  test('moving the slider moves t and the figures with it', async () => {
    const frame = panelFrame(page);
    const slider = frame.locator('#t-slider');
    await slider.focus();
    for (let i = 0; i < 40; i++) await slider.press('ArrowLeft');
    const moved = await eventually(
      async () => {
        const f = await readFigure(frame, 'expected-size');
        return Number(f.t) < T_TYPED ? f : null;
      },
      { timeout: 5_000, message: 'a smaller t from the slider' },
    );
    const engine = engineExpected(engineCounts, moved.t);
    log(`slider: t = ${moved.t}: panel ${moved.value}, engine ${engine}`);
    expect(Math.abs(moved.value - engine) < 1e-6, `panel ${moved.value} != engine ${engine}`);
    // How long the update took is for `npm run bench` (scripts/bench/panel.mjs), logged only.
    log(`slider: update took ${await frame.locator('#expected-size').getAttribute('data-millis')} ms`);
    // Back to the typed t for the curation below.
    await frame.locator('#t-input input').fill(String(T_TYPED));
    await frame.locator('#t-input input').press('Enter');
    await eventually(async () => Number((await readFigure(frame, 'expected-size')).t) === T_TYPED, {
      timeout: 5_000,
      message: `t back at ${T_TYPED}`,
    });
  });

  test('the panel keeps its state when hidden and after a window reload', async () => {
    const frame = panelFrame(page);
    await frame.locator('#table-search input').fill('dog');
    await eventually(async () => (await frame.locator('#table-count').innerText()).startsWith('1 of'), {
      timeout: 5_000,
      message: 'the search applied',
    });
    await sleep(400); // the state is saved a moment after a change
    // Hidden: another editor in front of it, then back.
    await openFile(page, 'metadata.json');
    await page.locator('.tabs-container .tab', { hasText: 'Entry Balance' }).first().click();
    await frame.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    let size = await readFigure(frame, 'expected-size');
    let search = await frame.locator('#table-search').evaluate((el) => el.value);
    expect(Number(size.t) === T_TYPED && search === 'dog', `after hiding: t = ${size.t}, search ${search}`);
    // Reloaded: the serializer brings the panel back with the state its webview kept.
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    // The restored tab (VS Code revives a webview when it is shown).
    const tab = page.locator('.tabs-container .tab', { hasText: 'Entry Balance' }).first();
    await tab.waitFor({ timeout: 60_000 });
    await tab.click();
    await activeTab(page, 'Entry Balance', 30_000);
    await frame.locator('body[data-ready="true"]').waitFor({ timeout: 60_000 });
    size = await readFigure(frame, 'expected-size');
    search = await frame.locator('#table-search').evaluate((el) => el.value);
    const engine = engineExpected(engineCounts, T_TYPED);
    log(`after a reload: t = ${size.t}, expected ${size.value}, search ${JSON.stringify(search)}`);
    expect(
      Number(size.t) === T_TYPED && search === 'dog',
      `after reloading: t = ${size.t}, search ${search}`,
    );
    expect(Math.abs(size.value - engine) < 1e-6, `panel ${size.value} != engine ${engine}`);
    expect((await frame.locator('#table-count').innerText()).startsWith('1 of'), 'the search is not applied');
    await frame.locator('#table-search input').fill('');
  });

  test('the panel follows the light theme', async () => {
    const frame = panelFrame(page);
    const widget = page.locator('.quick-input-widget');
    await command(page, 'Preferences: Color Theme');
    await widget.waitFor({ state: 'visible', timeout: 10_000 });
    await widget.locator('input.input').fill('Light Modern');
    await pickRow(widget, 'Light Modern');
    await eventually(
      async () => (await frame.locator('body').getAttribute('class'))?.includes('vscode-light'),
      { timeout: 15_000, message: 'the webview body in vscode-light' },
    );
    const bg = await frame.locator('body').evaluate((b) => getComputedStyle(b).backgroundColor);
    log(`light background: ${bg}`);
    expect(bg === 'rgb(255, 255, 255)', `background ${bg}`);
    await sleep(500);
    await screenshot('panel-light');
  });

  test('the table lists every entry, searches, and a row reveals the entry in metadata.json', async () => {
    const frame = panelFrame(page);
    const count = await frame.locator('#table-count').innerText();
    expect(count.startsWith(`${METADATA.length} of ${METADATA.length}`), `table: ${count}`);
    await frame.locator('#table-search input').fill('retriever');
    await eventually(async () => (await frame.locator('#table-count').innerText()).startsWith('1 of'), {
      timeout: 5_000,
      message: 'one entry found for "retriever"',
    });
    const row = frame.locator('.row:not([hidden])').first();
    expect((await row.innerText()).includes('golden retriever'), `row: ${await row.innerText()}`);
    await row.click();
    await activeTab(page, 'metadata.json');
    const id = METADATA.indexOf('golden retriever');
    await eventually(async () => (await cursorPosition(page)).line === id + 2, {
      timeout: 10_000,
      message: `the cursor on line ${id + 2} of metadata.json`,
    });
    await frame.locator('#table-search input').fill('');
  });

  test('the table exports as CSV and a chart as SVG and PNG', async () => {
    const frame = panelFrame(page);
    await frame.locator('#expected-size').click();
    const ranked = frame.locator('.card:has(#chart-ranked)');
    const exports = [
      [
        frame.locator('#export-csv'),
        `entry-balance-t${T_TYPED}.csv`,
        (b) => {
          const lines = b.toString('utf8').trim().split('\n');
          return (
            lines[0] === 'rank,id,entry,count,probability,expected_kept' &&
            lines.length === METADATA.length + 1
          );
        },
      ],
      [
        ranked.locator('[data-export="svg"]'),
        'entry-balance-ranked.svg',
        (b) => /^<\?xml[\s\S]*<svg[\s\S]*<polyline[\s\S]*<\/svg>\s*$/.test(b.toString('utf8')),
      ],
      [
        ranked.locator('[data-export="png"]'),
        'entry-balance-ranked.png',
        (b) =>
          b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) &&
          b.length > 5000,
      ],
    ];
    for (const [button, name, check] of exports) {
      await button.click();
      const widget = page.locator('.quick-input-widget');
      await widget.waitFor({ state: 'visible', timeout: 10_000 });
      // The save dialog (code-server's own, a quick input) proposes the workspace and the name.
      await eventually(async () => (await widget.locator('input.input').inputValue()).endsWith(`/${name}`), {
        timeout: 10_000,
        message: `the save dialog proposing ${name}`,
      });
      await sleep(300);
      await page.keyboard.press('Enter');
      const file = join(ws, name);
      await eventually(() => existsSync(file), { timeout: 10_000, message: `${name} written` });
      await eventually(async () => (await frame.locator('#status').innerText()).includes(name), {
        timeout: 5_000,
        message: `the panel saying it exported ${name}`,
      });
      expect(
        check(readFileSync(file)),
        `${name} is not what the panel exports: ${readFileSync(file).subarray(0, 200)}`,
      );
    }
    log(`exported ${exports.map((e) => e[1]).join(', ')}`);
  });

  test('"Count Matches in Samples" recounts for the panel and the language server', async () => {
    const samples = join(ws, 'samples', 'captions.jsonl');
    const before = JSON.parse(cli(['stats', '--counts', join(engineCounts, 'counts.json'), '--json']));
    const dogBefore = JSON.parse(readFileSync(join(engineCounts, 'counts.json'), 'utf8')).dog;
    writeFileSync(samples, readFileSync(samples, 'utf8') + '{"text":"a dog next to a red car"}\n'.repeat(10));
    await command(page, 'Metacurate: Count Matches in Samples');
    const done = await toast(page, 'sample texts', 60_000);
    const said = (await done.innerText()).replace(/\s+/g, ' ');
    log(`count: ${said}`);
    expect(/610 sample texts in 1 file/.test(said), `count: ${said}`);
    const frame = panelFrame(page);
    await eventually(async () => /610 texts/.test(await frame.locator('#status').innerText()), {
      timeout: 30_000,
      message: 'the panel on the recounted samples',
    });
    await frame.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    const recount = join(scratch, 'samples-recount');
    cli([
      'curate',
      '--metadata',
      join(ws, 'metadata.json'),
      '--input',
      samples,
      '--text-field',
      'text',
      '--t',
      '40',
      '--seed',
      '1',
      '--out',
      recount,
      '--progress',
      'none',
    ]);
    const size = await readFigure(frame, 'expected-size');
    const engine = engineExpected(recount, size.t);
    expect(Math.abs(size.value - engine) < 1e-6, `after the recount: panel ${size.value}, engine ${engine}`);
    const after = JSON.parse(cli(['stats', '--counts', join(recount, 'counts.json'), '--json']));
    expect(
      after.total_matches === before.total_matches + 20,
      `matches ${before.total_matches} -> ${after.total_matches}`,
    );
    // The language server's counts (inlay hints beside the entries of metadata.json) follow too.
    await openFile(page, 'metadata.json');
    await eventually(
      async () => {
        const text = await activeEditorText(page);
        return new RegExp(`"dog"\\s*${dogBefore + 10}\\b`).test(text);
      },
      { timeout: 20_000, message: `"dog" counted ${dogBefore + 10} times in metadata.json` },
    );
    await page.locator('.tabs-container .tab', { hasText: 'Entry Balance' }).first().click();
  });

  test('"Curate Pool…" through the quick picks ends with a summary', async () => {
    await command(page, 'Metacurate: Curate Pool…');
    let widget = await quickTitle(page, /pool$/);
    await pickRow(widget, 'Glob pattern…');
    widget = await quickTitle(page, /pool glob/);
    // The box counts the files as the glob is typed: 2 pool files, then none.
    const globInput = widget.locator('input.input');
    await globInput.fill('pool/*.nothing');
    await eventually(async () => (await widget.innerText()).includes('No file matches'), {
      timeout: 10_000,
      message: 'the glob box says no file matches',
    });
    await globInput.fill('pool/*.jsonl');
    await eventually(async () => (await widget.innerText()).includes('2 files match'), {
      timeout: 10_000,
      message: 'the glob box says 2 files match',
    });
    await answerInput(page, 'pool/*.jsonl');
    widget = await quickTitle(page, /text field/);
    await pickRow(widget, 'text');
    await quickTitle(page, /threshold t/);
    await answerInput(page, undefined, String(T_TYPED));
    await quickTitle(page, /seed/);
    await answerInput(page, undefined, String(SETTINGS['metacurate.seed']));
    await quickTitle(page, /output folder/);
    await answerInput(page, 'curated');
    const done = await toast(page, 'curated', 120_000);
    const text = (await done.innerText()).replace(/\s+/g, ' ');
    log(`summary: ${text}`);
    expect(/curated 4,000 records: [\d,]+ matched, [\d,]+ kept/.test(text), `summary: ${text}`);
    await screenshot('curation-summary');
  });

  test("the curation's files exist and equal the CLI's with the same arguments", async () => {
    const out = join(ws, 'curated');
    for (const f of [
      'summary.json',
      'counts.json',
      'counts.bin',
      'matches.bin',
      'data/pool-00000.jsonl',
      'data/pool-00001.jsonl',
    ])
      expect(existsSync(join(out, f)), `missing ${f} in ${out}`);
    const ref = join(scratch, 'cli-curated');
    cli([
      'curate',
      '--metadata',
      join(ws, 'metadata.json'),
      '--input',
      join(ws, 'pool', 'pool-00000.jsonl'),
      '--input',
      join(ws, 'pool', 'pool-00001.jsonl'),
      '--text-field',
      'text',
      '--t',
      String(T_TYPED),
      '--seed',
      String(SETTINGS['metacurate.seed']),
      '--out',
      ref,
      '--workers',
      '2',
      '--progress',
      'none',
    ]);
    const mine = filesUnder(out);
    const theirs = filesUnder(ref);
    expect(JSON.stringify(mine) === JSON.stringify(theirs), `files differ:\n${mine}\n${theirs}`);
    for (const f of mine) {
      if (f === 'summary.json') continue;
      expect(readFileSync(join(out, f)).equals(readFileSync(join(ref, f))), `${f} differs from the CLI's`);
    }
    const a = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(ref, 'summary.json'), 'utf8'));
    for (const k of [
      'pool',
      'kept',
      'expected_kept',
      't',
      'seed',
      'head_entries',
      'entries',
      'expected_size_curve',
    ])
      expect(
        JSON.stringify(a[k]) === JSON.stringify(b[k]),
        `summary.${k} differs: ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`,
      );
    log(`curation equals the CLI's: ${mine.length} files, kept ${a.kept} of ${a.pool.records}`);
  });

  test('"Show in Entry Balance" shows the run in the panel', async () => {
    const done = await toast(page, 'curated', 10_000);
    await done
      .locator('a.monaco-button, .monaco-button', { hasText: 'Show in Entry Balance' })
      .first()
      .click();
    const frame = panelFrame(page);
    await eventually(async () => /Curation curated/.test(await frame.locator('#status').innerText()), {
      timeout: 30_000,
      message: 'the panel on the curation',
    });
    await frame.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    const summary = JSON.parse(readFileSync(join(ws, 'curated', 'summary.json'), 'utf8'));
    const size = await readFigure(frame, 'expected-size');
    log(`curation in the panel: t = ${size.t}, expected ${size.value}, summary ${summary.expected_kept}`);
    expect(Number(size.t) === T_TYPED, `t = ${size.t}`);
    const selected = await eventually(
      async () => {
        const v = await frame.locator('#source-select').evaluate((el) => el.value);
        return v.startsWith('curation:') ? v : null;
      },
      { timeout: 5_000, message: 'the source selector on the curation' },
    );
    expect(selected === `curation:${join(ws, 'curated')}`, `source selector: ${selected}`);
    expect(
      Math.abs(size.value - summary.expected_kept) < 1e-3,
      `panel ${size.value}, summary ${summary.expected_kept}`,
    );
    await screenshot('panel-curation-light');
  });

  test('the source selector switches to the samples and back to the curation, with their figures', async () => {
    const frame = panelFrame(page);
    const curation = join(ws, 'curated');
    // The samples as "Count Matches in Samples" left them (610 texts), curated by the CLI there.
    const samplesCounts = join(scratch, 'samples-recount');
    const figuresOf = async (what, status, countsDir) => {
      await eventually(async () => status.test(await frame.locator('#status').innerText()), {
        timeout: 30_000,
        message: `the panel on ${what}`,
      });
      await frame.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
      const size = await readFigure(frame, 'expected-size');
      const engine = engineExpected(countsDir, size.t);
      log(`source ${what}: t = ${size.t}, panel ${size.value}, engine ${engine}`);
      // The panel's t stays when the source changes.
      expect(Number(size.t) === T_TYPED, `${what}: t = ${size.t}`);
      expect(
        Math.abs(size.value - engine) <= 1e-6 * Math.max(1, engine),
        `${what}: panel ${size.value} != engine ${engine}`,
      );
      const stats = JSON.parse(
        cli(['stats', '--counts', join(countsDir, 'counts.json'), '--t', String(T_TYPED), '--json']),
      );
      const head = await readFigure(frame, 'head-entries');
      expect(
        head.value === stats.head_entries,
        `${what}: head entries ${head.value}, engine ${stats.head_entries}`,
      );
      const share = await readFigure(frame, 'head-share');
      expect(
        Math.abs(share.value - stats.head_share_of_matches) < 1e-9,
        `${what}: head share ${share.value}, engine ${stats.head_share_of_matches}`,
      );
      return size;
    };
    const selected = () => frame.locator('#source-select').evaluate((el) => el.value);

    const onCuration = await figuresOf('the curation', /Curation curated/, curation);
    await chooseSource(frame, /^\s*Workspace samples\s*$/);
    const onSamples = await figuresOf(
      'the samples',
      /Workspace samples \(1 file\)[\s\S]*610 texts/,
      samplesCounts,
    );
    expect((await selected()) === 'samples', `source selector: ${await selected()}`);
    expect(onSamples.value !== onCuration.value, "the samples show the curation's expected size");
    await chooseSource(frame, /^\s*Curation:? curated(?![-\w])/);
    const again = await figuresOf('the curation again', /Curation curated/, curation);
    expect((await selected()) === `curation:${curation}`, `source selector: ${await selected()}`);
    expect(again.value === onCuration.value, `the curation shows ${again.value}, before ${onCuration.value}`);
  });

  test('the panel follows a high-contrast theme set in the settings', async () => {
    const frame = panelFrame(page);
    const settingsPath = join(ws, '.vscode', 'settings.json');
    const classes = async () => ((await frame.locator('body').getAttribute('class')) ?? '').split(/\s+/);
    writeFileSync(
      settingsPath,
      JSON.stringify({ ...SETTINGS, 'workbench.colorTheme': 'Default High Contrast' }, null, 2),
    );
    try {
      await eventually(async () => (await classes()).includes('vscode-high-contrast'), {
        timeout: 20_000,
        message: 'the webview body in vscode-high-contrast',
      });
      const look = await frame.locator('body').evaluate((body) => {
        const card = document.querySelector('.card');
        // The theme's contrast border as a computed colour, to compare with the card's border.
        const probe = document.createElement('span');
        probe.style.color = getComputedStyle(document.documentElement)
          .getPropertyValue('--vscode-contrastBorder')
          .trim();
        body.appendChild(probe);
        const contrastBorder = getComputedStyle(probe).color;
        probe.remove();
        return {
          background: getComputedStyle(body).backgroundColor,
          cardBorder: card ? getComputedStyle(card).borderTopColor : undefined,
          contrastBorder,
        };
      });
      log(`high contrast: ${JSON.stringify(look)}`);
      expect(look.background === 'rgb(0, 0, 0)', `background ${look.background}`);
      expect(
        look.cardBorder === look.contrastBorder,
        `card border ${look.cardBorder}, the theme's contrastBorder ${look.contrastBorder}`,
      );
      await sleep(500);
      await screenshot('panel-high-contrast');
    } finally {
      // Back to the user's theme (the light one chosen above).
      writeFileSync(settingsPath, JSON.stringify(SETTINGS, null, 2));
    }
    await eventually(async () => !(await classes()).includes('vscode-high-contrast'), {
      timeout: 20_000,
      message: 'the webview body out of high contrast',
    });
  });

  test('a second curation into the same folder resumes', async () => {
    await command(page, 'Metacurate: Curate Pool…');
    let widget = await quickTitle(page, /pool$/);
    await pickRow(widget, 'Glob pattern…');
    await quickTitle(page, /pool glob/);
    await answerInput(page, undefined, 'pool/*.jsonl');
    widget = await quickTitle(page, /text field/);
    await pickRow(widget, 'text');
    await quickTitle(page, /threshold t/);
    await answerInput(page, undefined, String(T_TYPED));
    await quickTitle(page, /seed/);
    await answerInput(page);
    await quickTitle(page, /output folder/);
    await answerInput(page, undefined, 'curated');
    const done = await toast(page, '(resumed)', 60_000);
    log(`again: ${(await done.innerText()).replace(/\s+/g, ' ')}`);
  });

  test('a curation cancelled from its progress notification resumes when run again', async () => {
    const answers = async (glob) => {
      await command(page, 'Metacurate: Curate Pool…');
      const widget = await quickTitle(page, /pool$/);
      await pickRow(widget, 'Glob pattern…');
      await quickTitle(page, /pool glob/);
      await answerInput(page, glob);
      await pickRow(await quickTitle(page, /text field/), 'text');
      await quickTitle(page, /threshold t/);
      await answerInput(page, undefined, String(T_TYPED));
      await quickTitle(page, /seed/);
      await answerInput(page);
      await quickTitle(page, /output folder/);
      await answerInput(page, 'curated-big');
    };
    await answers('bigpool/*.jsonl');
    const progress = await toast(page, 'records/s', 60_000);
    const said = (await progress.innerText()).replace(/\s+/g, ' ');
    log(`progress: ${said}`);
    // The ETA is left out until the engine knows it (its first line says etaSeconds: null).
    expect(
      /counting \d+% · [\d,]+ records · [\d,]+ records\/s( · ETA \d+:\d\d)?/.test(said) &&
        !/ETA 0 s/.test(said),
      `progress: ${said}`,
    );
    await screenshot('curation-progress');
    // The toast re-renders its buttons on every progress update, so a click that waits for the
    // button to hold still can outlast the curation; the event goes to the button as it is now.
    await progress.locator('.monaco-button', { hasText: 'Cancel' }).first().dispatchEvent('click');
    await toast(page, 'curation cancelled', 30_000);
    const out = join(ws, 'curated-big');
    expect(existsSync(join(out, '.metacurate', 'manifest.json')), 'no manifest left to resume from');
    expect(!existsSync(join(out, 'summary.json')), 'the cancelled curation finished');
    await answers(undefined);
    const done = await toast(page, '(resumed)', 180_000);
    log(`resumed: ${(await done.innerText()).replace(/\s+/g, ' ')}`);
    const ref = join(scratch, 'cli-curated-big');
    cli([
      'curate',
      '--metadata',
      join(ws, 'metadata.json'),
      '--input',
      join(ws, 'bigpool', 'pool.jsonl'),
      '--text-field',
      'text',
      '--t',
      String(T_TYPED),
      '--seed',
      String(SETTINGS['metacurate.seed']),
      '--out',
      ref,
      '--workers',
      '2',
      '--progress',
      'none',
    ]);
    for (const f of ['counts.json', 'matches.bin', 'data/pool.jsonl', 'data/pool.jsonl.entries.jsonl'])
      expect(readFileSync(join(out, f)).equals(readFileSync(join(ref, f))), `${f} differs from the CLI's`);
  });

  let result;
  try {
    result = await runner.run();
  } finally {
    if (server) server.saveLogs('balance');
    if (browser) await browser.close().catch(() => undefined);
    if (server) {
      await server.stop();
      server.cleanup();
    }
  }
  return result;
}
