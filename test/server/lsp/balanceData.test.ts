/** The entry-balance data the language server prepares: the samples matched once, by its own index. */
import assert from 'node:assert/strict';
import { matchCaptions, samplesBalance } from '../../../server/src/lsp/balanceData';
import { TokenSpanIndex } from '../../../server/src/lsp/spanIndex';
import { decodeBalanceModel } from '../../../contracts/src/balanceWire';

describe('balanceData', () => {
  const entries = ['dog', 'cat', 'hot dog', 'dog'];

  it('lists per caption its distinct matched ids, ascending, and counts each entry once a caption', async () => {
    const index = await TokenSpanIndex.build(entries);
    const { counts, lists, texts } = matchCaptions(index, entries.length, [
      'a dog and a dog',
      'nothing',
      'a hot dog and a cat',
    ]);
    assert.equal(texts, 3);
    assert.deepEqual(Array.from(counts), [2, 1, 1, 2]);
    assert.deepEqual(Array.from(lists.offsets), [0, 2, 6]);
    assert.deepEqual(Array.from(lists.ids), [0, 3, 0, 1, 2, 3]);
  });

  it('prepares the samples source: the names, the files, the metadata identity and the model', async () => {
    const index = await TokenSpanIndex.build(entries);
    const result = samplesBalance(
      { entries, index, metadataPath: '/ws/m.json', metadataSha256: 'ab12' },
      { files: ['pool/a.jsonl', 'pool/b.jsonl'], captions: ['a dog', 'a cat', 'a bird'] },
      { kind: 'samples' },
    );
    assert.equal(result.info.label, 'Workspace samples (2 files)');
    assert.equal(result.info.metadataSha256, 'ab12');
    assert.equal(result.info.texts, 3);
    assert.equal(result.info.files, 2);
    assert.deepEqual(result.info.fileNames, ['pool/a.jsonl', 'pool/b.jsonl']);
    assert.deepEqual(result.names, entries);
    const model = decodeBalanceModel(result.model);
    assert.equal(model.matchedTexts, 2);
    assert.deepEqual(Array.from(model.counts), [1, 1, 0, 1]);
  });
});
