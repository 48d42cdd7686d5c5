/**
 * The layer rule of `npm run lint` (scripts/eslint/layers.mjs), run through ESLint itself on
 * fixture sources placed in each layer: a wrong-direction import must fail the lint, in every
 * syntax an import can take, and the directions ARCHITECTURE.md allows must pass.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = resolve(__dirname, '../../..');
// The rule is an ES module; this suite compiles to CommonJS, whose `import()` would become `require`.
const importModule = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

async function lintAs(path: string, code: string): Promise<string[]> {
  const plugin = ((await importModule(join(ROOT, 'scripts/eslint/layers.mjs'))) as { default: ESLint.Plugin })
    .default;
  const tseslint = (await importModule('typescript-eslint')) as { default: { parser: unknown } };
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.default.parser as never },
        plugins: { metacurate: plugin },
        rules: { 'metacurate/layers': ['error', { root: ROOT }] },
      },
    ],
  });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return result.messages.map((m) => m.message);
}

describe('the layers of the product (npm run lint)', () => {
  const forbidden: Array<[string, string, RegExp]> = [
    [
      'server/engine/src/fixture.ts',
      "import { main } from '../../src/cli/main';",
      /engine layer may not import the cli layer/,
    ],
    [
      'server/engine/src/fixture.ts',
      "export * from '../../src/experiment/mini';",
      /may not import the experiment layer/,
    ],
    [
      'server/engine/src/fixture.ts',
      "import { activate } from '../../../client/src/extension';",
      /may not import the client layer/,
    ],
    [
      'server/engine/src/fixture.ts',
      "import * as vscode from 'vscode';",
      /engine layer may not import 'vscode'/,
    ],
    [
      'server/engine/src/fixture.ts',
      "import { createConnection } from 'vscode-languageserver/node';",
      /may not import 'vscode-languageserver\/node'/,
    ],
    [
      'contracts/src/fixture.ts',
      "import type { Metadata } from '../../server/engine/src/metadata';",
      /contracts layer may not import the engine layer/,
    ],
    ['contracts/src/fixture.ts', "import { readFileSync } from 'node:fs';", /may not import 'node:fs'/],
    [
      'client/src/fixture.ts',
      "import { findFiles } from '../../server/src/lsp/completion';",
      /client layer may not import the lsp layer/,
    ],
    [
      'client/src/fixture.ts',
      "const m = require('../../webview/src/main');",
      /may not import the webview layer/,
    ],
    [
      'webview/src/fixture.ts',
      "import { readFileSync } from 'node:fs';",
      /webview layer may not import 'node:fs'/,
    ],
    [
      'webview/src/fixture.ts',
      "type T = import('../../client/src/extension').Api;",
      /may not import the client layer/,
    ],
    [
      'server/src/lsp/fixture.ts',
      "const cli = await import('../cli/main');",
      /lsp layer may not import the cli layer/,
    ],
    [
      'server/src/lsp/fixture.ts',
      "import { build } from '../metadata/build';",
      /lsp layer may not import the metadata layer/,
    ],
    [
      'server/src/cli/fixture.ts',
      "import { x } from '../lsp/completion';",
      /cli layer may not import the lsp layer/,
    ],
    [
      'server/src/cli/fixture.ts',
      "import { x } from '../../../scripts/bench.mjs';",
      /outside the product's layers/,
    ],
  ];
  for (const [path, code, why] of forbidden) {
    it(`fails ${path}: ${code}`, async () => {
      const messages = await lintAs(path, code);
      assert.equal(messages.length, 1, messages.join('\n'));
      assert.match(messages[0], why);
    });
  }

  const allowed: Array<[string, string]> = [
    ['server/engine/src/fixture.ts', "import { SETTINGS_SECTION } from '../../../contracts/src/lsp';"],
    ['server/engine/src/fixture.ts', "import { readFileSync } from 'node:fs';"],
    ['server/src/lsp/fixture.ts', "import { loadMetadata } from '../../engine/src/metadata';"],
    ['server/src/lsp/fixture.ts', "import { createConnection } from 'vscode-languageserver/node';"],
    ['server/src/cli/fixture.ts', "const { startServer } = await import('../lsp/languageServer');"],
    ['server/src/cli/fixture.ts', "import { buildMetadata } from '../metadata/build';"],
    [
      'client/src/fixture.ts',
      "import * as vscode from 'vscode';\nimport { ReadyRequest } from '../../contracts/src/lsp';",
    ],
    ['webview/src/fixture.ts', "import { balanceStats } from '../../server/engine/src/balanceView';"],
    ['test/server/fixture.test.ts', "import { main } from '../../server/src/cli/main';"],
  ];
  for (const [path, code] of allowed) {
    it(`passes ${path}: ${code.split('\n').pop()}`, async () => {
      assert.deepEqual(await lintAs(path, code), []);
    });
  }
});
