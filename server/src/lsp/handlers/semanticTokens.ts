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
import { LanguageRoutedIndex } from '../captionLanguages';
import { sampleKind } from '../documentKinds';
import { folderHighlights, prepareLanguageLists } from '../languageHighlights';
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
    tokensWhenIndexed(connection, state, scheduler, p.textDocument.uri, token),
  );
  connection.languages.semanticTokens.onRange(async (p, token) =>
    tokensWhenIndexed(connection, state, scheduler, p.textDocument.uri, token, p.range),
  );
}

/** Semantic tokens, once there is an index to take them from (see Scheduler.awaitsIndex). */
async function tokensWhenIndexed(
  connection: Connection,
  state: ServerState,
  scheduler: Scheduler,
  uri: string,
  token: CancellationToken,
  range?: Range,
): Promise<SemanticTokens | ResponseError<void>> {
  if (scheduler.awaitsIndex(uri) && !(await scheduler.ready(token))) return cancelledError();
  const doc = state.documents.get(uri);
  if (!doc) return { data: [] };
  const warn = (line: string) => connection.console.warn(line);
  if (await prepareLanguageLists(state, doc, warn)) scheduler.refreshEditors();
  return semanticTokens(state, doc, range);
}

function semanticTokens(state: ServerState, doc: TextDocument, range?: Range): SemanticTokens {
  const kind = sampleKind(state, doc.uri);
  const active = state.metadata.active;
  if (!kind || !active) return { data: [] };
  const t = tOf(state);
  const highlightIndex =
    active.index instanceof LanguageRoutedIndex
      ? folderHighlights(state, active.index, t)
      : { index: active.index, padding: active.padding, isHead: (id: number) => countOf(state, id) > t };
  return state.highlights.tokens(doc, kind.format, sitesOf(state, doc, kind), highlightIndex, range);
}
