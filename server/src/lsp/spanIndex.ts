/**
 * Where entries match inside a caption: character spans, not just ids.
 *
 * English padding (spec section 2, "equivalent formulation"): the spaced text split on U+0020 gives
 * tokens; an entry matches where its own tokens equal a run of inner tokens. `captionTokens` cuts
 * the caption into exactly those inner tokens, each with its range in the caption (a wrapped
 * punctuation mark is a one-character token; a doubled space leaves an empty token between).
 * `TokenSpanIndex` looks runs of tokens up in a Map from entry string to ids, extending a run only
 * while it is a prefix of some entry, so a caption of k tokens costs about k lookups. The Map is
 * updated in place when a few entries change (an edit), and rebuilt in slices otherwise.
 *
 * Worldwide padding: the engine's substring matcher gives the ids; each entry's padded string is
 * then found in the spaced text, whose characters remember where they came from in the caption.
 */
import type { EntryMatcher } from '../engine/match/matcher';
import { paddedEntry, WRAPPED_PUNCTUATION, type Padding } from '../engine/match/spacing';
import { grow, StringTable } from '../engine/stringTable';

/** A matched entry in a caption: [start, end) in the caption's code units. */
export interface Span {
  start: number;
  end: number;
  id: number;
}

export interface SpanIndex {
  readonly padding: Padding;
  readonly numEntries: number;
  /** Every matched span (each id of duplicate entries), in no particular order. */
  spans(caption: string): Span[];
  /** Calls `visit` once per matched span (ids may repeat when an entry occurs twice). */
  forEachId(caption: string, visit: (id: number) => void): void;
  /** Non-overlapping highlight segments (see segmentSpans), or null when nothing matches. */
  segments(caption: string): Span[] | null;
}

const SEP = new Uint8Array(128);
SEP[0x20] = 1;
SEP[0x09] = 1;
SEP[0x0a] = 1;
SEP[0x0d] = 1;
for (const p of WRAPPED_PUNCTUATION) SEP[p.charCodeAt(0)] = 2;

/** Inner tokens of the spaced caption, with their ranges in the caption. */
export interface CaptionTokens {
  count: number;
  texts: string[];
  starts: number[];
  ends: number[];
}

/** `withTexts` false leaves `texts` alone (only the ranges are needed). */
export function captionTokens(caption: string, out?: CaptionTokens, withTexts = true): CaptionTokens {
  const t = out ?? { count: 0, texts: [], starts: [], ends: [] };
  let k = 0;
  const push = (s: number, e: number) => {
    if (withTexts) t.texts[k] = s === e ? '' : caption.slice(s, e);
    t.starts[k] = s;
    t.ends[k] = e;
    k++;
  };
  let start = 0;
  const n = caption.length;
  for (let i = 0; i < n; i++) {
    const c = caption.charCodeAt(i);
    if (c >= 128) continue;
    const kind = SEP[c];
    if (kind === 0) continue;
    push(start, i);
    if (kind === 2) push(i, i + 1);
    start = i + 1;
  }
  push(start, n);
  t.count = k;
  return t;
}

/**
 * Spans of one entry in a caption, without an index (references, examples): where the entry's
 * tokens equal a run of the caption's tokens (English) or its padded string occurs (worldwide).
 */
export function findEntrySpans(caption: string, entry: string, padding: Padding): [number, number][] {
  const out: [number, number][] = [];
  if (padding === 'worldwide') {
    const spaced = spacedWithOrigins(caption);
    const padded = paddedEntry(entry, padding);
    const lead = padded.startsWith(' ') ? 1 : 0;
    for (let k = spaced.text.indexOf(padded); k !== -1; k = spaced.text.indexOf(padded, k + 1)) {
      const span = spaced.range(k + lead, k + lead + entry.length);
      if (span) out.push(span);
    }
    return out;
  }
  const parts = entry.split(' ');
  // Cheap rejection: every non-empty entry token must occur in the caption.
  for (const p of parts) if (p.length > 0 && !caption.includes(p)) return out;
  const t = captionTokens(caption);
  for (let a = 0; a + parts.length <= t.count; a++) {
    let ok = true;
    for (let j = 0; j < parts.length && ok; j++) ok = t.texts[a + j] === parts[j];
    if (ok) out.push([t.starts[a], t.ends[a + parts.length - 1]]);
  }
  return out;
}

function mix(node: number, token: number): number {
  let h = Math.imul(node, 0x9e3779b1) ^ token;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * English span index: a trie over entry token ids. Token strings get ids through one Map; the
 * root's edges are an array indexed by token id, other edges an open-addressing table keyed by
 * (node, token). Entries sharing a string hang off one node in an ascending chain. Adding and
 * removing an entry touch only its own path, so an edit updates the index in place.
 */
export class TokenSpanIndex implements SpanIndex {
  readonly padding: Padding = 'english';
  private readonly vocab = new StringTable();
  private rootChild = new Int32Array(1024);
  private nodeEntry = new Int32Array(1024).fill(-1);
  private nodeHasChildren = new Uint8Array(1024);
  private nodeCount = 1;
  private nextEntry: Int32Array;
  private edgeNode = new Int32Array(2048).fill(-1);
  private edgeToken = new Int32Array(2048);
  private edgeChild = new Int32Array(2048);
  private edgeCount = 0;
  private readonly scratch: CaptionTokens = { count: 0, texts: [], starts: [], ends: [] };
  private tokenIds = new Int32Array(256);
  /** Per caption token: the longest span covering it (length, id, first token), for segments(). */
  private bestLength = new Int32Array(256);
  private bestId = new Int32Array(256);
  private bestFrom = new Int32Array(256);
  private size: number;

  private constructor(size: number) {
    this.size = size;
    this.nextEntry = new Int32Array(Math.max(16, size)).fill(-1);
  }

  get numEntries(): number {
    return this.size;
  }

  /**
   * Builds the index, calling `checkpoint` every few thousand entries: it may yield to the event
   * loop (so requests are answered meanwhile) and throw to cancel.
   */
  static async build(entries: readonly string[], checkpoint?: () => Promise<void>): Promise<TokenSpanIndex> {
    const index = new TokenSpanIndex(entries.length);
    for (let id = 0; id < entries.length; id++) {
      index.add(id, entries[id]);
      if (checkpoint && (id & 8191) === 8191) await checkpoint();
    }
    return index;
  }

  static buildSync(entries: readonly string[]): TokenSpanIndex {
    const index = new TokenSpanIndex(entries.length);
    for (let id = 0; id < entries.length; id++) index.add(id, entries[id]);
    return index;
  }

  /** Replaces the entry at `id` (same list length): the edit of one entry, in place. */
  replace(id: number, oldValue: string, newValue: string): void {
    this.remove(id, oldValue);
    this.add(id, newValue);
  }

  private tokenOf(s: string, start: number, end: number): number {
    const t = this.vocab.intern(s, start, end);
    if (t >= this.rootChild.length) this.rootChild = grow(this.rootChild, t + 1);
    return t;
  }

  private edgeSlot(node: number, token: number): number {
    const mask = this.edgeNode.length - 1;
    let slot = mix(node, token) & mask;
    for (;;) {
      const n = this.edgeNode[slot];
      if (n === -1 || (n === node && this.edgeToken[slot] === token)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private child(node: number, token: number): number {
    if (node === 0) return this.rootChild[token];
    const slot = this.edgeSlot(node, token);
    return this.edgeNode[slot] === -1 ? 0 : this.edgeChild[slot];
  }

  private newNode(): number {
    const node = this.nodeCount++;
    if (node >= this.nodeEntry.length) {
      this.nodeEntry = grow(this.nodeEntry, node + 1, -1);
      this.nodeHasChildren = grow(this.nodeHasChildren, node + 1);
    }
    return node;
  }

  private addChild(node: number, token: number): number {
    const child = this.newNode();
    this.nodeHasChildren[node] = 1;
    if (node === 0) {
      this.rootChild[token] = child;
      return child;
    }
    if ((this.edgeCount + 1) * 2 > this.edgeNode.length) this.rehash();
    const slot = this.edgeSlot(node, token);
    this.edgeNode[slot] = node;
    this.edgeToken[slot] = token;
    this.edgeChild[slot] = child;
    this.edgeCount++;
    return child;
  }

  private rehash(): void {
    const { edgeNode, edgeToken, edgeChild } = this;
    const size = edgeNode.length * 2;
    this.edgeNode = new Int32Array(size).fill(-1);
    this.edgeToken = new Int32Array(size);
    this.edgeChild = new Int32Array(size);
    for (let i = 0; i < edgeNode.length; i++) {
      if (edgeNode[i] === -1) continue;
      const slot = this.edgeSlot(edgeNode[i], edgeToken[i]);
      this.edgeNode[slot] = edgeNode[i];
      this.edgeToken[slot] = edgeToken[i];
      this.edgeChild[slot] = edgeChild[i];
    }
  }

  private add(id: number, entry: string): void {
    let node = 0;
    let from = 0;
    for (;;) {
      const sp = entry.indexOf(' ', from);
      const token = this.tokenOf(entry, from, sp === -1 ? entry.length : sp);
      let next = this.child(node, token);
      if (next === 0) next = this.addChild(node, token);
      node = next;
      if (sp === -1) break;
      from = sp + 1;
    }
    if (id >= this.nextEntry.length) this.nextEntry = grow(this.nextEntry, id + 1, -1);
    if (id >= this.size) this.size = id + 1;
    // Insert into the node's ascending chain.
    let prev = -1;
    let cur = this.nodeEntry[node];
    while (cur !== -1 && cur < id) {
      prev = cur;
      cur = this.nextEntry[cur];
    }
    this.nextEntry[id] = cur;
    if (prev === -1) this.nodeEntry[node] = id;
    else this.nextEntry[prev] = id;
  }

  private remove(id: number, entry: string): void {
    let node = 0;
    for (let from = 0; ;) {
      const sp = entry.indexOf(' ', from);
      const token = this.vocab.lookup(entry, from, sp === -1 ? entry.length : sp);
      if (token < 0) return;
      node = this.child(node, token);
      if (node === 0) return;
      if (sp === -1) break;
      from = sp + 1;
    }
    let prev = -1;
    let cur = this.nodeEntry[node];
    while (cur !== -1 && cur !== id) {
      prev = cur;
      cur = this.nextEntry[cur];
    }
    if (cur === -1) return;
    if (prev === -1) this.nodeEntry[node] = this.nextEntry[id];
    else this.nextEntry[prev] = this.nextEntry[id];
    this.nextEntry[id] = -1;
  }

  private walk(caption: string, visit: (id: number, start: number, end: number) => void): void {
    const t = captionTokens(caption, this.scratch, false);
    const { starts, ends, count } = t;
    if (this.tokenIds.length < count) this.tokenIds = new Int32Array(count * 2);
    const ids = this.tokenIds;
    const vocab = this.vocab;
    for (let i = 0; i < count; i++) ids[i] = vocab.lookup(caption, starts[i], ends[i]);
    const { rootChild, nodeEntry, nodeHasChildren, nextEntry } = this;
    for (let a = 0; a < count; a++) {
      const first = ids[a];
      if (first < 0) continue;
      let node = rootChild[first];
      let b = a;
      while (node !== 0) {
        for (let id = nodeEntry[node]; id !== -1; id = nextEntry[id]) visit(id, starts[a], ends[b]);
        if (!nodeHasChildren[node] || b + 1 >= count) break;
        b++;
        const tok = ids[b];
        if (tok < 0) break;
        node = this.child(node, tok);
      }
    }
  }

  spans(caption: string): Span[] {
    const out: Span[] = [];
    this.walk(caption, (id, start, end) => out.push({ start, end, id }));
    return out;
  }

  forEachId(caption: string, visit: (id: number) => void): void {
    this.walk(caption, visit);
  }

  /**
   * Highlight segments in one pass over the caption's tokens: each token goes to the longest span
   * covering it (lowest id on ties), and runs of tokens of the same span become one segment. The
   * same result as segmentSpans(spans(caption), caption), without materialising the spans.
   */
  segments(caption: string): Span[] | null {
    const t = captionTokens(caption, this.scratch, false);
    const { starts, ends, count } = t;
    if (this.tokenIds.length < count) this.tokenIds = new Int32Array(count * 2);
    if (this.bestLength.length < count) {
      this.bestLength = new Int32Array(count * 2);
      this.bestId = new Int32Array(count * 2);
      this.bestFrom = new Int32Array(count * 2);
    }
    const ids = this.tokenIds;
    const bestLength = this.bestLength;
    const bestId = this.bestId;
    const bestFrom = this.bestFrom;
    const vocab = this.vocab;
    for (let i = 0; i < count; i++) {
      ids[i] = vocab.lookup(caption, starts[i], ends[i]);
      bestId[i] = -1;
      bestLength[i] = 0;
    }
    const { rootChild, nodeEntry, nodeHasChildren } = this;
    let any = false;
    for (let a = 0; a < count; a++) {
      const first = ids[a];
      if (first < 0) continue;
      let node = rootChild[first];
      let b = a;
      while (node !== 0) {
        // The lowest id of the entries ending here (duplicates have the same span).
        const id = nodeEntry[node];
        const length = ends[b] - starts[a];
        if (id !== -1 && length > 0) {
          any = true;
          for (let k = a; k <= b; k++) {
            if (length > bestLength[k] || (length === bestLength[k] && id < bestId[k])) {
              bestLength[k] = length;
              bestId[k] = id;
              bestFrom[k] = a;
            }
          }
        }
        if (!nodeHasChildren[node] || b + 1 >= count) break;
        b++;
        const tok = ids[b];
        if (tok < 0) break;
        node = this.child(node, tok);
      }
    }
    if (!any) return null;
    const out: Span[] = [];
    let last: Span | undefined;
    let lastFrom = -1;
    let lastToken = -2;
    for (let k = 0; k < count; k++) {
      const id = bestId[k];
      if (id < 0) continue;
      if (last && last.id === id && lastFrom === bestFrom[k] && lastToken === k - 1) {
        if (ends[k] > last.end) last.end = ends[k];
      } else if (ends[k] > starts[k]) {
        last = { start: starts[k], end: ends[k], id };
        lastFrom = bestFrom[k];
        out.push(last);
      } else continue;
      lastToken = k;
    }
    return out;
  }
}

/** The spaced text (spec section 2) with, per character, the caption range it stands for. */
function spacedWithOrigins(caption: string): {
  text: string;
  range(a: number, b: number): [number, number] | undefined;
} {
  const chars: string[] = [' '];
  const lo: number[] = [0];
  const hi: number[] = [0];
  for (let i = 0; i < caption.length; i++) {
    const c = caption.charCodeAt(i);
    const kind = c < 128 ? SEP[c] : 0;
    if (kind === 2) {
      chars.push(' ', caption[i], ' ');
      lo.push(i, i, i + 1);
      hi.push(i, i + 1, i + 1);
    } else {
      chars.push(kind === 1 ? ' ' : caption[i]);
      lo.push(i);
      hi.push(i + 1);
    }
  }
  chars.push(' ');
  lo.push(caption.length);
  hi.push(caption.length);
  return {
    text: chars.join(''),
    range(a: number, b: number) {
      if (b <= a) return undefined;
      return [lo[a], hi[b - 1]];
    },
  };
}

/** Worldwide padding: ids from the engine's matcher, spans by searching the spaced text. */
export class SubstringSpanIndex implements SpanIndex {
  readonly padding: Padding = 'worldwide';

  constructor(
    private readonly matcher: EntryMatcher,
    private readonly entries: readonly string[],
  ) {}

  get numEntries(): number {
    return this.matcher.numEntries;
  }

  spans(caption: string): Span[] {
    const ids = this.matcher.match(caption);
    if (ids.length === 0) return [];
    const out: Span[] = [];
    const spaced = spacedWithOrigins(caption);
    for (const id of ids) {
      const entry = this.entries[id];
      const padded = paddedEntry(entry, 'worldwide');
      const lead = padded.startsWith(' ') ? 1 : 0;
      for (let k = spaced.text.indexOf(padded); k !== -1; k = spaced.text.indexOf(padded, k + 1)) {
        const r = spaced.range(k + lead, k + lead + entry.length);
        out.push({ start: r ? r[0] : 0, end: r ? r[1] : 0, id });
      }
    }
    return out;
  }

  forEachId(caption: string, visit: (id: number) => void): void {
    const ids = this.matcher.match(caption);
    for (const id of ids) visit(id);
  }

  segments(caption: string): Span[] | null {
    const spans = this.spans(caption);
    if (spans.length === 0) return null;
    const segs = segmentSpans(spans, caption);
    return segs.length === 0 ? null : segs;
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
  if (live === spans.length && live === 1) return [spans[0]];
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

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
