// The entry browser in the real VS Code (code-server + headless Chromium): a small curation made
// by the CLI (one head entry, "dog", with 250 records at t = 100); the browser opened from the
// entry's hover ("Browse records"), paged, filtered to kept and dropped (checked against the
// curation's counts and keep decisions), a record opened at its line in the pool file; another
// entry a record matched browsed from the record, its caption's markup shown as text; and the
// browser opened from the balance panel's table; then a WebDataset curation of the same metadata
// chosen as the one shown, its records' image members shown as thumbnails, a member that is not
// the PNG it is named as shown as an error in its place, and three of its images as thumbnails in
// the entry's hover. Started by test/e2e/main.mjs
// (`METACURATE_E2E_SUITES=entry-browser bash scripts/e2e/run.sh` runs it alone).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  activeTab,
  cli,
  createRunner,
  cursorPosition,
  eventually,
  expect,
  launchBrowser,
  openFile,
  runCommand,
  sleep,
  spanCenter,
  startCodeServer,
} from './harness.mjs';

const log = (m) => console.log(`e2e: ${m}`);

const METADATA = ['dog', 'cat', 'bird'];
/** The pool: "dog" matches 250 records (3 pages), "cat" 85, "bird" 5 (their captions hold markup). */
/** @type {Array<[string, number]>} */
const POOL = [
  ['a dog on the grass', 200],
  ['a cat and a dog', 50],
  ['a cat on a sofa', 30],
  ['a bird & a cat <script>alert(1)</script>', 5],
  ['nothing to see', 15],
];
const T = 100;
const SETTINGS = { 'metacurate.t': T, 'metacurate.executor': 'local' };

function writeBrowserWorkspace(dir) {
  const ws = join(dir, 'browser-workspace');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  mkdirSync(join(ws, 'pool'), { recursive: true });
  writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  writeFileSync(
    join(ws, 'metadata.json'),
    `[\n${METADATA.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`,
  );
  const lines = POOL.flatMap(([caption, n]) => Array.from({ length: n }, () => JSON.stringify({ caption })));
  writeFileSync(join(ws, 'pool', 'pool.jsonl'), lines.join('\n') + '\n');
  // prettier-ignore
  cli(['curate', '--metadata', join(ws, 'metadata.json'), '--input', join(ws, 'pool', 'pool.jsonl'),
    '--text-field', 'caption', '--t', String(T), '--seed', '1', '--out', join(ws, 'curated'), '--progress', 'none'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  return ws;
}

/** A valid 1×1 PNG. */
const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * A WebDataset shard of 6 "dog" samples with PNG members (the last one's ".png" is an SVG), and
 * its curation in `curated-images`.
 */
function writeImageCuration(ws) {
  const dir = join(ws, 'shards');
  mkdirSync(dir, { recursive: true });
  const names = [];
  for (let i = 0; i < 6; i++) {
    const png = i === 5 ? Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>') : PNG_1x1;
    writeFileSync(join(dir, `s${i}.png`), png);
    writeFileSync(join(dir, `s${i}.txt`), `a dog in picture ${i}`);
    names.push(`s${i}.png`, `s${i}.txt`);
  }
  execFileSync('tar', ['--format=ustar', '-cf', join(ws, 'shard-0.tar'), '-C', dir, ...names]);
  // prettier-ignore
  cli(['curate', '--metadata', join(ws, 'metadata.json'), '--input', join(ws, 'shard-0.tar'),
    '--t', String(T), '--seed', '1', '--out', join(ws, 'curated-images'), '--progress', 'none'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The captions the curation kept: what the Kept filter must list. */
const keptCaptions = (ws) =>
  readFileSync(join(ws, 'curated', 'data', 'pool.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).caption);

/** The visible webview's document (VS Code nests it: iframe.webview > iframe#active-frame). */
function webviewFrame(page) {
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('iframe#active-frame');
}

/** The palette, after taking the keyboard focus back to the workbench. */
async function command(page, label) {
  await page.locator('.part.sidebar .title-label').first().click();
  await runCommand(page, label);
}

/** The browser's range line and list facts once `check` holds on them. */
async function browserShows(page, check, message) {
  const frame = webviewFrame(page);
  return eventually(
    async () => {
      await frame.locator('body[data-ready="true"]').waitFor({ timeout: 2_000 });
      const list = frame.locator('#records');
      const facts = {
        title: await frame.locator('#entry-title').innerText({ timeout: 2_000 }),
        range: await frame.locator('#range').innerText({ timeout: 2_000 }),
        filter: await list.getAttribute('data-filter'),
        offset: Number(await list.getAttribute('data-offset')),
        total: Number(await list.getAttribute('data-total')),
        all: await frame.locator('#count-all').innerText(),
        kept: await frame.locator('#count-kept').innerText(),
        dropped: await frame.locator('#count-dropped').innerText(),
        records: await frame.locator('.record').count(),
      };
      return check(facts) ? facts : null;
    },
    { timeout: 60_000, message },
  );
}

export async function entryBrowserSuite(vsix) {
  let page;
  const runner = createRunner(() => page, 'browser');
  const { test, screenshot } = runner;
  /** @type {import('./harness.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('./harness.mjs').Browser | undefined} */
  let browser;
  let ws = '';
  let counts = /** @type {Record<string, number>} */ ({});

  test('a workspace with a curation opens', async () => {
    server = await startCodeServer({ vsix, log });
    ws = writeBrowserWorkspace(server.dir);
    counts = JSON.parse(readFileSync(join(ws, 'curated', 'counts.json'), 'utf8'));
    log(`counts: ${JSON.stringify(counts)}`);
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    await page
      .locator('.statusbar-item', { hasText: /3 entries/ })
      .first()
      .waitFor({ timeout: 60_000 });
  });

  /** Hovers "dog" in metadata.json until its hover has the Browse records link; returns the link. */
  async function dogHoverLink() {
    await openFile(page, 'metadata.json');
    const link = page.locator('.monaco-hover:not(.hidden) a', { hasText: 'Browse records' }).first();
    await eventually(
      async () => {
        await page.keyboard.press('Escape');
        const at = await spanCenter(page, '"dog"');
        if (!at) return null;
        await page.mouse.move(at.x - 60, at.y + 60);
        await page.mouse.move(at.x, at.y, { steps: 5 });
        await link.waitFor({ state: 'visible', timeout: 10_000 });
        return true;
      },
      { timeout: 60_000, interval: 1_000, message: 'a hover of "dog" with its Browse records link' },
    );
    return link;
  }

  test('the hover of an entry opens the browser on its curated records', async () => {
    const link = await dogHoverLink();
    await screenshot('hover-link');
    await link.click();
    await activeTab(page, 'Entry Records', 30_000);
    const shown = await browserShows(
      page,
      (f) => f.title.startsWith('dog') && f.records > 0,
      'the browser on "dog"',
    );
    log(`browser: ${JSON.stringify(shown)}`);
    expect(
      shown.total === counts.dog && shown.total === 250,
      `dog has ${shown.total} records, counts say ${counts.dog}`,
    );
    expect(shown.range === 'records 1–100 of 250', `range: ${shown.range}`);
    expect(shown.records === 100, `${shown.records} records on the first page`);
    const kept = keptCaptions(ws).filter((c) => / dog\b|^a dog/.test(c)).length;
    expect(shown.kept === String(kept), `kept ${shown.kept}, the curated output holds ${kept} dog records`);
    expect(
      Number(shown.kept) + Number(shown.dropped) === 250,
      `kept + dropped: ${shown.kept} + ${shown.dropped}`,
    );
    const marks = await webviewFrame(page).locator('.record').first().locator('mark').allInnerTexts();
    expect(marks.includes('dog'), `the first record marks ${JSON.stringify(marks)}`);
    await screenshot('browser-dog');
  });

  test('the browser pages forward, back and by record number', async () => {
    const frame = webviewFrame(page);
    await frame.locator('#next').click();
    await browserShows(page, (f) => f.range === 'records 101–200 of 250', 'the second page');
    await frame.locator('#next').click();
    const last = await browserShows(page, (f) => f.range === 'records 201–250 of 250', 'the last page');
    expect(last.records === 50, `${last.records} records on the last page`);
    await frame.locator('#previous').click();
    await browserShows(page, (f) => f.offset === 100, 'back on the second page');
    await frame.locator('#jump input').fill('7');
    await frame.locator('#jump input').press('Enter');
    await browserShows(page, (f) => f.offset === 0, 'the first page after a jump to record 7');
    await screenshot('paged');
  });

  test('the filters list only the kept or only the dropped records', async () => {
    const frame = webviewFrame(page);
    await frame.locator('.filters [data-filter="kept"]').click();
    const kept = await browserShows(page, (f) => f.filter === 'kept', 'the kept records');
    expect(String(kept.total) === kept.kept, `kept filter: ${kept.total} records, ${kept.kept} kept`);
    const keptBadges = await frame.locator('.record .badge').allInnerTexts();
    expect(keptBadges.length > 0 && keptBadges.every((b) => b === 'kept'), `badges: ${keptBadges}`);
    await screenshot('kept');
    await frame.locator('.filters [data-filter="dropped"]').click();
    const dropped = await browserShows(page, (f) => f.filter === 'dropped', 'the dropped records');
    expect(String(dropped.total) === dropped.dropped, `dropped filter: ${dropped.total}`);
    const droppedBadges = await frame.locator('.record .badge').allInnerTexts();
    expect(
      droppedBadges.every((b) => b === 'dropped'),
      `badges: ${droppedBadges}`,
    );
    await screenshot('dropped');
  });

  test('a record opens at its line in the pool file', async () => {
    const frame = webviewFrame(page);
    const record = frame.locator('.record').nth(3);
    const where = await record.locator('.record-file').innerText();
    const m = /^pool\/pool\.jsonl:(\d+)$/.exec(where);
    expect(m, `the record's file and line: ${where}`);
    const line = Number(m?.[1]);
    await record.locator('.record-text').click();
    await activeTab(page, 'pool.jsonl', 30_000);
    await eventually(async () => (await cursorPosition(page)).line === line, {
      timeout: 10_000,
      message: `the cursor on line ${line} of pool.jsonl`,
    });
    await screenshot('record-opened');
  });

  test('another entry a record matched is browsed from it, its markup shown as text', async () => {
    await page.locator('.tabs-container .tab', { hasText: 'Entry Records' }).first().click();
    const frame = webviewFrame(page);
    await frame.locator('.filters [data-filter="all"]').click();
    await browserShows(page, (f) => f.filter === 'all' && f.title.startsWith('dog'), 'dog, all records');
    // dog's records from 201 on are "a cat and a dog": they also matched cat.
    await frame.locator('#next').click();
    await frame.locator('#next').click();
    await browserShows(page, (f) => f.offset === 200, "dog's last page");
    await frame.locator('.record .other-entry', { hasText: 'cat' }).first().click();
    const cat = await browserShows(page, (f) => f.title.startsWith('cat'), 'the browser on "cat"');
    expect(cat.total === counts.cat, `cat has ${cat.total} records, counts say ${counts.cat}`);
    await frame.locator('.filters [data-filter="all"]').click();
    await frame.locator('#jump input').fill(String(cat.total));
    await frame.locator('#jump input').press('Enter');
    const text = await eventually(
      async () => {
        const texts = await frame.locator('.record-text').allInnerTexts();
        return texts.find((t) => t.includes('<script>')) ?? null;
      },
      { timeout: 30_000, message: 'a caption holding <script> shown as text' },
    );
    expect(text.includes('alert(1)</script>'), `the caption: ${text}`);
    expect((await frame.locator('.record-text script').count()) === 0, 'a caption became a script element');
    await frame.locator('#back').click();
    await browserShows(page, (f) => f.title.startsWith('dog'), 'back on "dog"');
    await screenshot('markup-as-text');
  });

  test("the balance panel's table opens the browser on a row's entry", async () => {
    await command(page, 'Metacurate: Show Entry Balance');
    await activeTab(page, 'Entry Balance', 30_000);
    const panel = webviewFrame(page);
    const row = panel.locator('.row:not([hidden])', { hasText: 'bird' }).first();
    await row.waitFor({ timeout: 60_000 });
    await screenshot('panel');
    await row.locator('.cell.browse').click();
    await activeTab(page, 'Entry Records', 30_000);
    const bird = await browserShows(page, (f) => f.title.startsWith('bird'), 'the browser on "bird"');
    expect(bird.total === counts.bird && bird.total === 5, `bird has ${bird.total} records`);
    expect(bird.kept === '5' && bird.dropped === '0', `a tail entry keeps all: ${bird.kept}/${bird.dropped}`);
    await screenshot('from-panel');
  });

  test("a WebDataset curation's records show their image members, a bad one an error in its place", async () => {
    writeImageCuration(ws);
    await openFile(page, 'metadata.json');
    await eventually(
      async () => {
        await page.keyboard.press('Escape');
        await command(page, 'Metacurate: Choose the Curation Shown…');
        const row = page
          .locator('.quick-input-widget .monaco-list-row', { hasText: 'curated-images' })
          .first();
        if (!(await row.isVisible({ timeout: 3_000 }).catch(() => false))) return null;
        await row.click();
        return true;
      },
      { timeout: 60_000, interval: 2_000, message: 'curated-images in the curation choice' },
    );
    const link = await dogHoverLink();
    await link.click();
    await activeTab(page, 'Entry Records', 30_000);
    const shown = await browserShows(
      page,
      (f) => f.title.startsWith('dog') && f.total === 6,
      'the browser on "dog" of curated-images',
    );
    expect(shown.records === 6, `${shown.records} records`);
    const frame = webviewFrame(page);
    await eventually(async () => ((await frame.locator('.record-image img').count()) === 5 ? true : null), {
      timeout: 30_000,
      message: 'five thumbnails',
    });
    const widths = await frame
      .locator('.record-image img')
      .evaluateAll((imgs) => imgs.map((i) => i.naturalWidth));
    expect(
      widths.every((w) => w === 1),
      `the thumbnails decode as 1×1 PNGs: ${widths}`,
    );
    const sources = await frame
      .locator('.record-image img')
      .evaluateAll((imgs) => imgs.map((i) => i.src.slice(0, 22)));
    expect(
      sources.every((s) => s === 'data:image/png;base64,'),
      `thumbnails come as data: URIs: ${sources}`,
    );
    const error = await frame.locator('.record-image .image-error').innerText({ timeout: 10_000 });
    expect(/member s5\.png should be a PNG image but holds no PNG/.test(error), `the SVG member: ${error}`);
    await frame.locator('.record-image img').first().click();
    expect((await frame.locator('.record-image.enlarged img').count()) === 1, 'a clicked thumbnail enlarges');
    await screenshot('images');
  });

  test("the entry's hover shows thumbnails of its records, kept first, once the curation has its index", async () => {
    // The browser above built curated-images' entry index; a hover never builds it itself.
    await openFile(page, 'metadata.json');
    const images = page.locator('.monaco-hover:not(.hidden) img[src^="data:image/png;base64,"]');
    await eventually(
      async () => {
        await page.keyboard.press('Escape');
        const at = await spanCenter(page, '"dog"');
        if (!at) return null;
        await page.mouse.move(at.x - 60, at.y + 60);
        await page.mouse.move(at.x, at.y, { steps: 5 });
        await images.first().waitFor({ state: 'visible', timeout: 5_000 });
        return true;
      },
      { timeout: 60_000, interval: 1_000, message: 'a hover of "dog" with thumbnails' },
    );
    const shown = await images.evaluateAll((imgs) =>
      imgs.map((i) => ({ natural: i.naturalWidth, width: i.getAttribute('width'), alt: i.alt })),
    );
    log(`hover thumbnails: ${JSON.stringify(shown)}`);
    expect(shown.length === 3, `three thumbnails: ${shown.length}`);
    expect(
      shown.every((i) => i.natural === 1 && i.width === '64'),
      `1×1 PNGs shown 64 wide: ${JSON.stringify(shown)}`,
    );
    const fates = shown.map((i) => (i.alt.startsWith('kept') ? 'kept' : 'dropped'));
    expect(
      fates.join() === [...fates].sort((a, b) => (a === b ? 0 : a === 'kept' ? -1 : 1)).join(),
      `kept first: ${fates}`,
    );
    await screenshot('hover-images');
  });

  try {
    return await runner.run();
  } finally {
    await sleep(100);
    server?.saveLogs('entry-browser');
    if (browser) await browser.close().catch(() => undefined);
    if (server) await server.stop();
  }
}
