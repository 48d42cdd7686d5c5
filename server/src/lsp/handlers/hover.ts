/**
 * Hovers: an entry of a metadata list (its counts, curation, keep probability, zero-shot result
 * and examples, or why there are none), or the entries matched under the cursor in a sample.
 */
import { MarkupKind, type Connection, type Hover, type Position } from 'vscode-languageserver/node';
import { entryAt } from '../../../engine/src/documents/metadataModel';
import { sourceRange } from '../../../engine/src/documents/samples';
import { activeIdOf, describeActiveEntry, modelOf, toRange } from '../activeList';
import { isMetadataUri } from '../documentKinds';
import { inlineCode } from '../format';
import { spansAt } from '../sampleSites';
import type { ServerState } from '../serverState';
import { CAPPED_SPANS_NOTE } from '../spanIndex';

export function registerHover(connection: Connection, state: ServerState): void {
  const warn = (line: string) => connection.console.warn(line);
  connection.onHover((p) => hover(state, p.textDocument.uri, p.position, warn));
}

function hover(
  state: ServerState,
  uri: string,
  position: Position,
  warn: (line: string) => void,
): Hover | null {
  const doc = state.documents.get(uri);
  if (!doc) return null;
  if (isMetadataUri(state, uri)) {
    const model = modelOf(state, doc);
    const id = entryAt(model, doc.offsetAt(position));
    if (id < 0) return null;
    const range = toRange(doc, model.starts[id], model.ends[id]);
    const activeId = activeIdOf(state, doc, model, id);
    let value: string;
    if (activeId !== undefined) value = describeActiveEntry(state, activeId);
    else {
      const active = state.metadata.active;
      const why =
        active && doc.uri === active.uri
          ? 'Counting is being updated for the latest edit.'
          : 'Not the active metadata list: use **Use as metadata** to count and highlight its entries.';
      value = `**Entry** ${inlineCode(model.entries[id])} · id ${id}\n\n${why}`;
    }
    return { contents: { kind: MarkupKind.Markdown, value }, range };
  }
  const hit = spansAt(state, doc, position, warn);
  if (!hit) return null;
  const entries = state.metadata.active!.entries;
  const sections = hit.spans
    .filter((s, i, all) => all.findIndex((o) => entries[o.id] === entries[s.id]) === i)
    .map((s) => describeActiveEntry(state, s.id));
  if (hit.capped) sections.push(`*${CAPPED_SPANS_NOTE}*`);
  const best = hit.spans[0];
  const [s, e] = sourceRange(hit.site, best.start, best.end);
  return {
    contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') },
    range: toRange(doc, s, e),
  };
}
