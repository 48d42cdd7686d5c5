// What a user sees: the built VSIX in a fresh code-server, a workspace with a metadata file and a
// JSONL sample, driven through headless Chromium. Screenshots of every step go to artifacts/e2e/.
// Started by test/e2e/main.mjs (`bash scripts/e2e/run.sh`).
import {
  activeTab,
  createRunner,
  cursorPosition,
  eventually,
  expect,
  launchBrowser,
  openFile,
  pickRow,
  runCommand,
  sleep,
  spanCenter,
  startCodeServer,
  tokenSpans,
  activeEditorText,
} from './harness.mjs';
import { DARK, LIGHT, METADATA, OTHER_METADATA, entryLine, writeWorkspace } from './workspace.mjs';

const log = (m) => console.log(`e2e: ${m}`);

/** Runs the UI checks on a normal code-server; resolves to the counts. */
export async function uiSuite(vsix) {
  let page;
  const runner = createRunner(() => page, 'ui');
  const { test, screenshot } = runner;
  /** @type {import('./harness.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('./harness.mjs').Browser | undefined} */
  let browser;

  test('code-server starts with the VSIX installed and the workbench loads', async () => {
    server = await startCodeServer({ vsix, log });
    const ws = writeWorkspace(server.dir);
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    await page
      .locator('.explorer-folders-view .monaco-list-row', { hasText: 'metadata.json' })
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshot('workbench');
  });

  test('the status bar shows the entries loaded', async () => {
    const item = page.locator('.statusbar-item', { hasText: /entries/ }).first();
    const text = await eventually(
      async () => {
        const t = await item.innerText({ timeout: 1_000 });
        // Not the server's first status, sent before its workspace scan has found the list.
        return /[1-9][\d,]* entries/.test(t) && !/sync~spin/.test(t) ? t : null;
      },
      { timeout: 60_000, message: 'a status-bar item with "N entries"' },
    );
    const n = Number(/** @type {RegExpExecArray} */ (/([\d,]+) entries/.exec(text))[1].replace(/,/g, ''));
    expect(
      n === METADATA.length,
      `status bar says ${n} entries, the metadata has ${METADATA.length}: ${text}`,
    );
    await screenshot('status-bar');
  });

  test('the Problems panel lists the metadata diagnostics', async () => {
    await openFile(page, 'metadata.json');
    await page.keyboard.press('Control+Shift+M');
    const panel = page.locator('.markers-panel').first();
    await panel.waitFor({ state: 'visible', timeout: 15_000 });
    const text = await eventually(
      async () => {
        const t = await panel.innerText();
        return /duplicate/i.test(t) &&
          /St\. Louis|full stop|punctuation|never match/i.test(t) &&
          /trailing|space/i.test(t)
          ? t
          : null;
      },
      { timeout: 30_000, message: 'diagnostics about the duplicate, the full stop and the trailing space' },
    );
    log(`problems:\n    ${text.trim().split('\n').join('\n    ')}`);
    const count = await page.locator('.markers-panel .monaco-list-row').count();
    expect(count >= 4, `expected the file row and at least 3 problems, found ${count} rows`);
    await screenshot('problems-panel');
  });

  test('matched spans in the JSONL sample carry the semantic-token colours', async () => {
    await page.keyboard.press('Control+Shift+M'); // close the panel
    await openFile(page, 'samples/captions.jsonl');
    const tail = await eventually(
      async () =>
        (await tokenSpans(page, 'golden retriever')).find(
          (s) => s.text === 'golden retriever' && s.color === DARK.tail,
        ),
      { timeout: 45_000, message: `"golden retriever" painted ${DARK.tail} (tail entry)` },
    );
    expect(tail.textDecoration.includes('underline'), `tail span is not underlined: ${JSON.stringify(tail)}`);
    const head = await eventually(
      async () => (await tokenSpans(page, 'dog')).find((s) => s.text === 'dog' && s.color === DARK.head),
      { timeout: 15_000, message: `"dog" painted ${DARK.head} (head entry at t = 1)` },
    );
    expect(Number(head.fontWeight) >= 600, `head span is not bold: ${JSON.stringify(head)}`);
    const plain = (await tokenSpans(page, 'playing')).filter(
      (s) => s.color === DARK.tail || s.color === DARK.head,
    );
    expect(plain.length === 0, `unmatched text is painted as a match: ${JSON.stringify(plain)}`);
    await screenshot('semantic-tokens');
  });

  test('hovering a match shows the entry', async () => {
    const at = await spanCenter(page, 'golden retriever');
    expect(at, 'no "golden retriever" span to hover');
    await page.mouse.move(at.x - 40, at.y + 40);
    await page.mouse.move(at.x, at.y, { steps: 5 });
    const hover = page
      .locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-hover:not(.hidden) .hover-contents')
      .first();
    await hover.waitFor({ state: 'visible', timeout: 15_000 });
    const text = await hover.innerText();
    log(`hover: ${text.replace(/\s+/g, ' ').trim()}`);
    expect(text.includes('golden retriever'), `hover does not name the entry: ${text}`);
    expect(/\bid 2\b/.test(text), `hover does not show the entry id 2: ${text}`);
    await screenshot('hover');
    await page.keyboard.press('Escape');
  });

  test('go to definition (F12) on a match lands on the entry in metadata.json', async () => {
    const at = await spanCenter(page, 'golden retriever');
    expect(at, 'no "golden retriever" span');
    await page.mouse.click(at.x, at.y);
    await sleep(300);
    await page.keyboard.press('F12');
    await activeTab(page, 'metadata.json');
    const pos = await eventually(
      async () => {
        const p = await cursorPosition(page);
        return p.line === entryLine(2) ? p : null;
      },
      { timeout: 10_000, message: `the cursor on line ${entryLine(2)} of metadata.json` },
    );
    log(`definition: metadata.json Ln ${pos.line}, Col ${pos.column}`);
    await screenshot('definition');
  });

  test('"Metacurate: Show Log" opens the output channel', async () => {
    await runCommand(page, 'Metacurate: Show Log');
    const panel = page.locator('.part.panel');
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
    await eventually(
      async () => /The language server is running/.test((await panel.innerText()).replace(/\u00a0/g, ' ')),
      {
        timeout: 10_000,
        message: 'the Metacurate log in the panel',
      },
    );
    await screenshot('output-channel');
  });

  test('the light theme gets the light colours', async () => {
    await openFile(page, 'samples/captions.jsonl');
    const widget = page.locator('.quick-input-widget');
    await runCommand(page, 'Preferences: Color Theme');
    await widget.waitFor({ state: 'visible', timeout: 10_000 });
    await widget.locator('input.input').fill('Light Modern');
    await pickRow(widget, 'Light Modern');
    await eventually(
      async () =>
        (await tokenSpans(page, 'golden retriever')).find(
          (s) => s.text === 'golden retriever' && s.color === LIGHT.tail,
        ),
      { timeout: 15_000, message: `"golden retriever" painted ${LIGHT.tail} in Light Modern` },
    );
    await eventually(
      async () => (await tokenSpans(page, 'dog')).find((s) => s.text === 'dog' && s.color === LIGHT.head),
      {
        timeout: 5_000,
        message: `"dog" painted ${LIGHT.head} in Light Modern`,
      },
    );
    await screenshot('light-theme');
  });

  test('"Preview Matches" from the explorer opens a read-only preview of a Parquet sample, highlighted', async () => {
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'shard.parquet' }).first();
    await row.click({ button: 'right' });
    const item = page.locator('.monaco-menu .action-item', { hasText: 'Preview Matches' }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot('explorer-context-menu');
    await item.click();
    await activeTab(page, 'shard.parquet.preview.jsonl');
    await eventually(
      async () =>
        (await tokenSpans(page, 'golden retriever')).find(
          (s) => s.text === 'golden retriever' && s.color === LIGHT.tail,
        ),
      { timeout: 15_000, message: '"golden retriever" highlighted in the preview' },
    );
    const text = await activeEditorText(page);
    expect(/nothing to see here/.test(text), `preview misses the second record: ${text}`);
    // Read-only: typing changes nothing.
    await page.keyboard.type('x');
    const after = await activeEditorText(page);
    expect(after === text, 'the preview document accepted typing');
    await screenshot('preview-matches');
  });

  test('"Use as Metadata" makes another list the active metadata', async () => {
    await openFile(page, 'lists/animals.json');
    await runCommand(page, 'Metacurate: Use as Metadata');
    const toast = page
      .locator('.notifications-toasts .notification-toast', { hasText: 'as metadata' })
      .first();
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    const said = await toast.innerText();
    expect(
      said.includes(`animals.json as metadata (${OTHER_METADATA.length} entries)`),
      `notification: ${said}`,
    );
    await eventually(
      async () =>
        (
          await page
            .locator('.statusbar-item', { hasText: /entries/ })
            .first()
            .innerText()
        ).includes(`${OTHER_METADATA.length} entries`),
      { timeout: 15_000, message: `the status bar at ${OTHER_METADATA.length} entries` },
    );
    await screenshot('use-as-metadata');
  });

  let result;
  try {
    result = await runner.run();
  } finally {
    if (server) server.saveLogs('ui');
    if (browser) await browser.close().catch(() => undefined);
    if (server) {
      await server.stop();
      server.cleanup();
    }
  }
  return result;
}
