// The README's demo in the real VS Code (code-server + headless Chromium): scripts/demo.sh (what
// `npm run demo` runs) at a tenth of its size with the same proportions, t = records / 1000, then
// the Entry Balance panel on its curation. The panel's table must show what balancing does: the
// top entry keeps well under half of its matches, an entry in the tail (count <= t) keeps all of
// them; its figures are the curation's summary.json. Started by test/e2e/main.mjs
// (`METACURATE_E2E_SUITES=demo bash scripts/e2e/run.sh` runs it alone).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  panelFrame,
  ROOT,
  activeTab,
  createRunner,
  eventually,
  expect,
  launchBrowser,
  runCommand,
  sleep,
  startCodeServer,
} from './harness.mjs';

const log = (m) => console.log(`e2e: ${m}`);

/** `npm run demo` curates 1,000,000 records at t = 1,000; this is the same at a tenth. */
const DEMO_RECORDS = 100_000;
const DEMO_T = DEMO_RECORDS / 1000;

/**
 * @typedef {{ id: number, entry: string, count: number, expected_kept: number, kept: number }} SummaryEntry
 * @typedef {{ t: number, kept: number, expected_kept: number, entries: SummaryEntry[] }} Summary
 */

/** The palette, after taking the keyboard focus back to the workbench. */
async function command(page, label) {
  await page.locator('.part.sidebar .title-label').first().click();
  await runCommand(page, label);
}

/** A number as the table writes it (en-US grouping). */
const tableNumber = (text) => Number(text.replace(/,/g, ''));

/**
 * The Count, Expected kept and Kept cells of the table's rows in view, found by their headers'
 * titles, with each row's entry id.
 */
async function tableRows(frame) {
  const titles = await frame
    .locator('#table-header > *')
    .evaluateAll((els) => els.map((el) => (el.textContent ?? '').trim()));
  const column = (title) => {
    const i = titles.indexOf(title);
    expect(i >= 0, `the table has no "${title}" column: ${titles.join(' | ')}`);
    return i;
  };
  const at = { count: column('Count'), expected: column('Expected kept'), kept: column('Kept') };
  const rows = await frame.locator('.row[data-id]:not([hidden])').evaluateAll((els) =>
    els.map((el) => ({
      id: Number(el.dataset.id),
      cells: [...el.children].map((c) => c.textContent ?? ''),
    })),
  );
  return rows.map(({ id, cells }) => ({
    id,
    count: tableNumber(cells[at.count]),
    expected: tableNumber(cells[at.expected]),
    kept: cells[at.kept] === '' ? NaN : tableNumber(cells[at.kept]),
  }));
}

export async function demoSuite(vsix) {
  let page;
  const runner = createRunner(() => page, 'demo');
  const { test, screenshot } = runner;
  /** @type {import('./harness.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('./harness.mjs').Browser | undefined} */
  let browser;
  let ws = '';
  /** @type {Summary} */
  let summary;
  /** The summary's entries by count, largest first. */
  /** @type {SummaryEntry[]} */
  let ranked = [];

  test(`the README's demo at ${DEMO_RECORDS.toLocaleString('en-US')} records (t = ${DEMO_T}) opens in VS Code`, async () => {
    server = await startCodeServer({ vsix, log });
    ws = join(server.dir, 'demo');
    const said = execFileSync('bash', [join(ROOT, 'scripts', 'demo.sh'), ws], {
      encoding: 'utf8',
      env: { ...process.env, RECORDS: String(DEMO_RECORDS), T: String(DEMO_T) },
    });
    log(`demo.sh:\n${said.replace(/^/gm, '    ')}`);
    summary = JSON.parse(readFileSync(join(ws, 'curated', 'summary.json'), 'utf8'));
    expect(summary.t === DEMO_T, `the demo curated at t = ${summary.t}`);
    ranked = [...summary.entries].sort((a, b) => b.count - a.count || a.id - b.id);
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    await page
      .locator('.statusbar-item', { hasText: /Curation: t=\d+ · curated/ })
      .first()
      .waitFor({ timeout: 90_000 });
  });

  test("the panel on the demo's curation shows its t and expected size", async () => {
    await command(page, 'Metacurate: Show Entry Balance');
    await activeTab(page, 'Entry Balance', 30_000);
    const frame = panelFrame(page);
    const source = await eventually(
      async () => {
        const v = await frame
          .locator('#source-select')
          .evaluate((el) => el.value, undefined, { timeout: 2_000 });
        return v.startsWith('curation:') ? v : null;
      },
      { timeout: 60_000, message: 'the panel on a curation' },
    );
    expect(source === `curation:${join(ws, 'curated')}`, `the panel shows ${source}`);
    await frame.locator('body[data-ready="true"]').waitFor({ timeout: 60_000 });
    const size = frame.locator('#expected-size');
    const t = Number(await size.getAttribute('data-t'));
    const value = Number(await size.getAttribute('data-value'));
    log(
      `panel: t = ${t}, expected size ${value}; summary: kept ${summary.kept}, expected ${summary.expected_kept}`,
    );
    expect(t === DEMO_T, `the panel is at t = ${t}, the demo's t is ${DEMO_T}`);
    expect(
      Math.abs(value - summary.expected_kept) < 1e-3,
      `panel ${value}, summary ${summary.expected_kept}`,
    );
  });

  test('the top entry by count keeps less than half of its matches, as summary.json says', async () => {
    const frame = panelFrame(page);
    const top = ranked[0];
    // The table opens sorted by count, largest first; the Kept column once the curation's kept are in.
    const rows = await eventually(
      async () => {
        const r = await tableRows(frame);
        return r.length > 0 && r[0].id === top.id && Number.isFinite(r[0].kept) ? r : null;
      },
      { timeout: 30_000, message: `"${top.entry}" (count ${top.count}) on top with its Kept cell` },
    );
    const first = rows[0];
    log(
      `top row: "${top.entry}" count ${first.count}, expected kept ${first.expected}, kept ${first.kept}` +
        ` (${((first.kept / first.count) * 100).toFixed(1)} %)`,
    );
    for (let i = 1; i < rows.length; i++)
      expect(rows[i].count <= rows[i - 1].count, `row ${i + 1} counts more than row ${i}`);
    expect(first.count === top.count, `count ${first.count}, summary ${top.count}`);
    expect(first.kept === top.kept, `kept ${first.kept}, summary ${top.kept}`);
    expect(
      Math.abs(first.expected - top.expected_kept) <= 0.005,
      `expected kept ${first.expected}, summary ${top.expected_kept}`,
    );
    expect(first.count > DEMO_T, `the top entry (${first.count}) is not in the head at t = ${DEMO_T}`);
    expect(first.kept / first.count < 0.5, `the top entry keeps ${first.kept} of ${first.count}`);
    expect(first.expected / first.count < 0.5, `the top entry expects ${first.expected} of ${first.count}`);
    await frame.locator('.card:has(#chart-ranked)').scrollIntoViewIfNeeded();
    await sleep(500);
    await screenshot('ranked-chart');
  });

  test('an entry in the tail (count <= t) keeps all of its matches', async () => {
    const frame = panelFrame(page);
    // The largest tail entry: the closest to t, so the one balancing would cut first if it were wrong.
    const tail = ranked.find((e) => e.count <= DEMO_T);
    expect(tail !== undefined, `no entry counts ${DEMO_T} or less`);
    const entry = /** @type {SummaryEntry} */ (tail);
    expect(
      entry.kept === entry.count,
      `summary.json: "${entry.entry}" keeps ${entry.kept} of ${entry.count}`,
    );
    await frame.locator('#table-search input').fill(`#${entry.id}`);
    const row = await eventually(
      async () => {
        const r = (await tableRows(frame)).find((x) => x.id === entry.id);
        return r && Number.isFinite(r.kept) ? r : null;
      },
      { timeout: 15_000, message: `the row of "${entry.entry}" (#${entry.id})` },
    );
    log(`tail row: "${entry.entry}" count ${row.count}, expected kept ${row.expected}, kept ${row.kept}`);
    expect(row.count === entry.count, `count ${row.count}, summary ${entry.count}`);
    expect(row.count <= DEMO_T, `"${entry.entry}" counts ${row.count} > t`);
    expect(row.kept === row.count, `"${entry.entry}" keeps ${row.kept} of ${row.count}`);
    expect(row.expected === row.count, `"${entry.entry}" expects ${row.expected} of ${row.count}`);
    await frame.locator('#table-search input').fill('');
    await eventually(async () => (await tableRows(frame))[0]?.id === ranked[0].id, {
      timeout: 15_000,
      message: 'the table back on the top entry',
    });
    await frame.locator('#table-viewport').scrollIntoViewIfNeeded();
    await sleep(500);
    await screenshot('table');
  });

  try {
    return await runner.run();
  } finally {
    await sleep(100);
    server?.saveLogs('demo');
    if (browser) await browser.close().catch(() => undefined);
    if (server) {
      await server.stop();
      server.cleanup();
    }
  }
}
