// Restricted Mode: with workspace trust on, the folder opens untrusted, and the read-only features
// (status, diagnostics, highlighting) still work, as package.json's `untrustedWorkspaces` promises.
import {
  createRunner,
  eventually,
  expect,
  launchBrowser,
  openFile,
  startCodeServer,
  tokenSpans,
} from './harness.mjs';
import { DARK, METADATA, writeWorkspace } from './workspace.mjs';

const log = (m) => console.log(`e2e: ${m}`);

export async function restrictedSuite(vsix) {
  let page;
  const runner = createRunner(() => page, 'restricted');
  const { test, screenshot } = runner;
  /** @type {import('./harness.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('./harness.mjs').Browser | undefined} */
  let browser;

  test('an untrusted folder opens in Restricted Mode', async () => {
    server = await startCodeServer({ vsix, log, workspaceTrust: true });
    const ws = writeWorkspace(server.dir);
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page
      .locator('.explorer-folders-view .monaco-list-row', { hasText: 'metadata.json' })
      .first()
      .waitFor({ timeout: 60_000 });
    await page
      .locator('.statusbar-item', { hasText: 'Restricted Mode' })
      .first()
      .waitFor({ timeout: 30_000 });
  });

  test('in Restricted Mode the status bar, diagnostics and highlighting work', async () => {
    await eventually(
      async () =>
        (
          await page
            .locator('.statusbar-item', { hasText: /entries/ })
            .first()
            .innerText()
        ).includes(`${METADATA.length} entries`),
      { timeout: 60_000, message: `the status bar at ${METADATA.length} entries` },
    );
    await openFile(page, 'metadata.json');
    const squiggles = page.locator(
      '.editor-instance .monaco-editor .squiggly-warning, .editor-instance .monaco-editor .squiggly-error',
    );
    await eventually(async () => (await squiggles.count()) >= 3, {
      timeout: 30_000,
      message: 'three squiggles',
    });
    await openFile(page, 'samples/captions.jsonl');
    const span = await eventually(
      async () =>
        (await tokenSpans(page, 'golden retriever')).find(
          (s) => s.text === 'golden retriever' && s.color === DARK.tail,
        ),
      { timeout: 30_000, message: '"golden retriever" highlighted' },
    );
    expect(span, 'no highlighted span');
    await screenshot('restricted-mode');
  });

  let result;
  try {
    result = await runner.run();
  } finally {
    if (server) server.saveLogs('restricted');
    if (browser) await browser.close().catch(() => undefined);
    if (server) {
      await server.stop();
      server.cleanup();
    }
  }
  return result;
}
