// API-level checks inside the real extension host of code-server (the installed VSIX is the
// extension under development). Loaded by the workbench as `extensionTestsPath`; `run()` resolving
// means every check passed. Each result is logged as `api: ok|FAIL name` and the last line as
// `api: N passed, N failed`, which test/e2e/api.e2e.mjs reads.
/* global require, module */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vscode = require('vscode');

const EXTENSION_ID = 'metacurate.metacurate';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function expect(cond, message) {
  if (!cond) throw new Error(message);
}

async function eventually(fn, message, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${message}${last ? `: ${last.message}` : ''}`);
    await sleep(250);
  }
}

function folder() {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('no workspace folder');
  return f.uri;
}
const fileUri = (rel) => vscode.Uri.joinPath(folder(), ...rel.split('/'));

/** Position of the first occurrence of `text` in `doc` (offset chars into it). */
function positionOf(doc, text, offset = 1) {
  const i = doc.getText().indexOf(text);
  if (i < 0) throw new Error(`${JSON.stringify(text)} not in ${doc.uri.path}`);
  return doc.positionAt(i + offset);
}

function hoverText(hovers) {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('the extension is active, not activated on *, and every setting has a description', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  expect(ext, `${EXTENSION_ID} is not installed`);
  await eventually(() => ext.isActive, 'activation');
  const pkg = ext.packageJSON;
  expect(!pkg.activationEvents.includes('*'), 'activates on *');
  const props = pkg.contributes.configuration.properties;
  for (const key of [
    'metadataGlobs',
    'sampleGlobs',
    'samplesFolder',
    'textField',
    't',
    'previewRecords',
    'padding',
  ]) {
    const p = props[`metacurate.${key}`];
    expect(
      p && (p.description || p.markdownDescription),
      `setting metacurate.${key} is missing or undescribed`,
    );
  }
  expect(pkg.capabilities.untrustedWorkspaces.supported === 'limited', 'untrusted workspaces not "limited"');
  const commands = await vscode.commands.getCommands(true);
  for (const c of ['metacurate.useAsMetadata', 'metacurate.previewMatches', 'metacurate.showOutput']) {
    expect(commands.includes(c), `command ${c} not registered`);
  }
});

test('diagnostics on metadata.json: duplicate, full stop, trailing space', async () => {
  const uri = fileUri('metadata.json');
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const diags = await eventually(() => {
    const d = vscode.languages.getDiagnostics(uri);
    return d.length >= 3 ? d : null;
  }, 'three diagnostics');
  const codes = diags.map((d) => String(typeof d.code === 'object' ? d.code.value : d.code));
  for (const c of ['duplicate', 'never-matches', 'trailing-space']) {
    expect(codes.includes(c), `no ${c} diagnostic in ${JSON.stringify(codes)}`);
  }
});

test('a quick fix is offered for the trailing space', async () => {
  const uri = fileUri('metadata.json');
  const diag = vscode.languages
    .getDiagnostics(uri)
    .find((d) => String(d.code?.value ?? d.code) === 'trailing-space');
  expect(diag, 'no trailing-space diagnostic');
  const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri, diag.range);
  const fixes = (actions ?? []).filter((a) => a.kind && vscode.CodeActionKind.QuickFix.contains(a.kind));
  expect(fixes.length > 0, `no quick fix: ${JSON.stringify((actions ?? []).map((a) => a.title))}`);
});

test('document symbols and inlay hints in metadata.json', async () => {
  const uri = fileUri('metadata.json');
  const doc = await vscode.workspace.openTextDocument(uri);
  const symbols = await vscode.commands.executeCommand('vscode.executeDocumentSymbolProvider', uri);
  const names = (symbols ?? []).map((s) => s.name).join(' | ');
  expect(names.includes('golden retriever'), `no symbol for "golden retriever": ${names}`);
  const hints = await eventually(async () => {
    const h = await vscode.commands.executeCommand(
      'vscode.executeInlayHintProvider',
      uri,
      new vscode.Range(0, 0, doc.lineCount, 0),
    );
    return h && h.length > 0 ? h : null;
  }, 'inlay hints');
  expect(hints.length > 0, 'no inlay hints');
});

test('semantic tokens of the JSONL sample use the contributed legend', async () => {
  const uri = fileUri('samples/captions.jsonl');
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const legend = await vscode.commands.executeCommand('vscode.provideDocumentSemanticTokensLegend', uri);
  expect(legend?.tokenTypes.includes('metacurateEntry'), `legend: ${JSON.stringify(legend)}`);
  const tokens = await eventually(async () => {
    const t = await vscode.commands.executeCommand('vscode.provideDocumentSemanticTokens', uri);
    return t && t.data.length > 0 ? t : null;
  }, 'semantic tokens');
  expect(
    tokens.data.length % 5 === 0 && tokens.data.length >= 5 * 5,
    `only ${tokens.data.length / 5} tokens`,
  );
});

test('hover, definition and references of a match', async () => {
  const sample = await vscode.workspace.openTextDocument(fileUri('samples/captions.jsonl'));
  const pos = positionOf(sample, 'golden retriever', 3);
  const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', sample.uri, pos);
  const text = hoverText(hovers ?? []);
  expect(text.includes('golden retriever') && /id 2\b/.test(text), `hover: ${text}`);
  const defs = await vscode.commands.executeCommand('vscode.executeDefinitionProvider', sample.uri, pos);
  const def = (defs ?? [])[0];
  const defUri = def?.targetUri ?? def?.uri;
  const defRange = def?.targetSelectionRange ?? def?.targetRange ?? def?.range;
  expect(defUri?.path.endsWith('/metadata.json'), `definition in ${defUri}`);
  expect(defRange.start.line === 3, `definition on line ${defRange.start.line + 1}, expected 4`);
  const meta = await vscode.workspace.openTextDocument(fileUri('metadata.json'));
  const refs = await vscode.commands.executeCommand(
    'vscode.executeReferenceProvider',
    meta.uri,
    positionOf(meta, 'golden retriever', 3),
  );
  const inSample = (refs ?? []).filter((r) => r.uri.path.endsWith('/captions.jsonl'));
  expect(inSample.length >= 1, `references: ${JSON.stringify((refs ?? []).map((r) => r.uri.path))}`);
});

test('completion in metadata.json offers WordNet lemmas not in the list yet (from the VSIX itself)', async () => {
  const uri = fileUri('metadata.json');
  const doc = await vscode.workspace.openTextDocument(uri);
  // Inside "sunset" after "sun": WordNet has "sunflower"; "sunset" is in the list already.
  const pos = positionOf(doc, 'sunset', 3);
  const list = await vscode.commands.executeCommand('vscode.executeCompletionItemProvider', uri, pos);
  const labelOf = (item) => (typeof item.label === 'string' ? item.label : item.label.label);
  const labels = (list?.items ?? []).map(labelOf);
  const sunflower = (list?.items ?? []).find((item) => labelOf(item) === 'sunflower');
  expect(sunflower, `no WordNet lemma "sunflower" among ${JSON.stringify(labels.slice(0, 20))}`);
  expect(
    sunflower.detail === 'WordNet lemma, not in the list yet',
    `detail of "sunflower": ${JSON.stringify(sunflower.detail)}`,
  );
  expect(!labels.includes('sunset'), 'an entry already in the list is offered');
});

test('semantic highlighting is on for sample languages whatever the theme (language-scoped defaults)', async () => {
  // jsonl and plaintext are built into VS Code; csv and tsv come with extensions (Rainbow CSV).
  for (const languageId of ['jsonl', 'plaintext']) {
    const enabled = vscode.workspace
      .getConfiguration('editor', { languageId })
      .get('semanticHighlighting.enabled');
    expect(
      enabled === true,
      `editor.semanticHighlighting.enabled for ${languageId}: ${JSON.stringify(enabled)}`,
    );
  }
});

test('"Preview Matches" on a Parquet sample opens a highlighted metacurate-preview document', async () => {
  await vscode.commands.executeCommand('metacurate.previewMatches', fileUri('samples/shard.parquet'));
  const editor = await eventually(() => {
    const e = vscode.window.activeTextEditor;
    return e && e.document.uri.scheme === 'metacurate-preview' ? e : null;
  }, 'the preview editor');
  expect(editor.document.getText().includes('golden retriever'), `preview: ${editor.document.getText()}`);
  // Read-only is checked where the user sees it (ui.e2e.mjs); here: the server highlights it too.
  const tokens = await eventually(async () => {
    const t = await vscode.commands.executeCommand(
      'vscode.provideDocumentSemanticTokens',
      editor.document.uri,
    );
    return t && t.data.length > 0 ? t : null;
  }, 'semantic tokens in the preview');
  expect(tokens.data.length >= 5, 'no tokens in the preview');
});

async function run() {
  let passed = 0;
  let failed = 0;
  for (const t of tests) {
    try {
      await t.fn();
      passed += 1;
      console.log(`api: ok   ${t.name}`);
    } catch (err) {
      failed += 1;
      console.log(`api: FAIL ${t.name}: ${err && err.message ? err.message : String(err)}`);
    }
  }
  console.log(`api: ${passed} passed, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} API checks failed`);
}

module.exports = { run };
