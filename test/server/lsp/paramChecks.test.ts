/**
 * Params the server cannot use are answered InvalidParams (-32602) naming the field, for every
 * request it handles, `initialize` included; notifications with bad params are logged and dropped.
 */
import assert from 'node:assert/strict';
import { ErrorCodes } from 'vscode-languageserver/node';
import { NOTIFICATION_PARAMS, REQUEST_PARAMS } from '../../../server/src/lsp/paramChecks';
import { tempDir } from '../../support/fixtures';
import { fileUri } from './client';
import { startRawServer, type RawServer } from './rawClient';

/** Every request the server answers, as a client sees them: params: null must be refused. */
const REQUESTS_NEEDING_PARAMS = [
  'initialize',
  'textDocument/hover',
  'textDocument/definition',
  'textDocument/references',
  'textDocument/completion',
  'textDocument/documentSymbol',
  'workspace/symbol',
  'textDocument/codeAction',
  'textDocument/inlayHint',
  'textDocument/semanticTokens/full',
  'textDocument/semanticTokens/range',
  'textDocument/diagnostic',
  'metacurate/useAsMetadata',
  'metacurate/previewMatches',
  'metacurate/previewContent',
  'metacurate/curations',
  'metacurate/setActiveCuration',
  'metacurate/balance',
  'metacurate/entryRecords',
];
/** Requests that need nothing: no params, null or {}. */
const REQUESTS_WITHOUT_PARAMS = ['metacurate/refreshCounts', 'metacurate/ready'];

const check = (method: string, params: unknown) =>
  (REQUEST_PARAMS.get(method) ?? NOTIFICATION_PARAMS.get(method))!(params, 'params');

describe('lsp params: shapes of requests and notifications', () => {
  it('knows every request the server answers', () => {
    assert.deepEqual(
      [...REQUEST_PARAMS.keys()].sort(),
      [...REQUESTS_NEEDING_PARAMS, ...REQUESTS_WITHOUT_PARAMS].sort(),
    );
  });

  it('names the field that is missing or of the wrong type', () => {
    const textDocument = { uri: 'file:///a.json' };
    assert.equal(check('textDocument/hover', null), 'params must be an object, got null');
    assert.equal(check('textDocument/hover', [1]), 'params must be an object, got an array');
    // Neovim sends an empty Lua table as []: an empty object, so the fields are what is missing.
    assert.equal(check('textDocument/hover', []), 'params.textDocument must be an object, got nothing');
    assert.equal(
      check('textDocument/hover', { textDocument }),
      'params.position must be an object, got nothing',
    );
    assert.equal(
      check('textDocument/hover', { textDocument, position: { line: '3', character: 0 } }),
      'params.position.line must be an integer ≥ 0, got the string "3"',
    );
    assert.equal(
      check('textDocument/references', { textDocument, position: { line: 0, character: 1 }, context: {} }),
      'params.context.includeDeclaration must be true or false, got nothing',
    );
    assert.equal(
      check('textDocument/codeAction', {
        textDocument,
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
        context: { diagnostics: [{ message: 'x' }] },
      }),
      'params.context.diagnostics[0].range must be an object, got nothing',
    );
    assert.equal(
      check('initialize', { processId: null }),
      'params.capabilities must be an object, got nothing',
    );
    assert.equal(
      check('textDocument/didOpen', { textDocument: { uri: 'file:///a' } }),
      'params.textDocument.languageId must be a string, got nothing',
    );
  });

  it('accepts well-formed params, with the optional fields left out or null where allowed', () => {
    const position = { line: 0, character: 0 };
    const textDocument = { uri: 'file:///a.json' };
    assert.equal(check('initialize', { processId: null, rootUri: null, capabilities: {} }), undefined);
    assert.equal(check('textDocument/hover', { textDocument, position }), undefined);
    assert.equal(check('textDocument/diagnostic', { textDocument }), undefined);
    assert.equal(check('metacurate/refreshCounts', undefined), undefined);
    assert.equal(check('metacurate/refreshCounts', null), undefined);
    assert.equal(check('metacurate/ready', {}), undefined);
    assert.equal(check('metacurate/ready', []), undefined);
    assert.equal(check('initialize', { processId: 1, capabilities: [] }), undefined);
    assert.equal(check('workspace/didChangeConfiguration', { settings: null }), undefined);
    assert.equal(check('metacurate/zeroShotResults', { overlay: null }), undefined);
    const page = { entryId: 3, filter: 'kept', offset: 0, limit: 50 };
    assert.equal(check('metacurate/entryRecords', { source: { kind: 'samples' }, ...page }), undefined);
    assert.equal(
      check('metacurate/entryRecords', { source: { kind: 'curation', folder: '/c' }, ...page }),
      undefined,
    );
    assert.equal(
      check('metacurate/entryRecords', {
        source: { kind: 'curation', folder: '/c' },
        ...page,
        imageField: 'path',
      }),
      undefined,
    );
  });

  it('refuses an entry-records page with no folder, an unknown filter or an unbounded limit', () => {
    const page = { entryId: 0, filter: 'all', offset: 0, limit: 10 };
    assert.equal(
      check('metacurate/entryRecords', { source: { kind: 'curation' }, ...page }),
      'params.source.folder must be a string, got nothing',
    );
    assert.equal(
      check('metacurate/entryRecords', { source: { kind: 'samples' }, ...page, filter: 'maybe' }),
      'params.filter must be one of "all", "kept", "dropped", got the string "maybe"',
    );
    assert.equal(
      check('metacurate/entryRecords', { source: { kind: 'samples' }, ...page, limit: 0 }),
      'params.limit must be an integer from 1 to 1000, got number 0',
    );
    assert.match(
      check('metacurate/entryRecords', { source: { kind: 'samples' }, ...page, imageField: 7 }) ?? '',
      /^params\.imageField must be a string/,
    );
  });
});

describe('lsp params: the server answers InvalidParams', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-params-');
  let server: RawServer;

  before(() => {
    server = startRawServer();
  });
  after(() => {
    server.kill();
    dir.remove();
  });

  it('to initialize with params: null, and initializes with good ones after', async () => {
    const refused = await server.request('initialize', null);
    assert.equal(refused.error?.code, ErrorCodes.InvalidParams);
    assert.equal(refused.error?.message, 'initialize: params must be an object, got null');
    const ok = await server.request('initialize', {
      processId: null,
      rootUri: fileUri(dir.path),
      capabilities: {},
    });
    assert.equal(ok.error, undefined);
    server.notify('initialized', {});
  });

  it('to every request it handles with params: null, and goes on answering', async () => {
    for (const method of REQUESTS_NEEDING_PARAMS.filter((m) => m !== 'initialize')) {
      const response = await server.request(method, null);
      assert.equal(response.error?.code, ErrorCodes.InvalidParams, `${method}: ${JSON.stringify(response)}`);
      assert.equal(response.error?.message, `${method}: params must be an object, got null`);
    }
    for (const method of REQUESTS_WITHOUT_PARAMS) {
      const response = await server.request(method, null);
      assert.equal(response.error, undefined, `${method}: ${JSON.stringify(response)}`);
    }
    const hover = await server.request('textDocument/hover', {
      textDocument: { uri: fileUri(`${dir.path}/none.json`) },
      position: { line: 0, character: 0 },
    });
    assert.deepEqual([hover.error, hover.result], [undefined, null]);
  });

  it('logs and drops a notification with bad params', async () => {
    server.notify('textDocument/didOpen', null);
    const logged = await server.waitFor('the log line', (m) => m.method === 'window/logMessage');
    assert.equal(
      (logged.params as { message: string }).message,
      'metacurate: ignored the textDocument/didOpen notification: params must be an object, got null',
    );
    assert.equal(server.process.exitCode, null, 'the server is still running');
  });
});
