/** The reducer with a threshold sweep shown: the host's sweep, a t opened in the balance view, the selector, the saved state. */
import assert from 'node:assert/strict';
import type { HostMessage } from '../../contracts/src/webview';
import {
  initialState,
  reduce,
  restoreSaved,
  shownView,
  sourceOfKey,
  type PanelAction,
  type PanelViewState,
} from '../../webview/src/state';
import { curationPayload, sweepViewOf } from './fixtures';

function run(state: PanelViewState, ...actions: PanelAction[]) {
  const send = [];
  for (const action of actions) {
    const update = reduce(state, action);
    state = update.state;
    send.push(...update.send);
  }
  return { state, send };
}
const host = (message: HostMessage): PanelAction => ({ type: 'host', message });
const showing = () => run(initialState(undefined), host({ type: 'sweep', sweep: sweepViewOf() })).state;

describe('webview/state with a threshold sweep', () => {
  it("shows the host's sweep: the sweep view, the source saved, the selector offering it", () => {
    const state = showing();
    assert.equal(shownView(state), 'sweep');
    assert.deepEqual(state.saved.source, { kind: 'sweep', folder: '/ws/sweep' });
    assert.equal(state.sweep?.units.done, 3);
    assert.deepEqual(state.sweeps, [{ folder: '/ws/sweep', label: 'Threshold sweep: /ws/sweep' }]);
    assert.equal(shownView(initialState(undefined)), 'balance');
  });

  it('the same sweep read again (its summary.json changed) replaces the one shown', () => {
    const again = sweepViewOf({ units: { total: 4, done: 4 } });
    const { state, send } = run(showing(), host({ type: 'sweep', sweep: again }));
    assert.equal(state.sweep, again);
    assert.equal(state.sweeps.length, 1);
    assert.deepEqual(send, []);
  });

  it("opens a t's curation in the balance view at that t", () => {
    const { state, send } = run(showing(), { type: 'openSweepCuration', t: 40 });
    assert.deepEqual(state.saved.source, { kind: 'curation', folder: '/ws/sweep/curations/t40' });
    assert.equal(shownView(state), 'balance');
    assert.deepEqual(send, [
      { type: 'selectSource', source: { kind: 'curation', folder: '/ws/sweep/curations/t40' }, t: 40 },
    ]);
    // The curation's data come at its t; the sweep stays offered by the selector.
    const payload = curationPayload('/ws/sweep/curations/t40', 'sha-1', 40);
    const after = run(state, host({ type: 'data', payload, t: 40 })).state;
    assert.equal(after.saved.t, 40);
    assert.equal(after.sweeps.length, 1);
  });

  it('opens nothing for a t without a finished curation, or when no sweep is shown', () => {
    assert.deepEqual(run(showing(), { type: 'openSweepCuration', t: 7 }).send, []);
    const unfinished = sweepViewOf({
      curations: [{ t: 3, pairs: 102, expectedPairs: 101.8, headEntries: 32 }],
    });
    const state = run(initialState(undefined), host({ type: 'sweep', sweep: unfinished })).state;
    assert.deepEqual(run(state, { type: 'openSweepCuration', t: 3 }).send, []);
    assert.deepEqual(run(initialState(undefined), { type: 'openSweepCuration', t: 3 }).send, []);
  });

  it('goes back to the sweep from the selector', () => {
    const inCuration = run(showing(), { type: 'openSweepCuration', t: 3 }).state;
    const { state, send } = run(inCuration, { type: 'selectSource', value: 'sweep:/ws/sweep' });
    assert.equal(shownView(state), 'sweep');
    assert.deepEqual(send, [{ type: 'selectSource', source: { kind: 'sweep', folder: '/ws/sweep' } }]);
    assert.deepEqual(sourceOfKey('sweep:/ws/sweep'), { kind: 'sweep', folder: '/ws/sweep' });
  });

  it('keeps the sweep shown across a reload (the saved state), and takes the host offer of sweeps', () => {
    const restored = restoreSaved(JSON.parse(JSON.stringify(showing().saved)));
    assert.deepEqual(restored.source, { kind: 'sweep', folder: '/ws/sweep' });
    assert.equal(shownView(initialState(restored)), 'sweep');
    assert.deepEqual(restoreSaved({ source: { kind: 'sweep', folder: '' } }).source, { kind: 'samples' });
    const sweeps = [{ folder: '/ws/b', label: 'Threshold sweep: b' }];
    const state = run(
      initialState(restored),
      host({ type: 'choices', curations: [], sweeps, current: restored.source }),
    ).state;
    assert.deepEqual(state.sweeps, sweeps);
  });
});
