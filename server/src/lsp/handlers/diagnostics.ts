/**
 * Diagnostics of metadata lists, pushed after typing pauses (longer on large lists) or pulled by
 * clients that pull (pullDiagnostics.ts), never both to one client.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { modelOf } from '../activeList';
import { computeDiagnostics } from '../diagnostics';
import { paddingOfList } from '../documentKinds';
import type { Scheduler } from '../scheduling';
import { diagnosticsDelay, type ServerState } from '../serverState';

/**
 * Pushes a metadata document's diagnostics (pulling clients ask for them instead); resolves once
 * they are written, undefined when nothing is pushed.
 */
export function publishDiagnostics(
  connection: Connection,
  state: ServerState,
  doc: TextDocument,
): Promise<void> | undefined {
  if (state.config.diagnosticsMode !== 'push') return undefined;
  const diagnostics = computeDiagnostics(doc, modelOf(state, doc), undefined, paddingOfList(state, doc.uri));
  return connection
    .sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics })
    .catch(() => undefined);
}

/** A metadata document changed: its diagnostics are checked again once typing pauses. */
export function diagnosticsChanged(
  connection: Connection,
  state: ServerState,
  scheduler: Scheduler,
  doc: TextDocument,
): void {
  state.pullDiagnostics.noteChange(doc.uri);
  if (state.config.diagnosticsMode !== 'push') return;
  scheduler.debounceDiagnostics(doc.uri, diagnosticsDelay(doc), () => {
    const current = state.documents.get(doc.uri);
    if (current) void publishDiagnostics(connection, state, current);
  });
}

/** A metadata document closed: its pushed diagnostics are cleared. */
export function clearDiagnostics(connection: Connection, state: ServerState, uri: string): void {
  if (state.config.diagnosticsMode === 'push') void connection.sendDiagnostics({ uri, diagnostics: [] });
}

/** Pulling clients ask again: which documents are metadata lists may have changed. */
export function refreshPulledDiagnostics(connection: Connection, state: ServerState): void {
  if (state.config.diagnosticsMode !== 'pull') return;
  state.pullDiagnostics.invalidate();
  if (state.config.client.diagnosticRefresh)
    void connection.languages.diagnostics.refresh().catch(() => undefined);
}

export function registerDiagnostics(connection: Connection, state: ServerState): void {
  connection.languages.diagnostics.on((p, token) => state.pullDiagnostics.report(p, token));
}
