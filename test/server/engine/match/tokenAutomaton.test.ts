/**
 * The failure and dictionary links of the token automaton (tokenAutomaton.ts), stated on a
 * small trie: a node fails to its longest proper suffix that is a trie path, and its
 * dictionary link is the nearest node on that chain where an entry ends.
 */
import assert from 'node:assert/strict';
import { buildTokenAutomaton, childOf, nodeInfoOf } from '../../../../server/engine/src/match/tokenAutomaton';
import { buildTokenIndex, type TokenIndex } from '../../../../server/engine/src/match/tokenMatcher';

/** The vocabulary slot of a token, found by reading the table (-1 if no entry has it). */
function tokenSlot(index: TokenIndex, token: string): number {
  for (let slot = 0; slot < index.vocabTable.length / 4; slot++) {
    const from = index.vocabTable[slot * 4 + 1] - 1;
    if (from < 0 || index.vocabTable[slot * 4 + 2] !== token.length) continue;
    if (String.fromCharCode(...index.vocabChars.subarray(from, from + token.length)) === token) return slot;
  }
  return -1;
}

/** The node of a token path ('' is the root), or 0 if the trie has no such path. */
function nodeOf(index: TokenIndex, path: string): number {
  if (path === '') return 0;
  let node = 0;
  for (const token of path.split(' ')) {
    const slot = tokenSlot(index, token);
    node = slot < 0 ? 0 : childOf(index, node, slot);
    if (node === 0) return 0;
  }
  return node;
}

describe('token automaton links', () => {
  const entries = ['a b c', 'b c', 'c', 'b c d', 'x y', 'a b'];
  const index = buildTokenIndex(entries);
  const { fail, dictLink } = buildTokenAutomaton(index);
  const node = (path: string): number => {
    const n = nodeOf(index, path);
    assert.ok(path === '' || n !== 0, `no trie node for "${path}"`);
    return n;
  };

  const cases: Array<[path: string, fails: string, dict: string]> = [
    ['a', '', ''],
    ['b', '', ''],
    ['a b', 'b', ''], // "b" is a trie path but no entry, and nothing else ends on the chain
    ['a b c', 'b c', 'b c'],
    ['b c', 'c', 'c'],
    ['b c d', '', ''], // neither "c d" nor "d" starts an entry
    ['x y', '', ''],
  ];
  for (const [path, fails, dict] of cases) {
    it(`"${path}" fails to "${fails}", dictionary link "${dict}"`, () => {
      assert.equal(fail[node(path)], node(fails));
      assert.equal(dictLink[node(path)], node(dict));
    });
  }

  it('finds the entry ending at a node from its nodeInfo word', () => {
    assert.equal((nodeInfoOf(index, node('a b c')) >> 1) - 1, 0);
    assert.equal((nodeInfoOf(index, node('a b')) >> 1) - 1, 5);
    assert.equal(nodeInfoOf(index, node('b')) >> 1, 0);
  });
});
