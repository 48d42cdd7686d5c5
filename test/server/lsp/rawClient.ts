/**
 * A bare-bones LSP client for the tests that need what a library client would not send: raw bytes,
 * malformed headers, `params: null`, or exactly the capabilities an editor declares and no more.
 * It frames what it sends by hand and reads the server's messages with a plain Content-Length
 * parser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { SERVER_MAIN } from './client';

export interface RawMessage {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export interface RawServer {
  process: ChildProcess;
  /** Every message the server sent, in order. */
  messages: RawMessage[];
  stderr(): string;
  /** Writes bytes as they are. */
  write(bytes: string | Buffer): void;
  /** Sends a message with a correct header. */
  send(message: object): void;
  /** Sends a request and resolves with the response to it. */
  request(method: string, params: unknown, timeoutMs?: number): Promise<RawMessage>;
  notify(method: string, params: unknown): void;
  /** Resolves with the first message (already received or to come) for which `check` is true. */
  waitFor(what: string, check: (m: RawMessage) => boolean, timeoutMs?: number): Promise<RawMessage>;
  /** Resolves with the exit code (and signal) once the process has exited. */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: string | null }>;
  /** Answers the server's requests of `method` with `answer(params)`. */
  answer(method: string, answer: (params: unknown) => unknown): void;
  kill(): void;
}

export function frame(message: object): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

export function startRawServer(args: string[] = [SERVER_MAIN, '--stdio']): RawServer {
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // A write after the server exited fails with EPIPE: the tests look at the exit, not the write.
  proc.stdin!.on('error', () => undefined);
  const messages: RawMessage[] = [];
  const listeners = new Set<() => void>();
  const answers = new Map<string, (params: unknown) => unknown>();
  let pending = Buffer.alloc(0);
  let exit: { code: number | null; signal: string | null } | undefined;
  proc.on('exit', (code, signal) => {
    exit = { code, signal };
    for (const l of [...listeners]) l();
  });
  proc.stdout!.on('data', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    for (;;) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(pending.subarray(0, end).toString('ascii'))?.[1]);
      if (pending.length < end + 4 + length) return;
      const message = JSON.parse(pending.subarray(end + 4, end + 4 + length).toString('utf8')) as RawMessage;
      pending = pending.subarray(end + 4 + length);
      messages.push(message);
      if (message.method && message.id !== undefined) {
        const answer = answers.get(message.method);
        server.send({ jsonrpc: '2.0', id: message.id, result: answer ? answer(message.params) : null });
      }
      for (const l of [...listeners]) l();
    }
  });
  let nextId = 1;
  const until = <T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const done = () => {
        const value = check();
        if (value === undefined) return;
        listeners.delete(done);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        listeners.delete(done);
        reject(new Error(`timed out waiting for ${what}\nserver stderr:\n${stderr}`));
      }, timeoutMs);
      listeners.add(done);
      done();
    });
  const server: RawServer = {
    process: proc,
    messages,
    stderr: () => stderr,
    write: (bytes) => void proc.stdin!.write(bytes),
    send: (message) => void proc.stdin!.write(frame(message)),
    request(method, params, timeoutMs = 20_000) {
      const id = nextId++;
      server.send({ jsonrpc: '2.0', id, method, params });
      return server.waitFor(`the response to ${method}`, (m) => m.id === id && !m.method, timeoutMs);
    },
    notify: (method, params) => server.send({ jsonrpc: '2.0', method, params }),
    waitFor: (what, check, timeoutMs = 20_000) => until(what, () => messages.find(check), timeoutMs),
    exited: (timeoutMs = 20_000) => until('the server to exit', () => exit, timeoutMs),
    answer: (method, answer) => void answers.set(method, answer),
    kill: () => void proc.kill(),
  };
  return server;
}
