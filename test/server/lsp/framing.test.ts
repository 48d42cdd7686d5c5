/**
 * The base-protocol framing of stdio and sockets: whole messages however the bytes are split, and,
 * on a malformed header or body, an error naming what was wrong with the bytes received, after
 * which the server logs it (stderr and window/logMessage) and exits with status 1 instead of
 * hanging.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Message } from 'vscode-languageserver/node';
import {
  ContentLengthMessageReader,
  FramingError,
  MAX_HEADER_BYTES,
  quoteBytes,
} from '../../../server/src/lsp/framing';
import { fileUri } from './client';
import { frame, startRawServer, type RawServer } from './rawClient';
import { tempDir } from '../../support/fixtures';

/** Feeds `chunks` to a reader; returns what it delivered and the error it fired, if any. */
function read(chunks: (string | Buffer)[]): { messages: Message[]; errors: FramingError[] } {
  // A stream nothing is written to: the test feeds the bytes itself, synchronously.
  const reader = new ContentLengthMessageReader(new PassThrough());
  const messages: Message[] = [];
  const errors: FramingError[] = [];
  reader.onError((e) => errors.push(e as FramingError));
  reader.listen((m) => messages.push(m));
  for (const c of chunks) reader.onData(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  return { messages, errors };
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { processId: null, capabilities: {} },
};

describe('lsp framing: Content-Length messages', () => {
  it('reads messages split anywhere, several in one chunk, and UTF-8 split inside a character', () => {
    const one = frame({ jsonrpc: '2.0', method: 'a', params: { text: 'caf\u00e9 \u6771\u4eac' } });
    const two = frame({ jsonrpc: '2.0', method: 'b' });
    const bytes = Buffer.concat([one, two, one]);
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const { messages, errors } = read(chunks);
      assert.deepEqual(errors, []);
      const named = messages as unknown as { method: string; params?: { text: string } }[];
      assert.deepEqual(
        named.map((m) => [m.method, m.params?.text]),
        [
          ['a', 'caf\u00e9 \u6771\u4eac'],
          ['b', undefined],
          ['a', 'caf\u00e9 \u6771\u4eac'],
        ],
      );
    }
  });

  it('accepts a Content-Type header in UTF-8, in any case and order, and other header fields', () => {
    const body = '{"jsonrpc":"2.0","method":"x"}';
    const { messages, errors } = read([
      `content-type: application/vscode-jsonrpc; charset=utf8\r\nX-Other: 1\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    ]);
    assert.deepEqual(errors, []);
    assert.equal(messages.length, 1);
  });

  const malformed: [string, string | Buffer, RegExp][] = [
    [
      'garbage bytes',
      Buffer.from([0x00, 0xff, 0xfe, 0x67, 0x61, 0x72]),
      /got "\\x00"; received "\\x00\\xff\\xfegar" \(6 bytes\)/,
    ],
    ['an HTTP request', 'GET / HTTP/1.1\r\n', /got " " in the line "GET \/ HTTP\/1\.1"/],
    ['Content-Length abc', 'Content-Length: abc\r\n\r\n{}', /Content-Length "abc" is not a byte count/],
    ['a negative Content-Length', 'Content-Length: -12\r\n\r\n', /Content-Length -12 is negative/],
    [
      'a huge Content-Length',
      'Content-Length: 99999999999999999999\r\n\r\n',
      /Content-Length 99999999999999999999 is more than the 512 MiB the server accepts/,
    ],
    ['no Content-Length', 'Content-Type: application/json\r\n\r\n{}', /the header has no Content-Length/],
    [
      'a body that is not JSON',
      'Content-Length: 9\r\n\r\nnot json!',
      /the body is not JSON \(Unexpected token/,
    ],
    ['a body that is JSON but no message', 'Content-Length: 2\r\n\r\n[]', /expected an object, got an array/],
    [
      'a body that is not UTF-8',
      Buffer.from('Content-Length: 4\r\n\r\n"\xff\xfe"', 'latin1'),
      /not valid UTF-8/,
    ],
    [
      'a header without the blank line',
      'Content-Length: 31\r\n{"jsonrpc":"2.0","method":"x"}',
      /got "\{"; received "Content-Length: 31\\r\\n\{\\"jsonrpc\\":/,
    ],
    ['lines ending in \\n alone', 'Content-Length: 2\n\n{}', /a header line ends with a bare \\n/],
    ['another charset', 'Content-Type: text/plain; charset=latin1\r\n', /charset "latin1" is not supported/],
    [
      'two Content-Lengths',
      'Content-Length: 2\r\nContent-Length: 3\r\n\r\n',
      /two different Content-Length values, 2 and 3/,
    ],
  ];
  for (const [name, bytes, expected] of malformed) {
    it(`names what is wrong with ${name}, with the bytes received`, () => {
      const { messages, errors } = read([bytes]);
      assert.equal(messages.length, 0);
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof FramingError);
      assert.match(errors[0].message, /^malformed message from the client: /);
      assert.match(errors[0].message, expected);
    });
  }

  it('gives up on a header that never ends, after a bounded number of bytes', () => {
    const { errors } = read(['X'.repeat(MAX_HEADER_BYTES + 10)]);
    assert.match(errors[0].message, /no blank line ends the header within 8192 bytes/);
    assert.match(errors[0].message, /… \(the first 160 of 8202 bytes\)$/);
  });

  it('reads nothing more after a malformed message', () => {
    const { messages, errors } = read(['Content-Length: x\r\n\r\n', frame({ jsonrpc: '2.0', method: 'a' })]);
    assert.equal(errors.length, 1);
    assert.deepEqual(messages, []);
  });

  it('quotes bytes escaped and bounded', () => {
    assert.equal(quoteBytes(Buffer.from('a"b\\\r\n\t\x01')), '"a\\"b\\\\\\r\\n\\t\\x01" (8 bytes)');
    assert.equal(quoteBytes(Buffer.from('abcdef'), 3), '"abc"… (the first 3 of 6 bytes)');
  });
});

describe('lsp framing: the server on a malformed stream', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-framing-');
  let server: RawServer | undefined;

  afterEach(() => server?.kill());
  after(() => dir.remove());

  const cases: [string, string | Buffer, RegExp][] = [
    [
      'garbage bytes',
      Buffer.from([0x00, 0xff, 0x1b, 0x5b, 0x41]),
      /received "\\x00\\xff\\x1b\[A" \(5 bytes\)/,
    ],
    ['Content-Length abc', 'Content-Length: abc\r\n\r\n', /Content-Length "abc" is not a byte count/],
    ['a negative Content-Length', 'Content-Length: -1\r\n\r\n', /Content-Length -1 is negative/],
    ['a huge Content-Length', 'Content-Length: 1099511627776\r\n\r\n', /is more than the 512 MiB/],
    ['a body that is not JSON', 'Content-Length: 5\r\n\r\n{oops', /the body is not JSON/],
    ['a header without the blank line', 'Content-Length: 2\r\n{}', /got "\{"/],
  ];
  for (const [name, bytes, expected] of cases) {
    it(`logs ${name} and exits with status 1, in the middle of a session`, async () => {
      server = startRawServer();
      server.send(initialize);
      await server.waitFor('the initialize result', (m) => m.id === 1);
      server.write(bytes);
      const { code } = await server.exited();
      assert.equal(code, 1);
      const stderr = server.stderr();
      assert.match(stderr, /^metacurate lsp: malformed message from the client: /m);
      assert.match(stderr, expected);
      assert.match(stderr, /exiting with status 1/);
      // The client's log gets the same, if it still reads.
      const logged = server.messages.find((m) => m.method === 'window/logMessage');
      assert.ok(logged, 'a window/logMessage');
      assert.match((logged.params as { message: string }).message, expected);
    });
  }

  it('exits with status 1 from `metacurate lsp --stdio` too, before initialize', async () => {
    server = startRawServer([join(__dirname, '../../../server/src/cli/main.js'), 'lsp', '--stdio']);
    server.write('Content-Length: abc\r\n\r\n');
    assert.equal((await server.exited()).code, 1);
    assert.match(
      server.stderr(),
      /Content-Length "abc" is not a byte count; received "Content-Length: abc\\r\\n\\r\\n"/,
    );
  });

  it('still exits with 0 after shutdown and exit, and with 1 when the client just closes the stream', async () => {
    server = startRawServer();
    server.send({
      ...initialize,
      params: { processId: null, rootUri: fileUri(dir.path), capabilities: {} },
    });
    await server.waitFor('the initialize result', (m) => m.id === 1);
    const shutdown = await server.request('shutdown', null);
    assert.equal(shutdown.error, undefined);
    server.notify('exit', null);
    assert.equal((await server.exited()).code, 0);

    server = startRawServer();
    server.send(initialize);
    await server.waitFor('the initialize result', (m) => m.id === 1);
    server.write('Content-Length: 100\r\n\r\n{"jsonrpc"');
    server.process.stdin!.end();
    assert.equal((await server.exited()).code, 1);
    assert.match(server.stderr(), /closed the stream in the middle of a message \(33 bytes received\)/);
  });
});
