/** Completion of entries in a metadata list: WordNet lemmas not in the list yet (completion.ts). */
import type { CompletionList, Connection, Position } from 'vscode-languageserver/node';
import { modelOf } from '../activeList';
import { completeEntry } from '../completion';
import { isMetadataUri } from '../documentKinds';
import { wordnetLemmas } from '../lemmas';
import type { ServerState } from '../serverState';

export function registerCompletion(connection: Connection, state: ServerState): void {
  const error = (line: string) => connection.console.error(line);
  connection.onCompletion((p) => completion(state, p.textDocument.uri, p.position, error));
}

function completion(
  state: ServerState,
  uri: string,
  position: Position,
  error: (line: string) => void,
): CompletionList | null {
  const doc = state.documents.get(uri);
  if (!doc || !isMetadataUri(state, uri)) return null;
  const model = modelOf(state, doc);
  let present = state.caches.entrySets.get(model);
  if (!present) {
    present = new Set(model.entries);
    state.caches.entrySets.set(model, present);
  }
  const wordnet = wordnetLemmas();
  if (wordnet.error && !state.config.lemmasErrorLogged) {
    state.config.lemmasErrorLogged = true;
    error(`metacurate: no WordNet completion: ${wordnet.error}`);
  }
  return completeEntry(doc, model, position, present, wordnet);
}
