// The product's layers, enforced by `npm run lint` (ARCHITECTURE.md draws the same map).
// Every relative import (static, dynamic, `require`, `import('…').T` types, re-exports) is resolved
// to the file it names, and the layer of that file must be one the importing layer may depend on.
// Bare package names are checked too: `vscode` only in the extension host, the LSP packages only in
// the language server, the client and the contracts, `node:` modules never in the webview.
import { dirname, relative, resolve, sep } from 'node:path';

/** Layer of a repository-relative path, or undefined for files the rule does not govern (tests, scripts). */
export function layerOf(path) {
  const p = path.split(sep).join('/');
  const rules = [
    ['contracts/src/', 'contracts'],
    ['server/engine/src/', 'engine'],
    ['server/src/cli/', 'cli'],
    ['server/src/lsp/', 'lsp'],
    ['server/src/metadata/', 'metadata'],
    ['server/src/experiment/', 'experiment'],
    ['client/src/', 'client'],
    ['webview/src/', 'webview'],
  ];
  for (const [prefix, layer] of rules) if (p.startsWith(prefix)) return layer;
  return undefined;
}

/** Which layers each layer may import (its own included). */
export const ALLOWED = {
  contracts: ['contracts'],
  engine: ['contracts', 'engine'],
  metadata: ['contracts', 'engine', 'metadata'],
  experiment: ['contracts', 'engine', 'experiment'],
  lsp: ['contracts', 'engine', 'lsp'],
  // The CLI is the one front door: it runs the metadata builder, the experiments and starts the
  // language server (its entry point only, `metacurate lsp`).
  cli: ['contracts', 'engine', 'cli', 'metadata', 'experiment', 'lsp-entry'],
  client: ['contracts', 'engine', 'client'],
  webview: ['contracts', 'engine', 'webview'],
};

const LSP_PACKAGES = [
  'vscode-languageserver',
  'vscode-languageserver-protocol',
  'vscode-languageserver-textdocument',
  'vscode-jsonrpc',
];
/** Bare packages a layer may not import (the package itself or a path inside it). */
const FORBIDDEN_PACKAGES = {
  contracts: [
    'vscode',
    'vscode-languageserver',
    'vscode-languageserver-textdocument',
    'vscode-languageclient',
    'node:',
  ],
  engine: ['vscode', 'vscode-languageclient', ...LSP_PACKAGES],
  metadata: ['vscode', 'vscode-languageclient', ...LSP_PACKAGES],
  experiment: ['vscode', 'vscode-languageclient', ...LSP_PACKAGES],
  lsp: ['vscode', 'vscode-languageclient'],
  cli: ['vscode', 'vscode-languageclient'],
  client: ['vscode-languageserver', 'vscode-languageserver-textdocument'],
  webview: ['vscode', 'vscode-languageclient', ...LSP_PACKAGES, 'node:'],
};

function packageMatches(spec, forbidden) {
  return forbidden.endsWith(':')
    ? spec.startsWith(forbidden)
    : spec === forbidden || spec.startsWith(`${forbidden}/`);
}

/** Why `spec` imported from `file` (absolute) breaks the layers, or undefined. */
export function layerViolation(root, file, spec) {
  const from = layerOf(relative(root, file));
  if (from === undefined) return undefined;
  if (!spec.startsWith('.')) {
    const bad = (FORBIDDEN_PACKAGES[from] ?? []).find((prefix) => packageMatches(spec, prefix));
    if (bad === undefined) return undefined;
    return `the ${from} layer may not import '${spec}'`;
  }
  const targetPath = relative(root, resolve(dirname(file), spec))
    .split(sep)
    .join('/');
  let to = layerOf(targetPath + '.ts') ?? layerOf(targetPath + '/');
  if (to === undefined) return `the ${from} layer may not import '${spec}' (outside the product's layers)`;
  if (to === 'lsp' && /^server\/src\/lsp\/languageServer$/.test(targetPath)) to = 'lsp-entry';
  const allowed = ALLOWED[from];
  if (allowed.includes(to) || (to === 'lsp-entry' && allowed.includes('lsp'))) return undefined;
  return `the ${from} layer may not import the ${to === 'lsp-entry' ? 'lsp' : to} layer ('${spec}'); allowed: ${allowed.join(', ')}`;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layers drawn in ARCHITECTURE.md' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const file = context.filename;
    // Ambient declarations (modules.d.ts) map package names; they import nothing at run time.
    if (file.endsWith('.d.ts')) return {};
    const check = (node, source) => {
      if (source === null || source === undefined || typeof source.value !== 'string') return;
      const why = layerViolation(root, file, source.value);
      if (why !== undefined) context.report({ node, message: why });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : null),
      TSImportType: (node) =>
        check(node, node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument),
      TSExternalModuleReference: (node) => check(node, node.expression),
      CallExpression: (node) => {
        if (
          node.callee.type === 'Identifier' &&
          node.callee.name === 'require' &&
          node.arguments[0]?.type === 'Literal'
        )
          check(node, node.arguments[0]);
      },
    };
  },
};

export default { rules: { layers: rule } };
