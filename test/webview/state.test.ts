import assert from 'node:assert/strict';
import type { HostMessage, PanelState } from '../../contracts/src/webview';
import {
  accuracyFits,
  compareChoices,
  initialState,
  reduce,
  restoreSaved,
  showingAccuracy,
  sourceOfKey,
  type PanelAction,
  type PanelViewState,
} from '../../webview/src/state';
import { sliderTop } from '../../webview/src/threshold';
import { curationPayload, overlayFor, smallPayload } from './fixtures';
import type { Comparison, CurationChoice } from '../../contracts/src/webview';

/** The state after each action in turn, and every message sent on the way. */
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
const data = (t: number, payload = smallPayload()): PanelAction => host({ type: 'data', payload, t });

/** A panel showing the small payload at t = 3. */
const shown = () => run(initialState(undefined), data(3)).state;

/** The slider position of the state's t and the box's text agree with its t. */
function assertControlsAgree(state: PanelViewState): void {
  const t = state.saved.t;
  assert.ok(Number.isInteger(t) && t >= 1, `t = ${t}`);
  assert.equal(state.tText, String(t), 'the number box');
  assert.equal(state.scale.toT(state.scale.toPosition(t)), t, 'the slider');
}

describe('webview/state: the panel reducer', () => {
  describe('restoring the kept state', () => {
    it('the first time (nothing kept): samples, no t yet, by count, no search', () => {
      const s = initialState(undefined);
      assert.deepEqual(s.saved, {
        source: { kind: 'samples' },
        t: 0,
        sort: { key: 'count', descending: true },
        search: '',
        scrollRow: 0,
      });
      assert.equal(s.tText, '');
      assert.equal(s.tError, undefined);
    });

    it('keeps a valid saved state member by member', () => {
      const saved: PanelState = {
        source: { kind: 'curation', folder: '/ws/curated' },
        t: 25,
        sort: { key: 'kept', descending: false },
        search: 'dog',
        scrollRow: 12,
        accuracy: { runId: 'r', dataset: 'd', perClass: { dog: 0.5 } },
        showAccuracy: false,
      };
      const s = initialState(saved);
      assert.deepEqual(s.saved, saved);
      assert.equal(s.tText, '25');
      assert.ok(s.scale.top >= 25);
    });

    it('drops a t that is not a positive integer (an older panel kept 70.1)', () => {
      for (const t of [70.1, 0, -4, '25', null, Infinity])
        assert.equal(restoreSaved({ t, search: 'x' }).t, 0, `t ${String(t)}`);
      assert.equal(restoreSaved({ t: 70.1, search: 'x' }).search, 'x');
    });

    it('replaces the members that are not valid by their defaults', () => {
      const s = restoreSaved({
        source: { kind: 'curation', folder: '' },
        sort: { key: 'size', descending: true },
        search: 3,
        scrollRow: -2,
        showAccuracy: 'yes',
      });
      assert.deepEqual(s, {
        source: { kind: 'samples' },
        t: 0,
        sort: { key: 'count', descending: true },
        search: '',
        scrollRow: 0,
      });
      assert.deepEqual(restoreSaved('garbage'), restoreSaved(undefined));
      assert.deepEqual(restoreSaved(null), restoreSaved(undefined));
    });
  });

  describe('typing t in the number box', () => {
    it('takes a positive integer: the slider follows and the host is told', () => {
      const { state, send } = run(shown(), { type: 'typeT', text: '4' });
      assert.equal(state.saved.t, 4);
      assert.equal(state.tError, undefined);
      assertControlsAgree(state);
      assert.deepEqual(send, [{ type: 'tChanged', t: 4 }]);
    });

    it('refuses 70.1, 0, "abc" and an empty box visibly, keeps t and sends nothing', () => {
      for (const text of ['70.1', '0', 'abc', '', '-2']) {
        const { state, send } = run(shown(), { type: 'typeT', text });
        assert.equal(state.saved.t, 3, `${JSON.stringify(text)} changed t`);
        assert.equal(state.tText, text, 'the box keeps what was typed');
        assert.ok(state.tError, `no error shown for ${JSON.stringify(text)}`);
        assert.deepEqual(send, [], `${JSON.stringify(text)} was sent`);
      }
    });

    it('a valid t typed after a refused one clears the error', () => {
      const { state, send } = run(shown(), { type: 'typeT', text: '70.1' }, { type: 'typeT', text: '70' });
      assert.equal(state.tError, undefined);
      assert.equal(state.saved.t, 70);
      assert.deepEqual(send, [{ type: 'tChanged', t: 70 }]);
    });

    it('the same t again sends nothing', () => {
      assert.deepEqual(run(shown(), { type: 'typeT', text: '3' }).send, []);
    });

    it('a t above the slider raises its top to it', () => {
      const { state } = run(shown(), { type: 'typeT', text: '500' });
      assert.equal(state.scale.top, 500);
      assertControlsAgree(state);
    });
  });

  describe('moving the slider', () => {
    it('gives the integer t of the position; the box shows it and the host is told', () => {
      const start = shown();
      for (let p = 0; p <= start.scale.maxPosition; p++) {
        const { state, send } = run(start, { type: 'slide', position: p });
        assert.equal(state.saved.t, start.scale.toT(p));
        assertControlsAgree(state);
        assert.equal(state.scale.toPosition(state.saved.t), p, `position ${p} moved`);
        if (state.saved.t !== 3) assert.deepEqual(send, [{ type: 'tChanged', t: state.saved.t }]);
      }
    });

    it('ends at 1 and at the top', () => {
      const start = shown();
      assert.equal(run(start, { type: 'slide', position: 0 }).state.saved.t, 1);
      assert.equal(
        run(start, { type: 'slide', position: start.scale.maxPosition }).state.saved.t,
        start.scale.top,
      );
    });

    it('clears a refused typed t and writes the box', () => {
      const { state } = run(shown(), { type: 'typeT', text: 'abc' }, { type: 'slide', position: 5 });
      assert.equal(state.tError, undefined);
      assertControlsAgree(state);
    });
  });

  describe('"Curate Pool…"', () => {
    it('sends the integer t shown', () => {
      assert.deepEqual(run(shown(), { type: 'typeT', text: '25' }, { type: 'curate' }).send.at(-1), {
        type: 'curate',
        t: 25,
      });
    });

    it('after a refused t, sends the t still shown, never the text typed', () => {
      const { send } = run(shown(), { type: 'typeT', text: '70.1' }, { type: 'curate' });
      assert.deepEqual(send, [{ type: 'curate', t: 3 }]);
    });

    it('sends nothing before there is a t', () => {
      assert.deepEqual(run(initialState(undefined), { type: 'curate' }).send, []);
    });
  });

  describe('messages from the host', () => {
    it('data: shows the payload at its t, with the slider up to a quarter above the largest count', () => {
      const payload = smallPayload();
      const { state } = run(initialState(undefined), data(40, payload));
      assert.equal(state.payload, payload);
      assert.equal(state.saved.t, 40);
      assert.equal(state.scale.top, sliderTop(5, 40));
      assertControlsAgree(state);
    });

    it('data of a curation: its source is selected and offered', () => {
      const spec = { kind: 'curation' as const, folder: '/ws/curated' };
      const { state } = run(initialState(undefined), data(3, smallPayload(spec)));
      assert.deepEqual(state.saved.source, spec);
      assert.deepEqual(state.choices, [{ folder: '/ws/curated', label: 'Curation /ws/curated' }]);
      // Offered once, also when the host's list has it.
      const again = run(
        state,
        host({ type: 'choices', curations: state.choices, sweeps: [], current: spec }),
        data(3, smallPayload(spec)),
      );
      assert.equal(again.state.choices.length, 1);
    });

    it('a t that is not a positive integer is refused: the t shown stays, and the panel says why', () => {
      const { state } = run(shown(), host({ type: 'setT', t: 70.1 }));
      assert.equal(state.saved.t, 3);
      assert.match(state.tError ?? '', /70\.1 from the host is not a positive integer/);
      assertControlsAgree(state);
      const data2 = run(shown(), data(2.5));
      assert.equal(data2.state.saved.t, 3);
    });

    it("before any t, a refused one falls back to the curation's t, else the nearest integer", () => {
      const spec = { kind: 'curation' as const, folder: '/ws/c' };
      assert.equal(run(initialState(undefined), data(70.1, smallPayload(spec, 40))).state.saved.t, 40);
      const rounded = run(initialState(undefined), data(70.4)).state;
      assert.equal(rounded.saved.t, 70);
      assert.match(rounded.tError ?? '', /showing t = 70/);
      assert.equal(run(initialState(undefined), data(0)).state.saved.t, 1);
    });

    it("a kept t that was refused on restore is replaced by the host's", () => {
      const { state } = run(initialState({ t: 70.1 }), data(40));
      assert.equal(state.saved.t, 40);
      assert.equal(state.tError, undefined);
    });

    it('setT moves t without telling the host back', () => {
      const { state, send } = run(shown(), host({ type: 'setT', t: 60 }));
      assert.equal(state.saved.t, 60);
      assertControlsAgree(state);
      assert.deepEqual(send, []);
    });

    it('choices replace the curations offered', () => {
      const curations = [{ folder: '/a', label: 'A' }];
      const { state } = run(
        shown(),
        host({ type: 'choices', curations, sweeps: [], current: { kind: 'samples' } }),
      );
      assert.deepEqual(state.choices, curations);
    });

    it('loading, error and exported change no state', () => {
      const s = shown();
      for (const m of [
        { type: 'loading', source: { kind: 'samples' }, message: 'Reading' },
        { type: 'error', source: { kind: 'samples' }, message: 'bad' },
        { type: 'exported', path: '/x.csv' },
      ] as HostMessage[])
        assert.equal(reduce(s, host(m)).state, s, m.type);
    });
  });

  describe('the zero-shot accuracy overlay', () => {
    it('is taken with the data it belongs to, and kept with the state', () => {
      const payload = smallPayload();
      const a = overlayFor(payload, [0.5, NaN, 0.25, NaN]);
      const { state } = run(initialState(undefined), host({ type: 'data', payload, t: 3, accuracy: a }));
      assert.equal(state.accuracy, a);
      assert.deepEqual(state.saved.accuracy, a.overlay);
      assert.equal(showingAccuracy(state), true);
      assert.equal(showingAccuracy(run(state, { type: 'showAccuracy', on: false }).state), false);
    });

    it('an overlay of other data (another source, another length) is ignored', () => {
      const s = shown();
      const otherSource = overlayFor(smallPayload({ kind: 'curation', folder: '/c' }), [1, 1, 1, 1]);
      const otherLength = overlayFor(smallPayload(), [1, 1]);
      for (const a of [otherSource, otherLength]) {
        assert.equal(accuracyFits(s.payload, a), false);
        assert.equal(reduce(s, host({ type: 'accuracy', accuracy: a })).state, s);
      }
      assert.equal(accuracyFits(undefined, overlayFor(smallPayload(), [1, 1, 1, 1])), false);
      assert.equal(accuracyFits(undefined, undefined), true);
    });

    it('removed while the table is sorted by it: the table goes back to by count', () => {
      const s = shown();
      const a = overlayFor(s.payload!, [0.5, 0.1, 0.2, NaN]);
      const { state } = run(
        s,
        host({ type: 'accuracy', accuracy: a }),
        { type: 'sort', key: 'accuracy' },
        host({ type: 'accuracy' }),
      );
      assert.equal(state.accuracy, undefined);
      assert.equal(state.saved.accuracy, undefined);
      assert.deepEqual(state.saved.sort, { key: 'count', descending: true });
    });
  });

  describe('sorting, search, scrolling', () => {
    it('a new column sorts numbers largest first, names, ids and ranks in order; the same column again reverses', () => {
      const s = shown();
      assert.deepEqual(run(s, { type: 'sort', key: 'entry' }).state.saved.sort, {
        key: 'entry',
        descending: false,
      });
      assert.deepEqual(run(s, { type: 'sort', key: 'id' }).state.saved.sort, {
        key: 'id',
        descending: false,
      });
      assert.deepEqual(run(s, { type: 'sort', key: 'rank' }).state.saved.sort, {
        key: 'rank',
        descending: false,
      });
      assert.deepEqual(run(s, { type: 'sort', key: 'kept' }).state.saved.sort, {
        key: 'kept',
        descending: true,
      });
      assert.deepEqual(run(s, { type: 'sort', key: 'count' }).state.saved.sort, {
        key: 'count',
        descending: false,
      });
      assert.deepEqual(
        run(s, { type: 'sort', key: 'entry' }, { type: 'sort', key: 'entry' }).state.saved.sort,
        { key: 'entry', descending: true },
      );
    });

    it('search and scroll are kept; neither sends anything', () => {
      const { state, send } = run(shown(), { type: 'search', text: 'dog' }, { type: 'scroll', row: 7.6 });
      assert.equal(state.saved.search, 'dog');
      assert.equal(state.saved.scrollRow, 7);
      assert.deepEqual(send, []);
    });
  });

  describe('switching the source', () => {
    it('to another source: kept and asked of the host', () => {
      const { state, send } = run(shown(), { type: 'selectSource', value: 'curation:/ws/curated' });
      assert.deepEqual(state.saved.source, { kind: 'curation', folder: '/ws/curated' });
      assert.deepEqual(send, [{ type: 'selectSource', source: { kind: 'curation', folder: '/ws/curated' } }]);
      // The t shown stays when the source changes.
      assert.equal(state.saved.t, 3);
    });

    it('to the source shown, or to a value naming none: nothing', () => {
      const s = shown();
      for (const value of ['samples', 'curation:', 'other']) {
        const update = reduce(s, { type: 'selectSource', value });
        assert.equal(update.state, s, value);
        assert.deepEqual(update.send, [], value);
      }
    });

    it('sourceOfKey reads the selector values back', () => {
      assert.deepEqual(sourceOfKey('samples'), { kind: 'samples' });
      assert.deepEqual(sourceOfKey('curation:/a:b'), { kind: 'curation', folder: '/a:b' });
      assert.equal(sourceOfKey('curation:'), undefined);
    });
  });

  describe('"Compare with…" another curation', () => {
    // Curations a and b of metadata sha-1, x of sha-2; a is shown.
    const curations: CurationChoice[] = [
      { folder: '/ws/a', label: 'A', metadataSha256: 'sha-1' },
      { folder: '/ws/b', label: 'B', metadataSha256: 'sha-1' },
      { folder: '/ws/x', label: 'X', metadataSha256: 'sha-2' },
      { folder: '/ws/old', label: 'Old' },
    ];
    const A = curationPayload('/ws/a', 'sha-1', 2, [2, 2, 1, 0]);
    const choices = host({ type: 'choices', curations, sweeps: [], current: A.info.spec });
    const showingA = () => run(initialState(undefined), choices, data(2, A)).state;
    const side = (folder: string, kept: number[], sha = 'sha-1') => ({
      folder,
      label: folder,
      metadataSha256: sha,
      pool: 8,
      kept: 4,
      t: 2,
      seed: 0,
      keptSource: 'actual' as const,
      keptById: Float64Array.from(kept),
      headEntries: 2,
      headShare: 8 / 9,
      matchedEntries: 3,
    });
    const comparisonAB: Comparison = {
      base: side('/ws/a', [2, 2, 1, 0]),
      other: side('/ws/b', [4, 3, 1, 0]),
    };
    const comparing = () =>
      run(
        showingA(),
        { type: 'selectCompare', value: '/ws/b' },
        host({ type: 'compare', comparison: comparisonAB }),
      ).state;

    it('offers the other curations of the metadata shown, never one of other or unknown metadata', () => {
      assert.deepEqual(
        compareChoices(showingA()).map((c) => c.folder),
        ['/ws/b'],
      );
    });

    it('offers none for the samples', () => {
      assert.deepEqual(compareChoices(run(initialState(undefined), choices, data(2)).state), []);
    });

    it('a choice is kept and asked of the host; its comparison is taken when it arrives', () => {
      const { state, send } = run(showingA(), { type: 'selectCompare', value: '/ws/b' });
      assert.equal(state.saved.compare, '/ws/b');
      assert.equal(state.comparison, undefined);
      assert.deepEqual(send, [{ type: 'selectCompare', folder: '/ws/b' }]);
      assert.equal(comparing().comparison, comparisonAB);
    });

    it('refuses a curation it does not offer (other metadata), and the one already chosen', () => {
      const s = showingA();
      assert.deepEqual(reduce(s, { type: 'selectCompare', value: '/ws/x' }), { state: s, send: [] });
      const c = comparing();
      assert.deepEqual(reduce(c, { type: 'selectCompare', value: '/ws/b' }), { state: c, send: [] });
    });

    it('a comparison of other curations than those shown and chosen is ignored', () => {
      const s = run(showingA(), { type: 'selectCompare', value: '/ws/b' }).state;
      const stale: Comparison = { base: side('/ws/b', [4, 3, 1, 0]), other: side('/ws/a', [2, 2, 1, 0]) };
      assert.equal(reduce(s, host({ type: 'compare', comparison: stale })).state, s);
    });

    it('choosing none clears it and tells the host; a sort by its columns goes back to by count', () => {
      const sorted = run(comparing(), { type: 'sort', key: 'deltaKept' }).state;
      assert.deepEqual(sorted.saved.sort, { key: 'deltaKept', descending: true });
      const { state, send } = run(sorted, { type: 'selectCompare', value: '' });
      assert.equal(state.saved.compare, undefined);
      assert.equal(state.comparison, undefined);
      assert.deepEqual(state.saved.sort, { key: 'count', descending: true });
      assert.deepEqual(send, [{ type: 'selectCompare', folder: undefined }]);
    });

    it('the source changed to a curation of other metadata, or to the samples: the comparison is cleared', () => {
      for (const next of [curationPayload('/ws/x', 'sha-2', 2), smallPayload()]) {
        const { state } = run(comparing(), data(2, next));
        assert.equal(state.saved.compare, undefined, next.info.label);
        assert.equal(state.comparison, undefined, next.info.label);
      }
    });

    it('the source changed to the compared curation itself: the comparison is cleared', () => {
      const { state } = run(comparing(), data(2, curationPayload('/ws/b', 'sha-1', 4)));
      assert.equal(state.saved.compare, undefined);
    });

    it('the source changed to another curation of the same metadata: the choice stays, the host sends the new comparison', () => {
      const { state } = run(comparing(), data(2, curationPayload('/ws/c', 'sha-1', 3)));
      assert.equal(state.saved.compare, '/ws/b');
      assert.equal(state.comparison, undefined);
    });

    it('dropped by the host (it could not be compared): cleared; a drop of another choice is ignored', () => {
      const dropped = run(
        comparing(),
        host({ type: 'compareDropped', folder: '/ws/b', reason: 'gone' }),
      ).state;
      assert.equal(dropped.saved.compare, undefined);
      assert.equal(dropped.comparison, undefined);
      const s = comparing();
      assert.equal(reduce(s, host({ type: 'compareDropped', folder: '/ws/old', reason: 'gone' })).state, s);
    });

    it('is kept with the state, and restored', () => {
      assert.equal(restoreSaved(comparing().saved).compare, '/ws/b');
      assert.equal(restoreSaved({ compare: 7 }).compare, undefined);
      assert.deepEqual(restoreSaved({ sort: { key: 'deltaKept', descending: false } }).sort, {
        key: 'deltaKept',
        descending: false,
      });
    });
  });
});
