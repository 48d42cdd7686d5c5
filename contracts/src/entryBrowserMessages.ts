/**
 * The entry browser's protocol: its host side (client/src/entryBrowser.ts, in the extension host)
 * and its webview (webview/src/browser/main.ts). Both import this file. Plain data only. The
 * records themselves come from the language server (`metacurate/entryRecords`,
 * contracts/src/entryRecords.ts); the host relays a page and adds what only it knows (each file
 * relative to the workspace, the source's label).
 */
import type { EntryRecordsFilter, EntryRecordsResult } from './entryRecords';
import type { SourceSpec } from './webview';

/** The view type of the panel, its serializer and its `onWebviewPanel:` activation event. */
export const ENTRY_BROWSER_VIEW_TYPE = 'metacurate.entryBrowser';

/** The command that opens the browser on an entry (hover links, the balance panel, the palette). */
export const BROWSE_ENTRY_COMMAND = 'metacurate.browseEntry';

/** Records per page. */
export const BROWSER_PAGE_SIZE = 100;

/** Which entry, of which source: what the browser shows. */
export interface BrowseTarget {
  /** The entry's index in its metadata list. */
  entryId: number;
  source: SourceSpec;
  /** The metadata file (URI) of the samples source; ignored for a curation (contracts/src/entryRecords.ts). */
  metadataUri?: string;
}

/** One page asked for: the target, the filter and the first record (a multiple of the page size). */
export interface BrowseQuery {
  target: BrowseTarget;
  filter: EntryRecordsFilter;
  offset: number;
}

/** What the webview keeps with `setState`: the query on display and the entries visited before it. */
export interface BrowserSavedState {
  query?: BrowseQuery;
  history: BrowseTarget[];
}

/**
 * A record's image as the host read it: the checked bytes as a `data:` URI (PNG, JPEG, WebP or
 * GIF), or why it is not shown. URLs and refused image fields come with the record itself.
 */
export type ShownImage = { kind: 'data'; uri: string } | { kind: 'error'; message: string };

// Host → webview
export type BrowserHostMessage =
  /** Show this entry (a command asked): from its first record, all of them. */
  | { type: 'show'; target: BrowseTarget }
  /** A page answered for `query`; `files[i]` is record i's file relative to the workspace. */
  | { type: 'page'; query: BrowseQuery; result: EntryRecordsResult; files: string[]; sourceLabel: string }
  | { type: 'error'; query: BrowseQuery; message: string }
  /** Record `index` of the page answered for `query` has this image (sent after the page, one by one). */
  | { type: 'image'; query: BrowseQuery; index: number; image: ShownImage };

// Webview → host
export type BrowserWebviewMessage =
  /** The webview's script runs (the host then sends a pending `show`). */
  | { type: 'ready' }
  /** Fetch this page. */
  | { type: 'query'; query: BrowseQuery }
  /** Open a record's file, at its line (1-based) when it has one. */
  | { type: 'openRecord'; file: string; line?: number };

/**
 * The arguments of `metacurate.browseEntry`: the entry, and where its records come from (omitted:
 * the active list's finished active curation, else the workspace samples).
 */
export interface BrowseEntryArgs {
  entryId: number;
  source?: SourceSpec;
  /** The metadata file (URI) the id refers to (omitted: the active list). */
  metadataUri?: string;
}

/**
 * A `command:` link that opens the browser (hovers); the command receives `args` as its argument.
 * Parentheses and quotes are escaped too, so the link stands as a Markdown link target.
 */
export function browseEntryCommandUri(args: BrowseEntryArgs): string {
  const query = encodeURIComponent(JSON.stringify([args])).replace(
    /[()'!*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `command:${BROWSE_ENTRY_COMMAND}?${query}`;
}
