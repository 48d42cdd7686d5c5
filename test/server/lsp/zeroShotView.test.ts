/** A run's per-class zero-shot accuracy on a metadata list: only runs made with that list. */
import assert from 'node:assert/strict';
import { ZeroShotView } from '../../../server/src/lsp/zeroShotView';

describe('ZeroShotView', () => {
  const entries = ['dog', 'cat', 'dress'];
  const overlay = {
    runId: 'run-b',
    dataset: 'pets',
    perClass: { dog: 0.72, cat: null },
    baseline: { runId: 'run-a', perClass: { dog: 0.68 } },
  };

  it("shows a run's accuracy and its baseline's when both trained on the list's curations", () => {
    const view = new ZeroShotView(() => true);
    view.set(overlay);
    assert.deepEqual(view.of(entries, 0), { run: 0.72, baseline: 0.68 });
    assert.equal(view.of(entries, 1), undefined, 'a class absent from the evaluation');
    assert.equal(view.of(entries, 2), undefined, 'no such class');
    assert.equal(view.hint(entries, 0)?.label, ' · zero-shot 72.0% (+4.0)');
    assert.match(
      view.sentence(entries, 0)!,
      /on `pets` \(run `run-b`\): \*\*72\.0%\*\* \(chance 50\.0% for 2 classes\), \+4\.0 points against `run-a`/,
    );
  });

  it('shows nothing of a run made with another list, and no baseline made with another list', () => {
    const mine = new Set(['run-b']);
    const view = new ZeroShotView((id) => mine.has(id));
    view.set(overlay);
    assert.deepEqual(view.of(entries, 0), { run: 0.72, baseline: undefined });
    assert.equal(view.hint(entries, 0)?.label, ' · zero-shot 72.0%');
    mine.clear();
    assert.equal(view.shown(), undefined);
    assert.equal(view.of(entries, 0), undefined);
    assert.equal(view.sentence(entries, 0), undefined);
    assert.equal(view.sent, overlay, 'what the client sent stays, for the list it belongs to');
    mine.add('run-b');
    mine.add('run-a');
    assert.deepEqual(view.of(entries, 0), { run: 0.72, baseline: 0.68 });
  });

  it('clears with undefined', () => {
    const view = new ZeroShotView(() => true);
    view.set(overlay);
    view.set(undefined);
    assert.equal(view.of(entries, 0), undefined);
  });
});
