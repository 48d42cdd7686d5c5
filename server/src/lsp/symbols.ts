/**
 * Entries of metadata lists as symbols: the outline of one list (document symbols, capped, with a
 * last symbol saying how many more there are) and the search over the lists in use (workspace
 * symbols: exact and prefix matches first).
 */
import { basename } from 'node:path';
import {
  SymbolKind,
  type DocumentSymbol,
  type Range,
  type SymbolInformation,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { valueRange, type MetadataModel } from '../../engine/src/documents/metadataModel';
import { formatCount } from './format';
import { uriToPath } from './uri';

export const MAX_DOCUMENT_SYMBOLS = 20_000;
export const MAX_WORKSPACE_SYMBOLS = 200;

function toRange(doc: TextDocument, start: number, end: number): Range {
  return { start: doc.positionAt(start), end: doc.positionAt(end) };
}

/** The outline of a metadata list: one symbol per entry, at most MAX_DOCUMENT_SYMBOLS. */
export function documentSymbols(doc: TextDocument, model: MetadataModel): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const total = model.entries.length;
  const n = Math.min(total, MAX_DOCUMENT_SYMBOLS);
  for (let id = 0; id < n; id++) {
    const [vs, ve] = valueRange(model, id);
    out.push({
      name: model.entries[id].length > 0 ? model.entries[id] : '""',
      detail: `#${id}`,
      kind: SymbolKind.String,
      range: toRange(doc, model.starts[id], model.ends[id]),
      selectionRange: toRange(doc, vs, ve),
    });
  }
  if (total > n) {
    // The outline would be too slow to show them all: say so, where they start. Its range is that
    // first entry only: a range over the rest of the list would make sticky scroll pin its line
    // above every later entry. Kind Array (the rest of the list), not Null, which breadcrumbs name
    // "(null)".
    const first = toRange(doc, model.starts[n], model.ends[n]);
    out.push({
      name: `… ${formatCount(total - n)} more entries (use workspace symbols, Ctrl+T)`,
      detail: `#${n}–#${total - 1}`,
      kind: SymbolKind.Array,
      range: first,
      selectionRange: first,
    });
  }
  return out;
}

/** Lower-cased entries per model, kept as long as the model lives. */
const lowerCache = new WeakMap<MetadataModel, string[]>();

/** Entries of `sources` containing `query` (case-insensitive): exact, then prefix, then inside. */
export function workspaceSymbols(
  sources: readonly { doc: TextDocument; model: MetadataModel }[],
  query: string,
): SymbolInformation[] {
  const q = query.toLowerCase();
  type Hit = { rank: number; id: number; src: (typeof sources)[number] };
  const hits: Hit[] = [];
  for (const src of sources) {
    let lower = lowerCache.get(src.model);
    if (!lower) {
      lower = src.model.entries.map((e) => e.toLowerCase());
      lowerCache.set(src.model, lower);
    }
    let exactOrPrefix = 0;
    for (let id = 0; id < lower.length; id++) {
      const at = q.length === 0 ? 0 : lower[id].indexOf(q);
      if (at < 0) continue;
      const rank = lower[id].length === q.length ? 0 : at === 0 ? 1 : 2;
      if (rank < 2) exactOrPrefix++;
      else if (hits.length >= MAX_WORKSPACE_SYMBOLS * 4) continue;
      hits.push({ rank, id, src });
      if (exactOrPrefix >= MAX_WORKSPACE_SYMBOLS * 4) break;
    }
  }
  hits.sort((a, b) => a.rank - b.rank || a.id - b.id);
  return hits.slice(0, MAX_WORKSPACE_SYMBOLS).map(({ id, src }) => ({
    name: src.model.entries[id].length > 0 ? src.model.entries[id] : '""',
    kind: SymbolKind.String,
    containerName: `${basename(uriToPath(src.doc.uri) ?? src.doc.uri)} #${id}`,
    location: { uri: src.doc.uri, range: toRange(src.doc, src.model.starts[id], src.model.ends[id]) },
  }));
}
