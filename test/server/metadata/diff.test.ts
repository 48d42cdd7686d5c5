/** Comparing two metadata files entry by entry and id by id. */
import assert from 'node:assert/strict';
import { diffMetadata, formatDiff } from '../../../server/src/metadata/diff';

describe('metadata diff', () => {
  it('lists added entries with their id in B and removed ones with their id in A', () => {
    const d = diffMetadata(['a', 'b', 'c'], ['a', 'b', 'c', 'd']);
    assert.deepEqual(d.added, [{ entry: 'd', id: 3 }]);
    assert.deepEqual(d.removed, []);
    assert.deepEqual(d.moved, []);
    assert.equal(d.unchanged, 3);
  });

  it('reports entries whose id changed, since ids are positions', () => {
    const d = diffMetadata(['a', 'b', 'c'], ['b', 'c', 'x']);
    assert.deepEqual(d.removed, [{ entry: 'a', id: 0 }]);
    assert.deepEqual(d.added, [{ entry: 'x', id: 2 }]);
    assert.deepEqual(d.moved, [
      { entry: 'b', from: 1, to: 0 },
      { entry: 'c', from: 2, to: 1 },
    ]);
    assert.equal(d.unchanged, 0);
  });

  it('uses the first occurrence of a repeated entry and counts the repeats', () => {
    const d = diffMetadata(['a', 'a'], ['a']);
    assert.equal(d.duplicatesA, 1);
    assert.equal(d.unchanged, 1);
    assert.deepEqual(d.removed, []);
  });

  it('formats a summary line and one line per change', () => {
    const text = formatDiff(diffMetadata(['a', 'b'], ['b', 'c']), 'old.json', 'new.json');
    assert.equal(
      text,
      'old.json: 2 entries, new.json: 2 entries; 1 added, 1 removed, 1 changed id, 0 unchanged\n' +
        '+ 1\t"c"\n- 0\t"a"\n~ 1 -> 0\t"b"\n',
    );
  });
});
