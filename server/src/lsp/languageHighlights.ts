/**
 * Sample highlights and hovers while a worldwide folder's language list is active: each caption
 * against its own language's list of the folder (languageIndexes.ts). A match of another language's
 * list is head or tail by that language's count and t_lang, and its hover shows that list's entry
 * with the curation made with that list's sha256 (never the active list's numbers).
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { balanceProbabilities } from '../../engine/src/balance';
import { sourceRange } from '../../engine/src/documents/samples';
import { browseArgsOf, countOf, sampleFiles, toRange } from './activeList';
import { LanguageRoutedIndex } from './captionLanguages';
import { relativePath, sampleKind } from './documentKinds';
import { describeEntry, examplesOf } from './entryText';
import { FolderSpanIndex, LANGUAGE_ID_STRIDE, type LanguageListIndex } from './languageIndexes';
import type { HighlightIndex } from './sampleHighlights';
import { siteAt, sitesOf } from './sampleSites';
import type { ServerState } from './serverState';

/** The active index when it is a language list's. */
function activeLanguageIndex(state: ServerState): LanguageRoutedIndex | undefined {
  const index = state.metadata.active?.index;
  return index instanceof LanguageRoutedIndex ? index : undefined;
}

/**
 * Indexes the folder's lists of the languages of `doc`'s captions (a sample document, while a
 * language list is active); true when any list was (re)loaded: the highlights drawn are stale.
 */
export async function prepareLanguageLists(
  state: ServerState,
  doc: TextDocument,
  warn: (line: string) => void,
): Promise<boolean> {
  const active = activeLanguageIndex(state);
  const kind = sampleKind(state, doc.uri);
  if (!active || !kind) return false;
  const codes = new Set<string>();
  for (const site of sitesOf(state, doc, kind)) codes.add(active.languageOf(site.text));
  const changed = await state.languageIndexes.ensure(state, active, codes, warn);
  if (changed) {
    state.highlights.indexReplaced();
    state.highlights.invalidate();
  }
  return changed;
}

/** A language list's count and t of entry `id` (its curation's, else its samples' and the `t` setting). */
function countAndT(state: ServerState, list: LanguageListIndex, id: number): { count: number; t: number } {
  const curation = list.curation;
  if (curation) return { count: curation.counts[id] ?? 0, t: curation.info.t ?? state.config.settings.t };
  return { count: list.counts[id] ?? 0, t: state.config.settings.t };
}

/** What highlights are drawn from while `active` (a language list) is active, at its t. */
export function folderHighlights(state: ServerState, active: LanguageRoutedIndex, t: number): HighlightIndex {
  const lists = state.languageIndexes;
  return {
    index: new FolderSpanIndex(active, (code) => lists.of(active.folder, code)),
    padding: active.padding,
    isHead: (id) => {
      if (id < LANGUAGE_ID_STRIDE) return countOf(state, id) > t;
      const list = lists.bySlot(Math.floor(id / LANGUAGE_ID_STRIDE));
      if (!list) return false;
      const own = countAndT(state, list, id % LANGUAGE_ID_STRIDE);
      return own.count > own.t;
    },
  };
}

/** The hover of entry `id` of another language's list. */
function describeListEntry(state: ServerState, list: LanguageListIndex, id: number): string {
  const entry = list.entries[id];
  const { count, t } = countAndT(state, list, id);
  const curation = list.curation;
  const ofLanguage = (caption: string) => list.index.languageOf(caption) === list.code;
  return describeEntry({
    entry,
    id,
    heading: true,
    sampleCount: list.counts[id],
    records: list.records,
    sampleFiles: sampleFiles(state),
    curation: curation && {
      count,
      folder: relativePath(state, curation.info.dir),
      t: curation.info.t,
      language: list.code,
    },
    metadataSha256: list.sha,
    t,
    count,
    p: balanceProbabilities([count], t)[0],
    examples: examplesOf(
      [...state.samples.files.values()].map((s) => s.captions.filter(ofLanguage)),
      entry,
      'worldwide',
    ),
    browse: browseArgsOf(state, curation, id, list.uri),
  });
}

/**
 * Over a caption of another language than the active list's, matched by the folder's list of its
 * language: that list's entries under the position, longest first.
 */
export function languageListHover(state: ServerState, doc: TextDocument, position: Position): Hover | null {
  const active = activeLanguageIndex(state);
  const kind = sampleKind(state, doc.uri);
  if (!active || !kind) return null;
  const hit = siteAt(sitesOf(state, doc, kind), doc.offsetAt(position));
  if (!hit) return null;
  const list = state.languageIndexes.of(active.folder, active.languageOf(hit.site.text));
  if (!list) return null;
  const spans = list.index
    .findSpans(hit.site.text, hit.at)
    .spans.filter((s) => s.start <= hit.at && hit.at < s.end)
    .sort((x, y) => y.end - y.start - (x.end - x.start) || x.id - y.id)
    .filter((s, i, all) => all.findIndex((o) => list.entries[o.id] === list.entries[s.id]) === i);
  if (spans.length === 0) return null;
  const value = spans.map((s) => describeListEntry(state, list, s.id)).join('\n\n---\n\n');
  const [s, e] = sourceRange(hit.site, spans[0].start, spans[0].end);
  return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(doc, s, e) };
}
