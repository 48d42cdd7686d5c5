/**
 * The links of the span index's automaton (spanAutomaton.ts), stated on a small trie: a node
 * fails to its longest proper suffix that is a trie path, its dictionary link is the nearest
 * node on that chain where an entry ends, and its depth is its number of tokens.
 */
import assert from 'node:assert/strict';
import { buildSpanAutomaton, type TokenTrie } from '../../../server/src/lsp/spanAutomaton';

/** A trie over the entries' tokens in the layout TokenSpanIndex keeps, and its nodes by path. */
function trieOf(entries: string[]): { trie: TokenTrie; node(path: string): number } {
  const tokens = new Map<string, number>();
  const children = new Map<string, number>();
  const nodeEntry = [-1];
  // One empty slot first: the build must skip them.
  const edgeNode = [-1];
  const edgeToken = [0];
  const edgeChild = [0];
  const tokenOf = (s: string) => tokens.get(s) ?? (tokens.set(s, tokens.size), tokens.size - 1);
  entries.forEach((entry, id) => {
    let node = 0;
    for (const token of entry.split(' ').map(tokenOf)) {
      let child = children.get(`${node}:${token}`);
      if (child === undefined) {
        child = nodeEntry.length;
        nodeEntry.push(-1);
        children.set(`${node}:${token}`, child);
        if (node !== 0) {
          edgeNode.push(node);
          edgeToken.push(token);
          edgeChild.push(child);
        }
      }
      node = child;
    }
    if (nodeEntry[node] === -1) nodeEntry[node] = id;
  });
  const rootChild = new Int32Array(tokens.size);
  for (const t of tokens.values()) rootChild[t] = children.get(`0:${t}`) ?? 0;
  const child = (node: number, token: number) => children.get(`${node}:${token}`) ?? 0;
  const trie: TokenTrie = {
    nodeCount: nodeEntry.length,
    rootChild,
    edgeNode: Int32Array.from(edgeNode),
    edgeToken: Int32Array.from(edgeToken),
    edgeChild: Int32Array.from(edgeChild),
    nodeEntry: Int32Array.from(nodeEntry),
    child,
  };
  const node = (path: string): number => {
    if (path === '') return 0;
    let n = 0;
    for (const token of path.split(' ')) n = tokens.has(token) ? child(n, tokens.get(token)!) : 0;
    assert.notEqual(n, 0, `no trie node for "${path}"`);
    return n;
  };
  return { trie, node };
}

describe('span automaton links', () => {
  const { trie, node } = trieOf(['a b c', 'b c', 'c', 'b c d', 'x y', 'a b', 'a a a', 'a a']);
  const { fail, dictLink, depth } = buildSpanAutomaton(trie);

  const cases: Array<[path: string, fails: string, dict: string]> = [
    ['a', '', ''],
    ['b', '', ''],
    ['a b', 'b', ''], // "b" is a trie path but no entry, and nothing else ends on the chain
    ['a b c', 'b c', 'b c'],
    ['b c', 'c', 'c'],
    ['b c d', '', ''], // neither "c d" nor "d" starts an entry
    ['x y', '', ''],
    ['a a', 'a', ''],
    ['a a a', 'a a', 'a a'],
  ];
  for (const [path, fails, dict] of cases) {
    it(`"${path}" fails to "${fails}", dictionary link "${dict}", depth ${path.split(' ').length}`, () => {
      assert.equal(fail[node(path)], node(fails));
      assert.equal(dictLink[node(path)], node(dict));
      assert.equal(depth[node(path)], path.split(' ').length);
    });
  }

  it('gives the root depth 0 and no links', () => {
    assert.equal(depth[0], 0);
    assert.equal(fail[0], 0);
    assert.equal(dictLink[0], 0);
  });
});
