/**
 * The fast English (MetaCLIP 1) matcher.
 *
 * Semantics: the spec's "equivalent formulation". Split the spaced text on U+0020 keeping empty
 * tokens; an entry matches iff its own tokens (the entry split on U+0020) equal a run of inner
 * tokens. So the matcher never builds the spaced text: it scans the caption once, cutting tokens
 * at space, tab, CR and LF and around the seven wrapped punctuation marks (each of which becomes
 * a one-character token), and looks each token up in the vocabulary of entry tokens by hash,
 * comparing code units in place (no substring is allocated).
 *
 * Index: a trie over token ids. Edges live in one open-addressing table keyed by (node, token);
 * the root's edges are a direct array indexed by token id, because every token position starts
 * a walk at the root. Entries that share a string (duplicates) hang off the same node in a chain.
 *
 * Costs: build is linear in the total entry length. Matching a text of n code units with k
 * tokens is O(n) hashing plus, per start token, a walk as deep as the longest entry prefix found
 * there (1-2 steps for typical captions). Memory: a few typed arrays, about 40 bytes per entry.
 */
import { FNV_OFFSET, FNV_PRIME, fmix32, fnv1aRange, tableSizeFor } from './hashing';
import { IdCollector } from './idBuffer';
import { WRAPPED_PUNCTUATION } from './spacing';

/** The compiled index: plain typed arrays, so it can be cached on disk and shared with workers. */
export interface TokenIndex {
  numEntries: number;
  /** Code units of all vocabulary tokens, back to back; token t is [vocabStart[t], vocabStart[t+1]). */
  vocabChars: Uint16Array;
  vocabStart: Int32Array;
  vocabHash: Int32Array;
  /** Open addressing: slot -> token id + 1 (0 = empty). */
  vocabTable: Int32Array;
  /** Token id of "" (entries with doubled, leading or trailing spaces use it), or -1. */
  emptyToken: number;
  /** Token id of each wrapped punctuation mark by char code (< 128), or -1. */
  punctToken: Int32Array;
  /** Root edges: token id -> node (0 = none). */
  rootChild: Int32Array;
  /** Other edges, interleaved [node, token, child] per slot; node = -1 marks an empty slot. */
  edgeTable: Int32Array;
  /** Per node: first entry id ending here, or -1; and whether the node has children. */
  nodeEntry: Int32Array;
  nodeHasChildren: Uint8Array;
  /** Per entry: the next entry with the same string, or -1. */
  nextEntry: Int32Array;
}

const CLASS_SPACE = 1;
const CLASS_PUNCT = 2;
/** Character classes for code units < 128: 0 = part of a token. */
const CHAR_CLASS = new Uint8Array(128);
CHAR_CLASS[0x20] = CLASS_SPACE;
CHAR_CLASS[0x09] = CLASS_SPACE;
CHAR_CLASS[0x0a] = CLASS_SPACE;
CHAR_CLASS[0x0d] = CLASS_SPACE;
for (const p of WRAPPED_PUNCTUATION) CHAR_CLASS[p.charCodeAt(0)] = CLASS_PUNCT;

function edgeSlotHash(node: number, token: number): number {
  return fmix32(Math.imul(node, 0x9e3779b1) ^ token);
}

export function buildTokenIndex(entries: readonly string[]): TokenIndex {
  const vocab = new Map<string, number>();
  const tokenStrings: string[] = [];
  const tokenOf = (s: string): number => {
    let id = vocab.get(s);
    if (id === undefined) {
      id = tokenStrings.length;
      vocab.set(s, id);
      tokenStrings.push(s);
    }
    return id;
  };

  // Tokenise entries; build the trie with a temporary Map for non-root edges.
  const rootChildMap = new Map<number, number>();
  const edges = new Map<number, Map<number, number>>();
  let nodeCount = 1;
  const nodeEntryList: number[] = [-1];
  const nextEntry = new Int32Array(entries.length).fill(-1);
  const lastEntryAtNode: number[] = [-1];
  for (let id = 0; id < entries.length; id++) {
    const parts = entries[id].split(' ');
    let node = 0;
    for (let i = 0; i < parts.length; i++) {
      const tok = tokenOf(parts[i]);
      let child: number | undefined;
      if (node === 0) child = rootChildMap.get(tok);
      else child = edges.get(node)?.get(tok);
      if (child === undefined) {
        child = nodeCount++;
        nodeEntryList.push(-1);
        lastEntryAtNode.push(-1);
        if (node === 0) rootChildMap.set(tok, child);
        else {
          let m = edges.get(node);
          if (!m) edges.set(node, (m = new Map()));
          m.set(tok, child);
        }
      }
      node = child;
    }
    // Keep duplicates in ascending id order along the chain.
    if (nodeEntryList[node] === -1) nodeEntryList[node] = id;
    else nextEntry[lastEntryAtNode[node]] = id;
    lastEntryAtNode[node] = id;
  }

  // Vocabulary tables.
  const numTokens = tokenStrings.length;
  let totalChars = 0;
  for (const t of tokenStrings) totalChars += t.length;
  const vocabChars = new Uint16Array(totalChars);
  const vocabStart = new Int32Array(numTokens + 1);
  const vocabHash = new Int32Array(numTokens);
  const vocabTable = new Int32Array(tableSizeFor(numTokens * 2));
  const vocabMask = vocabTable.length - 1;
  let pos = 0;
  for (let t = 0; t < numTokens; t++) {
    const s = tokenStrings[t];
    vocabStart[t] = pos;
    for (let i = 0; i < s.length; i++) vocabChars[pos++] = s.charCodeAt(i);
    const h = fnv1aRange(s, 0, s.length);
    vocabHash[t] = h;
    let slot = fmix32(h) & vocabMask;
    while (vocabTable[slot] !== 0) slot = (slot + 1) & vocabMask;
    vocabTable[slot] = t + 1;
  }
  vocabStart[numTokens] = pos;

  const punctToken = new Int32Array(128).fill(-1);
  for (const p of WRAPPED_PUNCTUATION) punctToken[p.charCodeAt(0)] = vocab.get(p) ?? -1;

  const rootChild = new Int32Array(numTokens);
  for (const [tok, child] of rootChildMap) rootChild[tok] = child;

  let edgeCount = 0;
  for (const m of edges.values()) edgeCount += m.size;
  const edgeSlots = tableSizeFor(edgeCount * 2);
  const edgeTable = new Int32Array(edgeSlots * 3).fill(-1);
  const edgeMask = edgeSlots - 1;
  const nodeHasChildren = new Uint8Array(nodeCount);
  nodeHasChildren[0] = rootChildMap.size > 0 ? 1 : 0;
  for (const [node, m] of edges) {
    nodeHasChildren[node] = 1;
    for (const [tok, child] of m) {
      let slot = edgeSlotHash(node, tok) & edgeMask;
      while (edgeTable[slot * 3] !== -1) slot = (slot + 1) & edgeMask;
      edgeTable[slot * 3] = node;
      edgeTable[slot * 3 + 1] = tok;
      edgeTable[slot * 3 + 2] = child;
    }
  }

  return {
    numEntries: entries.length,
    vocabChars,
    vocabStart,
    vocabHash,
    vocabTable,
    emptyToken: vocab.get('') ?? -1,
    punctToken,
    rootChild,
    edgeTable,
    nodeEntry: Int32Array.from(nodeEntryList),
    nodeHasChildren,
    nextEntry,
  };
}

/** Matches captions against a TokenIndex. Holds per-text scratch space: one per thread. */
export class TokenMatcher {
  private tokens = new Int32Array(256);
  private readonly collector: IdCollector;
  // The index's arrays as own fields: the hot loops read them without going through `index`.
  private readonly vocabMask: number;
  private readonly vocabTable: Int32Array;
  private readonly vocabHash: Int32Array;
  private readonly vocabStart: Int32Array;
  private readonly vocabChars: Uint16Array;
  private readonly emptyToken: number;
  private readonly punctToken: Int32Array;
  private readonly rootChild: Int32Array;
  private readonly edgeTable: Int32Array;
  private readonly edgeMask: number;
  private readonly nodeEntry: Int32Array;
  private readonly nodeHasChildren: Uint8Array;
  private readonly nextEntry: Int32Array;

  constructor(readonly index: TokenIndex) {
    this.collector = new IdCollector(index.numEntries);
    this.vocabMask = index.vocabTable.length - 1;
    this.vocabTable = index.vocabTable;
    this.vocabHash = index.vocabHash;
    this.vocabStart = index.vocabStart;
    this.vocabChars = index.vocabChars;
    this.emptyToken = index.emptyToken;
    this.punctToken = index.punctToken;
    this.rootChild = index.rootChild;
    this.edgeTable = index.edgeTable;
    this.edgeMask = index.edgeTable.length / 3 - 1;
    this.nodeEntry = index.nodeEntry;
    this.nodeHasChildren = index.nodeHasChildren;
    this.nextEntry = index.nextEntry;
  }

  get numEntries(): number {
    return this.index.numEntries;
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

  collect(text: string): void {
    const len = text.length;
    if (this.tokens.length < len + 2) this.tokens = new Int32Array(Math.max(len + 2, this.tokens.length * 2));
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

  private walk(n: number): void {
    const toks = this.tokens;
    const rootChild = this.rootChild;
    const nodeEntry = this.nodeEntry;
    const nextEntry = this.nextEntry;
    const nodeHasChildren = this.nodeHasChildren;
    const edgeTable = this.edgeTable;
    const edgeMask = this.edgeMask;
    const collector = this.collector;
    for (let a = 0; a < n; a++) {
      const first = toks[a];
      if (first < 0) continue;
      let node = rootChild[first];
      let b = a + 1;
      while (node !== 0) {
        for (let e = nodeEntry[node]; e >= 0; e = nextEntry[e]) collector.add(e);
        if (b >= n || nodeHasChildren[node] === 0) break;
        const tok = toks[b++];
        if (tok < 0) break;
        let slot = edgeSlotHash(node, tok) & edgeMask;
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
        node = child;
      }
    }
  }

  /** Token id of the non-empty text[start, end) whose FNV-1a hash is h, or -1 if no entry has it. */
  private lookup(text: string, start: number, end: number, h: number): number {
    const vocabTable = this.vocabTable;
    const mask = this.vocabMask;
    const len = end - start;
    let slot = fmix32(h) & mask;
    for (;;) {
      const stored = vocabTable[slot];
      if (stored === 0) return -1;
      const t = stored - 1;
      if (this.vocabHash[t] === h) {
        const at = this.vocabStart[t];
        if (this.vocabStart[t + 1] - at === len) {
          const chars = this.vocabChars;
          let i = 0;
          while (i < len && chars[at + i] === text.charCodeAt(start + i)) i++;
          if (i === len) return t;
        }
      }
      slot = (slot + 1) & mask;
    }
  }
}
