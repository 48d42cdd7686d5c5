/**
 * Every message from the client passes here before the connection sees it: params are checked
 * against the shapes in paramChecks.ts (a bad request is answered InvalidParams, a bad notification
 * logged and dropped), and every `uri` in them is made canonical (uri.ts), so that the rest of the
 * server compares URIs as strings whatever spelling the client used.
 */
import {
  Disposable,
  ErrorCodes,
  Message,
  type DataCallback,
  type MessageReader,
  type ResponseMessage,
} from 'vscode-languageserver/node';
import { NOTIFICATION_PARAMS, REQUEST_PARAMS } from './paramChecks';
import { canonicalUri } from './uri';

/** Keys whose string values are document or folder URIs. */
const URI_KEYS = new Set(['uri', 'rootUri']);
/** Params nest a few levels (code action context → diagnostic → related information → location). */
const MAX_DEPTH = 16;

/** Rewrites, in place, every URI under `value` to its canonical spelling. */
export function canonicaliseUris(value: unknown, depth = 0): void {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) canonicaliseUris(item, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (typeof v === 'string') {
      if (URI_KEYS.has(key)) record[key] = canonicalUri(v);
    } else if (typeof v === 'object' && v !== null) canonicaliseUris(v, depth + 1);
  }
}

export interface InboundHandlers {
  /** Sends a response to a request that the server does not get to see. */
  reply(response: ResponseMessage): void;
  /** Logs a notification dropped for its params. */
  log(line: string): void;
}

export class InboundMessageReader implements MessageReader {
  /** True once the client has sent `shutdown`: an exit or a closed stream then ends with status 0. */
  shutdownReceived = false;

  constructor(
    private readonly inner: MessageReader,
    private readonly handlers: InboundHandlers,
  ) {}

  get onError() {
    return this.inner.onError;
  }
  get onClose() {
    return this.inner.onClose;
  }
  get onPartialMessage() {
    return this.inner.onPartialMessage;
  }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((message) => {
      if (this.admit(message)) callback(message);
    });
  }

  dispose(): void {
    this.inner.dispose();
  }

  /** Checks and canonicalises a message; false when it is answered or dropped here. */
  admit(message: Message): boolean {
    // Lua clients (Neovim) send an empty table as []: by position, which would hand the handler
    // no params and the cancellation token in their place.
    const params = (message as { params?: unknown }).params;
    if (Array.isArray(params) && params.length === 0) (message as { params?: unknown }).params = {};
    if (Message.isRequest(message)) {
      if (message.method === 'shutdown') this.shutdownReceived = true;
      const problem = REQUEST_PARAMS.get(message.method)?.(message.params, 'params');
      if (problem) {
        this.handlers.reply({
          jsonrpc: '2.0',
          id: message.id,
          error: { code: ErrorCodes.InvalidParams, message: `${message.method}: ${problem}` },
        });
        return false;
      }
    } else if (Message.isNotification(message)) {
      const problem = NOTIFICATION_PARAMS.get(message.method)?.(message.params, 'params');
      if (problem) {
        this.handlers.log(`metacurate: ignored the ${message.method} notification: ${problem}`);
        return false;
      }
    }
    if ('params' in message) canonicaliseUris(message.params);
    return true;
  }
}
