/**
 * Messages from the client before the server sees them: URIs in their params made canonical,
 * requests with unusable params answered here, shutdown noted for the exit status.
 */
import assert from 'node:assert/strict';
import {
  Emitter,
  ErrorCodes,
  type Message,
  type MessageReader,
  type ResponseMessage,
} from 'vscode-languageserver/node';
import { canonicaliseUris, InboundMessageReader } from '../../../server/src/lsp/inbound';

/** A reader that delivers the messages it is given. */
function fakeReader(): { reader: MessageReader; deliver(message: Message): void } {
  let callback: ((m: Message) => void) | undefined;
  const reader: MessageReader = {
    onError: new Emitter<Error>().event,
    onClose: new Emitter<void>().event,
    onPartialMessage: new Emitter<never>().event,
    listen: (cb) => {
      callback = cb;
      return { dispose: () => undefined };
    },
    dispose: () => undefined,
  };
  return { reader, deliver: (m) => callback?.(m) };
}

describe('lsp inbound: messages from the client', () => {
  it('makes every uri and rootUri in params canonical, at any depth', () => {
    const params = {
      rootUri: 'file:///w/j%c3%bcrgen',
      workspaceFolders: [{ uri: 'file:///w/j%C3%BCrgen', name: 'j\u00fcrgen' }],
      textDocument: { uri: 'file:///w/a%20b/m%c3%a9ta.json', text: 'uri' },
      context: {
        diagnostics: [{ relatedInformation: [{ location: { uri: 'file:///w/%23x.json' } }] }],
      },
      initializationOptions: { uri: 42 },
    };
    canonicaliseUris(params);
    assert.deepEqual(params, {
      rootUri: 'file:///w/j%C3%BCrgen',
      workspaceFolders: [{ uri: 'file:///w/j%C3%BCrgen', name: 'j\u00fcrgen' }],
      textDocument: { uri: 'file:///w/a%20b/m%C3%A9ta.json', text: 'uri' },
      context: { diagnostics: [{ relatedInformation: [{ location: { uri: 'file:///w/%23x.json' } }] }] },
      initializationOptions: { uri: 42 },
    });
  });

  it('passes good messages on canonical, answers bad requests, drops bad notifications', () => {
    const { reader, deliver } = fakeReader();
    const replies: ResponseMessage[] = [];
    const logs: string[] = [];
    const inbound = new InboundMessageReader(reader, {
      reply: (r) => replies.push(r),
      log: (l) => logs.push(l),
    });
    const passed: Message[] = [];
    inbound.listen((m) => passed.push(m));
    const hover = (id: number, params: unknown) =>
      ({ jsonrpc: '2.0', id, method: 'textDocument/hover', params }) as Message;
    deliver(
      hover(1, { textDocument: { uri: 'file:///a/%c3%bc.json' }, position: { line: 0, character: 0 } }),
    );
    deliver(hover(2, null));
    deliver({ jsonrpc: '2.0', method: 'textDocument/didClose', params: {} } as Message);
    deliver({ jsonrpc: '2.0', method: 'unknown/notification', params: null } as Message);
    deliver({ jsonrpc: '2.0', id: 7, result: { uri: 'file:///a/%c3%bc' } } as Message);
    deliver({ jsonrpc: '2.0', id: 8, method: 'metacurate/ready', params: [] } as Message);
    assert.deepEqual(
      passed.map((m) => JSON.stringify(m)),
      [
        '{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///a/%C3%BC.json"},"position":{"line":0,"character":0}}}',
        '{"jsonrpc":"2.0","method":"unknown/notification","params":null}',
        // Responses to the server's own requests are not touched.
        '{"jsonrpc":"2.0","id":7,"result":{"uri":"file:///a/%c3%bc"}}',
        // Neovim's empty table: an empty object, not no params by position.
        '{"jsonrpc":"2.0","id":8,"method":"metacurate/ready","params":{}}',
      ],
    );
    assert.deepEqual(replies, [
      {
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: ErrorCodes.InvalidParams,
          message: 'textDocument/hover: params must be an object, got null',
        },
      },
    ]);
    assert.deepEqual(logs, [
      'metacurate: ignored the textDocument/didClose notification: params.textDocument must be an object, got nothing',
    ]);
  });

  it('notes the shutdown request', () => {
    const { reader, deliver } = fakeReader();
    const inbound = new InboundMessageReader(reader, { reply: () => undefined, log: () => undefined });
    inbound.listen(() => undefined);
    assert.equal(inbound.shutdownReceived, false);
    deliver({ jsonrpc: '2.0', id: 1, method: 'shutdown' } as Message);
    assert.equal(inbound.shutdownReceived, true);
  });
});
