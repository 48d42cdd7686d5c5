/**
 * Waits inside request handlers that the client can cancel ($/cancelRequest): a handler that waits
 * for the index or for typing to pause gives up as soon as its request is cancelled.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken, type Event } from 'vscode-languageserver/node';

/** The answer to a request cancelled while it waited. */
export function cancelledError(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'the request was cancelled');
}

/** Resolves true after `ms`, or false as soon as `token` is cancelled. */
export function sleep(ms: number, token: CancellationToken): Promise<boolean> {
  if (token.isCancellationRequested) return Promise.resolve(false);
  return new Promise((resolve) => {
    const cancel = token.onCancellationRequested(() => {
      clearTimeout(timer);
      resolve(false);
    });
    const timer = setTimeout(() => {
      cancel.dispose();
      resolve(true);
    }, ms);
  });
}

/**
 * Resolves true once `ready()` holds, checked now and whenever `changed` fires, or false as soon as
 * `token` is cancelled.
 */
export function waitUntil(
  ready: () => boolean,
  changed: Event<void>,
  token: CancellationToken,
): Promise<boolean> {
  if (ready()) return Promise.resolve(true);
  if (token.isCancellationRequested) return Promise.resolve(false);
  return new Promise((resolve) => {
    const finish = (value: boolean) => {
      onChange.dispose();
      onCancel.dispose();
      resolve(value);
    };
    const onChange = changed(() => {
      if (ready()) finish(true);
    });
    const onCancel = token.onCancellationRequested(() => finish(false));
  });
}
