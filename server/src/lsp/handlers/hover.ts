/**
 * Hovers: an entry of a metadata list (its counts, curation, keep probability, zero-shot result,
 * examples and, for clients that show them, thumbnails of its curation's records), or the entries
 * matched under the cursor in a sample.
 */
import { MarkupKind, type Connection, type Hover, type Position } from 'vscode-languageserver/node';
import { entryAt } from '../../../engine/src/documents/metadataModel';
import { sourceRange } from '../../../engine/src/documents/samples';
import { hasEntryIndex } from '../../../engine/src/entryIndex/curationEntryRecords';
import { activeIdOf, describeActiveEntry, modelOf, toRange } from '../activeList';
import { isMetadataUri, relativePath, sampleKind } from '../documentKinds';
import { inlineCode } from '../format';
import { hoverThumbnails, withinBudget, type HoverThumbnail } from '../hoverImages';
import { siteAt, sitesOf, spansAt } from '../sampleSites';
import { LanguageRoutedIndex, otherLanguageNote } from '../captionLanguages';
import { languageListHover, prepareLanguageLists } from '../languageHighlights';
import { uriToPath } from '../uri';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ServerState } from '../serverState';
import { CAPPED_SPANS_NOTE } from '../spanIndex';
import type { CurationBrowsers } from './entryRecords';

export function registerHover(connection: Connection, state: ServerState, browsers: CurationBrowsers): void {
  const warn = (line: string) => connection.console.warn(line);
  connection.onHover(async (p) => {
    const uri = p.textDocument.uri;
    const images = await imagesOf(state, browsers, uri, p.position);
    const doc = state.documents.get(uri);
    if (doc) await prepareLanguageLists(state, doc, warn);
    return hover(state, uri, p.position, warn, images);
  });
}

/** Images of a metadata entry's records, read first (within the hover's time budget). */
interface EntryImages {
  activeId: number;
  thumbnails: HoverThumbnail[];
}

/**
 * When the client shows hover images and the entry's list has a finished curation with its entry
 * index: up to three checked thumbnails of the entry's records (kept first). The index is not
 * built for a hover (the entry browser does that on first use).
 */
async function imagesOf(
  state: ServerState,
  browsers: CurationBrowsers,
  uri: string,
  position: Position,
): Promise<EntryImages | undefined> {
  const curation = state.curations.current;
  const doc = state.documents.get(uri);
  if (!state.config.hoverImages || !curation || !doc || !isMetadataUri(state, uri)) return undefined;
  const model = modelOf(state, doc);
  const id = entryAt(model, doc.offsetAt(position));
  const activeId = id < 0 ? undefined : activeIdOf(state, doc, model, id);
  if (activeId === undefined) return undefined;
  const folder = curation.info.dir;
  const imageField = state.config.settings.imageField;
  const thumbnails = withinBudget(
    hasEntryIndex(folder).then(async (indexed) => {
      if (!indexed) return [];
      const browser = await browsers(folder);
      return hoverThumbnails((q) => browser.page(q), { entryId: activeId, imageField });
    }),
  );
  return { activeId, thumbnails: await thumbnails };
}

function hover(
  state: ServerState,
  uri: string,
  position: Position,
  warn: (line: string) => void,
  images: EntryImages | undefined,
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
    // The list may have changed while the images were read: they are shown for the same entry only.
    const thumbnails = images && images.activeId === activeId ? images.thumbnails : undefined;
    if (activeId !== undefined) value = describeActiveEntry(state, activeId, { thumbnails });
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
  if (!hit) return languageListHover(state, doc, position) ?? otherLanguageHover(state, doc, position);
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

/** Over a caption of another language than the active language list's: which one, and its list. */
function otherLanguageHover(state: ServerState, doc: TextDocument, position: Position): Hover | null {
  const active = state.metadata.active;
  const kind = sampleKind(state, doc.uri);
  if (!active || !kind || !(active.index instanceof LanguageRoutedIndex)) return null;
  const hit = siteAt(sitesOf(state, doc, kind), doc.offsetAt(position));
  if (!hit) return null;
  const listPath = uriToPath(active.uri);
  const note = otherLanguageNote(
    hit.site.text,
    active.index,
    listPath ? relativePath(state, listPath) : active.uri,
  );
  if (!note) return null;
  const [s, e] = sourceRange(hit.site, 0, hit.site.text.length);
  return { contents: { kind: MarkupKind.Markdown, value: note }, range: toRange(doc, s, e) };
}
