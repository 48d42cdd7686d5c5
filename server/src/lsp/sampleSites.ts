/**
 * Sample documents as the handlers see them: their caption sites (cached per version and caption
 * fields), the site under a position, and the spans of the active index covering it.
 */
import type { Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { extractCaptions, sourceRange, type CaptionSite } from '../../engine/src/documents/samples';
import { sampleKind, type SampleKind } from './documentKinds';
import type { ServerState } from './serverState';
import { uriToPath } from './uri';
import { CAPPED_SPANS_NOTE, type Span } from './spanIndex';

/** The spans of the active index under a position of a sample document, longest first. */
export interface SpansHit {
  site: CaptionSite;
  spans: Span[];
  /** Whether the caption had more spans than the editor lists. */
  capped: boolean;
}

export function sitesOf(state: ServerState, doc: TextDocument, kind: SampleKind): CaptionSite[] {
  const languageField = state.config.settings.languageField;
  const key = kind.fields.join('\u0000') + '|' + kind.format + '|' + languageField;
  const cached = state.caches.sites.get(doc.uri);
  if (cached && cached.version === doc.version && cached.fields === key) return cached.sites;
  const sites = extractCaptions(doc.getText(), kind.format, kind.fields, languageField);
  state.captionLanguages.setLabels(uriToPath(doc.uri) ?? doc.uri, sites);
  state.caches.sites.set(doc.uri, { version: doc.version, fields: key, sites });
  return sites;
}

/** The caption site containing a source offset, and the offset inside the caption. */
export function siteAt(sites: CaptionSite[], offset: number): { site: CaptionSite; at: number } | undefined {
  let lo = 0;
  let hi = sites.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = sites[mid].map ? sites[mid].map![0] : sites[mid].start;
    if (start <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return undefined;
  const site = sites[found];
  const len = site.text.length;
  const end = sourceRange(site, len, len)[0];
  if (offset > end) return undefined;
  if (!site.map) return { site, at: offset - site.start };
  let a = 0;
  let b = len;
  while (a < b) {
    const mid = (a + b + 1) >> 1;
    if (site.map[mid] <= offset) a = mid;
    else b = mid - 1;
  }
  return { site, at: a };
}

/**
 * Matched spans of the active index covering a position of a sample document, longest first; a
 * capped caption is logged once per document with `warn`.
 */
export function spansAt(
  state: ServerState,
  doc: TextDocument,
  position: Position,
  warn: (line: string) => void,
): SpansHit | undefined {
  const kind = sampleKind(state, doc.uri);
  const active = state.metadata.active;
  if (!kind || !active) return undefined;
  const hit = siteAt(sitesOf(state, doc, kind), doc.offsetAt(position));
  if (!hit) return undefined;
  // Only the spans covering the position, and at most MAX_SPANS_PER_LINE of them (said, never silent).
  const found = active.index.findSpans(hit.site.text, hit.at);
  const spans = found.spans
    .filter((s) => s.start <= hit.at && hit.at < s.end)
    .sort((x, y) => y.end - y.start - (x.end - x.start) || x.id - y.id);
  const logged = state.caches.cappedLogged;
  if (found.capped && !logged.has(doc.uri)) {
    logged.add(doc.uri);
    warn(`${doc.uri}: ${CAPPED_SPANS_NOTE}`);
  }
  if (spans.length === 0) return undefined;
  return { site: hit.site, spans, capped: found.capped };
}
