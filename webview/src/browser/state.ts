/**
 * The entry browser's state and its one reducer: the state and an action (something the user did,
 * or a message from the host) give the next state and the messages to post to the host. Pure: no
 * DOM, no timers (main.ts draws the state and posts the messages). The query on display (entry,
 * source, filter, first record) and the entries visited before it are kept with `setState`.
 */
import {
  BROWSER_PAGE_SIZE,
  type BrowseQuery,
  type BrowserHostMessage,
  type BrowserSavedState,
  type BrowserWebviewMessage,
  type BrowseTarget,
  type ShownImage,
} from '../../../contracts/src/entryBrowserMessages';
import {
  ENTRY_RECORDS_FILTERS,
  type EntryRecordsFilter,
  type EntryRecordsResult,
} from '../../../contracts/src/entryRecords';
import type { SourceSpec } from '../../../contracts/src/webview';
import { jumpTo, nextPage, pageStart, previousPage } from './paging';

/** Entries remembered for "Back". */
export const HISTORY_CAP = 50;

/** A page the host answered, for the query it answers. */
export interface ShownPage {
  query: BrowseQuery;
  result: EntryRecordsResult;
  /** Each record's file relative to the workspace. */
  files: string[];
  sourceLabel: string;
  /** Each record's image as the host read it (index: the record's on the page), as they come. */
  images: Readonly<Record<number, ShownImage>>;
}

export interface BrowserViewState {
  saved: BrowserSavedState;
  /** The last page answered for the query on display (kept while the next one loads). */
  page: ShownPage | undefined;
  /** A query was posted and its page has not come. */
  loading: boolean;
  /** Why the query on display has no page. */
  error: string | undefined;
  /** Why the record number typed in the jump box was not taken. */
  jumpError: string | undefined;
  /** The record (index on the page) whose image is shown enlarged. */
  enlarged: number | undefined;
}

export type BrowserAction =
  | { type: 'host'; message: BrowserHostMessage }
  | { type: 'filter'; filter: EntryRecordsFilter }
  | { type: 'next' }
  | { type: 'previous' }
  /** The jump box's record number (1-based, as typed). */
  | { type: 'jump'; text: string }
  /** Another entry a record matched was clicked. */
  | { type: 'browse'; entryId: number }
  /** Back to the entry browsed before. */
  | { type: 'back' }
  /** Record `index` of the page was clicked (or Enter on it). */
  | { type: 'open'; index: number }
  /** Record `index`'s thumbnail was clicked: enlarge it, or shrink it back. */
  | { type: 'enlarge'; index: number };

export interface BrowserUpdate {
  state: BrowserViewState;
  send: BrowserWebviewMessage[];
}

function isEntryId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseSource(v: unknown): SourceSpec | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o.kind === 'samples') return { kind: 'samples' };
  if (o.kind === 'curation' && typeof o.folder === 'string' && o.folder)
    return { kind: 'curation', folder: o.folder };
  return undefined;
}

/** A target kept from before, checked (undefined when any part is not valid). */
export function parseTarget(v: unknown): BrowseTarget | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const source = parseSource(o.source);
  if (!source || !isEntryId(o.entryId)) return undefined;
  if (o.metadataUri !== undefined && typeof o.metadataUri !== 'string') return undefined;
  return { entryId: o.entryId, source, ...(o.metadataUri ? { metadataUri: o.metadataUri } : {}) };
}

function parseQuery(v: unknown): BrowseQuery | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const target = parseTarget(o.target);
  const filter = ENTRY_RECORDS_FILTERS.includes(o.filter as EntryRecordsFilter)
    ? (o.filter as EntryRecordsFilter)
    : 'all';
  const offset = isEntryId(o.offset) ? pageStart(o.offset, Number.MAX_SAFE_INTEGER, BROWSER_PAGE_SIZE) : 0;
  return target && { target, filter, offset };
}

/** The state kept from before (`getState`, whatever it holds), checked: what is not valid is left out. */
export function restoreBrowserState(saved: unknown): BrowserSavedState {
  const s = (typeof saved === 'object' && saved !== null ? saved : {}) as Record<string, unknown>;
  const history = Array.isArray(s.history)
    ? s.history
        .map(parseTarget)
        .filter((t): t is BrowseTarget => t !== undefined)
        .slice(-HISTORY_CAP)
    : [];
  const query = parseQuery(s.query);
  return query ? { query, history } : { history };
}

export function initialBrowserState(saved: unknown): BrowserViewState {
  return {
    saved: restoreBrowserState(saved),
    page: undefined,
    loading: false,
    error: undefined,
    jumpError: undefined,
    enlarged: undefined,
  };
}

/** The messages a webview that starts posts: ready, and the page it showed before a reload. */
export function startMessages(state: BrowserViewState): BrowserWebviewMessage[] {
  const { query } = state.saved;
  return query ? [{ type: 'ready' }, { type: 'query', query }] : [{ type: 'ready' }];
}

export function sameTarget(a: BrowseTarget, b: BrowseTarget): boolean {
  return (
    a.entryId === b.entryId &&
    a.metadataUri === b.metadataUri &&
    a.source.kind === b.source.kind &&
    (a.source.kind === 'samples' || (b.source.kind === 'curation' && a.source.folder === b.source.folder))
  );
}

export function sameQuery(a: BrowseQuery | undefined, b: BrowseQuery | undefined): boolean {
  return !!a && !!b && a.filter === b.filter && a.offset === b.offset && sameTarget(a.target, b.target);
}

/** Asks for `query`'s page (nothing when it is on display and not failed). */
function ask(state: BrowserViewState, query: BrowseQuery, history = state.saved.history): BrowserUpdate {
  return {
    state: { ...state, saved: { query, history }, loading: true, error: undefined, jumpError: undefined },
    send: [{ type: 'query', query }],
  };
}

/** Another entry: the one on display goes into the history. */
function browse(state: BrowserViewState, target: BrowseTarget): BrowserUpdate {
  const current = state.saved.query?.target;
  if (
    current &&
    sameTarget(current, target) &&
    state.saved.query?.filter === 'all' &&
    state.saved.query.offset === 0
  )
    return { state, send: [] };
  const history =
    current && !sameTarget(current, target)
      ? [...state.saved.history, current].slice(-HISTORY_CAP)
      : state.saved.history;
  return ask(state, { target, filter: 'all', offset: 0 }, history);
}

/** Records that pass the filter, as the last page said (0 before any page). */
function totalOf(state: BrowserViewState): number {
  return state.page &&
    sameTarget(state.page.query.target, state.saved.query!.target) &&
    state.page.query.filter === state.saved.query!.filter
    ? state.page.result.total
    : 0;
}

export function reduceBrowser(state: BrowserViewState, action: BrowserAction): BrowserUpdate {
  const none: BrowserUpdate = { state, send: [] };
  const query = state.saved.query;
  switch (action.type) {
    case 'host':
      return onHost(state, action.message);
    case 'filter':
      if (!query || query.filter === action.filter) return none;
      return ask(state, { ...query, filter: action.filter, offset: 0 });
    case 'next': {
      const to = query && nextPage(query.offset, totalOf(state), BROWSER_PAGE_SIZE);
      return query && to !== undefined ? ask(state, { ...query, offset: to }) : none;
    }
    case 'previous': {
      const to = query && previousPage(query.offset, totalOf(state), BROWSER_PAGE_SIZE);
      return query && to !== undefined ? ask(state, { ...query, offset: to }) : none;
    }
    case 'jump': {
      if (!query) return none;
      const jump = jumpTo(action.text, totalOf(state), BROWSER_PAGE_SIZE);
      if (!jump.ok) return { state: { ...state, jumpError: jump.reason }, send: [] };
      if (jump.offset === query.offset) return { state: { ...state, jumpError: undefined }, send: [] };
      return ask(state, { ...query, offset: jump.offset });
    }
    case 'browse':
      if (!query || !isEntryId(action.entryId)) return none;
      return browse(state, { ...query.target, entryId: action.entryId });
    case 'back': {
      const history = state.saved.history;
      if (history.length === 0) return none;
      return ask(
        state,
        { target: history[history.length - 1], filter: 'all', offset: 0 },
        history.slice(0, -1),
      );
    }
    case 'enlarge': {
      if (state.page?.images[action.index]?.kind !== 'data') return none;
      return {
        state: { ...state, enlarged: state.enlarged === action.index ? undefined : action.index },
        send: [],
      };
    }
    case 'open': {
      const record = state.page?.result.records[action.index];
      if (!record) return none;
      return {
        state,
        send: [
          {
            type: 'openRecord',
            file: record.file,
            ...(record.line !== undefined ? { line: record.line } : {}),
          },
        ],
      };
    }
  }
}

/** A data: URI of a PNG, JPEG, WebP or GIF image, base64 (what the host makes, and nothing else). */
const IMAGE_DATA_URI = /^data:image\/(?:png|jpeg|webp|gif);base64,[A-Za-z0-9+/]*={0,2}$/;

/** The image as shown: a data URI the host made, else an error (never another kind of source). */
export function checkedImage(image: ShownImage): ShownImage {
  if (image.kind === 'error') return { kind: 'error', message: String(image.message) };
  return IMAGE_DATA_URI.test(image.uri)
    ? image
    : { kind: 'error', message: 'the image is not a PNG, JPEG, WebP or GIF data URI' };
}

function onHost(state: BrowserViewState, m: BrowserHostMessage): BrowserUpdate {
  const none: BrowserUpdate = { state, send: [] };
  switch (m.type) {
    case 'show':
      return browse(state, m.target);
    case 'page': {
      // A page of a query no longer on display (the user moved on meanwhile) is dropped.
      const query = state.saved.query;
      if (!query || !sameQuery(m.query, query)) return none;
      const { total } = m.result;
      // Fewer records than before (a curation made again): back to the last page that has some.
      const start = pageStart(query.offset, total, BROWSER_PAGE_SIZE);
      if (start !== query.offset) return ask(state, { ...query, offset: start });
      const page: ShownPage = {
        query: m.query,
        result: m.result,
        files: m.files,
        sourceLabel: m.sourceLabel,
        images: {},
      };
      return { state: { ...state, page, loading: false, error: undefined, enlarged: undefined }, send: [] };
    }
    case 'image': {
      // An image of a page no longer on display, or of no record of it, is dropped.
      const page = state.page;
      if (!page || !sameQuery(m.query, page.query) || !sameQuery(m.query, state.saved.query)) return none;
      if (!Number.isInteger(m.index) || !page.result.records[m.index]?.image) return none;
      const images = { ...page.images, [m.index]: checkedImage(m.image) };
      return { state: { ...state, page: { ...page, images } }, send: [] };
    }
    case 'error':
      if (!sameQuery(m.query, state.saved.query)) return none;
      return { state: { ...state, loading: false, error: m.message }, send: [] };
  }
}
