/** Quick fixes of a metadata list's diagnostics (codeActions.ts). */
import type { Connection } from 'vscode-languageserver/node';
import { modelOf } from '../activeList';
import { codeActionsFor } from '../codeActions';
import { isMetadataUri } from '../documentKinds';
import type { ServerState } from '../serverState';

export function registerCodeActions(connection: Connection, state: ServerState): void {
  connection.onCodeAction(({ textDocument: { uri }, context }) => {
    const doc = state.documents.get(uri);
    if (!doc || !isMetadataUri(state, uri)) return [];
    return codeActionsFor(doc, modelOf(state, doc), context.diagnostics);
  });
}
