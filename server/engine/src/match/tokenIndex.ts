/**
 * The index of the token matcher (tokenMatcher.ts), built once per metadata list.
 *
 * A trie over tokens whose depth-1 nodes live in the token's own vocabulary slot, deeper edges
 * in one open-addressing table keyed by (node, token). A token's id is its slot in the
 * vocabulary table. Entries that share a string (duplicates) hang off the same node in a chain.
 * The layout is chosen for few cache misses per token, which is what matching costs at 500k
 * entries: one probe of the vocabulary table (hash, chars, length and depth-1 node side by side),
 * one read of the chars to confirm; a deeper step reads one edge slot and one node word.
 */
import { fmix32, fnv1aRange, pairHash, tableSizeFor } from './hashing';
import { WRAPPED_PUNCTUATION } from './spacing';
import { grow, StringTable } from '../stringTable';

/** The compiled index: plain typed arrays, so it can be cached on disk and shared with workers. */
export interface TokenIndex {
  numEntries: number;
  /** Code units of all vocabulary tokens, back to back. */
  vocabChars: Uint16Array;
  /**
   * Open addressing, four ints per slot s (= the token id): the token's FNV-1a hash, its first
   * code unit in vocabChars + 1 (0 = empty slot), its length, and the nodeInfo word of its
   * depth-1 trie node (0 = no entry starts with the token). That node's id is s + 1.
   */
  vocabTable: Int32Array;
  /** Token id of "" (entries with doubled, leading or trailing spaces use it), or -1. */
  emptyToken: number;
  /** Token id of each wrapped punctuation mark by char code (< 128), or -1. */
  punctToken: Int32Array;
  /** Deeper edges, interleaved [node, token, child] per slot; node = -1 marks an empty slot. */
  edgeTable: Int32Array;
  /**
   * One bit per (edge hash & (4 * edge slots - 1)), set for every edge: most (node, next token)
   * pairs of a caption are no edge, and this 8-bits-per-edge filter (small enough to stay in
   * cache) rules out about 88% of them without a probe of edgeTable (a cache miss each).
   */
  edgeFilter: Int32Array;
  /**
   * Per node deeper than 1, at (node id - vocabulary slots - 1):
   * ((first entry id ending here + 1) << 1) | (has children ? 1 : 0).
   */
  nodeInfo: Int32Array;
  /** Per entry: the next entry with the same string, or -1. */
  nextEntry: Int32Array;
}

export function buildTokenIndex(entries: readonly string[]): TokenIndex {
  // Tokens interned from ranges of the entries (no split, no Map of strings: ~0.5 s less at 500k).
  const vocab = new StringTable();
  const tokenStrings: string[] = [];
  const tokenOf = (entry: string, start: number, end: number): number => {
    const before = vocab.size;
    const id = vocab.intern(entry, start, end);
    if (vocab.size !== before) tokenStrings.push(entry.slice(start, end));
    return id;
  };

  // Tokenise entries; build the trie with temporary Maps.
  // Depth-1 nodes by token id (ids are dense; 0: none). Deeper edges in an open-addressing table
  // over (node, token) -> child, and in creation order in `edgeList` (parent, token, child), from
  // which the final table is laid out; no Map per node.
  let rootChild = new Int32Array(1024);
  let edgeKeys = new Int32Array(2 * 4096); // node (0: empty slot), token
  let edgeChild = new Int32Array(4096);
  let edgeList = new Int32Array(3 * 1024);
  let edgeCount = 0;
  let hasChildren = new Uint8Array(1024);
  const edgeSlot = (node: number, tok: number): number => {
    const mask = edgeChild.length - 1;
    let slot = pairHash(node, tok) & mask;
    while (edgeKeys[2 * slot] !== 0 && (edgeKeys[2 * slot] !== node || edgeKeys[2 * slot + 1] !== tok))
      slot = (slot + 1) & mask;
    return slot;
  };
  const addEdge = (node: number, tok: number, child: number): void => {
    if (2 * (edgeCount + 1) > edgeChild.length) {
      edgeKeys = new Int32Array(edgeKeys.length * 2);
      edgeChild = new Int32Array(edgeChild.length * 2);
      for (let e = 0; e < edgeCount; e++) {
        const slot = edgeSlot(edgeList[3 * e], edgeList[3 * e + 1]);
        edgeKeys[2 * slot] = edgeList[3 * e];
        edgeKeys[2 * slot + 1] = edgeList[3 * e + 1];
        edgeChild[slot] = edgeList[3 * e + 2];
      }
    }
    const slot = edgeSlot(node, tok);
    edgeKeys[2 * slot] = node;
    edgeKeys[2 * slot + 1] = tok;
    edgeChild[slot] = child;
    edgeList = grow(edgeList, 3 * (edgeCount + 1));
    edgeList[3 * edgeCount] = node;
    edgeList[3 * edgeCount + 1] = tok;
    edgeList[3 * edgeCount + 2] = child;
    edgeCount++;
    hasChildren = grow(hasChildren, node + 1);
    hasChildren[node] = 1;
  };
  let nodeCount = 1;
  const firstEntry: number[] = [-1];
  const lastEntry: number[] = [-1];
  const nextEntry = new Int32Array(entries.length).fill(-1);
  for (let id = 0; id < entries.length; id++) {
    const entry = entries[id];
    let node = 0;
    // The entry's tokens as split(' ') gives them, empty ones included.
    for (let start = 0, end = 0; end <= entry.length; end++) {
      if (end < entry.length && entry.charCodeAt(end) !== 32) continue;
      const tok = tokenOf(entry, start, end);
      start = end + 1;
      let child: number;
      if (node === 0) {
        if (tok >= rootChild.length) rootChild = grow(rootChild, tok + 1);
        child = rootChild[tok];
      } else {
        const slot = node < hasChildren.length && hasChildren[node] ? edgeSlot(node, tok) : -1;
        child = slot >= 0 && edgeKeys[2 * slot] !== 0 ? edgeChild[slot] : 0;
      }
      if (child === 0) {
        child = nodeCount++;
        firstEntry.push(-1);
        lastEntry.push(-1);
        if (node === 0) rootChild[tok] = child;
        else addEdge(node, tok, child);
      }
      node = child;
    }
    // Duplicates chain in ascending id order.
    if (firstEntry[node] === -1) firstEntry[node] = id;
    else nextEntry[lastEntry[node]] = id;
    lastEntry[node] = id;
  }

  // Vocabulary: chars and the hash table, whose slot is the token id from here on.
  const numTokens = tokenStrings.length;
  let totalChars = 0;
  for (const t of tokenStrings) totalChars += t.length;
  const vocabChars = new Uint16Array(totalChars);
  // Load at most 0.71: 16-byte slots, so a miss mostly probes within one cache line or two.
  const slots = tableSizeFor(Math.ceil(numTokens * 1.4));
  const vocabTable = new Int32Array(slots * 4);
  const mask = slots - 1;
  const slotOf = new Int32Array(numTokens);
  let pos = 0;
  for (let t = 0; t < numTokens; t++) {
    const s = tokenStrings[t];
    const h = fnv1aRange(s, 0, s.length);
    let slot = fmix32(h) & mask;
    while (vocabTable[slot * 4 + 1] !== 0) slot = (slot + 1) & mask;
    vocabTable[slot * 4] = h;
    vocabTable[slot * 4 + 1] = pos + 1;
    vocabTable[slot * 4 + 2] = s.length;
    slotOf[t] = slot;
    for (let i = 0; i < s.length; i++) vocabChars[pos++] = s.charCodeAt(i);
  }

  const punctToken = new Int32Array(128).fill(-1);
  for (const p of WRAPPED_PUNCTUATION) {
    const t = vocab.lookup(p, 0, p.length);
    if (t >= 0) punctToken[p.charCodeAt(0)] = slotOf[t];
  }
  const emptyTokenId = vocab.lookup('', 0, 0);

  // Final node ids: a depth-1 node is its token's slot + 1; deeper ones follow the slots.
  const infoOf = (node: number): number =>
    ((firstEntry[node] + 1) << 1) | (node < hasChildren.length ? hasChildren[node] : 0);
  const nodeId = new Int32Array(nodeCount);
  let rootChildren = 0;
  for (let tok = 0; tok < numTokens; tok++) {
    const child = tok < rootChild.length ? rootChild[tok] : 0;
    if (child === 0) continue;
    rootChildren++;
    nodeId[child] = slotOf[tok] + 1;
    vocabTable[slotOf[tok] * 4 + 3] = infoOf(child);
  }
  const deepBase = slots + 1;
  const nodeInfo = new Int32Array(Math.max(0, nodeCount - 1 - rootChildren));
  let deep = 0;
  for (let node = 1; node < nodeCount; node++) {
    if (nodeId[node] !== 0) continue;
    nodeId[node] = deepBase + deep;
    nodeInfo[deep++] = infoOf(node);
  }

  const edgeSlots = tableSizeFor(edgeCount * 2);
  const edgeTable = new Int32Array(edgeSlots * 3).fill(-1);
  const edgeMask = edgeSlots - 1;
  const edgeFilter = new Int32Array(edgeSlots / 8);
  const filterMask = edgeSlots * 4 - 1;
  for (let e = 0; e < edgeCount; e++) {
    const from = nodeId[edgeList[3 * e]];
    const via = slotOf[edgeList[3 * e + 1]];
    const h = pairHash(from, via);
    edgeFilter[(h & filterMask) >>> 5] |= 1 << (h & 31);
    let slot = h & edgeMask;
    while (edgeTable[slot * 3] !== -1) slot = (slot + 1) & edgeMask;
    edgeTable[slot * 3] = from;
    edgeTable[slot * 3 + 1] = via;
    edgeTable[slot * 3 + 2] = nodeId[edgeList[3 * e + 2]];
  }

  return {
    numEntries: entries.length,
    vocabChars,
    vocabTable,
    emptyToken: emptyTokenId < 0 ? -1 : slotOf[emptyTokenId],
    punctToken,
    edgeTable,
    edgeFilter,
    nodeInfo,
    nextEntry,
  };
}
