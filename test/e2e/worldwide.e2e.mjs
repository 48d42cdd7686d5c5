// A worldwide (MetaCLIP 2) curation in the real VS Code (code-server + headless Chromium): a
// metadata folder built by the CLI (`metacurate metadata build --lang en|zh|th --out-dir meta`
// from small generated dumps) and a multilingual JSONL pool with a `lang` field (some records
// without it). "Curate Pool…" offers the folder, asks for the language field and English's t,
// and curates worldwide; zh.json's hover then shows zh's count and t_zh of that curation (checked
// against its summary.json), never an English-only curation's; the balance panel's language
// selector lists each language with its t, choosing zh sets t to t_zh, and "All languages" draws
// one curve per language. Started by test/e2e/main.mjs
// (`METACURATE_E2E_SUITES=worldwide bash scripts/e2e/run.sh` runs it alone).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  entryHover,
  panelFrame,
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
  waitForWorkbench,
} from './harness.mjs';

const log = (m) => console.log(`e2e: ${m}`);

/** Per language, the text of a generated Wikipedia dump: the words said twice become its list (--min-unigram 2). */
const DUMPS = {
  en: ['dog. cat. sunset.', 'dog, cat and sunset.'],
  zh: ['狗。猫。', '狗。猫。日落。'],
  th: ['หมา แมว', 'หมา แมว'],
};
/** The pool: [caption, its `lang` (none: not given), how many records]. */
/** @type {Array<[string, string | undefined, number]>} */
const POOL = [
  ['a dog on the grass', 'en', 30],
  ['a cat', 'en', 10],
  ['a dog and a cat', 'en', 5],
  ['a sunset', 'en', 5],
  ['一只狗在草地上', 'zh', 20],
  ['小猫', 'zh', 6],
  ['狗和猫', 'zh', 4],
  ['หมานอน', 'th', 8],
  ['แมวบนโซฟา', 'th', 3],
  ['a dog without a language', undefined, 3],
  ['一只狗', undefined, 2],
];
/** English's t: with these counts t_en = 20 gives t_zh = 10 and t_th = 3 (three different t). */
const T_EN = 20;
const SETTINGS = { 'metacurate.t': T_EN, 'metacurate.executor': 'local', 'metacurate.workers': 1 };
/** The English-only curation of en.json alone, at a t no language of the worldwide one has. */
const EN_ONLY_T = 1;

function dumpXml(texts) {
  const pages = texts
    .map(
      (text, i) =>
        `<page><title>P${i}</title><ns>0</ns><id>${i + 1}</id><revision><id>${i + 1}</id>` +
        `<text xml:space="preserve">${text}</text></revision></page>`,
    )
    .join('\n');
  return `<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/">\n${pages}\n</mediawiki>\n`;
}

function writeWorldwideWorkspace(dir) {
  const ws = join(dir, 'worldwide-workspace');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  mkdirSync(join(ws, 'pool'), { recursive: true });
  mkdirSync(join(dir, 'dumps'), { recursive: true });
  writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  for (const [lang, texts] of Object.entries(DUMPS)) {
    const dump = join(dir, 'dumps', `${lang}wiki.xml`);
    writeFileSync(dump, dumpXml(texts));
    cli(
      [
        'metadata',
        'build',
        '--lang',
        lang,
        '--out-dir',
        join(ws, 'meta'),
        '--no-wordnet',
        '--wiki-dump',
        dump,
        '--parts',
        'unigrams',
        '--min-unigram',
        '2',
        '--threads',
        '1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
  }
  const lines = POOL.flatMap(([caption, lang, n]) =>
    Array.from({ length: n }, () => JSON.stringify(lang ? { caption, lang } : { caption })),
  );
  writeFileSync(join(ws, 'pool', 'pool.jsonl'), lines.join('\n') + '\n');
  cli(
    [
      'curate',
      '--metadata',
      join(ws, 'meta', 'en.json'),
      '--input',
      join(ws, 'pool', 'pool.jsonl'),
      '--text-field',
      'caption',
      '--t',
      String(EN_ONLY_T),
      '--seed',
      '1',
      '--out',
      join(ws, 'en-only'),
      '--progress',
      'none',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return ws;
}

const fmt = (n) => n.toLocaleString('en-US');

/**
 * The palette, after taking the keyboard focus back to the workbench; again while it finds no such
 * command (the extension's contributions may still be loading after the workbench shows).
 */
async function command(page, label) {
  await eventually(
    async () => {
      await page.locator('.part.sidebar .title-label').first().click();
      await runCommand(page, label);
      return true;
    },
    { timeout: 90_000, interval: 2_000, message: `the command ${label}` },
  );
}

/** The quick input in front, once its title says `pattern`. */
async function quickTitle(page, pattern) {
  const widget = page.locator('.quick-input-widget');
  await eventually(async () => pattern.test(await widget.locator('.quick-input-title').innerText()), {
    timeout: 30_000,
    message: `a quick input titled ${pattern}`,
  });
  return widget;
}

/** Answers the input box in front with `value`. */
async function answerInput(page, value) {
  const input = page.locator('.quick-input-widget input.input');
  await input.fill(value);
  await sleep(200);
  await input.press('Enter');
  await sleep(400);
}

export async function worldwideSuite(vsix) {
  let page;
  const runner = createRunner(() => page, 'worldwide');
  const { test, screenshot } = runner;
  /** @type {import('./harness.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('./harness.mjs').Browser | undefined} */
  let browser;
  let ws;
  /** The worldwide curation's summary.json, once it is written. */
  let summary;
  const language = (code) => summary.worldwide.languages.find((l) => l.code === code);

  test('a workspace with a metadata folder built by the CLI and a multilingual pool opens', async () => {
    server = await startCodeServer({ vsix, log });
    ws = writeWorldwideWorkspace(server.dir);
    const provenance = JSON.parse(readFileSync(join(ws, 'meta', 'provenance.json'), 'utf8'));
    expect(
      Object.keys(provenance.languages).join(',') === 'en,th,zh',
      `the folder's languages: ${Object.keys(provenance.languages)}`,
    );
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await waitForWorkbench(page);
    // The extension's view in the explorer: its contributions (commands too) are loaded.
    await page
      .locator('.pane-header', { hasText: 'Metacurate Runs' })
      .first()
      .waitFor({ state: 'visible', timeout: 90_000 });
    await screenshot('opened');
  });

  test('"Curate Pool…" offers the folder, asks for the language field and t_en, and curates worldwide', async () => {
    await command(page, 'Metacurate: Curate Pool…');
    let widget = await quickTitle(page, /metadata$/);
    const rows = (await widget.locator('.monaco-list-row').allInnerTexts()).join('\n');
    expect(/worldwide: en, th, zh/.test(rows), `the metadata pick does not offer the folder: ${rows}`);
    await pickRow(widget, 'meta');
    widget = await quickTitle(page, /pool$/);
    await pickRow(widget, 'Glob pattern…');
    await quickTitle(page, /pool glob/);
    await answerInput(page, 'pool/*.jsonl');
    widget = await quickTitle(page, /text field/);
    await pickRow(widget, 'caption');
    widget = await quickTitle(page, /language field/);
    const fields = await widget.locator('.monaco-list-row').allInnerTexts();
    const first = (await widget.locator('.monaco-list-row .label-name').first().innerText()).trim();
    expect(first === 'lang', `the language field pick does not start with lang: ${fields}`);
    expect(
      fields.some((f) => f.includes('Identify each caption')),
      `no identification choice: ${fields}`,
    );
    await pickRow(widget, 'lang');
    await quickTitle(page, /t_en/);
    await answerInput(page, String(T_EN));
    await quickTitle(page, /seed/);
    await answerInput(page, '1');
    await quickTitle(page, /output folder/);
    await answerInput(page, 'ww-curated');
    const toast = page
      .locator('.notifications-toasts .notification-toast', { hasText: 't per language' })
      .first();
    await toast.waitFor({ state: 'visible', timeout: 300_000 });
    const text = (await toast.innerText()).replace(/\s+/g, ' ');
    log(`summary: ${text}`);
    summary = JSON.parse(readFileSync(join(ws, 'ww-curated', 'summary.json'), 'utf8'));
    const w = summary.worldwide;
    expect(w, 'summary.json has no worldwide part');
    expect(
      w.t_en === T_EN && w.language_source.kind === 'field' && w.language_source.field === 'lang',
      `the curation did not run with --t-en ${T_EN} --lang-field lang: ${JSON.stringify(w)}`,
    );
    const ts = ['en', 'th', 'zh'].map((code) => `${code} ${fmt(language(code).t)}`).join(', ');
    expect(text.includes(`t per language: ${ts}`), `the notification's t per language is not ${ts}: ${text}`);
    expect(
      new Set(['en', 'th', 'zh'].map((code) => language(code).t)).size === 3,
      `the languages' t are not all different: ${ts}`,
    );
    // The curation took languages from `lang`; the editor is offered the same source for samples.
    await toast.locator('.monaco-button', { hasText: "Use 'lang' for Sample Languages" }).first().click();
    await eventually(
      async () => {
        const path = join(ws, '.vscode', 'settings.json');
        return (
          existsSync(path) &&
          /"metacurate\.worldwide\.languageField":\s*"lang"/.test(readFileSync(path, 'utf8'))
        );
      },
      { timeout: 30_000, message: "the workspace setting metacurate.worldwide.languageField = 'lang'" },
    );
    await screenshot('curated');
  });

  test("zh.json's hover shows zh's count and t_zh of the worldwide curation (its samples counted alike), never the English-only one's", async () => {
    expect(summary, 'no worldwide curation');
    expect(existsSync(join(ws, 'en-only', 'summary.json')), 'the English-only curation is missing');
    const zh = language('zh');
    const zhEntries = JSON.parse(readFileSync(join(ws, 'meta', 'zh.json'), 'utf8'));
    const id = zh.offset + zhEntries.indexOf('狗');
    const count = summary.entries.find((e) => e.id === id)?.count;
    expect(count === 24, `the summary's count of 狗 is ${count}, the pool has 24`);
    await openFile(page, 'meta/zh.json');
    await command(page, 'Metacurate: Use as Metadata');
    // The samples take their languages from `lang` too (the setting offered after the curation),
    // so the sample count of the pool is the curation's count.
    const text = await entryHover(
      page,
      '狗',
      new RegExp(`Sample matches: ${fmt(count)} of 96 records.*Curation: `),
      { timeout: 90_000 },
    );
    log(`hover: ${text}`);
    expect(
      text.includes(`Curation: ${fmt(count)} (ww-curated, worldwide, language zh, t_zh = ${fmt(zh.t)})`),
      `the hover lacks zh's count ${count} and t_zh = ${zh.t}: ${text}`,
    );
    expect(
      text.includes(`Keep probability at t_zh = ${fmt(zh.t)}:`),
      `keep probability not at t_zh: ${text}`,
    );
    expect(!text.includes('en-only'), `the English-only curation shows on zh.json: ${text}`);
    expect(!text.includes(`t = ${EN_ONLY_T})`), `the English-only curation's t shows on zh.json: ${text}`);
    await screenshot('zh-hover');
  });

  test('the balance panel lists each language with its t; All languages draws each curve at t_en; zh sets t to t_zh', async () => {
    expect(summary, 'no worldwide curation');
    await command(page, 'Metacurate: Show Entry Balance');
    await activeTab(page, 'Entry Balance', 30_000);
    const frame = panelFrame(page);
    const select = frame.locator('vscode-single-select#language-select');
    await eventually(async () => (await select.isVisible()) || null, {
      timeout: 90_000,
      message: 'the language selector of the worldwide curation',
    });
    expect((await select.getAttribute('aria-label')) === 'Language', 'the selector is not labelled Language');
    await select.click();
    const options = await eventually(
      async () => {
        const texts = await frame.locator('#language-select li.option').allInnerTexts();
        return texts.length > 0 ? texts.map((t) => t.trim()) : null;
      },
      { timeout: 30_000, message: 'the language options' },
    );
    log(`languages: ${options.join(' | ')}`);
    const expected = [
      'All languages',
      ...summary.worldwide.languages.map((l) => `${l.code} (t = ${l.t}, ${fmt(l.records)} records)`),
    ];
    expect(
      JSON.stringify(options) === JSON.stringify(expected),
      `the options are ${JSON.stringify(options)}, the summary says ${JSON.stringify(expected)}`,
    );
    /** Chooses a language option (its face is clicked open first but for the first choice). */
    const choose = async (label, open) => {
      if (open) await select.click();
      await frame.locator('#language-select li.option', { hasText: label }).first().click();
    };
    const tShown = (t, message) =>
      eventually(async () => (await frame.locator('#t-input').evaluate((el) => el.value)) === String(t), {
        timeout: 60_000,
        message,
      });
    await choose('All languages', false);
    const curves = frame.locator('section#language-curves');
    await curves.waitFor({ state: 'visible', timeout: 60_000 });
    const drawn = await eventually(
      async () => {
        const codes = await curves
          .locator('g[data-language]')
          .evaluateAll((els) => els.map((el) => el.getAttribute('data-language')));
        return codes.length > 0 ? codes : null;
      },
      { timeout: 30_000, message: 'the curves of the languages' },
    );
    const codes = summary.worldwide.languages.map((l) => l.code);
    expect(
      JSON.stringify([...drawn].sort()) === JSON.stringify([...codes].sort()),
      `curves drawn for ${drawn}, the curation's languages are ${codes}`,
    );
    const legend = await frame.locator('#language-legend').innerText();
    for (const l of summary.worldwide.languages)
      expect(legend.includes(`${l.code} (t = ${l.t})`), `the legend lacks ${l.code}'s t: ${legend}`);
    await tShown(T_EN, `#t-input at t_en = ${T_EN} for all languages`);
    await screenshot('panel-all-languages');
    const zh = language('zh');
    await choose(/^\s*zh \(/, true);
    await tShown(zh.t, `#t-input at t_zh = ${zh.t}`);
    expect(!(await curves.isVisible()), 'the All languages chart still shows with zh chosen');
    await screenshot('panel-zh');
  });

  try {
    return await runner.run();
  } finally {
    await sleep(100);
    server?.saveLogs('worldwide');
    if (browser) await browser.close().catch(() => undefined);
    if (server) await server.stop();
  }
}
