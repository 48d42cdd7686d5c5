/**
 * Where entries match inside a caption: character spans, not just ids.
 *
 * English padding (spec section 2, "equivalent formulation"): the spaced text split on U+0020 gives
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
 */
import { pairHash } from '../../engine/src/match/hashing';
import type { EntryMatcher } from '../../engine/src/match/matcher';
import { EntryStamps } from '../../engine/src/match/idBuffer';
import { paddedEntry, WRAPPED_PUNCTUATION, type Padding } from '../../engine/src/match/spacing';
import { SubstringMatcher, type SubstringIndex } from '../../engine/src/match/substringMatcher';
import type { TokenMatchStrategy } from '../../engine/src/match/tokenMatcher';
import { grow, StringTable } from '../../engine/src/stringTable';
import { buildSpanAutomaton, type SpanAutomaton } from './spanAutomaton';

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

/**
 * The walk's budget per line: this many trie steps per token, plus the slack (the engine's
 * figures: real captions take about 2 per token; a line over it repeats entry tokens).
 */
const WALK_STEPS_PER_TOKEN = 4;
const WALK_STEPS_SLACK = 64;

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

function mix(node: number, token: number): number {
  let h = Math.imul(node, 0x9e3779b1) ^ token;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * English span index: a trie over entry token ids. Token strings get ids through one
 * StringTable; the root's edges are an array indexed by token id, other edges an open-addressing
 * table keyed by (node, token). Entries sharing a string hang off one node in an ascending chain.
 * Adding and removing an entry touch only its own path, so an edit updates the index in place
 * (and drops the automaton, rebuilt on the next line that needs it).
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
  private size: number;
  /** Whether every line takes the automaton (a switch for tests; see TokenMatchStrategy). */
  private readonly automatonOnly: boolean;
  /** Built on the first line that needs it since the last edit. */
  private automaton: SpanAutomaton | undefined;
  private entryStamps: EntryStamps | undefined;
  private steps = 0;
  private automatonLineCount = 0;
  private readonly scratch: CaptionTokens = { count: 0, texts: [], starts: [], ends: [] };
  private tokenIds = new Int32Array(256);
  /** Per end token b, the longest span ending there: its first token (-1: none) and lowest id. */
  private longestFrom = new Int32Array(256);
  private longestId = new Int32Array(256);
  private readonly painter = new SegmentPainter();

  private constructor(size: number, strategy: TokenMatchStrategy) {
    this.size = size;
    this.nextEntry = new Int32Array(Math.max(16, size)).fill(-1);
    this.automatonOnly = strategy === 'automaton';
  }

  get numEntries(): number {
    return this.size;
  }

  /**
   * Trie steps taken since construction: on the walk, nodes visited (and ids visited by
   * forEachId); on the automaton, transitions tried (failure links included) and dictionary
   * links followed. The measure of work that the linear-time bound is stated in.
   */
  get trieSteps(): number {
    return this.steps;
  }

  /** Lines searched on the automaton since construction. */
  get automatonLines(): number {
    return this.automatonLineCount;
  }

  /**
   * Builds the index, calling `checkpoint` every few thousand entries: it may yield to the event
   * loop (so requests are answered meanwhile) and throw to cancel.
   */
  static async build(entries: readonly string[], checkpoint?: () => Promise<void>): Promise<TokenSpanIndex> {
    const index = new TokenSpanIndex(entries.length, 'adaptive');
    for (let id = 0; id < entries.length; id++) {
      index.add(id, entries[id]);
      if (checkpoint && (id & 8191) === 8191) await checkpoint();
    }
    return index;
  }

  static buildSync(entries: readonly string[], strategy: TokenMatchStrategy = 'adaptive'): TokenSpanIndex {
    const index = new TokenSpanIndex(entries.length, strategy);
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
    this.automaton = undefined;
    this.entryStamps = undefined;
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
    this.automaton = undefined;
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

  /** Cuts the caption into its tokens (scratch) and looks them up (tokenIds); returns the count. */
  private tokenize(caption: string): number {
    const { starts, ends, count } = captionTokens(caption, this.scratch, false);
    if (this.tokenIds.length < count) this.tokenIds = new Int32Array(count * 2);
    const ids = this.tokenIds;
    const vocab = this.vocab;
    for (let i = 0; i < count; i++) ids[i] = vocab.lookup(caption, starts[i], ends[i]);
    return count;
  }

  /** The walk's budget for a line of `count` tokens, in trie steps. */
  private static walkBudget(count: number): number {
    return WALK_STEPS_PER_TOKEN * count + WALK_STEPS_SLACK;
  }

  /**
   * The automaton, for a line about to be searched on it (counted in automatonLines); built over
   * the trie as it is now when none was built since the last edit.
   */
  private automatonForLine(): SpanAutomaton {
    if (!this.automaton) {
      this.automaton = buildSpanAutomaton({
        nodeCount: this.nodeCount,
        rootChild: this.rootChild,
        edgeNode: this.edgeNode,
        edgeToken: this.edgeToken,
        edgeChild: this.edgeChild,
        nodeEntry: this.nodeEntry,
        child: (node, token) => this.child(node, token),
      });
    }
    this.automatonLineCount++;
    return this.automaton;
  }

  /**
   * The automaton's state after `token` from state `node`: the node of the longest suffix of
   * the tokens so far that is a trie path. Counts the transitions tried.
   */
  private transition(fail: Int32Array, node: number, token: number): number {
    // No entry has the token: no match spans it.
    if (token < 0) return 0;
    let next = this.child(node, token);
    let steps = 1;
    while (next === 0 && node !== 0) {
      node = fail[node];
      next = this.child(node, token);
      steps++;
    }
    this.steps += steps;
    return next;
  }

  spans(caption: string): Span[] {
    return this.findSpans(caption).spans;
  }

  findSpans(caption: string, covering?: number): SpanList {
    const count = this.tokenize(caption);
    const { starts, ends } = this.scratch;
    // A span of tokens [a, b] covers the offset iff a <= lastStart and b >= firstEnd.
    let lastStart = count - 1;
    let firstEnd = 0;
    if (covering !== undefined) {
      lastStart = -1;
      while (lastStart + 1 < count && starts[lastStart + 1] <= covering) lastStart++;
      firstEnd = lastStart >= 0 && ends[lastStart] > covering ? lastStart : lastStart + 1;
    }
    const out: Span[] = [];
    if (lastStart < 0 || firstEnd >= count) return { spans: out, capped: false };
    if (!this.automatonOnly && this.walkSpans(count, lastStart, firstEnd, out)) {
      return { spans: out, capped: false };
    }
    out.length = 0;
    const capped = this.spansOnAutomaton(count, lastStart, firstEnd, out);
    return { spans: out, capped };
  }

  /**
   * The trie walk: from each token `a` up to `lastStart`, follows the trie along tokens a, a+1...
   * and calls `visit(a, b, node)` at each node reached (tokens a..b spell its path). `visit`
   * returns the work it did on top of the step (ids visited), or -1 to give up the walk. False
   * when the line must be redone on the automaton: the walk gave up, or went over its budget.
   * The three searches (spans, ids, longest spans) differ only in `visit`.
   */
  private walk(
    count: number,
    lastStart: number,
    visit: (a: number, b: number, node: number) => number,
  ): boolean {
    const ids = this.tokenIds;
    const { rootChild, nodeHasChildren } = this;
    const budget = TokenSpanIndex.walkBudget(count);
    let steps = 0;
    let done = true;
    for (let a = 0; a <= lastStart && done; a++) {
      const first = ids[a];
      if (first < 0) continue;
      let node = rootChild[first];
      let b = a;
      while (node !== 0) {
        steps++;
        const work = visit(a, b, node);
        if (work < 0) {
          done = false;
          break;
        }
        steps += work;
        if (!nodeHasChildren[node] || b + 1 >= count) break;
        b++;
        const tok = ids[b];
        if (tok < 0) break;
        node = this.child(node, tok);
      }
      if (steps > budget) done = false;
    }
    this.steps += steps;
    return done;
  }

  /**
   * The spans of the line's tokens by the trie walk. False when the line must be redone on the
   * automaton: the walk went over its budget, or found more spans than the cap (so that a capped
   * line keeps the same spans whichever search it took).
   */
  private walkSpans(count: number, lastStart: number, firstEnd: number, out: Span[]): boolean {
    const { starts, ends } = this.scratch;
    const { nodeEntry, nextEntry } = this;
    const done = this.walk(count, lastStart, (a, b, node) => {
      if (b < firstEnd) return 0;
      for (let id = nodeEntry[node]; id !== -1; id = nextEntry[id]) {
        if (out.length === MAX_SPANS_PER_LINE) return -1;
        out.push({ start: starts[a], end: ends[b], id });
      }
      return 0;
    });
    return done && out.length < MAX_SPANS_PER_LINE;
  }

  /**
   * One pass of the automaton over the line's tokens: `atToken(b, node)` with the state after
   * token b, until it returns false. The three searches differ only in `atToken`.
   */
  private onAutomaton(
    count: number,
    atToken: (b: number, node: number, automaton: SpanAutomaton) => boolean,
  ): void {
    const automaton = this.automatonForLine();
    const ids = this.tokenIds;
    let node = 0;
    for (let b = 0; b < count; b++) {
      node = this.transition(automaton.fail, node, ids[b]);
      if (!atToken(b, node, automaton)) return;
    }
  }

  /**
   * The spans of the line by the automaton, in order of their last token (longest first among
   * those ending at the same token): at most MAX_SPANS_PER_LINE. Returns whether it stopped there
   * with spans left over.
   */
  private spansOnAutomaton(count: number, lastStart: number, firstEnd: number, out: Span[]): boolean {
    const { starts, ends } = this.scratch;
    const { nodeEntry, nextEntry } = this;
    let steps = 0;
    let capped = false;
    this.onAutomaton(count, (b, node, { dictLink, depth }) => {
      if (b < firstEnd) return true;
      // Spans ending at b cover the offset when they are longer than `shortest` tokens. When
      // the longest path ending here is not, no later one is (each token adds at most one).
      const shortest = b - lastStart;
      if (depth[node] <= shortest) return false;
      // Dictionary links go to ever shorter entries: stop at the first too short.
      for (let at = nodeEntry[node] !== -1 ? node : dictLink[node]; at !== 0 && depth[at] > shortest;) {
        steps++;
        const start = starts[b - depth[at] + 1];
        for (let id = nodeEntry[at]; id !== -1; id = nextEntry[id]) {
          if (out.length === MAX_SPANS_PER_LINE) {
            capped = true;
            break;
          }
          out.push({ start, end: ends[b], id });
        }
        at = capped ? 0 : dictLink[at];
      }
      return !capped;
    });
    this.steps += steps;
    return capped;
  }

  /**
   * Calls `visit` at least once for each entry the caption matches: on the walk once per matched
   * span, on the automaton once per entry.
   */
  forEachId(caption: string, visit: (id: number) => void): void {
    const count = this.tokenize(caption);
    if (!this.automatonOnly && this.walkIds(count, visit)) return;
    this.idsOnAutomaton(count, visit);
  }

  /**
   * The walk for forEachId; false when over budget, counting ids visited as work too (a string
   * shared by many entries visits all of them at each occurrence). What it visited stays
   * visited: those are matches, and the automaton visiting them again is allowed.
   */
  private walkIds(count: number, visit: (id: number) => void): boolean {
    const { nodeEntry, nextEntry } = this;
    return this.walk(count, count - 1, (_a, _b, node) => {
      let visited = 0;
      for (let id = nodeEntry[node]; id !== -1; id = nextEntry[id]) {
        visit(id);
        visited++;
      }
      return visited;
    });
  }

  /**
   * forEachId by the automaton: each entry's dictionary chain is followed once per line and
   * cut short at an entry already visited (its chain was visited with it), so this takes
   * O(tokens + distinct matched entries) steps.
   */
  private idsOnAutomaton(count: number, visit: (id: number) => void): void {
    const entryStamps = (this.entryStamps ??= new EntryStamps(this.nextEntry.length));
    const stamps = entryStamps.stamps;
    const stamp = entryStamps.next();
    const { nodeEntry, nextEntry } = this;
    let steps = 0;
    this.onAutomaton(count, (_b, node, { dictLink }) => {
      for (let at = nodeEntry[node] !== -1 ? node : dictLink[node]; at !== 0; at = dictLink[at]) {
        steps++;
        const first = nodeEntry[at];
        if (stamps[first] === stamp) break;
        stamps[first] = stamp;
        for (let id = first; id !== -1; id = nextEntry[id]) visit(id);
      }
      return true;
    });
    this.steps += steps;
  }

  /**
   * Highlight segments: each token goes to the longest span covering it (lowest id, then
   * earliest start, on ties), and runs of tokens of the same span become one segment. The same
   * result as segmentSpans(spans(caption), caption) on an uncapped line, without materialising
   * the spans: the longest span covering a token is always the longest span ending at some
   * token (any span lies inside the longest one with its last token), so only those, at most
   * one per token, are painted, longest first, each onto the tokens no longer one took.
   */
  segments(caption: string): Span[] | null {
    const count = this.tokenize(caption);
    this.reserveSegments(count);
    this.longestFrom.fill(-1, 0, count);
    if (this.automatonOnly || !this.walkLongest(count)) this.longestOnAutomaton(count);
    return this.paint(count);
  }

  private reserveSegments(count: number): void {
    if (this.longestFrom.length >= count) return;
    this.longestFrom = new Int32Array(count * 2);
    this.longestId = new Int32Array(count * 2);
  }

  /** The longest span ending at each token by the walk (starts ascending: the first is it). */
  private walkLongest(count: number): boolean {
    const { longestFrom, longestId, nodeEntry } = this;
    const done = this.walk(count, count - 1, (a, b, node) => {
      if (nodeEntry[node] !== -1 && longestFrom[b] === -1) {
        longestFrom[b] = a;
        longestId[b] = nodeEntry[node];
      }
      return 0;
    });
    if (!done) longestFrom.fill(-1, 0, count);
    return done;
  }

  /** The longest span ending at each token by the automaton: the first node of its chain. */
  private longestOnAutomaton(count: number): void {
    const { longestFrom, longestId, nodeEntry } = this;
    this.onAutomaton(count, (b, node, { dictLink, depth }) => {
      const at = nodeEntry[node] !== -1 ? node : dictLink[node];
      if (at !== 0) {
        longestFrom[b] = b - depth[at] + 1;
        longestId[b] = nodeEntry[at];
      }
      return true;
    });
  }

  /** Paints the longest spans ending at each token (longestFrom, longestId) into segments. */
  private paint(count: number): Span[] | null {
    const { starts, ends } = this.scratch;
    const { longestFrom, longestId, painter } = this;
    painter.begin(count);
    for (let b = 0; b < count; b++) {
      const a = longestFrom[b];
      if (a >= 0 && ends[b] > starts[a]) painter.add(a, b, longestId[b], ends[b] - starts[a]);
    }
    if (!painter.paint()) return null;
    const { paintedId, paintedFirst } = painter;
    const out: Span[] = [];
    let last: Span | undefined;
    let lastFrom = -1;
    let lastToken = -2;
    for (let k = 0; k < count; k++) {
      const id = paintedId[k];
      if (id < 0) continue;
      if (last && last.id === id && lastFrom === paintedFirst[k] && lastToken === k - 1) {
        if (ends[k] > last.end) last.end = ends[k];
      } else if (ends[k] > starts[k]) {
        last = { start: starts[k], end: ends[k], id };
        lastFrom = paintedFirst[k];
        out.push(last);
      } else continue;
      lastToken = k;
    }
    return out;
  }
}

/** The spaced text (spec section 2) with, per character, the caption range it stands for. */
interface SpacedCaption {
  text: string;
  /** Per character of `text`: where its caption range starts and ends (a padding space: empty). */
  lo: Int32Array;
  hi: Int32Array;
}

function spacedWithOrigins(caption: string): SpacedCaption {
  const chars: string[] = [' '];
  let wrapped = 0;
  for (let i = 0; i < caption.length; i++) {
    const c = caption.charCodeAt(i);
    if (c < 128 && SEP[c] === 2) wrapped++;
  }
  const lo = new Int32Array(caption.length + 2 * wrapped + 2);
  const hi = new Int32Array(lo.length);
  let k = 1;
  for (let i = 0; i < caption.length; i++) {
    const c = caption.charCodeAt(i);
    const kind = c < 128 ? SEP[c] : 0;
    if (kind === 2) {
      chars.push(' ', caption[i], ' ');
      lo[k] = i;
      hi[k++] = i;
      lo[k] = i;
      hi[k++] = i + 1;
      lo[k] = i + 1;
      hi[k++] = i + 1;
    } else {
      chars.push(kind === 1 ? ' ' : caption[i]);
      lo[k] = i;
      hi[k++] = i + 1;
    }
  }
  chars.push(' ');
  lo[k] = caption.length;
  hi[k] = caption.length;
  return { text: chars.join(''), lo, hi };
}

/** The caption range of the spaced characters [a, b), or undefined when that is empty. */
function originRange(spaced: SpacedCaption, a: number, b: number): [number, number] | undefined {
  if (b <= a) return undefined;
  return [spaced.lo[a], spaced.hi[b - 1]];
}

/**
 * Worldwide padding: spans by running the engine's substring automaton (substringMatcher.ts)
 * over the spaced caption and reading each match's position. A padded entry ends with a
 * padding space exactly when the spaced character it ends on is a space (entries' own end
 * characters are padded unless unpadded ones, never spaces), so a match ending there covers
 * the entry's characters up to the one before; that gives every span in O(1), and the matches
 * ending at one place, longest first, start ever later. Each line costs O(spaced text + spans
 * reported), whatever the metadata.
 */
export class SubstringSpanIndex implements SpanIndex {
  readonly padding: Padding = 'worldwide';
  private readonly index: SubstringIndex;
  private readonly gotoMask: number;
  private readonly painter = new SegmentPainter();
  private steps = 0;

  constructor(
    private readonly matcher: EntryMatcher,
    private readonly entries: readonly string[],
  ) {
    if (!(matcher instanceof SubstringMatcher)) {
      throw new Error('the worldwide span index needs the worldwide (substring) matcher');
    }
    this.index = matcher.index;
    this.gotoMask = this.index.gotoTable.length / 3 - 1;
  }

  get numEntries(): number {
    return this.matcher.numEntries;
  }

  /** Automaton steps since construction: transitions tried and dictionary links followed. */
  get trieSteps(): number {
    return this.steps;
  }

  /**
   * Per character of the spaced caption: the first node of the automaton's dictionary chain
   * there (the longest entry ending on it; 0: none).
   */
  private outputsOf(text: string): Int32Array {
    const { rootGoto, gotoTable, fail, dictLink, nodeEntry } = this.index;
    const mask = this.gotoMask;
    const outputs = new Int32Array(text.length);
    let steps = 0;
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      for (;;) {
        steps++;
        let next = 0;
        if (node === 0) next = rootGoto[unit];
        else {
          for (let slot = pairHash(node, unit) & mask; ; slot = (slot + 1) & mask) {
            const owner = gotoTable[slot * 3];
            if (owner === -1) break;
            if (owner === node && gotoTable[slot * 3 + 1] === unit) {
              next = gotoTable[slot * 3 + 2];
              break;
            }
          }
        }
        if (next !== 0 || node === 0) {
          node = next;
          break;
        }
        node = fail[node];
      }
      outputs[i] = nodeEntry[node] !== -1 ? node : dictLink[node];
    }
    this.steps += steps;
    return outputs;
  }

  spans(caption: string): Span[] {
    return this.findSpans(caption).spans;
  }

  findSpans(caption: string, covering?: number): SpanList {
    const spaced = spacedWithOrigins(caption);
    const { text, lo, hi } = spaced;
    const outputs = this.outputsOf(text);
    const { dictLink, nodeEntry, nextEntry } = this.index;
    const entries = this.entries;
    const out: Span[] = [];
    let capped = false;
    let steps = 0;
    for (let i = 0; i < text.length && !capped; i++) {
      // The last spaced character of the entries ending here (see the class comment).
      const last = text.charCodeAt(i) === 0x20 ? i - 1 : i;
      if (covering !== undefined && (last < 0 || hi[last] <= covering)) continue;
      for (let at = outputs[i]; at !== 0 && !capped; at = dictLink[at]) {
        steps++;
        const length = entries[nodeEntry[at]].length;
        const first = last - length + 1;
        if (covering !== undefined) {
          if (length === 0) continue;
          // Later links end here too and start no earlier.
          if (lo[first] > covering) break;
        }
        const start = length > 0 ? lo[first] : 0;
        const end = length > 0 ? hi[last] : 0;
        for (let id = nodeEntry[at]; id !== -1; id = nextEntry[id]) {
          if (out.length === MAX_SPANS_PER_LINE) {
            capped = true;
            break;
          }
          out.push({ start, end, id });
        }
      }
    }
    this.steps += steps;
    return { spans: out, capped };
  }

  forEachId(caption: string, visit: (id: number) => void): void {
    const ids = this.matcher.match(caption);
    for (const id of ids) visit(id);
  }

  /**
   * segmentSpans(spans, caption) without materialising the spans: the longest span covering a
   * character lies among the longest ones ending at each spaced character (any span lies inside
   * the longest one ending where it does), where ties in length are spans of the same range; so
   * one candidate per spaced character, with the lowest id of its range, is painted.
   */
  segments(caption: string): Span[] | null {
    const { text, lo, hi } = spacedWithOrigins(caption);
    const outputs = this.outputsOf(text);
    const { dictLink, nodeEntry } = this.index;
    const entries = this.entries;
    const painter = this.painter;
    painter.begin(caption.length);
    let steps = 0;
    for (let i = 0; i < text.length; i++) {
      const last = text.charCodeAt(i) === 0x20 ? i - 1 : i;
      let at = outputs[i];
      while (at !== 0 && entries[nodeEntry[at]].length === 0) at = dictLink[at];
      if (at === 0) continue;
      const start = lo[last - entries[nodeEntry[at]].length + 1];
      const end = hi[last];
      if (end <= start) continue;
      let id = nodeEntry[at];
      // Shorter entries ending here whose range is the same (a wrapped mark's spaces and the
      // mark stand for one caption position): at most a few links.
      for (let next = dictLink[at]; next !== 0; next = dictLink[next]) {
        steps++;
        const length = entries[nodeEntry[next]].length;
        if (length === 0) continue;
        if (lo[last - length + 1] !== start) break;
        if (nodeEntry[next] < id) id = nodeEntry[next];
      }
      painter.add(start, end - 1, id, end - start);
    }
    this.steps += steps;
    if (!painter.paint()) return null;
    // Runs of characters given to the same entry, blanks at their ends trimmed.
    const out: Span[] = [];
    const { paintedId } = painter;
    for (let p = 0; p < caption.length;) {
      const id = paintedId[p];
      let q = p + 1;
      while (q < caption.length && paintedId[q] === id) q++;
      if (id >= 0) {
        let start = p;
        let end = q;
        while (start < end && isBlank(caption.charCodeAt(start))) start++;
        while (end > start && isBlank(caption.charCodeAt(end - 1))) end--;
        if (end > start) out.push({ start, end, id });
      }
      p = q;
    }
    return out.length === 0 ? null : out;
  }
}

/**
 * Gives positions (tokens or characters) to candidate spans: each position goes to the longest
 * candidate covering it, the lowest id and then the earliest start on ties. When the candidates
 * cover few positions in all (real captions), each is compared at every position it covers;
 * otherwise they are sorted, longest first, and each paints only the positions no earlier one
 * took (union-find over the positions not yet taken): O(positions + c log c) for c candidates.
 */
class SegmentPainter {
  /** Per position: the id of the candidate it went to (-1: none), and that candidate's start. */
  paintedId = new Int32Array(256);
  paintedFirst = new Int32Array(256);
  private owner = new Int32Array(256);
  private nextUnpainted = new Int32Array(257);
  private first = new Int32Array(64);
  private last = new Int32Array(64);
  private id = new Int32Array(64);
  private length = new Int32Array(64);
  private order = new Int32Array(64);
  private positions = 0;
  private count = 0;
  /** Positions the candidates cover, with repeats. */
  private covered = 0;

  begin(positions: number): void {
    this.positions = positions;
    this.count = 0;
    this.covered = 0;
    if (this.paintedId.length < positions) {
      this.paintedId = new Int32Array(positions * 2);
      this.paintedFirst = new Int32Array(positions * 2);
      this.owner = new Int32Array(positions * 2);
      this.nextUnpainted = new Int32Array(positions * 2 + 1);
    }
  }

  /** A candidate covering positions [first, last], `length` long (in caption characters). */
  add(first: number, last: number, id: number, length: number): void {
    const k = this.count++;
    if (k === this.first.length) {
      this.first = grow(this.first, k + 1);
      this.last = grow(this.last, k + 1);
      this.id = grow(this.id, k + 1);
      this.length = grow(this.length, k + 1);
      this.order = grow(this.order, k + 1);
    }
    this.first[k] = first;
    this.last[k] = last;
    this.id[k] = id;
    this.length[k] = length;
    this.covered += last - first + 1;
  }

  /** Whether candidate x goes before candidate y: longer, then lower id, then earlier. */
  private before(x: number, y: number): boolean {
    const { length, id, first } = this;
    return (length[x] - length[y] || id[y] - id[x] || first[y] - first[x]) > 0;
  }

  /** Paints the candidates added since begin(); false when there were none. */
  paint(): boolean {
    const n = this.count;
    if (n === 0) return false;
    const { first, last, id, owner, paintedId, paintedFirst } = this;
    const positions = this.positions;
    owner.fill(-1, 0, positions);
    if (this.covered <= 4 * positions + 64) {
      for (let k = 0; k < n; k++) {
        for (let p = first[k]; p <= last[k]; p++) {
          if (owner[p] < 0 || this.before(k, owner[p])) owner[p] = k;
        }
      }
    } else this.paintLongestFirst();
    for (let p = 0; p < positions; p++) {
      const k = owner[p];
      paintedId[p] = k < 0 ? -1 : id[k];
      paintedFirst[p] = k < 0 ? -1 : first[k];
    }
    return true;
  }

  private paintLongestFirst(): void {
    const n = this.count;
    const { first, last, order, owner, nextUnpainted } = this;
    for (let k = 0; k < n; k++) order[k] = k;
    order.subarray(0, n).sort((x, y) => (this.before(x, y) ? -1 : this.before(y, x) ? 1 : 0));
    for (let p = 0; p <= this.positions; p++) nextUnpainted[p] = p;
    for (let i = 0; i < n; i++) {
      const k = order[i];
      for (let p = this.firstUnpainted(first[k]); p <= last[k]; p = this.firstUnpainted(p + 1)) {
        owner[p] = k;
        nextUnpainted[p] = p + 1;
      }
    }
  }

  /** The first position at or after p not yet painted (path halving). */
  private firstUnpainted(p: number): number {
    const next = this.nextUnpainted;
    while (next[p] !== p) {
      next[p] = next[next[p]];
      p = next[p];
    }
    return p;
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

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
