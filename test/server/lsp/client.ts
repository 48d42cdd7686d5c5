/**
 * A real LSP client for the protocol tests: spawns the language server over stdio and drives it
 * with vscode-languageserver-protocol's connection (the same JSON-RPC stack editors use).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  InlayHintRefreshRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  SemanticTokensRefreshRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { StatusNotification, type MetacurateSettings, type StatusParams } from '../../../contracts/src/lsp';

/** The tsc output of the server (out/server/src/lsp/main.js). */
export const SERVER_MAIN = join(__dirname, '../../../server/src/lsp/main.js');

export interface TestClient {
  connection: ProtocolConnection;
  /** What the client answers to workspace/configuration (change it, then notify the server). */
  settings: Partial<MetacurateSettings>;
  process: ChildProcess;
  diagnostics: Map<string, Diagnostic[]>;
  statuses: StatusParams[];
  semanticRefreshes: number;
  inlayRefreshes: number;
  /** Resolves when `check` is true, re-checked on every message from the server. */
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** The next status with busy = false (after any pending rebuild). */
  idle(timeoutMs?: number): Promise<StatusParams>;
  /** Resolves once the last status is idle and no status has come for `quietMs`. */
  settled(quietMs?: number, timeoutMs?: number): Promise<StatusParams>;
  open(uri: string, languageId: string, text: string, version?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  root: string;
  settings?: Partial<MetacurateSettings>;
  script?: string;
  args?: string[];
  /** `initializationOptions.commandLinks`: the client commands hovers may link to. */
  commandLinks?: string[];
  /** `initializationOptions.hoverImages`: the client shows `data:` images in hovers. */
  hoverImages?: boolean;
}

export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

export async function startClient(options: StartOptions): Promise<TestClient> {
  const script = options.script ?? SERVER_MAIN;
  const proc = spawn(process.execPath, [script, ...(options.args ?? ['--stdio'])], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (process.env.METACURATE_LSP_TRACE) process.stderr.write(d);
  });
  const connection = createProtocolConnection(
    new StreamMessageReader(proc.stdout!),
    new StreamMessageWriter(proc.stdin!),
  );
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const client: TestClient = {
    connection,
    settings: options.settings ?? {},
    process: proc,
    diagnostics: new Map(),
    statuses: [],
    semanticRefreshes: 0,
    inlayRefreshes: 0,
    waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const first = check();
        if (first !== undefined && first !== false) return resolve(first);
        const timer = setTimeout(() => {
          events.off('message', onMessage);
          reject(new Error(`timed out waiting for ${what}${stderr ? `\nserver stderr:\n${stderr}` : ''}`));
        }, timeoutMs);
        const onMessage = () => {
          const value = check();
          if (value === undefined || value === false) return;
          clearTimeout(timer);
          events.off('message', onMessage);
          resolve(value);
        };
        events.on('message', onMessage);
      });
    },
    async idle(timeoutMs = 30_000): Promise<StatusParams> {
      const from = client.statuses.length;
      // Any status from now on that says not busy; or the last one, if it already did and no
      // rebuild is pending (the server sends busy: true as soon as one is scheduled).
      await new Promise((r) => setTimeout(r, 20));
      return client.waitFor(
        'an idle status',
        () => {
          const last = client.statuses[client.statuses.length - 1];
          if (last && !last.busy && client.statuses.length > from) return last;
          if (last && !last.busy && client.statuses.length === from) return last;
          return undefined;
        },
        timeoutMs,
      );
    },
    async settled(quietMs = 300, timeoutMs = 60_000): Promise<StatusParams> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const count = client.statuses.length;
        await new Promise((r) => setTimeout(r, quietMs));
        const last = client.statuses[client.statuses.length - 1];
        if (client.statuses.length === count && last && !last.busy) return last;
        if (Date.now() > deadline) throw new Error(`the server did not settle${stderr ? `\n${stderr}` : ''}`);
      }
    },
    async open(uri: string, languageId: string, text: string, version = 1): Promise<void> {
      await connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId, version, text },
      });
    },
    async stop(): Promise<void> {
      try {
        await connection.sendRequest(ShutdownRequest.type);
        await connection.sendNotification(ExitNotification.type);
      } catch {
        // Already gone.
      }
      await new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const timer = setTimeout(() => {
          proc.kill();
          resolve();
        }, 3000);
        proc.on('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      connection.dispose();
    },
  };
  connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
    client.diagnostics.set(p.uri, p.diagnostics);
    events.emit('message');
  });
  connection.onNotification(StatusNotification, (s) => {
    client.statuses.push(s);
    events.emit('message');
  });
  connection.onRequest(ConfigurationRequest.type, (p) => p.items.map(() => client.settings));
  connection.onRequest(RegistrationRequest.type, () => undefined);
  connection.onRequest(SemanticTokensRefreshRequest.type, () => {
    client.semanticRefreshes++;
    events.emit('message');
  });
  connection.onRequest(InlayHintRefreshRequest.type, () => {
    client.inlayRefreshes++;
    events.emit('message');
  });
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: fileUri(options.root),
    workspaceFolders: [{ uri: fileUri(options.root), name: 'test' }],
    initializationOptions: {
      settings: client.settings,
      commandLinks: options.commandLinks,
      hoverImages: options.hoverImages,
    },
    capabilities: {
      workspace: {
        configuration: true,
        semanticTokens: { refreshSupport: true },
        inlayHint: { refreshSupport: true },
        workspaceFolders: true,
      },
      textDocument: {
        publishDiagnostics: { relatedInformation: true },
        semanticTokens: {
          requests: { full: true, range: true },
          tokenTypes: ['metacurateEntry'],
          tokenModifiers: ['head', 'tail'],
          formats: ['relative'],
        },
      },
    },
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return client;
}
