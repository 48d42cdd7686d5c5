/**
 * Aho-Corasick over the tokens of a TokenIndex: failure and dictionary links for the trie the
 * index already holds, so that the English matcher can match any text in time linear in its
 * tokens (the linear path of TokenMatcher; see tokenMatcher.ts for when it is taken).
 *
 * Node ids are the index's: 0 is the root, a depth-1 node is its token's vocabulary slot + 1,
 * deeper nodes are numbered from deepBase (vocabulary slots + 1), where nodeInfo starts.
 *
 * Build: O(trie nodes + vocabulary slots), breadth first over the trie's edges; failure
 * chains are amortised over each entry's path as in Aho and Corasick's paper. Memory: two
 * Int32Arrays over the node ids (fail, dictLink) kept, about four times that while building.
 * Nothing of it goes into the packed index: it is built on first need by each matcher.
 */
import { pairHash } from './hashing';
import type { TokenIndex } from './tokenMatcher';

export interface TokenAutomaton {
  /**
   * Per node: the node of the longest proper suffix of its token path that is also a trie path
   * (0: the root).
   */
  fail: Int32Array;
  /** Per node: the nearest node on its failure chain where an entry ends (0: none). */
  dictLink: Int32Array;
}

/** Id of the first node deeper than 1. */
export function deepBaseOf(index: TokenIndex): number {
  return index.vocabTable.length / 4 + 1;
}

/** The node's nodeInfo word: ((first entry id ending here + 1) << 1) | (has children ? 1 : 0). */
export function nodeInfoOf(index: TokenIndex, node: number): number {
  const deepBase = deepBaseOf(index);
  return node < deepBase ? index.vocabTable[(node - 1) * 4 + 3] : index.nodeInfo[node - deepBase];
}

/** The node reached from `node` by the token with vocabulary slot `token`, or 0 if none. */
export function childOf(index: TokenIndex, node: number, token: number): number {
  if (node === 0) return index.vocabTable[token * 4 + 3] !== 0 ? token + 1 : 0;
  if ((nodeInfoOf(index, node) & 1) === 0) return 0;
  const edgeTable = index.edgeTable;
  const mask = edgeTable.length / 3 - 1;
  for (let slot = pairHash(node, token) & mask; ; slot = (slot + 1) & mask) {
    const at = slot * 3;
    const owner = edgeTable[at];
    if (owner === -1) return 0;
    if (owner === node && edgeTable[at + 1] === token) return edgeTable[at + 2];
  }
}

export function buildTokenAutomaton(index: TokenIndex): TokenAutomaton {
  const { vocabTable, edgeTable } = index;
  const slots = vocabTable.length / 4;
  const numNodes = deepBaseOf(index) + index.nodeInfo.length;

  // Each node's children side by side (a counting sort of the edge table by parent), so the
  // breadth-first pass reads them without probing the table for every token.
  const childStart = new Int32Array(numNodes + 1);
  for (let at = 0; at < edgeTable.length; at += 3) {
    if (edgeTable[at] !== -1) childStart[edgeTable[at] + 1]++;
  }
  for (let node = 0; node < numNodes; node++) childStart[node + 1] += childStart[node];
  const childNode = new Int32Array(childStart[numNodes]);
  const childToken = new Int32Array(childStart[numNodes]);
  const fillAt = childStart.slice(0, numNodes);
  for (let at = 0; at < edgeTable.length; at += 3) {
    const parent = edgeTable[at];
    if (parent === -1) continue;
    const k = fillAt[parent]++;
    childToken[k] = edgeTable[at + 1];
    childNode[k] = edgeTable[at + 2];
  }

  // Breadth first, so every node's failure chain is complete before its children need it.
  // Depth-1 nodes fail to the root and have no dictionary link (their arrays stay 0).
  const fail = new Int32Array(numNodes);
  const dictLink = new Int32Array(numNodes);
  const queue = new Int32Array(numNodes);
  let head = 0;
  let tail = 0;
  for (let slot = 0; slot < slots; slot++) if (vocabTable[slot * 4 + 3] !== 0) queue[tail++] = slot + 1;
  while (head < tail) {
    const parent = queue[head++];
    for (let k = childStart[parent]; k < childStart[parent + 1]; k++) {
      const node = childNode[k];
      const token = childToken[k];
      let suffix = fail[parent];
      let target = childOf(index, suffix, token);
      while (target === 0 && suffix !== 0) {
        suffix = fail[suffix];
        target = childOf(index, suffix, token);
      }
      fail[node] = target;
      dictLink[node] = target !== 0 && nodeInfoOf(index, target) >> 1 !== 0 ? target : dictLink[target];
      queue[tail++] = node;
    }
  }
  return { fail, dictLink };
}
