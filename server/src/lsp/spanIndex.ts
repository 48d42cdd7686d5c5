/**
 * Where entries match inside a caption: character spans, not just ids.
 *
 * English padding (docs/spec.md section 2, "equivalent formulation"): the spaced text split on U+0020 gives
 * tokens; an entry matches where its own tokens equal a run of inner tokens. `captionTokens` cuts
 * the caption into exactly those inner tokens, each with its range in the caption (a wrapped
 * punctuation mark is a one-character token; a doubled space leaves an empty token between).
 * `TokenSpanIndex` keeps a trie over entry tokens, updated in place when a few entries change (an
 * edit) and rebuilt in slices otherwise, and searches a line by one of two strategies, as the
 * engine's English matcher does (tokenMatcher.ts):
 *
 * - the trie walk: from each token, follow the trie as far as the line does. Real captions take
 *   1-2 steps per token, but a line that repeats an entry's tokens costs tokens x entry length
 *   (80,000 copies of a token against an entry of 25,000 of them: two billion steps);
 * - Aho-Corasick over the same trie (spanAutomaton.ts): one pass over the tokens.
 *
 * Each line starts on the walk, which counts its trie steps; past WALK_STEPS_PER_TOKEN per token
 * the line is redone on the automaton, built on the first line that needs it after an edit.
 *
 * Output is bounded as well as work: a line can legitimately hold very many spans (2,000 entries
 * that are prefixes of each other against 20,000 copies of their token hold 40 million), so
 * `findSpans` reports at most MAX_SPANS_PER_LINE and says when it stopped there; `segments`
 * gives at most one segment per token; `forEachId` visits each matched entry once on the
 * automaton.
 *
 * Costs, for a line of n code units and k tokens, whatever the metadata: findSpans O(n + s) for s
 * spans reported (s <= MAX_SPANS_PER_LINE); forEachId O(n + m) for m matched entries (duplicates
 * counted); segments O(n + c log c) for c <= k candidate spans (one per end token). The
 * automaton: O(trie nodes) time and 12 bytes per node, once per edit of the metadata.
 *
 * Worldwide padding (`SubstringSpanIndex`): the engine's substring automaton runs over the spaced
 * text, whose characters remember where they came from in the caption; the same caps and costs,
 * with characters for tokens (there is no walk to fall back from).
 *
 * Modules: spanIndexTypes.ts (what they give), spanIndexCaption.ts (a caption's tokens and
 * spaced text), spanIndexTrie.ts and spanIndexEnglish.ts (TokenSpanIndex), spanIndexWorldwide.ts
 * (SubstringSpanIndex), spanIndexPainter.ts (segments); this module is their entry point, with
 * the searches that need no index.
 */
import { paddedEntry, type Padding } from '../../engine/src/match/spacing';
import { captionTokens, isBlank, originRange, spacedWithOrigins } from './spanIndexCaption';
import type { Span, SpanIndex } from './spanIndexTypes';

export { captionTokens, type CaptionTokens } from './spanIndexCaption';
export { TokenSpanIndex } from './spanIndexEnglish';
export { SubstringSpanIndex } from './spanIndexWorldwide';
export {
  CAPPED_SPANS_NOTE,
  MAX_SPANS_PER_LINE,
  type Span,
  type SpanIndex,
  type SpanList,
} from './spanIndexTypes';

/**
 * Spans of one entry in a caption, without an index (references, examples): where the entry's
 * tokens equal a run of the caption's tokens (English) or its padded string occurs (worldwide).
 * O(caption + entry) by Knuth-Morris-Pratt, overlapping occurrences included (at most one per
 * caption token or character, so no cap is needed).
 */
export function findEntrySpans(caption: string, entry: string, padding: Padding): [number, number][] {
  const out: [number, number][] = [];
  if (padding === 'worldwide') {
    const spaced = spacedWithOrigins(caption);
    const padded = paddedEntry(entry, padding);
    const lead = padded.startsWith(' ') ? 1 : 0;
    forEachOccurrence(codeUnits(spaced.text), codeUnits(padded), (last) => {
      const first = last - padded.length + 1 + lead;
      const span = originRange(spaced, first, first + entry.length);
      if (span) out.push(span);
    });
    return out;
  }
  const parts = entry.split(' ');
  // Cheap rejection, as most captions hold no given entry: its first few tokens must occur.
  let checked = 0;
  for (const p of parts) {
    if (p.length === 0) continue;
    if (!caption.includes(p)) return out;
    if (++checked === 4) break;
  }
  // The entry's tokens numbered, and the caption's tokens by the same numbers (-1: none of them).
  const numbers = new Map<string, number>();
  const pattern = new Int32Array(parts.length);
  for (let j = 0; j < parts.length; j++) {
    let number = numbers.get(parts[j]);
    if (number === undefined) numbers.set(parts[j], (number = numbers.size));
    pattern[j] = number;
  }
  const t = captionTokens(caption);
  const text = new Int32Array(t.count);
  for (let i = 0; i < t.count; i++) text[i] = numbers.get(t.texts[i]) ?? -1;
  forEachOccurrence(text, pattern, (last) => out.push([t.starts[last - parts.length + 1], t.ends[last]]));
  return out;
}

function codeUnits(s: string): Uint16Array {
  const units = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) units[i] = s.charCodeAt(i);
  return units;
}

/**
 * Calls `found` with the last index of each occurrence of `pattern` in `text`, overlapping ones
 * included, in order (Knuth-Morris-Pratt: O(text + pattern) comparisons).
 */
function forEachOccurrence(
  text: ArrayLike<number>,
  pattern: ArrayLike<number>,
  found: (last: number) => void,
): void {
  const m = pattern.length;
  if (m === 0 || m > text.length) return;
  // border[j]: length of the longest proper border of pattern[0, j].
  const border = new Int32Array(m);
  for (let j = 1, k = 0; j < m; j++) {
    while (k > 0 && pattern[j] !== pattern[k]) k = border[k - 1];
    if (pattern[j] === pattern[k]) k++;
    border[j] = k;
  }
  for (let i = 0, k = 0; i < text.length; i++) {
    while (k > 0 && text[i] !== pattern[k]) k = border[k - 1];
    if (text[i] === pattern[k]) k++;
    if (k === m) {
      found(i);
      k = border[m - 1];
    }
  }
}

/** Ascending unique ids of the entries a caption matches (what EntryMatcher.match returns). */
export function matchedIds(index: SpanIndex, caption: string): number[] {
  const set = new Set<number>();
  index.forEachId(caption, (id) => set.add(id));
  return [...set].sort((a, b) => a - b);
}

/**
 * Non-overlapping highlight segments from overlapping spans (nested entries such as `new york`
 * inside `new york city`): each stretch of the caption covered by some span goes to the longest
 * span covering it (lowest id on ties); adjacent stretches of the same span are merged.
 * Zero-width spans are dropped; given the caption, blanks at a segment's ends are trimmed.
 */
export function segmentSpans(spans: readonly Span[], caption?: string): Span[] {
  let live = 0;
  for (const sp of spans) if (sp.end > sp.start) live++;
  if (live === 0) return [];
  if (live === spans.length && live === 1 && caption === undefined) return [spans[0]];
  // Cut points, sorted and unique (typed-array sort: numeric, no comparator).
  const points = new Int32Array(live * 2);
  let k = 0;
  for (const sp of spans) {
    if (sp.end <= sp.start) continue;
    points[k++] = sp.start;
    points[k++] = sp.end;
  }
  points.sort();
  let n = 0;
  for (let i = 0; i < points.length; i++) if (n === 0 || points[i] !== points[n - 1]) points[n++] = points[i];
  const out: Span[] = [];
  for (let i = 0; i + 1 < n; i++) {
    const a = points[i];
    const b = points[i + 1];
    let best: Span | undefined;
    for (const sp of spans) {
      if (sp.start > a || sp.end < b || sp.end <= sp.start) continue;
      if (!best) best = sp;
      else {
        const d = sp.end - sp.start - (best.end - best.start);
        if (d > 0 || (d === 0 && sp.id < best.id)) best = sp;
      }
    }
    if (!best) continue;
    const last = out[out.length - 1];
    if (last && last.id === best.id && last.end === a) last.end = b;
    else out.push({ start: a, end: b, id: best.id });
  }
  if (caption === undefined) return out;
  // A stretch cut out of a longer entry may start or end at the space between two words.
  const trimmed: Span[] = [];
  for (const seg of out) {
    while (seg.start < seg.end && isBlank(caption.charCodeAt(seg.start))) seg.start++;
    while (seg.end > seg.start && isBlank(caption.charCodeAt(seg.end - 1))) seg.end--;
    if (seg.end > seg.start) trimmed.push(seg);
  }
  return trimmed;
}
