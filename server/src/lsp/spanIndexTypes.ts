/**
 * What the span indexes give (spanIndex.ts): spans of matched entries in a caption, capped per line.
 */
import type { Padding } from '../../engine/src/match/spacing';

/** A matched entry in a caption: [start, end) in the caption's code units. */
export interface Span {
  start: number;
  end: number;
  id: number;
}

/**
 * Most spans findSpans reports for one line (or one position of it). Editor features show a
 * handful; what a line past it holds beyond the first this many is left out, and said so.
 */
export const MAX_SPANS_PER_LINE = 10_000;

/** The spans of one line (or those covering one position of it). */
export interface SpanList {
  /**
   * The spans, at most MAX_SPANS_PER_LINE. In no particular order, except on a capped line:
   * there they are the first ones by their end (longest first among those ending together).
   */
  spans: Span[];
  /** Whether the line had more spans than MAX_SPANS_PER_LINE, so some are not in `spans`. */
  capped: boolean;
}

/** What a hover or log says where a line's spans were capped (SpanList.capped). */
export const CAPPED_SPANS_NOTE =
  `More than ${MAX_SPANS_PER_LINE.toLocaleString('en-US')} entry matches here: only the first ` +
  `${MAX_SPANS_PER_LINE.toLocaleString('en-US')}, by where they end, are listed.`;

export interface SpanIndex {
  readonly padding: Padding;
  readonly numEntries: number;
  /** findSpans(caption).spans: every matched span (each id of duplicate entries), up to the cap. */
  spans(caption: string): Span[];
  /**
   * The matched spans of a caption, each id of duplicate entries, at most MAX_SPANS_PER_LINE;
   * with `covering`, only those with start <= covering < end (hover, definition).
   */
  findSpans(caption: string, covering?: number): SpanList;
  /** Calls `visit` at least once for each entry the caption matches (ids may repeat). */
  forEachId(caption: string, visit: (id: number) => void): void;
  /** Non-overlapping highlight segments (see segmentSpans), or null when nothing matches. */
  segments(caption: string): Span[] | null;
}
