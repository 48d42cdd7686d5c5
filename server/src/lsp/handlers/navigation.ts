/**
 * Going to and finding entries: the definition of a match in a sample (its entry in the active
 * list), the references of an entry (references.ts), and the symbols of the lists (symbols.ts).
 */
import type {
  Connection,
  DocumentSymbol,
  Location,
  Position,
  SymbolInformation,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { entryAt } from '../../../engine/src/documents/metadataModel';
import { textFieldsOf, type CaptionSite } from '../../../engine/src/documents/samples';
import { activeSourceSync, entryLocation, modelOf, toRange, type MetadataSource } from '../activeList';
import { isMetadataUri, isPreviewUri, sampleKind } from '../documentKinds';
import { entryReferences } from '../references';
import { sitesOf, spansAt } from '../sampleSites';
import type { ServerState } from '../serverState';
import { documentSymbols, workspaceSymbols } from '../symbols';

export function registerNavigation(connection: Connection, state: ServerState): void {
  const warn = (line: string) => connection.console.warn(line);
  const info = (line: string) => connection.console.info(line);
  connection.onDefinition((p) => definition(state, p.textDocument.uri, p.position, warn));
  connection.onReferences((p) =>
    references(state, p.textDocument.uri, p.position, p.context.includeDeclaration, warn, info),
  );
  connection.onDocumentSymbol((p) => symbolsOf(state, p.textDocument.uri));
  connection.onWorkspaceSymbol((p) => symbolsMatching(state, p.query));
}

function definition(
  state: ServerState,
  uri: string,
  position: Position,
  warn: (line: string) => void,
): Location[] | null {
  const doc = state.documents.get(uri);
  if (!doc) return null;
  const hit = spansAt(state, doc, position, warn);
  if (!hit) return null;
  const out: Location[] = [];
  for (const s of hit.spans) {
    const loc = entryLocation(state, s.id);
    if (
      loc &&
      !out.some(
        (o) =>
          o.range.start.line === loc.range.start.line &&
          o.range.start.character === loc.range.start.character,
      )
    )
      out.push(loc);
  }
  return out;
}

async function references(
  state: ServerState,
  uri: string,
  position: Position,
  includeDeclaration: boolean,
  warn: (line: string) => void,
  info: (line: string) => void,
): Promise<Location[] | null> {
  const doc = state.documents.get(uri);
  if (!doc) return null;
  let entry: string;
  let declaration: Location | undefined;
  if (isMetadataUri(state, uri)) {
    const model = modelOf(state, doc);
    const id = entryAt(model, doc.offsetAt(position));
    if (id < 0) return null;
    entry = model.entries[id];
    declaration = { uri, range: toRange(doc, model.starts[id], model.ends[id]) };
  } else {
    const hit = spansAt(state, doc, position, warn);
    if (!hit) return null;
    entry = state.metadata.active!.entries[hit.spans[0].id];
    declaration = entryLocation(state, hit.spans[0].id);
  }
  const openSamples: { doc: TextDocument; sites: CaptionSite[] }[] = [];
  for (const open of state.documents.all()) {
    const kind = sampleKind(state, open.uri);
    if (kind) openSamples.push({ doc: open, sites: sitesOf(state, open, kind) });
  }
  const settings = state.config.settings;
  return entryReferences({
    entry,
    padding: settings.padding,
    declaration: includeDeclaration ? declaration : undefined,
    openSamples,
    files: state.samples.files.values(),
    fields: textFieldsOf(settings.textField),
    log: info,
  });
}

function symbolsOf(state: ServerState, uri: string): DocumentSymbol[] | null {
  const doc = state.documents.get(uri);
  if (!doc || !isMetadataUri(state, uri)) return null;
  return documentSymbols(doc, modelOf(state, doc));
}

/** Workspace symbols over the lists in use: the active one, then the open metadata documents. */
function symbolsMatching(state: ServerState, query: string): SymbolInformation[] {
  const sources: MetadataSource[] = [];
  const seen = new Set<string>();
  const active = activeSourceSync(state);
  if (active) {
    sources.push(active);
    seen.add(active.doc.uri);
  }
  for (const doc of state.documents.all()) {
    if (seen.has(doc.uri) || isPreviewUri(doc.uri) || !isMetadataUri(state, doc.uri)) continue;
    sources.push({ doc, model: modelOf(state, doc) });
    seen.add(doc.uri);
  }
  return workspaceSymbols(sources, query);
}
