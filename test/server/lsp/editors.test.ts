/**
 * The server as editors other than VS Code drive it (issue 12): a client that spells URIs in
 * lower-case hex (Neovim), offers no workspace/configuration, registers no file watchers and has
 * no refresh requests; a client with no workspace folder; a client that pulls diagnostics.
 * Driven by a raw client that declares exactly those capabilities.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LSPErrorCodes } from 'vscode-languageserver/node';
import type { StatusParams } from '../../../contracts/src/lsp';
import { tempDir } from '../../support/fixtures';
import { fileUri } from './client';
import { decodeTokens, positionOf, textOf, writeTree } from './fixtures';
import { startRawServer, type RawMessage, type RawServer } from './rawClient';

/** Neovim's spelling of a file URI: percent-encodings in lower-case hex. */
const nvimUri = (path: string) => fileUri(path).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());

const METADATA = '[\n  "dog",\n  "red car",\n  "Eiffel"\n]\n';
const SAMPLE = '{"caption": "a dog by a red car"}\n{"caption": "the dog near the Eiffel Tower"}\n';

/** Capabilities as Neovim 0.7 ships them, as far as the server reads them. */
const PLAIN_CAPABILITIES = {
  textDocument: {
    synchronization: { didSave: true },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    completion: { completionItem: { snippetSupport: false } },
  },
  workspace: { workspaceFolders: true, applyEdit: true },
};

const lastStatus = (server: RawServer): StatusParams | undefined =>
  server.messages.filter((m) => m.method === 'metacurate/status').pop()?.params as StatusParams | undefined;
const hoverText = (m: RawMessage) =>
  (m.result as { contents: { value: string } } | null)?.contents.value ?? '';

async function start(options: {
  root?: string;
  capabilities?: object;
  initializationOptions?: object;
  initialized?: boolean;
}): Promise<RawServer> {
  const server = startRawServer();
  const rootUri = options.root ? nvimUri(options.root) : null;
  const init = await server.request('initialize', {
    processId: process.pid,
    rootUri,
    workspaceFolders: rootUri ? [{ uri: rootUri, name: 'ws' }] : null,
    capabilities: options.capabilities ?? PLAIN_CAPABILITIES,
    initializationOptions: options.initializationOptions,
  });
  assert.equal(init.error, undefined);
  if (options.initialized !== false) server.notify('initialized', {});
  return server;
}

describe('lsp editors: a client like Neovim 0.7, on a path with a space, # and ü', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-editors-');
  const root = join(dir.path, 'my data #1 ü');
  const metadataPath = join(root, 'metadata.json');
  const samplePath = join(root, 'samples', 'a.jsonl');
  let server: RawServer;

  before(async () => {
    writeTree(root, { 'metadata.json': METADATA, 'samples/a.jsonl': SAMPLE });
    server = await start({ root, initializationOptions: { settings: { metacurate: { t: 1 } } } });
  });
  after(() => {
    server.kill();
    dir.remove();
  });

  it('answers hints asked before the index is built, instead of an empty list', async () => {
    server.notify('textDocument/didOpen', {
      textDocument: { uri: nvimUri(metadataPath), languageId: 'json', version: 1, text: METADATA },
    });
    const hints = await server.request('textDocument/inlayHint', {
      textDocument: { uri: nvimUri(metadataPath) },
      range: { start: { line: 0, character: 0 }, end: { line: 5, character: 0 } },
    });
    assert.deepEqual(
      (hints.result as { label: string }[]).map((h) => h.label),
      ['2 · p 0.50', '1 · p 1.00', '1 · p 1.00'],
    );
  });

  it('names the open list once in the status, in canonical spelling, and hovers it as the active list', async () => {
    const ready = await server.request('metacurate/ready', {});
    const status = ready.result as StatusParams;
    assert.deepEqual(status.metadataUris, [fileUri(metadataPath)]);
    assert.equal(status.sampleRecords, 2);
    const hover = await server.request('textDocument/hover', {
      textDocument: { uri: nvimUri(metadataPath) },
      position: positionOf(METADATA, 'dog'),
    });
    assert.match(hoverText(hover), /Sample matches: \*\*2\*\* of 2 records in 1 sample file/);
    assert.doesNotMatch(hoverText(hover), /Not the active metadata list/);
  });

  it('reads the settings of initializationOptions and of didChangeConfiguration without workspace/configuration', async () => {
    const hover = async () =>
      hoverText(
        await server.request('textDocument/hover', {
          textDocument: { uri: nvimUri(metadataPath) },
          position: positionOf(METADATA, 'dog'),
        }),
      );
    // t = 1 from the initialization options: "dog", matched twice, is a head entry.
    assert.match(await hover(), /Keep probability at t = 1: \*\*0\.50\*\* — \*\*head\*\*/);
    server.notify('workspace/didChangeConfiguration', { settings: { metacurate: { t: 5 } } });
    await server.waitFor('the rescan', () => lastStatus(server)?.busy === true);
    await server.request('metacurate/ready', {});
    assert.match(await hover(), /Keep probability at t = 5: \*\*1\.00\*\* — \*\*tail\*\*/);
  });

  it('highlights an entry typed into the list in a sample opened under its own spelling', async () => {
    server.notify('textDocument/didOpen', {
      textDocument: { uri: nvimUri(samplePath), languageId: 'json', version: 1, text: SAMPLE },
    });
    server.notify('textDocument/didChange', {
      textDocument: { uri: nvimUri(metadataPath), version: 2 },
      contentChanges: [
        { range: { start: { line: 1, character: 2 }, end: { line: 1, character: 2 } }, text: '"near", ' },
      ],
    });
    await server.waitFor('the rebuild', () => lastStatus(server)?.entries === 4);
    await server.request('metacurate/ready', {});
    const tokens = await server.request('textDocument/semanticTokens/full', {
      textDocument: { uri: nvimUri(samplePath) },
    });
    const highlighted = decodeTokens((tokens.result as { data: number[] }).data).map((t) =>
      textOf(SAMPLE, {
        start: { line: t.line, character: t.char },
        end: { line: t.line, character: t.char + t.length },
      }),
    );
    assert.deepEqual(highlighted, ['dog', 'red car', 'dog', 'near', 'Eiffel']);
  });

  it('completes a lemma as WordNet spells it: "Eiffel T" inserts "Eiffel Tower"', async () => {
    const text = '[\n  "dog",\n  "red car",\n  "Eiffel T"\n]\n';
    server.notify('textDocument/didChange', {
      textDocument: { uri: nvimUri(metadataPath), version: 3 },
      contentChanges: [{ text }],
    });
    const at = positionOf(text, 'Eiffel T', 'Eiffel T'.length);
    const list = await server.request('textDocument/completion', {
      textDocument: { uri: nvimUri(metadataPath) },
      position: at,
    });
    const items = (
      list.result as { items: { label: string; textEdit: { newText: string; range: object } }[] }
    ).items;
    const tower = items.find((i) => i.label === 'Eiffel Tower');
    assert.ok(tower, items.map((i) => i.label).join(', '));
    assert.equal(tower.textEdit.newText, 'Eiffel Tower');
    assert.equal(textOf(text, tower.textEdit.range as never), 'Eiffel T');
  });

  it('sees a sample file added on disk without file watchers or a refresh request', async () => {
    const before = lastStatus(server)!.sampleRecords;
    mkdirSync(join(root, 'samples', 'new'), { recursive: true });
    writeFileSync(join(root, 'samples', 'new', 'b.jsonl'), '{"caption": "one more dog"}\n');
    await server.waitFor(
      'a status counting the new file',
      () => lastStatus(server)?.sampleRecords === before + 1 && !lastStatus(server)!.busy,
    );
  });
});

describe('lsp editors: no workspace folder', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-rootless-');
  let server: RawServer;

  after(() => {
    server?.kill();
    dir.remove();
  });

  it('counts the open caption files as the samples', async () => {
    writeTree(dir.path, { 'metadata.json': METADATA, 'captions.jsonl': SAMPLE });
    server = await start({});
    const open = (path: string, text: string) =>
      server.notify('textDocument/didOpen', {
        textDocument: { uri: nvimUri(join(dir.path, path)), languageId: 'json', version: 1, text },
      });
    open('metadata.json', METADATA);
    open('captions.jsonl', SAMPLE);
    await server.waitFor('the sample counted', () => lastStatus(server)?.sampleRecords === 2);
    await server.request('metacurate/ready', {});
    const hover = await server.request('textDocument/hover', {
      textDocument: { uri: nvimUri(join(dir.path, 'metadata.json')) },
      position: positionOf(METADATA, 'dog'),
    });
    assert.match(hoverText(hover), /Sample matches: \*\*2\*\* of 2 records in 1 sample file/);
    server.notify('textDocument/didClose', {
      textDocument: { uri: nvimUri(join(dir.path, 'captions.jsonl')) },
    });
    await server.waitFor('the sample gone', () => lastStatus(server)?.sampleRecords === 0);
  });
});

describe('lsp editors: pull diagnostics and waiting requests', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-pull-');
  const listPath = () => join(dir.path, 'metadata.json');
  const LIST = '["dog", "dog", "cat "]\n';
  let server: RawServer | undefined;

  before(() => writeTree(dir.path, { 'metadata.json': LIST, 'a.jsonl': SAMPLE }));
  afterEach(() => server?.kill());
  after(() => dir.remove());

  const pull = (previousResultId?: string) =>
    server!.request('textDocument/diagnostic', {
      textDocument: { uri: nvimUri(listPath()) },
      previousResultId,
    });
  type Report = { kind: string; resultId?: string; items?: { code: string }[] };

  it('serves textDocument/diagnostic to a client that pulls, and pushes nothing to it', async () => {
    const capabilities = {
      ...PLAIN_CAPABILITIES,
      textDocument: { ...PLAIN_CAPABILITIES.textDocument, diagnostic: {} },
    };
    server = startRawServer();
    const init = await server.request('initialize', {
      processId: null,
      rootUri: nvimUri(dir.path),
      capabilities,
    });
    assert.deepEqual(
      (init.result as { capabilities: { diagnosticProvider: object } }).capabilities.diagnosticProvider,
      {
        identifier: 'metacurate',
        interFileDependencies: false,
        workspaceDiagnostics: false,
      },
    );
    server.notify('initialized', {});
    server.notify('textDocument/didOpen', {
      textDocument: { uri: nvimUri(listPath()), languageId: 'json', version: 1, text: LIST },
    });
    const first = (await pull()).result as Report;
    assert.equal(first.kind, 'full');
    assert.deepEqual(
      first.items!.map((d) => d.code),
      ['duplicate', 'trailing-space'],
    );
    assert.deepEqual((await pull(first.resultId)).result, { kind: 'unchanged', resultId: first.resultId });
    server.notify('textDocument/didChange', {
      textDocument: { uri: nvimUri(listPath()), version: 2 },
      contentChanges: [{ text: '["dog", "cat "]\n' }],
    });
    const after = (await pull(first.resultId)).result as Report;
    assert.equal(after.kind, 'full');
    assert.deepEqual(
      after.items!.map((d) => d.code),
      ['trailing-space'],
    );
    await server.request('metacurate/ready', {});
    assert.equal(
      server.messages.filter((m) => m.method === 'textDocument/publishDiagnostics').length,
      0,
      'no pushed diagnostics',
    );
  });

  it('pushes to a client that pulls when initializationOptions say "push"', async () => {
    const capabilities = { textDocument: { diagnostic: {} } };
    server = startRawServer();
    const init = await server.request('initialize', {
      processId: null,
      rootUri: nvimUri(dir.path),
      capabilities,
      initializationOptions: { diagnostics: 'push' },
    });
    assert.equal(
      (init.result as { capabilities: { diagnosticProvider?: object } }).capabilities.diagnosticProvider,
      undefined,
    );
    server.notify('initialized', {});
    server.notify('textDocument/didOpen', {
      textDocument: { uri: nvimUri(listPath()), languageId: 'json', version: 1, text: LIST },
    });
    const pushed = await server.waitFor(
      'pushed diagnostics',
      (m) => m.method === 'textDocument/publishDiagnostics',
    );
    assert.equal((pushed.params as { uri: string }).uri, fileUri(listPath()));
  });

  it('gives up a request waiting for the index when it is cancelled', async () => {
    // Without the initialized notification the workspace is never scanned: no index ever comes.
    server = await start({ root: dir.path, initialized: false });
    const sampleUri = nvimUri(join(dir.path, 'a.jsonl'));
    server.notify('textDocument/didOpen', {
      textDocument: { uri: sampleUri, languageId: 'json', version: 1, text: SAMPLE },
    });
    server.send({
      jsonrpc: '2.0',
      id: 99,
      method: 'textDocument/semanticTokens/full',
      params: { textDocument: { uri: sampleUri } },
    });
    server.send({ jsonrpc: '2.0', id: 100, method: 'metacurate/ready', params: {} });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(server.messages.filter((m) => m.id === 99 || m.id === 100).length, 0, 'both wait');
    for (const id of [99, 100]) {
      server.notify('$/cancelRequest', { id });
      const answer = await server.waitFor('the cancelled answer', (m) => m.id === id);
      assert.equal(answer.error?.code, LSPErrorCodes.RequestCancelled);
    }
  });
});
