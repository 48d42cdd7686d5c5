// Bundles every entry point of the product with esbuild. Entries whose source
// does not exist yet (parts owned by later issues) are skipped.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const nodeEntries = [
  { in: 'server/src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'server/src/engine/curateWorker.ts', out: 'curateWorker' },
  { in: 'server/src/metadata/ngramWorker.ts', out: 'metadataWorker' },
  { in: 'server/src/lsp/main.ts', out: 'server' },
  { in: 'client/src/extension.ts', out: 'extension', external: ['vscode'] },
  { in: 'client/src/balanceWorker.ts', out: 'balanceWorker' },
];
const browserEntries = [{ in: 'webview/src/main.ts', out: 'webview' }];

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
await Promise.all(jobs);
