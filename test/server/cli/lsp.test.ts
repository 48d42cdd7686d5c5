/** `metacurate lsp`: its transports, and usage errors (exit 2) before any server starts. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(__dirname, '../../../server/src/cli/main.js');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input: '', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('metacurate lsp', function () {
  this.timeout(60_000);

  it('says where the settings come from and what a malformed message does', () => {
    const r = cli(['lsp', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /workspace\/didChangeConfiguration/);
    assert.match(r.stdout, /metacurate\/ready/);
    assert.match(r.stdout, /ends the server with status 1/);
  });

  it('refuses no transport and a socket that is not a port, with status 2', () => {
    const none = cli(['lsp']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /choose a transport: --stdio, --node-ipc or --socket=PORT/);
    const socket = cli(['lsp', '--socket=abc']);
    assert.equal(socket.code, 2);
    assert.match(socket.stderr, /--socket: expected a port number, got "abc"/);
  });

  it('ends with status 1 when the client closes stdin without a shutdown', () => {
    const r = cli(['lsp', '--stdio']);
    assert.equal(r.code, 1);
  });
});
