/**
 * The English (token) span index; see spanIndex.ts for what it finds and what it costs.
 */
import { EntryStamps } from '../../engine/src/match/idBuffer';
import type { Padding } from '../../engine/src/match/spacing';
import type { TokenMatchStrategy } from '../../engine/src/match/tokenMatcher';
import { buildSpanAutomaton, type SpanAutomaton } from './spanAutomaton';
import { captionTokens, type CaptionTokens } from './spanIndexCaption';
import { SegmentPainter } from './spanIndexPainter';
import { EntryTokenTrie } from './spanIndexTrie';
import { MAX_SPANS_PER_LINE, type Span, type SpanIndex, type SpanList } from './spanIndexTypes';

/**
 * The walk's budget per line: this many trie steps per token, plus the slack (the engine's
 * figures: real captions take about 2 per token; a line over it repeats entry tokens).
 */
const WALK_STEPS_PER_TOKEN = 4;
const WALK_STEPS_SLACK = 64;

/**
 * English span index: the trie of the entries' tokens (spanIndexTrie.ts), updated in place when
 * an entry changes (an edit drops the automaton, rebuilt on the next line that needs it), and
 * searched by the walk or the automaton as spanIndex.ts describes.
 */
export class TokenSpanIndex implements SpanIndex {
  readonly padding: Padding = 'english';
  private readonly trie: EntryTokenTrie;
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
    this.trie = new EntryTokenTrie(size);
    this.automatonOnly = strategy === 'automaton';
  }

  get numEntries(): number {
    return this.trie.size;
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

  private add(id: number, entry: string): void {
    this.automaton = undefined;
    this.entryStamps = undefined;
    this.trie.add(id, entry);
  }

  private remove(id: number, entry: string): void {
    this.automaton = undefined;
    this.trie.remove(id, entry);
  }

  /** Cuts the caption into its tokens (scratch) and looks them up (tokenIds); returns the count. */
  private tokenize(caption: string): number {
    const { starts, ends, count } = captionTokens(caption, this.scratch, false);
    if (this.tokenIds.length < count) this.tokenIds = new Int32Array(count * 2);
    const ids = this.tokenIds;
    const vocab = this.trie.vocab;
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
      const trie = this.trie;
      this.automaton = buildSpanAutomaton({
        nodeCount: trie.nodeCount,
        rootChild: trie.rootChild,
        edgeNode: trie.edgeNode,
        edgeToken: trie.edgeToken,
        edgeChild: trie.edgeChild,
        nodeEntry: trie.nodeEntry,
        child: (node, token) => trie.child(node, token),
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
    let next = this.trie.child(node, token);
    let steps = 1;
    while (next === 0 && node !== 0) {
      node = fail[node];
      next = this.trie.child(node, token);
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
    const { rootChild, nodeHasChildren } = this.trie;
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
        node = this.trie.child(node, tok);
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
    const { nodeEntry, nextEntry } = this.trie;
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
    const { nodeEntry, nextEntry } = this.trie;
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
    const { nodeEntry, nextEntry } = this.trie;
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
    const entryStamps = (this.entryStamps ??= new EntryStamps(this.trie.nextEntry.length));
    const stamps = entryStamps.stamps;
    const stamp = entryStamps.next();
    const { nodeEntry, nextEntry } = this.trie;
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
    const { longestFrom, longestId } = this;
    const { nodeEntry } = this.trie;
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
    const { longestFrom, longestId } = this;
    const { nodeEntry } = this.trie;
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
