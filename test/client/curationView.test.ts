/** What the curation status-bar item and its quick pick say. */
import assert from 'node:assert/strict';
import { curationItemView, curationLabel, curationPickItems } from '../../client/src/curationView';
import type { CurationSummary } from '../../contracts/src/lsp';

const curation = (over: Partial<CurationSummary>): CurationSummary => ({
  uri: 'file:///ws/demo/curated',
  folder: 'demo/curated',
  t: 2000,
  seed: 0,
  records: 1_000_000,
  kept: 540_123,
  created: '2026-12-01T10:00:00.000Z',
  active: true,
  ...over,
});

describe('curationView', () => {
  it('labels a curation by its t and folder', () => {
    assert.equal(curationLabel(curation({})), 't=2,000 · demo/curated');
    assert.equal(curationLabel(curation({ t: undefined })), 't unknown · demo/curated');
  });

  it("shows the active list's active curation in the status bar, or that there is none", () => {
    const view = curationItemView('file:///ws/wordnet.metadata.json', curation({}));
    assert.equal(view.text, '$(filter) Curation: t=2,000 · demo/curated');
    assert.match(view.tooltip, /Curation shown for wordnet\.metadata\.json: demo\/curated/);
    assert.match(view.tooltip, /t = 2,000, seed 0/);
    assert.match(view.tooltip, /1,000,000 records → 540,123 kept/);
    const none = curationItemView('file:///ws/mini.metadata.json', undefined);
    assert.equal(none.text, '$(filter) No curation');
    assert.match(none.tooltip, /No curation was made with mini\.metadata\.json/);
  });

  it('offers the curations newest first, the shown one checked', () => {
    const items = curationPickItems([
      curation({}),
      curation({ folder: 'old', uri: 'file:///ws/old', t: 500, active: false, records: undefined }),
    ]);
    assert.deepEqual(
      items.map((i) => [i.label, i.description, i.detail]),
      [
        [
          '$(check) demo/curated',
          't=2,000 · seed 0 · 1,000,000 → 540,123 records',
          'made 2026-12-01T10:00:00.000Z · shown now',
        ],
        ['old', 't=500 · seed 0', 'made 2026-12-01T10:00:00.000Z'],
      ],
    );
    assert.equal(items[1].curation.uri, 'file:///ws/old');
  });
});
