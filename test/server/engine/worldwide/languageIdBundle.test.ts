/**
 * The language identifier bundled as the CLI is (esbuild, CommonJS, with the import.meta.url shim
 * of scripts/build.mjs) and run from a folder with no node_modules, its model and wasm next to the
 * bundle in lid/ as scripts/build.mjs puts them in dist/lid/: it loads offline and identifies.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { tempDir } from '../../../support/fixtures';

const REPO = resolve(__dirname, '../../../../..');

describe('language identification, bundled', () => {
  it('loads from lid/ beside the bundle, without node_modules', async function () {
    this.timeout(120_000);
    const dir = tempDir('metacurate-lid-bundle-');
    try {
      const entry = join(dir.path, 'entry.ts');
      const module = join(REPO, 'server/engine/src/worldwide/languageId.ts');
      writeFileSync(
        entry,
        `import { loadLanguageIdentifier } from ${JSON.stringify(module)};\n` +
          `void loadLanguageIdentifier().then((lid) => console.log(JSON.stringify(` +
          `['Ein Hund läuft am Strand', '北京的天安门广场', 'แมวสีส้มนอนบนโซฟา', '42'].map((t) => lid.identify(t)))));\n`,
      );
      const out = join(dir.path, 'dist');
      await build({
        entryPoints: { cli: entry },
        outdir: out,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        logLevel: 'silent',
        inject: [join(REPO, 'scripts/importMetaUrl.mjs')],
        define: { 'import.meta.url': 'importMetaUrl' },
      });
      const pkg = join(dirname(require.resolve('fasttext.wasm.js')), '..');
      mkdirSync(join(out, 'lid'));
      copyFileSync(join(pkg, 'core/fastText.node.wasm'), join(out, 'lid/fastText.node.wasm'));
      copyFileSync(
        join(pkg, 'models/language-identification/assets/lid.176.ftz'),
        join(out, 'lid/lid.176.ftz'),
      );
      // The bundle carries the package's code: nothing left to resolve at run time.
      assert.doesNotMatch(readFileSync(join(out, 'cli.js'), 'utf8'), /require\(["']fasttext\.wasm\.js["']\)/);
      const run = spawnSync(process.execPath, [join(out, 'cli.js')], { cwd: dir.path, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), ['de', 'zh', 'th', 'und']);
    } finally {
      dir.remove();
    }
  });
});
