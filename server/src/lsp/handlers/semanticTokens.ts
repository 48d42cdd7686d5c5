/**
 * Semantic tokens of sample documents: the matched entries, head or tail (sampleHighlights.ts),
 * for the whole document or a range. A request asked before the first index waits for it.
 */
import type {
  CancellationToken,
  Connection,
  Range,
  ResponseError,
  SemanticTokens,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { countOf, tOf } from '../activeList';
import { sampleKind } from '../documentKinds';
import { sitesOf } from '../sampleSites';
import type { Scheduler } from '../scheduling';
import type { ServerState } from '../serverState';
import { cancelledError } from '../waiting';

export function registerSemanticTokens(
  connection: Connection,
  state: ServerState,
  scheduler: Scheduler,
): void {
  connection.languages.semanticTokens.on(async (p, token) =>
    tokensWhenIndexed(state, scheduler, p.textDocument.uri, token),
  );
  connection.languages.semanticTokens.onRange(async (p, token) =>
    tokensWhenIndexed(state, scheduler, p.textDocument.uri, token, p.range),
  );
}

/** Semantic tokens, once there is an index to take them from (see Scheduler.awaitsIndex). */
async function tokensWhenIndexed(
  state: ServerState,
  scheduler: Scheduler,
  uri: string,
  token: CancellationToken,
  range?: Range,
): Promise<SemanticTokens | ResponseError<void>> {
  if (scheduler.awaitsIndex(uri) && !(await scheduler.ready(token))) return cancelledError();
  const doc = state.documents.get(uri);
  return doc ? semanticTokens(state, doc, range) : { data: [] };
}

function semanticTokens(state: ServerState, doc: TextDocument, range?: Range): SemanticTokens {
  const kind = sampleKind(state, doc.uri);
  const active = state.metadata.active;
  if (!kind || !active) return { data: [] };
  const t = tOf(state);
  return state.highlights.tokens(
    doc,
    kind.format,
    sitesOf(state, doc, kind),
    { index: active.index, padding: active.padding, isHead: (id) => countOf(state, id) > t },
    range,
  );
}
