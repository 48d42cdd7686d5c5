/**
 * Aho-Corasick over the trie of the language server's English span index (TokenSpanIndex in
 * spanIndex.ts): failure links, dictionary links and node depths, so that a caption line's
 * spans are found in one pass over its tokens whatever the metadata (the linear path; see
 * spanIndex.ts for when it is taken).
 *
 * The engine's tokenAutomaton.ts builds the same links over the compiled TokenIndex, but that
 * trie is packed for the on-disk cache (depth-1 nodes are vocabulary slots, node words hold
 * flags) and never changes. The span index's trie is edited in place when an entry changes, and
 * reporting spans needs each node's depth (a span's first token), so the links are built here
 * over a view of that trie, and thrown away when it changes.
 *
 * Build: O(trie nodes + root edges), breadth first; failure chains are amortised over each
 * entry's path as in Aho and Corasick's paper. Memory: three Int32Arrays over the nodes kept,
 * about three more while building.
 */

/** The span index's trie, read-only: node 0 is the root. */
export interface TokenTrie {
  readonly nodeCount: number;
  /** The root's child by token id (0: none). */
  readonly rootChild: Int32Array;
  /** Deeper edges, one per slot of three parallel arrays; edgeNode -1 marks an empty slot. */
  readonly edgeNode: Int32Array;
  readonly edgeToken: Int32Array;
  readonly edgeChild: Int32Array;
  /** Per node: the lowest id of the entries ending there, or -1. */
  readonly nodeEntry: Int32Array;
  /** The node reached from `node` by `token`, or 0. */
  child(node: number, token: number): number;
}

export interface SpanAutomaton {
  /** Per node: the node of the longest proper suffix of its token path that is a trie path. */
  fail: Int32Array;
  /** Per node: the nearest node on its failure chain where an entry ends (0: none). */
  dictLink: Int32Array;
  /** Per node: its number of tokens (0 for the root). */
  depth: Int32Array;
}

export function buildSpanAutomaton(trie: TokenTrie): SpanAutomaton {
  const { nodeCount, rootChild, edgeNode, edgeToken, edgeChild, nodeEntry } = trie;

  // Each node's deeper children side by side (a counting sort of the edge slots by parent), so
  // the breadth-first pass reads them without probing the edge table for every token.
  const childStart = new Int32Array(nodeCount + 1);
  for (let slot = 0; slot < edgeNode.length; slot++) {
    if (edgeNode[slot] !== -1) childStart[edgeNode[slot] + 1]++;
  }
  for (let node = 0; node < nodeCount; node++) childStart[node + 1] += childStart[node];
  const childNode = new Int32Array(childStart[nodeCount]);
  const childToken = new Int32Array(childStart[nodeCount]);
  const fillAt = childStart.slice(0, nodeCount);
  for (let slot = 0; slot < edgeNode.length; slot++) {
    const parent = edgeNode[slot];
    if (parent === -1) continue;
    const k = fillAt[parent]++;
    childNode[k] = edgeChild[slot];
    childToken[k] = edgeToken[slot];
  }

  // Breadth first, so every node's failure chain is complete before its children need it.
  // Depth-1 nodes fail to the root and have no dictionary link (their words stay 0).
  const fail = new Int32Array(nodeCount);
  const dictLink = new Int32Array(nodeCount);
  const depth = new Int32Array(nodeCount);
  const queue = new Int32Array(nodeCount);
  let head = 0;
  let tail = 0;
  for (let token = 0; token < rootChild.length; token++) {
    const node = rootChild[token];
    if (node === 0) continue;
    depth[node] = 1;
    queue[tail++] = node;
  }
  while (head < tail) {
    const parent = queue[head++];
    for (let k = childStart[parent]; k < childStart[parent + 1]; k++) {
      const node = childNode[k];
      const token = childToken[k];
      let suffix = fail[parent];
      let target = trie.child(suffix, token);
      while (target === 0 && suffix !== 0) {
        suffix = fail[suffix];
        target = trie.child(suffix, token);
      }
      fail[node] = target;
      dictLink[node] = target !== 0 && nodeEntry[target] !== -1 ? target : dictLink[target];
      depth[node] = depth[parent] + 1;
      queue[tail++] = node;
    }
  }
  return { fail, dictLink, depth };
}
