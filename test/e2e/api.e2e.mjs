// API-level layer: test/e2e/api/suite.cjs runs inside the real extension host of a code-server
// started with the smoke-test driver, with the installed VSIX as the extension under development.
// The workbench reports the suite's exit through `codeAutomationExit`; the per-check lines come
// back through the browser console.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, launchBrowser, startCodeServer } from './harness.mjs';
import { writeWorkspace } from './workspace.mjs';

const log = (m) => console.log(`e2e: ${m}`);
const SUITE = join(ROOT, 'test', 'e2e', 'api', 'suite.cjs');

/** Runs the in-host checks; resolves to the counts they reported. */
export async function apiSuite(vsix) {
  const server = await startCodeServer({
    vsix,
    log,
    extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
  });
  /** @type {import('./harness.mjs').Browser | undefined} */
  let browser;
  try {
    const ws = writeWorkspace(server.dir);
    const installed = readdirSync(server.extensionsDir).find((d) => d.startsWith('metacurate.metacurate-'));
    if (!installed) throw new Error(`the VSIX is not in ${server.extensionsDir}`);
    const extPath = join(server.extensionsDir, installed);

    browser = await launchBrowser();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const lines = [];
    let exited;
    const exit = new Promise((resolve) => (exited = resolve));
    await page.exposeFunction('codeAutomationLog', (type, args) =>
      lines.push(`${type}: ${JSON.stringify(args)}`),
    );
    await page.exposeFunction('codeAutomationExit', (code) => exited(code));
    page.on('console', (msg) => {
      const text = msg.text();
      const m = /api: .*/.exec(text);
      if (m) lines.push(m[0]);
    });

    // The remote authority the workbench uses for files on the server.
    await page.goto(`${server.url}/`);
    const settings = await page
      .locator('#vscode-workbench-web-configuration')
      .getAttribute('data-settings', { timeout: 60_000 });
    const authority = JSON.parse(/** @type {string} */ (settings)).remoteAuthority;
    if (!authority) throw new Error('no remoteAuthority in the workbench configuration');
    const remote = (p) => `vscode-remote://${authority}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(extPath)],
      ['extensionTestsPath', remote(SUITE)],
      ['skipWelcome', 'true'],
    ];
    await page.goto(
      `${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    );
    let timer;
    const code = await Promise.race([
      exit,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('the API suite did not finish in 180 s')), 180_000);
      }),
    ]).finally(() => clearTimeout(timer));

    const results = [...new Set(lines.filter((l) => /^api: (ok|FAIL) /.test(l)))];
    for (const l of results) console.log(`  ${l.replace(/^api: /, '')}`);
    const closing = lines.map((l) => /^api: (\d+) passed, (\d+) failed/.exec(l)).find(Boolean);
    if (!closing) {
      for (const l of lines.slice(-40)) console.log(`    ${l}`);
      throw new Error(`the API suite exited with ${code} without its closing line`);
    }
    const passed = Number(closing[1]);
    const failed = Number(closing[2]);
    if (code !== 0 && failed === 0) throw new Error(`the API suite exited with ${code}`);
    return { passed, failed };
  } catch (err) {
    console.log(`  FAIL API layer: ${/** @type {Error | undefined} */ (err)?.stack ?? err}`);
    return { passed: 0, failed: 1 };
  } finally {
    server.saveLogs('api');
    if (browser) await browser.close().catch(() => undefined);
    await server.stop();
    server.cleanup();
  }
}
