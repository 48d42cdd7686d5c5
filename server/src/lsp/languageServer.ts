/**
 * The Metacurate language server: wires the pure pieces (metadata model and diagnostics, quick
 * fixes, span index, sample captions, WordNet lemmas, previews) to LSP.
 *
 * What it knows: one active metadata list (the one "used as metadata", else the first metadata
 * document opened, else the first metadata file of the workspace) whose entries are indexed; the
 * captions of the workspace's sample files and their per-entry counts; the active curation's
 * counts, of the curations made with that list. Rebuilding the index after an edit is debounced,
 * runs in slices between requests (English) or in a worker thread (worldwide), and is cancelled by
 * a newer edit; requests meanwhile see the previous index. The edit of a few entries updates the
 * index and their counts in place.
 *
 * The map:
 * - serverState.ts: all mutable state, in named parts (documents and caches, config, metadata and
 *   the active index, samples, curations, schedule); no logic.
 * - documentKinds.ts (metadata list, sample or preview?), activeList.ts (the active list's model,
 *   counts, keep probabilities, curation, entry text), sampleSites.ts (captions and spans under a
 *   position): what the handlers read from the state.
 * - scheduling.ts (Scheduler): debounced rebuilds, recounts, re-reads and rescans, the status,
 *   and the waiting of requests for the index; the work is in indexBuild.ts and workspaceScan.ts.
 * - handlers/: one module per feature, each `registerXxx(connection, state[, scheduler])`:
 *   configuration (handshake, settings, watched files), documentSync (open/change/close),
 *   diagnostics (push and pull), hover, inlayHints, semanticTokens, completion, codeActions,
 *   navigation (definition, references, symbols), metacurateRequests (the custom methods).
 */
import type { Connection } from 'vscode-languageserver/node';
import { registerCodeActions } from './handlers/codeActions';
import { registerCompletion } from './handlers/completion';
import { registerConfiguration } from './handlers/configuration';
import { registerDiagnostics } from './handlers/diagnostics';
import { registerDocumentSync } from './handlers/documentSync';
import { registerHover } from './handlers/hover';
import { registerInlayHints } from './handlers/inlayHints';
import { registerEntryRecords } from './handlers/entryRecords';
import { registerMetacurateRequests } from './handlers/metacurateRequests';
import { registerNavigation } from './handlers/navigation';
import { registerSemanticTokens } from './handlers/semanticTokens';
import { Scheduler } from './scheduling';
import { ServerState } from './serverState';
import { createServerConnection } from './transport';

/** Registers every handler on `connection` over one fresh state; the caller starts listening. */
function createServer(connection: Connection): { state: ServerState; scheduler: Scheduler } {
  const state = new ServerState();
  const scheduler = new Scheduler(connection, state);
  registerConfiguration(connection, state, scheduler);
  registerDocumentSync(connection, state, scheduler);
  registerNavigation(connection, state);
  registerCompletion(connection, state);
  registerCodeActions(connection, state);
  registerInlayHints(connection, state, scheduler);
  registerSemanticTokens(connection, state, scheduler);
  registerDiagnostics(connection, state);
  registerMetacurateRequests(connection, state, scheduler);
  const browsers = registerEntryRecords(connection, state, scheduler);
  registerHover(connection, state, browsers);
  state.documents.listen(connection);
  return { state, scheduler };
}

/** Starts the server on a connection (stdio / IPC from argv by default); resolves when it exits. */
export function startServer(connection: Connection = createServerConnection()): Promise<void> {
  createServer(connection);
  connection.listen();
  return new Promise((resolve) => connection.onExit(() => resolve()));
}
