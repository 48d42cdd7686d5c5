// The end-to-end harness: a fresh code-server with the built VSIX installed, headless Chromium
// driven by playwright-core, a tiny sequential test runner that prints `N passed, N failed`, and
// helpers that act like a user (command palette, quick open, hover, keys).
/* global document, getComputedStyle, fetch */
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
const TOOLS = join(ROOT, '.tools');
const NODE_BIN = join(TOOLS, `node-${NODE_VERSION}`, 'bin');
const CODE_SERVER = join(TOOLS, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
export const ARTIFACTS = join(ROOT, 'artifacts', 'e2e');

/** Runs the bundled `metacurate` CLI as a user would and returns its stdout. */
export function cli(args, opts = {}) {
  return execFileSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], {
    encoding: 'utf8',
    ...opts,
  });
}
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const USER_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'remote.autoForwardPorts': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'editor.hover.delay': 200,
  'files.autoSave': 'off',
};

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A fresh code-server (own user-data, extensions and XDG folders) with `vsix` installed.
 * @param {{ vsix: string, log: (message: string) => void, extraArgs?: string[], workspaceTrust?: boolean }} options
 */
export async function startCodeServer({ vsix, log, extraArgs = [], workspaceTrust = false }) {
  for (const [what, p] of [
    ['code-server (run scripts/e2e/setup.sh)', CODE_SERVER],
    ['Node 24 (run scripts/e2e/setup.sh)', join(NODE_BIN, 'node')],
    ['the VSIX (run npm run package)', vsix],
    ['Chromium', CHROMIUM],
  ]) {
    if (!existsSync(p)) throw new Error(`missing ${what}: ${p}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'metacurate-e2e-'));
  const userData = join(dir, 'user-data');
  const extensions = join(dir, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  const settings = workspaceTrust
    ? // Trust on, no prompt: a new folder opens untrusted, in Restricted Mode.
      {
        ...USER_SETTINGS,
        'security.workspace.trust.enabled': true,
        'security.workspace.trust.startupPrompt': 'never',
      }
    : USER_SETTINGS;
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const env = {
    ...process.env,
    PATH: `${NODE_BIN}:${process.env.PATH}`,
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    XDG_DATA_HOME: join(dir, 'xdg-data'),
    XDG_CACHE_HOME: join(dir, 'xdg-cache'),
  };
  const common = [
    '--config',
    join(dir, 'config.yaml'),
    '--user-data-dir',
    userData,
    '--extensions-dir',
    extensions,
  ];
  log(`installing ${vsix}`);
  execFileSync(CODE_SERVER, [...common, '--install-extension', vsix], {
    env,
    stdio: 'pipe',
    timeout: 120_000,
  });

  const port = await freePort();
  const args = [
    ...common,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    ...extraArgs,
  ];
  const out = openSync(join(dir, 'code-server.log'), 'a');
  // detached = setsid: the whole process group (extension host, language server) stops with it.
  const proc = spawn(CODE_SERVER, args, { env, detached: true, stdio: ['ignore', out, out] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode}; see ${dir}`);
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url} within 60 s`);
    await sleep(250);
  }
  log(`code-server ${CODE_SERVER_VERSION} on ${url} (folder ${dir})`);
  return {
    url,
    dir,
    userData,
    extensionsDir: extensions,
    /** Copies code-server's and the extension host's logs into artifacts/e2e/logs/<name>. */
    saveLogs(name) {
      const dest = join(ARTIFACTS, 'logs', name);
      rmSync(dest, { recursive: true, force: true });
      mkdirSync(dest, { recursive: true });
      cpSync(join(dir, 'code-server.log'), join(dest, 'code-server.log'));
      if (existsSync(join(userData, 'logs')))
        cpSync(join(userData, 'logs'), join(dest, 'vscode'), { recursive: true });
    },
    async stop() {
      try {
        process.kill(-(/** @type {number} */ (proc.pid)), 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 20 && proc.exitCode === null; i++) await sleep(100);
      try {
        process.kill(-(/** @type {number} */ (proc.pid)), 'SIGKILL');
      } catch {
        // already gone
      }
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startCodeServer>>} CodeServer */
/** @typedef {Awaited<ReturnType<typeof launchBrowser>>} Browser */

/** Headless Debian Chromium that reaches loopback only. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'metacurate-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1' || host === 'localhost') return route.continue();
    return route.abort();
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Sequential tests; a failing test leaves a screenshot and the rest still run. */
export function createRunner(getPage, prefix) {
  const tests = [];
  let shot = 0;
  async function screenshot(name) {
    const page = getPage();
    if (!page) return;
    mkdirSync(ARTIFACTS, { recursive: true });
    shot += 1;
    const file = join(ARTIFACTS, `${prefix}-${String(shot).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file }).catch(() => undefined);
  }
  return {
    screenshot,
    test(name, fn) {
      tests.push({ name, fn });
    },
    async run() {
      let passed = 0;
      let failed = 0;
      for (const t of tests) {
        const started = Date.now();
        try {
          await t.fn();
          passed += 1;
          console.log(`  ok   ${t.name} (${Date.now() - started} ms)`);
        } catch (err) {
          failed += 1;
          console.log(
            `  FAIL ${t.name} (${Date.now() - started} ms)\n       ${String(
              /** @type {Error | undefined} */ (err)?.stack ?? err,
            )
              .split('\n')
              .join('\n       ')}`,
          );
          await screenshot(`FAILED-${t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`);
        }
      }
      return { passed, failed };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Acting like a user
// ---------------------------------------------------------------------------------------------

export async function waitForWorkbench(page) {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
  await page.locator('.statusbar').waitFor({ state: 'visible', timeout: 30_000 });
  await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
}

async function quickInput(page, key, text) {
  const widget = page.locator('.quick-input-widget');
  await page.keyboard.press('Escape');
  await page.keyboard.press(key);
  await widget.waitFor({ state: 'visible', timeout: 10_000 });
  const input = widget.locator('input.input');
  if (text !== undefined) {
    await input.fill(text);
    await sleep(400);
  }
  return widget;
}

/** Clicks the quick-pick row whose label is exactly `label`. */
export async function pickRow(widget, label) {
  const row = widget
    .locator('.monaco-list-row')
    .filter({
      has: widget.page().locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }),
    })
    .first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  try {
    await row.click({ timeout: 5_000 });
  } catch {
    // A pick whose rows re-render as they update (a running job's progress) may never be "stable"
    // for a click: filter the pick down to the label and choose it by keyboard instead.
    const input = widget.locator('input').first();
    await input.fill(label);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await input.press('Enter');
  }
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** F1, the command's label, a click on that command. */
export async function runCommand(page, label) {
  const widget = await quickInput(page, 'F1', `>${label}`);
  await pickRow(widget, label);
}

/** Quick Open (Ctrl+P) on a workspace-relative path, then wait for its tab. */
export async function openFile(page, relPath) {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  const widget = await quickInput(page, 'Control+P', relPath);
  await widget.locator('.monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await activeTab(page, name);
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
}

/**
 * The text of the visible lines of the active editor group's editor (inlay hints included), with
 * Monaco's NBSPs as spaces. With editors side by side, `.first()` alone would read the leftmost.
 */
export async function activeEditorText(page) {
  const lines = page
    .locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines')
    .first();
  return (await lines.innerText()).replace(/\u00a0/g, ' ');
}

export async function activeTab(page, name, timeout = 15_000) {
  await page
    .locator('.tabs-container .tab.active', { hasText: name })
    .first()
    .waitFor({ state: 'visible', timeout });
}

/** The `Ln x, Col y` of the active editor, as the status bar shows it. */
export async function cursorPosition(page) {
  const text = await page
    .locator('.statusbar-item[id="status.editor.selection"]')
    .first()
    .innerText({ timeout: 5_000 });
  const m = /Ln (\d+), Col (\d+)/.exec(text);
  if (!m) throw new Error(`no cursor position in the status bar: ${JSON.stringify(text)}`);
  return { line: Number(m[1]), column: Number(m[2]) };
}

/** Every token span of the visible editor lines whose text includes `text`, with its style. */
export async function tokenSpans(page, text) {
  return page.evaluate((needle) => {
    const editor = document.querySelector('.editor-instance .monaco-editor');
    if (!editor) return [];
    const out = [];
    for (const span of editor.querySelectorAll('.view-lines .view-line span > span')) {
      // Monaco renders spaces as U+00A0.
      const text = span.textContent.replace(/\u00a0/g, ' ');
      if (!text.includes(needle)) continue;
      const style = getComputedStyle(span);
      out.push({
        text,
        className: span.className,
        color: style.color,
        fontWeight: style.fontWeight,
        textDecoration: style.textDecorationLine,
      });
    }
    return out;
  }, text);
}

/** The center of the first token span whose text is exactly `text`, in page coordinates. */
export async function spanCenter(page, text) {
  return page.evaluate((needle) => {
    const spans = document.querySelectorAll(
      '.editor-instance .monaco-editor .view-lines .view-line span > span',
    );
    for (const span of spans) {
      if (span.textContent.replace(/\u00a0/g, ' ') !== needle) continue;
      const r = span.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    }
    return null;
  }, text);
}

export function expect(cond, message) {
  if (!cond) throw new Error(message);
}

export async function eventually(fn, { timeout = 30_000, interval = 500, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeout} ms waiting for ${message}${last ? `: ${/** @type {Error} */ (last).message}` : ''}`,
      );
    }
    await sleep(interval);
  }
}

export { sleep };

/** The balance panel's webview document. */
export function panelFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** The hover of the metadata entry `entry` in the active editor, once it says `pattern`. */
export async function entryHover(page, entry, pattern, { timeout = 45_000 } = {}) {
  return eventually(
    async () => {
      await page.keyboard.press('Escape');
      const at = await spanCenter(page, JSON.stringify(entry));
      if (!at) return null;
      await page.mouse.move(at.x - 60, at.y + 60);
      await page.mouse.move(at.x, at.y, { steps: 5 });
      const hover = page
        .locator(
          '.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-hover:not(.hidden) .hover-contents',
        )
        .first();
      await hover.waitFor({ state: 'visible', timeout: 10_000 });
      const text = (await hover.innerText()).replace(/\s+/g, ' ');
      return pattern.test(text) ? text : null;
    },
    { timeout, interval: 1_000, message: `a hover of "${entry}" saying ${pattern}` },
  );
}
