import assert from 'node:assert/strict';
import { keptPerEntryAt } from '../../server/engine/src/balanceView';
import { actualKeptByRank, EntryData, searchTier } from '../../webview/src/entryData';
import { overlayFor, payloadOf, smallPayload } from './fixtures';

// The small payload: dog (id 0) 5 matches, cat (1) 3, Golden Retriever (2) 1, snow (3) none.
const ids = (a: Uint32Array) => Array.from(a);

describe("webview/entryData: the table's order and search", () => {
  const data = () => new EntryData(smallPayload());

  it('ranks the entries by count', () => {
    assert.deepEqual(ids(data().rankOf), [0, 1, 2, 3]);
  });

  it('sorts by count, rank and p at t (all the rank order, p the other way round)', () => {
    const d = data();
    const never = () => assert.fail('the expected kept is not needed');
    assert.deepEqual(ids(d.sortedIds({ key: 'count', descending: true }, never)), [0, 1, 2, 3]);
    assert.deepEqual(ids(d.sortedIds({ key: 'count', descending: false }, never)), [3, 2, 1, 0]);
    assert.deepEqual(ids(d.sortedIds({ key: 'rank', descending: false }, never)), [0, 1, 2, 3]);
    assert.deepEqual(ids(d.sortedIds({ key: 'probability', descending: false }, never)), [0, 1, 2, 3]);
    assert.deepEqual(ids(d.sortedIds({ key: 'probability', descending: true }, never)), [3, 2, 1, 0]);
  });

  it('sorts by name (code units, ties by id) and by id', () => {
    const d = data();
    const never = () => assert.fail('the expected kept is not needed');
    assert.deepEqual(ids(d.sortedIds({ key: 'entry', descending: false }, never)), [2, 1, 0, 3]);
    assert.deepEqual(ids(d.sortedIds({ key: 'entry', descending: true }, never)), [3, 0, 1, 2]);
    assert.deepEqual(ids(d.sortedIds({ key: 'id', descending: true }, never)), [3, 2, 1, 0]);
  });

  it('sorts by the expected kept at t, asking for it (ties by id)', () => {
    // dog: 5 texts alone; pair: 2 texts, each with an entry matched once (kept whole at t = 1).
    const payload = payloadOf(['dog', 'pair', 'r1', 'r2'], [[0], [0], [0], [0], [0], [1, 2], [1, 3]]);
    const d = new EntryData(payload);
    const kept = () => keptPerEntryAt(payload.model, 1);
    assert.deepEqual(
      Array.from(kept(), (v) => +v.toFixed(9)),
      [1, 2, 1, 1],
    );
    assert.deepEqual(ids(d.sortedIds({ key: 'kept', descending: false }, kept)), [0, 2, 3, 1]);
    assert.deepEqual(ids(d.sortedIds({ key: 'kept', descending: true }, kept)), [1, 3, 2, 0]);
    assert.deepEqual(ids(d.sortedIds({ key: 'count', descending: true }, kept)), [0, 1, 2, 3]);
  });

  it("sorts by a curation's actual kept (ties by id); by count for the samples, which have none", () => {
    const never = () => assert.fail('the expected kept is not needed');
    const samples = data();
    assert.deepEqual(ids(samples.sortedIds({ key: 'actualKept', descending: true }, never)), [0, 1, 2, 3]);
    const payload = smallPayload({ kind: 'curation', folder: '/ws/curated' }, 2);
    payload.model.actualKept = Float64Array.of(1, 3, 1, 0);
    const d = new EntryData(payload);
    assert.deepEqual(ids(d.sortedIds({ key: 'actualKept', descending: true }, never)), [1, 2, 0, 3]);
    assert.deepEqual(ids(d.sortedIds({ key: 'actualKept', descending: false }, never)), [3, 0, 2, 1]);
  });

  it("gives the chart a curation's actual kept by rank, null where none was kept; nothing for the samples", () => {
    const payload = smallPayload({ kind: 'curation', folder: '/ws/curated' }, 2);
    assert.equal(actualKeptByRank(payload.model, Uint32Array.of(0, 1)), undefined);
    // By id: dog 2, cat 3, Golden Retriever 0, snow 0; ranks are dog, cat, Golden Retriever, snow.
    payload.model.actualKept = Float64Array.of(2, 3, 0, 0);
    assert.deepEqual(actualKeptByRank(payload.model, Uint32Array.of(0, 1, 2)), [2, 3, null]);
  });

  it('sorts by accuracy, entries without one last either way; by count without an overlay', () => {
    const payload = smallPayload();
    const d = new EntryData(payload);
    const never = () => assert.fail('the expected kept is not needed');
    assert.deepEqual(ids(d.sortedIds({ key: 'accuracy', descending: true }, never)), [0, 1, 2, 3]);
    // By rank: dog 0.2, cat none, Golden Retriever 0.9, snow 0.5.
    d.setAccuracy(overlayFor(payload, [0.2, NaN, 0.9, 0.5]));
    assert.deepEqual(ids(d.sortedIds({ key: 'accuracy', descending: true }, never)), [2, 3, 0, 1]);
    assert.deepEqual(ids(d.sortedIds({ key: 'accuracy', descending: false }, never)), [0, 3, 2, 1]);
    assert.equal(d.accuracyById?.[2], 0.9);
    assert.equal(d.baselineById, undefined);
  });

  it('searches names ignoring case, keeping the order; "#id" finds one entry', () => {
    const d = data();
    const all = Uint32Array.of(3, 2, 1, 0);
    assert.deepEqual(ids(d.search(all, 'RETRIEVER')), [2]);
    assert.deepEqual(ids(d.search(all, 'o')), [3, 2, 0]);
    assert.deepEqual(ids(d.search(all, '  ')), [3, 2, 1, 0]);
    assert.deepEqual(ids(d.search(all, '#1')), [1]);
    assert.deepEqual(ids(d.search(all, '#9')), []);
    assert.deepEqual(ids(d.search(all, 'zebra')), []);
  });

  it('ranks what a search finds: the name itself, then prefixes, then word starts, then the rest', () => {
    const payload = payloadOf(['endogenous', 'hot dog', 'dogwood', 'Dog', 'boondoggle', 'cat'], []);
    const d = new EntryData(payload);
    const all = Uint32Array.of(0, 1, 2, 3, 4, 5);
    assert.deepEqual(ids(d.search(all, 'dog')), [3, 2, 1, 0, 4]);
    // Within a tier, the order given (here: by id descending).
    assert.deepEqual(ids(d.search(Uint32Array.of(5, 4, 3, 2, 1, 0), 'dog')), [3, 2, 1, 4, 0]);
  });

  it('tells a word start after any character that is not a letter or digit', () => {
    assert.equal(searchTier('dog', 'dog'), 0);
    assert.equal(searchTier('dog sled', 'dog'), 1);
    assert.equal(searchTier('sled-dog', 'dog'), 2);
    assert.equal(searchTier('hot dog', 'dog'), 2);
    assert.equal(searchTier('bulldog', 'dog'), 3);
    assert.equal(searchTier('bulldog dog', 'dog'), 2, 'a later occurrence at a word start counts');
    assert.equal(searchTier('2dog', 'dog'), 3);
    assert.equal(searchTier('cat', 'dog'), -1);
  });
});

describe('webview/entryData: a comparison with another curation', () => {
  // The shown curation kept dog 2, cat 2, Golden Retriever 1; the other 4, 1, 1 (snow none in both).
  const compared = () => {
    const d = new EntryData(smallPayload({ kind: 'curation', folder: '/ws/a' }, 2));
    const side = (folder: string, kept: number[]) => ({
      folder,
      label: folder,
      pool: 8,
      t: 2,
      keptSource: 'actual' as const,
      keptById: Float64Array.from(kept),
      headEntries: 2,
      headShare: 8 / 9,
      matchedEntries: 3,
    });
    d.setComparison({ base: side('/ws/a', [2, 2, 1, 0]), other: side('/ws/b', [4, 1, 1, 0]) });
    return d;
  };
  const never = () => assert.fail('the expected kept is not needed');

  it("takes the other's kept and the difference, other minus shown, by entry id", () => {
    const d = compared();
    assert.deepEqual(Array.from(d.compareKept!), [4, 1, 1, 0]);
    assert.deepEqual(Array.from(d.deltaKept!), [2, -1, 0, 0]);
  });

  it('sorts by Δ kept, largest gain first, ties by id (and the reverse ascending)', () => {
    const d = compared();
    assert.deepEqual(ids(d.sortedIds({ key: 'deltaKept', descending: true }, never)), [0, 3, 2, 1]);
    assert.deepEqual(ids(d.sortedIds({ key: 'deltaKept', descending: false }, never)), [1, 2, 3, 0]);
  });

  it("sorts by the other curation's kept", () => {
    const d = compared();
    assert.deepEqual(ids(d.sortedIds({ key: 'compareKept', descending: true }, never)), [0, 2, 1, 3]);
  });

  it('without a comparison, its columns sort by count', () => {
    const d = compared();
    d.setComparison(undefined);
    assert.equal(d.deltaKept, undefined);
    assert.deepEqual(ids(d.sortedIds({ key: 'deltaKept', descending: true }, never)), [0, 1, 2, 3]);
  });
});
