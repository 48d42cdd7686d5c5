/**
 * Inlay hints after each entry of the active list: its count and keep probability, and the
 * zero-shot result of a run trained on its curation. A request asked before the first index waits
 * for it (see Scheduler.awaitsIndex).
 */
import { MarkupKind, type Connection, type InlayHint, type Range } from 'vscode-languageserver/node';
import { firstEntryFrom } from '../../../engine/src/documents/metadataModel';
import { countOf, modelOf, probabilityOf } from '../activeList';
import { inlayLabel } from '../format';
import type { Scheduler } from '../scheduling';
import type { ServerState } from '../serverState';
import { cancelledError } from '../waiting';

const MAX_INLAY_HINTS = 5_000;

export function registerInlayHints(connection: Connection, state: ServerState, scheduler: Scheduler): void {
  connection.languages.inlayHint.on(async (p, token) => {
    if (scheduler.awaitsIndex(p.textDocument.uri) && !(await scheduler.ready(token))) return cancelledError();
    return inlayHints(state, p.textDocument.uri, p.range);
  });
}

function inlayHints(state: ServerState, uri: string, range: Range): InlayHint[] {
  const doc = state.documents.get(uri);
  const active = state.metadata.active;
  if (!doc || !active || uri !== active.uri) return [];
  const model = modelOf(state, doc);
  const from = doc.offsetAt(range.start);
  const to = doc.offsetAt(range.end);
  const out: InlayHint[] = [];
  for (
    let id = Math.max(0, firstEntryFrom(model, from) - 1);
    id < model.entries.length && out.length < MAX_INLAY_HINTS;
    id++
  ) {
    if (model.starts[id] > to) break;
    if (model.ends[id] < from) continue;
    if (active.entries[id] !== model.entries[id] || active.uncounted.has(id)) continue;
    const zeroShot = state.curations.zeroShot.hint(active.entries, id);
    out.push({
      position: doc.positionAt(model.ends[id]),
      label: inlayLabel(countOf(state, id), probabilityOf(state, id)) + (zeroShot?.label ?? ''),
      tooltip: zeroShot ? { kind: MarkupKind.Markdown, value: zeroShot.tooltip } : undefined,
      paddingLeft: true,
    });
  }
  return out;
}
