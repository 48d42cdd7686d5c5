/**
 * The fast English (MetaCLIP 1) matcher: finds every entry of a metadata list in a caption, in
 * time linear in the caption whatever the metadata.
 *
 * # What it matches
 *
 * The spec's "equivalent formulation": split the spaced text on U+0020 keeping empty tokens; an
 * entry matches iff its own tokens (the entry split on U+0020) equal a run of inner tokens. All
 * matches count, overlapping and nested ones included ("new york city" reports `new`, `york`,
 * `city`, `new york`, `york city`, `new york city`), and the result is a set: each entry once
 * per text however often it occurs, entries with the same string all together, ids ascending.
 * There are no match positions and no leftmost-first or leftmost-longest choice to make.
 *
 * The matcher never builds the spaced text: it scans the caption once, cutting tokens at space,
 * tab, CR and LF and around the seven wrapped punctuation marks (each of which becomes a
 * one-character token), and looks each token up in the vocabulary of entry tokens by hash,
 * comparing code units in place (no substring is allocated). A token no entry has (id -1) ends
 * every match that reaches it.
 *
 * # Index
 *
 * A trie over tokens (tokenIndex.ts): one probe of the vocabulary table per token, one edge
 * slot and one node word per deeper step.
 *
 * # Search
 *
 * Two strategies over that one trie; the ids they give are the same.
 *
 * - The trie walk (the tuned common case): from each token that starts an entry, follow the
 *   trie as far as the text does, reporting the entries on the way. Real captions take 1-2
 *   steps per such token, and no work at all for the other tokens. But each walk is as deep as
 *   the longest entry prefix found there, so a text that repeats an entry's tokens costs
 *   tokens x entry length: 80,000 copies of a token against an entry of 25,000 of them is two
 *   billion steps.
 * - Aho-Corasick over tokens (tokenAutomaton.ts): failure links over the (node, token) edges
 *   and dictionary links, one pass over the tokens, each entry's chain of dictionary links
 *   reported once per text and cut short at an entry already reported (EntryStamps).
 *
 * Each text starts on the walk, which counts its trie steps and added ids. Past
 * WALK_STEPS_PER_TOKEN per token (plus a small slack; no real caption comes near it) the walk's
 * ids for the text are dropped and the text is redone on the automaton. The automaton is built
 * by the matcher on the first text that needs it and kept: neither the index build, its cache,
 * nor a text the walk finishes ever pays for it.
 *
 * # Costs
 *
 * For a text of n code units and k tokens that matches m distinct entries (duplicates counted),
 * and metadata of total length L:
 *
 * - Matching: O(n + m log m) time whatever the metadata. Tokenising and looking up is O(n)
 *   (each token hashed once and compared with the few vocabulary tokens of equal hash and
 *   length); the walk takes at most WALK_STEPS_PER_TOKEN * k + slack steps and added ids, plus
 *   its last walk (k steps and m ids at most), before it hands over; the automaton takes one
 *   transition per token, fewer failure links than tokens in all (each one shortens the
 *   current match), and O(k + m) dictionary links; sorting the ids is O(m log m).
 *   Memory per matcher: 8 bytes per code unit of the longest text (tokens), and the ids.
 * - Index build: O(L) time; about 48 bytes per entry (24 MB for 500k).
 * - Automaton: O(trie nodes + vocabulary slots) time, once per matcher (about 0.2 s at 500k
 *   entries); 8 bytes per node id and 4 per entry (8 MB at 500k).
 */
import { FNV_OFFSET, FNV_PRIME, fmix32, pairHash } from './hashing';
import { EntryStamps, IdCollector } from './idBuffer';
import { WRAPPED_PUNCTUATION } from './spacing';
import { buildTokenAutomaton, childOf, nodeInfoOf, type TokenAutomaton } from './tokenAutomaton';
import type { TokenIndex } from './tokenIndex';
import { decodeRange, decodeUtf8, equalsUtf8 } from './utf8Tokens';

export { buildTokenIndex, type TokenIndex } from './tokenIndex';

/**
 * 'adaptive': the trie walk, switching a text to the automaton when the walk costs too much
 * (the product's setting). 'automaton': every text on the automaton (tests compare the two).
 */
export type TokenMatchStrategy = 'adaptive' | 'automaton';

/**
 * The walk's budget per text: this many trie steps and added ids per token, plus the slack.
 * Real captions stay far below it (the bench's 50,847 captions: 2.2 per token on average, at
 * most 1.8 per token beyond the slack); a text over it repeats entry tokens (the quadratic
 * case), and the automaton, about 2.5 steps per token whatever the metadata, finishes it.
 */
const WALK_STEPS_PER_TOKEN = 4;
const WALK_STEPS_SLACK = 64;

const CLASS_SPACE = 1;
const CLASS_PUNCT = 2;
/** LF and CR: spaces inside a text; where a line of a line file ends (CR only before an LF). */
const CLASS_BREAK = 3;
/** Character classes for code units < 128: 0 = part of a token. */
const CHAR_CLASS = new Uint8Array(128);
CHAR_CLASS[0x20] = CLASS_SPACE;
CHAR_CLASS[0x09] = CLASS_SPACE;
CHAR_CLASS[0x0a] = CLASS_BREAK;
CHAR_CLASS[0x0d] = CLASS_BREAK;
const LF = 0x0a;

/** scanUtf8 results other than a position. */
const SCAN_NEEDS_MORE = -1;
const SCAN_INVALID = -2;
for (const p of WRAPPED_PUNCTUATION) CHAR_CLASS[p.charCodeAt(0)] = CLASS_PUNCT;

/** Matches captions against a TokenIndex. Holds per-text scratch space: one per thread. */
export class TokenMatcher {
  private tokens = new Int32Array(256);
  /** Tokens of the text scanUtf8 last read. */
  private tokenCount = 0;
  private readonly collector: IdCollector;
  // The index's arrays as own fields: the hot loops read them without going through `index`.
  private readonly vocabTable: Int32Array;
  private readonly vocabMask: number;
  private readonly vocabChars: Uint16Array;
  private readonly emptyToken: number;
  private readonly punctToken: Int32Array;
  private readonly edgeTable: Int32Array;
  private readonly edgeMask: number;
  private readonly edgeFilter: Int32Array;
  private readonly filterMask: number;
  private readonly nodeInfo: Int32Array;
  /** Id of the first node deeper than 1 (nodeInfo[0]). */
  private readonly deepBase: number;
  private readonly nextEntry: Int32Array;
  /** Whether every text takes the automaton (a switch for tests; see TokenMatchStrategy). */
  private readonly automatonOnly: boolean;
  /** Built on the first text that needs it. */
  private automaton: TokenAutomaton | undefined;
  private entryStamps: EntryStamps | undefined;
  private steps = 0;
  private textsOnAutomaton = 0;

  constructor(
    readonly index: TokenIndex,
    strategy: TokenMatchStrategy = 'adaptive',
  ) {
    this.automatonOnly = strategy === 'automaton';
    this.collector = new IdCollector();
    this.vocabTable = index.vocabTable;
    this.vocabMask = index.vocabTable.length / 4 - 1;
    this.deepBase = index.vocabTable.length / 4 + 1;
    this.vocabChars = index.vocabChars;
    this.emptyToken = index.emptyToken;
    this.punctToken = index.punctToken;
    this.edgeTable = index.edgeTable;
    this.edgeMask = index.edgeTable.length / 3 - 1;
    this.edgeFilter = index.edgeFilter;
    this.filterMask = index.edgeFilter.length * 32 - 1;
    this.nodeInfo = index.nodeInfo;
    this.nextEntry = index.nextEntry;
  }

  get numEntries(): number {
    return this.index.numEntries;
  }

  /**
   * Trie steps taken since construction: in the walk, nodes visited and edges probed; on the
   * automaton, transitions tried (failure links included) and dictionary links followed.
   * The measure of matching work that the linear-time bound is stated in.
   */
  get trieSteps(): number {
    return this.steps;
  }

  /** Texts matched on the automaton since construction. */
  get automatonTexts(): number {
    return this.textsOnAutomaton;
  }

  /** Ascending ids of the entries `text` matches. */
  match(text: string): number[] {
    this.collector.begin();
    this.collect(text);
    return Array.from(this.collector.sorted());
  }

  /**
   * Starts a new id set (one text, or one record whose texts are unioned); `collect` adds a
   * text's matches to it and `sorted` returns the set. No allocation on this path.
   */
  begin(): void {
    this.collector.begin();
  }

  sorted(): Uint32Array {
    return this.collector.sorted();
  }

  sortInPlace(): number {
    return this.collector.sortInPlace();
  }

  ids(): Uint32Array {
    return this.collector.ids;
  }

  collect(text: string): void {
    const len = text.length;
    this.reserveTokens(len);
    const toks = this.tokens;
    const punctToken = this.punctToken;
    let n = 0;
    let start = 0;
    let h = FNV_OFFSET;
    for (let i = 0; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        const cls = CHAR_CLASS[c];
        if (cls !== 0) {
          toks[n++] = start === i ? this.emptyToken : this.lookup(text, start, i, h);
          if (cls === CLASS_PUNCT) toks[n++] = punctToken[c];
          start = i + 1;
          h = FNV_OFFSET;
          continue;
        }
      }
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    toks[n++] = start === len ? this.emptyToken : this.lookup(text, start, len, h);
    this.walk(n);
  }

  /**
   * The same as `collect(bytes.toString('utf8', start, end))`, read straight from the UTF-8
   * bytes: tokens are cut at the same ASCII bytes (which never occur inside a multi-byte
   * sequence) and hashed over the UTF-16 code units they decode to, so the vocabulary is the
   * string path's. Bytes that are not strictly valid UTF-8 (which decoding would replace with
   * U+FFFD) go through the string path instead.
   */
  collectUtf8(bytes: Uint8Array, start: number, end: number): void {
    const r = this.scanUtf8(bytes, start, end, false);
    if (r === SCAN_INVALID) this.collect(decodeRange(bytes, start, end));
    else this.walk(this.tokenCount);
  }

  /**
   * Collects the line that starts at bytes[start] and ends at the first LF before `limit` (a CR
   * before that LF is not part of it), as collectUtf8 would, and returns where the next line
   * starts; or returns -1, collecting nothing, when no LF comes before `limit`. Lets a line
   * file be matched in one pass over its bytes.
   */
  collectLine(bytes: Uint8Array, start: number, limit: number): number {
    const lf = this.scanUtf8(bytes, start, limit, true);
    if (lf === SCAN_NEEDS_MORE) return -1;
    if (lf === SCAN_INVALID) {
      const at = bytes.indexOf(LF, start);
      if (at === -1 || at >= limit) return -1;
      this.collect(decodeRange(bytes, start, at > start && bytes[at - 1] === 0x0d ? at - 1 : at));
      return at + 1;
    }
    this.walk(this.tokenCount);
    return lf + 1;
  }

  /** Room in `tokens` for a text of `len` units: a wrapped mark gives two tokens. */
  private reserveTokens(len: number): void {
    if (this.tokens.length < 2 * len + 2) {
      this.tokens = new Int32Array(Math.max(2 * len + 2, this.tokens.length * 2));
    }
  }

  /**
   * Tokenises the UTF-8 text in bytes[start, end) into `tokens` (and `tokenCount`), looking each
   * token up. With `toLineEnd`, the text ends at the first LF (or CR LF) instead, and the LF's
   * position is returned; SCAN_NEEDS_MORE when there is none before `end`. SCAN_INVALID when the
   * bytes are not strictly valid UTF-8.
   */
  private scanUtf8(bytes: Uint8Array, start: number, end: number, toLineEnd: boolean): number {
    let toks = this.tokens;
    const punctToken = this.punctToken;
    let n = 0;
    let tokenStart = start;
    // UTF-16 length of the current token, and whether it is all ASCII (one unit per byte).
    let units = 0;
    let ascii = true;
    let h = FNV_OFFSET;
    let i = start;
    let textEnd = end;
    let lf = SCAN_NEEDS_MORE;
    while (i < end) {
      const c = bytes[i];
      if (c < 128) {
        const cls = CHAR_CLASS[c];
        if (cls !== 0) {
          if (cls === CLASS_BREAK && toLineEnd) {
            if (c === LF) lf = i;
            else if (i + 1 >= end) return SCAN_NEEDS_MORE;
            else if (bytes[i + 1] === LF) lf = i + 1;
            if (lf >= 0) {
              textEnd = i;
              break;
            }
          }
          if (n + 2 >= toks.length) {
            this.reserveTokens(toks.length);
            this.tokens.set(toks);
            toks = this.tokens;
          }
          toks[n++] =
            tokenStart === i
              ? this.emptyToken
              : ascii
                ? this.lookupAscii(bytes, tokenStart, h, units)
                : this.lookupUtf8(bytes, tokenStart, h, units);
          if (cls === CLASS_PUNCT) toks[n++] = punctToken[c];
          i++;
          tokenStart = i;
          units = 0;
          ascii = true;
          h = FNV_OFFSET;
          continue;
        }
        h = Math.imul(h ^ c, FNV_PRIME);
        units++;
        i++;
        continue;
      }
      const cp = decodeUtf8(bytes, i, end);
      if (cp < 0) return SCAN_INVALID;
      ascii = false;
      if (cp < 0x10000) {
        h = Math.imul(h ^ cp, FNV_PRIME);
        units++;
        i += cp < 0x800 ? 2 : 3;
      } else {
        const v = cp - 0x10000;
        h = Math.imul(h ^ (0xd800 + (v >> 10)), FNV_PRIME);
        h = Math.imul(h ^ (0xdc00 + (v & 0x3ff)), FNV_PRIME);
        units += 2;
        i += 4;
      }
    }
    if (toLineEnd && lf < 0) return SCAN_NEEDS_MORE;
    toks[n++] =
      tokenStart === textEnd
        ? this.emptyToken
        : ascii
          ? this.lookupAscii(bytes, tokenStart, h, units)
          : this.lookupUtf8(bytes, tokenStart, h, units);
    this.tokenCount = n;
    return toLineEnd ? lf : textEnd;
  }

  /**
   * Adds the entries of tokens[0, n) by the trie walk from each start token, switching the text
   * to the automaton once the walk has cost more than WALK_STEPS_PER_TOKEN per token.
   */
  private walk(n: number): void {
    const collector = this.collector;
    const textStart = collector.count;
    if (this.automatonOnly) return this.runAutomaton(n, textStart);
    // Ids added count as work too: a string shared by many entries adds all of them each time.
    const workLimit = textStart + WALK_STEPS_PER_TOKEN * n + WALK_STEPS_SLACK;
    let steps = 0;
    const toks = this.tokens;
    const vocabTable = this.vocabTable;
    const nodeInfo = this.nodeInfo;
    const deepBase = this.deepBase;
    const nextEntry = this.nextEntry;
    const edgeTable = this.edgeTable;
    const edgeMask = this.edgeMask;
    const edgeFilter = this.edgeFilter;
    const filterMask = this.filterMask;
    for (let a = 0; a < n; a++) {
      const first = toks[a];
      if (first < 0) continue;
      let info = vocabTable[first * 4 + 3];
      if (info === 0) continue;
      let node = first + 1;
      let b = a + 1;
      for (;;) {
        for (let e = (info >> 1) - 1; e >= 0; e = nextEntry[e]) collector.add(e);
        if (b >= n || (info & 1) === 0) break;
        const tok = toks[b++];
        if (tok < 0) break;
        const h = pairHash(node, tok);
        if ((edgeFilter[(h & filterMask) >>> 5] & (1 << (h & 31))) === 0) break;
        let slot = h & edgeMask;
        let child = 0;
        for (;;) {
          const at = slot * 3;
          const owner = edgeTable[at];
          if (owner === -1) break;
          if (owner === node && edgeTable[at + 1] === tok) {
            child = edgeTable[at + 2];
            break;
          }
          slot = (slot + 1) & edgeMask;
        }
        if (child === 0) break;
        node = child;
        info = nodeInfo[child - deepBase];
      }
      steps += b - a;
      if (steps + collector.count > workLimit) {
        this.steps += steps;
        return this.runAutomaton(n, textStart);
      }
    }
    this.steps += steps;
  }

  /**
   * Adds the entries of tokens[0, n) by Aho-Corasick over the trie, replacing what the walk
   * added for this text (the ids from collector.count = textStart on). Each token takes one
   * transition plus failure links (at most one per token overall, as each one shortens the
   * current match), and each entry is reported once: O(n + distinct matches).
   */
  private runAutomaton(n: number, textStart: number): void {
    const index = this.index;
    const automaton = (this.automaton ??= buildTokenAutomaton(index));
    const entryStamps = (this.entryStamps ??= new EntryStamps(index.numEntries));
    const { fail, dictLink } = automaton;
    const stamps = entryStamps.stamps;
    const stamp = entryStamps.next();
    const toks = this.tokens;
    const nextEntry = this.nextEntry;
    const collector = this.collector;
    collector.count = textStart;
    this.textsOnAutomaton++;
    let steps = 0;
    let node = 0;
    for (let i = 0; i < n; i++) {
      const tok = toks[i];
      if (tok < 0) {
        // No entry has the token: no match spans it.
        node = 0;
        continue;
      }
      let next = childOf(index, node, tok);
      steps++;
      while (next === 0 && node !== 0) {
        node = fail[node];
        next = childOf(index, node, tok);
        steps++;
      }
      node = next;
      if (node === 0) continue;
      for (
        let out = nodeInfoOf(index, node) >> 1 !== 0 ? node : dictLink[node];
        out !== 0;
        out = dictLink[out]
      ) {
        steps++;
        const first = (nodeInfoOf(index, out) >> 1) - 1;
        // Stamped: it and the rest of its chain were reported earlier in this text.
        if (stamps[first] === stamp) break;
        stamps[first] = stamp;
        for (let e = first; e >= 0; e = nextEntry[e]) collector.add(e);
      }
    }
    this.steps += steps;
  }

  /** lookup() for the `len` ASCII bytes at bytes[start]. */
  private lookupAscii(bytes: Uint8Array, start: number, h: number, len: number): number {
    const table = this.vocabTable;
    const mask = this.vocabMask;
    let slot = fmix32(h) & mask;
    for (;;) {
      const at = slot * 4;
      const chars1 = table[at + 1];
      if (chars1 === 0) return -1;
      if (table[at] === h && table[at + 2] === len) {
        const chars = this.vocabChars;
        const from = chars1 - 1;
        let i = 0;
        while (i < len && chars[from + i] === bytes[start + i]) i++;
        if (i === len) return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** lookup() for the valid UTF-8 at bytes[start] that decodes to `units` UTF-16 code units. */
  private lookupUtf8(bytes: Uint8Array, start: number, h: number, units: number): number {
    const table = this.vocabTable;
    const mask = this.vocabMask;
    let slot = fmix32(h) & mask;
    for (;;) {
      const at = slot * 4;
      const chars1 = table[at + 1];
      if (chars1 === 0) return -1;
      if (table[at] === h && table[at + 2] === units) {
        if (equalsUtf8(this.vocabChars, chars1 - 1, units, bytes, start)) return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Token id of the non-empty text[start, end) whose FNV-1a hash is h, or -1 if no entry has it. */
  private lookup(text: string, start: number, end: number, h: number): number {
    const table = this.vocabTable;
    const mask = this.vocabMask;
    const len = end - start;
    let slot = fmix32(h) & mask;
    for (;;) {
      const at = slot * 4;
      const chars1 = table[at + 1];
      if (chars1 === 0) return -1;
      if (table[at] === h && table[at + 2] === len) {
        const chars = this.vocabChars;
        const from = chars1 - 1;
        let i = 0;
        while (i < len && chars[from + i] === text.charCodeAt(start + i)) i++;
        if (i === len) return slot;
      }
      slot = (slot + 1) & mask;
    }
  }
}
