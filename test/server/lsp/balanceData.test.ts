/** The entry-balance data the language server prepares: the samples matched once, by its own index. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { curate } from '../../../server/engine/src/curate';
import {
  actualKeptOf,
  curationBalance,
  matchCaptions,
  samplesBalance,
} from '../../../server/src/lsp/balanceData';
import { TokenSpanIndex } from '../../../server/src/lsp/spanIndex';
import { decodeBalanceModel } from '../../../contracts/src/balanceWire';
import { generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';

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
    assert.equal(model.actualKept, undefined, 'the samples have no actual kept');
  });

  describe('a finished curation', function () {
    this.timeout(60_000);
    const dir = tempDir();
    after(() => dir.remove());

    it("carries the curation's actual kept per entry, from its summary", async () => {
      const metadataPath = join(dir.path, 'metadata.json');
      writeFileSync(metadataPath, JSON.stringify(smallMetadata()));
      const pool = join(dir.path, 'pool.jsonl');
      writeJsonl(pool, generateCaptions(1500, 4));
      const outDir = join(dir.path, 'curated');
      await curate({
        metadataPath,
        inputs: [pool],
        textFields: ['text'],
        t: 40,
        seed: 3,
        outDir,
        cache: false,
      });
      const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')) as {
        entries: { id: number; kept: number }[];
      };
      const model = decodeBalanceModel(
        (await curationBalance(outDir, { kind: 'curation', folder: outDir })).model,
      );
      const expected = new Float64Array(smallMetadata().length);
      for (const e of summary.entries) expected[e.id] = e.kept;
      assert.deepEqual(model.actualKept, expected);
      assert.ok(
        expected.some((k, id) => k > 0 && k < model.counts[id]),
        'some entry lost matches',
      );
    });

    it('has none for a summary without per-entry kept (an older curation) or with a bad id', () => {
      assert.equal(actualKeptOf({ entries: [{ id: 0 }] }, 3), undefined);
      assert.equal(actualKeptOf({}, 3), undefined);
      assert.equal(actualKeptOf({ entries: [{ id: 5, kept: 1 }] }, 3), undefined);
      assert.deepEqual(actualKeptOf({ entries: [{ id: 2, kept: 7 }] }, 3), Float64Array.of(0, 0, 7));
    });
  });
});
