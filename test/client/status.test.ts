/** The status-bar item's text: what the counts cover, and the curation shown. */
import assert from 'node:assert/strict';
import { statusView } from '../../client/src/status';
import type { StatusParams } from '../../contracts/src/lsp';

const status = (over: Partial<StatusParams>): StatusParams => ({
  entries: 4,
  metadataUris: ['file:///ws/lists/animals.metadata.json'],
  samplesIndexed: 1,
  sampleRecords: 200,
  busy: false,
  ...over,
});

describe('status', () => {
  it('names the sample files the counts cover', () => {
    const view = statusView(status({ sampleFiles: ['pool/pool.jsonl'] }));
    assert.match(view.tooltip, /^Samples indexed: 1 file, 200 records: pool\/pool\.jsonl$/m);
    const many = statusView(
      status({
        samplesIndexed: 7,
        sampleFiles: ['a.jsonl', 'b.jsonl', 'c.jsonl', 'd.jsonl', 'e.jsonl', 'f.jsonl', 'g.jsonl'],
      }),
    );
    assert.match(many.tooltip, /7 files, 200 records: a\.jsonl, b\.jsonl, c\.jsonl, d\.jsonl, e\.jsonl, …$/m);
  });

  it('names the curation shown, when there is one', () => {
    const curation = {
      uri: 'file:///ws/animals-curated',
      folder: 'animals-curated',
      t: 2000,
      created: '2026-12-01T00:00:00.000Z',
      active: true,
    };
    assert.match(
      statusView(status({ curation })).tooltip,
      /^Curation shown: animals-curated \(t = 2,000\)$/m,
    );
    assert.doesNotMatch(statusView(status({})).tooltip, /Curation shown/);
  });
});
