/**
 * The server's connection to its client, from the command line's transport: `--stdio`, `--socket=PORT`
 * (both read with the strict framing of framing.ts) or `--node-ipc` (VS Code). Every message passes
 * inbound.ts. A malformed message on a byte stream is logged (stderr and window/logMessage, with
 * what was received) and ends the process with status 1, so the client restarts the server rather
 * than talking to one that can no longer read it.
 */
import { createConnection as createSocket } from 'node:net';
import { inspect } from 'node:util';
import {
  createConnection,
  IPCMessageReader,
  IPCMessageWriter,
  LogMessageNotification,
  MessageType,
  ProposedFeatures,
  StreamMessageWriter,
  type Connection,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver/node';
import { EXIT_BAD_INPUT } from '../../engine/src/errors';
import { ContentLengthMessageReader } from './framing';
import { InboundMessageReader } from './inbound';

export type TransportKind = 'stdio' | 'socket' | 'node-ipc';

/** The transport the arguments name, as vscode-languageserver reads them; undefined for none. */
export function transportOf(argv: readonly string[]): { kind: TransportKind; port?: number } | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--stdio') return { kind: 'stdio' };
    if (arg === '--node-ipc') return { kind: 'node-ipc' };
    if (arg === '--socket') return { kind: 'socket', port: Number(argv[i + 1]) };
    if (arg.startsWith('--socket=')) return { kind: 'socket', port: Number(arg.slice('--socket='.length)) };
  }
  return undefined;
}

/** How long the last log message may take to reach the client before the process exits anyway. */
const FLUSH_TIMEOUT_MS = 1000;

/**
 * Creates the connection for the transport in `argv` (process.argv by default). Other transports
 * (`--pipe`) are left to vscode-languageserver.
 */
export function createServerConnection(argv: readonly string[] = process.argv.slice(2)): Connection {
  const transport = transportOf(argv);
  if (!transport) return createConnection(ProposedFeatures.all);
  let reader: MessageReader;
  let writer: MessageWriter;
  let framed: ContentLengthMessageReader | undefined;
  if (transport.kind === 'node-ipc') {
    reader = new IPCMessageReader(process);
    writer = new IPCMessageWriter(process);
  } else if (transport.kind === 'stdio') {
    reader = framed = new ContentLengthMessageReader(process.stdin);
    writer = new StreamMessageWriter(process.stdout);
  } else {
    const socket = createSocket(transport.port!, '127.0.0.1');
    reader = framed = new ContentLengthMessageReader(socket);
    writer = new StreamMessageWriter(socket);
  }
  const inbound = new InboundMessageReader(reader, {
    reply: (response) => void writer.write(response).catch(() => undefined),
    // Called only once messages flow, after the connection below exists.
    log: (line) => connection.console.error(line),
  });
  const connection = createConnection(ProposedFeatures.all, inbound, writer);
  if (framed) {
    const stream = framed;
    stream.onError((error) => void exitOnBrokenStream(connection, error.message));
    stream.onClose(() => {
      // The client closed its end: as after an exit notification, 0 only after a shutdown.
      if (stream.pendingBytes > 0) {
        process.stderr.write(
          `metacurate lsp: the client closed the stream in the middle of a message (${stream.pendingBytes} bytes received)\n`,
        );
      }
      process.exit(inbound.shutdownReceived ? 0 : EXIT_BAD_INPUT);
    });
  }
  if (transport.kind === 'stdio') logConsoleToClient(connection);
  return connection;
}

/** Logs why the stream cannot be read any more, to stderr and to the client, then exits with 1. */
async function exitOnBrokenStream(connection: Connection, reason: string): Promise<never> {
  const message = `metacurate lsp: ${reason}\nmetacurate lsp: exiting with status ${EXIT_BAD_INPUT}: the stream cannot be read past this point, so the client should start the server again`;
  process.stderr.write(`${message}\n`);
  await Promise.race([
    connection
      .sendNotification(LogMessageNotification.type, { type: MessageType.Error, message })
      .catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, FLUSH_TIMEOUT_MS)),
  ]);
  process.exit(EXIT_BAD_INPUT);
}

/** On stdio, stdout is the protocol: console output goes to the client's log instead. */
function logConsoleToClient(connection: Connection): void {
  const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
  console.log = (...args: unknown[]) => connection.console.log(text(args));
  console.info = (...args: unknown[]) => connection.console.info(text(args));
  console.debug = (...args: unknown[]) => connection.console.log(text(args));
  console.warn = (...args: unknown[]) => connection.console.warn(text(args));
  console.error = (...args: unknown[]) => connection.console.error(text(args));
}
