/**
 * The entry browser's reducer: what each action and host message does to the query on display and
 * which page requests it posts.
 */
import assert from 'node:assert/strict';
import type {
  BrowseQuery,
  BrowseTarget,
  BrowserWebviewMessage,
  ShownImage,
} from '../../../contracts/src/entryBrowserMessages';
import type { EntryRecord, EntryRecordsResult } from '../../../contracts/src/entryRecords';
import {
  HISTORY_CAP,
  initialBrowserState,
  reduceBrowser,
  restoreBrowserState,
  startMessages,
  type BrowserAction,
  type BrowserViewState,
} from '../../../webview/src/browser/state';

const curation = { kind: 'curation', folder: '/w/out' } as const;
const dog: BrowseTarget = { entryId: 3, source: curation };
const cat: BrowseTarget = { entryId: 8, source: curation };

function record(i: number, line?: number): EntryRecord {
  return {
    key: `k${i}`,
    file: '/w/pool/a.jsonl',
    ...(line !== undefined ? { line } : {}),
    recordIndex: i,
    text: `a dog ${i}`,
    spans: [[2, 5]],
    kept: i % 2 === 0,
    probability: 0.5,
    otherEntries: [{ id: 8, entry: 'cat' }],
    // Every record but each fifth has an image member.
    ...(i % 5 === 4
      ? {}
      : {
          image: {
            kind: 'member',
            file: '/w/pool/s.tar',
            member: `k${i}.png`,
            offset: 512 * i,
            size: 9,
            mime: 'image/png',
          },
        }),
  };
}

/** The answer to `query` when the entry has `total` records that pass its filter. */
function pageOf(query: BrowseQuery, total: number): BrowserAction {
  const count = Math.max(0, Math.min(100, total - query.offset));
  const records = Array.from({ length: count }, (_, i) => record(query.offset + i, query.offset + i + 1));
  const result: EntryRecordsResult = {
    entry: 'dog',
    entryId: query.target.entryId,
    total,
    totalAll: 400,
    kept: 150,
    dropped: 250,
    records,
    t: 150,
    seed: 0,
  };
  return {
    type: 'host',
    message: {
      type: 'page',
      query,
      result,
      files: records.map(() => 'pool/a.jsonl'),
      sourceLabel: 'Curation out',
    },
  };
}

/** The state after each action in turn, and every message posted on the way. */
function run(state: BrowserViewState, ...actions: BrowserAction[]) {
  const send: BrowserWebviewMessage[] = [];
  for (const action of actions) {
    const update = reduceBrowser(state, action);
    state = update.state;
    send.push(...update.send);
  }
  return { state, send };
}
const show = (target: BrowseTarget): BrowserAction => ({ type: 'host', message: { type: 'show', target } });
const queries = (send: BrowserWebviewMessage[]) => send.flatMap((m) => (m.type === 'query' ? [m.query] : []));

/** The browser showing dog's first page of 250 records (all). */
function showingDog() {
  const q: BrowseQuery = { target: dog, filter: 'all', offset: 0 };
  return run(initialBrowserState(undefined), show(dog), pageOf(q, 250)).state;
}

describe('browser/state', () => {
  it('asks for the first page of all records when the host shows an entry', () => {
    const { state, send } = run(initialBrowserState(undefined), show(dog));
    assert.deepEqual(send, [{ type: 'query', query: { target: dog, filter: 'all', offset: 0 } }]);
    assert.equal(state.loading, true);
  });

  it('shows the page that answers the query on display', () => {
    const state = showingDog();
    assert.equal(state.loading, false);
    assert.equal(state.page?.result.records.length, 100);
    assert.equal(state.page?.sourceLabel, 'Curation out');
  });

  it('drops a page of a query no longer on display', () => {
    const first = showingDog();
    const { state } = run(first, { type: 'next' }, pageOf({ target: dog, filter: 'all', offset: 0 }, 250));
    assert.equal(state.loading, true);
    assert.equal(state.saved.query?.offset, 100);
  });

  it('pages forward to the last page and back, and no further', () => {
    let state = showingDog();
    const asked: BrowseQuery[] = [];
    for (const action of ['next', 'next', 'next'] as const) {
      const update = run(state, { type: action });
      asked.push(...queries(update.send));
      state = update.state;
      if (update.send.length) state = run(state, pageOf(state.saved.query!, 250)).state;
    }
    assert.deepEqual(
      asked.map((q) => q.offset),
      [100, 200],
    );
    assert.equal(state.page?.result.records.length, 50);
    const back = run(state, { type: 'previous' });
    assert.deepEqual(
      queries(back.send).map((q) => q.offset),
      [100],
    );
    assert.deepEqual(run(showingDog(), { type: 'previous' }).send, []);
  });

  it('filters from the first record, and asks nothing for the filter on display', () => {
    const paged = run(showingDog(), { type: 'next' }).state;
    const { send } = run(paged, { type: 'filter', filter: 'dropped' });
    assert.deepEqual(queries(send), [{ target: dog, filter: 'dropped', offset: 0 }]);
    assert.deepEqual(run(showingDog(), { type: 'filter', filter: 'all' }).send, []);
  });

  it('jumps to the page holding a typed record number, or says why not', () => {
    const { send } = run(showingDog(), { type: 'jump', text: '201' });
    assert.deepEqual(
      queries(send).map((q) => q.offset),
      [200],
    );
    const refused = run(showingDog(), { type: 'jump', text: '251' });
    assert.deepEqual(refused.send, []);
    assert.equal(refused.state.jumpError, 'record 251 is not between 1 and 250');
  });

  it('goes back to the last page that has records when the host says there are fewer', () => {
    const q: BrowseQuery = { target: dog, filter: 'all', offset: 300 };
    const restored = initialBrowserState({ query: q, history: [] });
    const { send, state } = run(restored, pageOf(q, 120));
    assert.deepEqual(
      queries(send).map((x) => x.offset),
      [100],
    );
    assert.equal(state.loading, true);
  });

  it('browses another entry a record matched, and comes back', () => {
    const { state, send } = run(showingDog(), { type: 'browse', entryId: 8 });
    assert.deepEqual(queries(send), [{ target: cat, filter: 'all', offset: 0 }]);
    assert.deepEqual(state.saved.history, [dog]);
    const back = run(state, { type: 'back' });
    assert.deepEqual(queries(back.send), [{ target: dog, filter: 'all', offset: 0 }]);
    assert.deepEqual(back.state.saved.history, []);
    assert.deepEqual(run(back.state, { type: 'back' }).send, []);
  });

  it('keeps at most HISTORY_CAP entries to go back to', () => {
    let state = showingDog();
    for (let id = 100; id < 100 + HISTORY_CAP + 5; id++)
      state = run(state, { type: 'browse', entryId: id }).state;
    assert.equal(state.saved.history.length, HISTORY_CAP);
  });

  it('opens a record at its line, or its file when it has none', () => {
    const state = showingDog();
    assert.deepEqual(run(state, { type: 'open', index: 2 }).send, [
      { type: 'openRecord', file: '/w/pool/a.jsonl', line: 3 },
    ]);
    const noLine: BrowserViewState = {
      ...state,
      page: { ...state.page!, result: { ...state.page!.result, records: [record(0)] } },
    };
    assert.deepEqual(run(noLine, { type: 'open', index: 0 }).send, [
      { type: 'openRecord', file: '/w/pool/a.jsonl' },
    ]);
    assert.deepEqual(run(state, { type: 'open', index: 500 }).send, []);
  });

  it("shows the host's error for the query on display only", () => {
    const q: BrowseQuery = { target: dog, filter: 'all', offset: 0 };
    const shown = run(initialBrowserState(undefined), show(dog)).state;
    const failed = run(shown, {
      type: 'host',
      message: { type: 'error', query: q, message: 'no entry 3' },
    }).state;
    assert.equal(failed.error, 'no entry 3');
    assert.equal(failed.loading, false);
    const other = { ...q, filter: 'kept' as const };
    assert.equal(
      run(shown, { type: 'host', message: { type: 'error', query: other, message: 'x' } }).state.error,
      undefined,
    );
  });

  it('asks again for the page it showed before a reload', () => {
    const q: BrowseQuery = { target: dog, filter: 'kept', offset: 200 };
    const state = initialBrowserState({ query: q, history: [cat] });
    assert.deepEqual(startMessages(state), [{ type: 'ready' }, { type: 'query', query: q }]);
    assert.deepEqual(startMessages(initialBrowserState(undefined)), [{ type: 'ready' }]);
  });

  it('checks the state kept from before, leaving out what is not valid', () => {
    assert.deepEqual(restoreBrowserState('junk'), { history: [] });
    assert.deepEqual(
      restoreBrowserState({
        query: { target: { entryId: -1, source: curation }, filter: 'all', offset: 0 },
        history: [cat, { entryId: 2, source: { kind: 'web' } }, null],
      }),
      { history: [cat] },
    );
    // An unknown filter reads as all; an offset between pages as its page's start.
    assert.deepEqual(restoreBrowserState({ query: { target: dog, filter: 'some', offset: 150 } }), {
      query: { target: dog, filter: 'all', offset: 100 },
      history: [],
    });
  });
  describe('images', () => {
    const q: BrowseQuery = { target: dog, filter: 'all', offset: 0 };
    const PNG_URI = 'data:image/png;base64,iVBORw0KGgo=';
    const image = (index: number, shown: ShownImage, query = q): BrowserAction => ({
      type: 'host',
      message: { type: 'image', query, index, image: shown },
    });

    it('shows each image the host read with the record it belongs to, as they come', () => {
      const { state } = run(
        showingDog(),
        image(0, { kind: 'data', uri: PNG_URI }),
        image(2, { kind: 'error', message: 'member k2.png runs past the end of s.tar' }),
      );
      assert.deepEqual(state.page?.images, {
        0: { kind: 'data', uri: PNG_URI },
        2: { kind: 'error', message: 'member k2.png runs past the end of s.tar' },
      });
    });

    it('drops images of another page, of a record without an image, or of no record', () => {
      const before = showingDog();
      const { state } = run(
        before,
        image(0, { kind: 'data', uri: PNG_URI }, { ...q, offset: 100 }),
        image(4, { kind: 'data', uri: PNG_URI }),
        image(100, { kind: 'data', uri: PNG_URI }),
        image(-1, { kind: 'data', uri: PNG_URI }),
      );
      assert.equal(state, before);
      const moved = run(before, { type: 'next' }, image(0, { kind: 'data', uri: PNG_URI })).state;
      assert.deepEqual(
        moved.page?.images,
        {},
        'the page on screen while the next loads takes no late images',
      );
    });

    it('shows only PNG, JPEG, WebP and GIF data URIs; any other source is an error in its place', () => {
      for (const uri of [
        'data:image/svg+xml;base64,PHN2Zz4=',
        'https://example.com/a.png',
        'data:text/html;base64,PGI+',
        'data:image/png;base64,"><script>',
      ]) {
        const { state } = run(showingDog(), image(1, { kind: 'data', uri }));
        assert.deepEqual(
          state.page?.images[1],
          { kind: 'error', message: 'the image is not a PNG, JPEG, WebP or GIF data URI' },
          uri,
        );
      }
    });

    it('a new page starts without images; a thumbnail enlarges and shrinks back on click', () => {
      const shown = run(showingDog(), image(1, { kind: 'data', uri: PNG_URI })).state;
      assert.equal(run(shown, { type: 'enlarge', index: 1 }).state.enlarged, 1);
      assert.equal(
        run(shown, { type: 'enlarge', index: 1 }, { type: 'enlarge', index: 1 }).state.enlarged,
        undefined,
      );
      assert.equal(
        run(shown, { type: 'enlarge', index: 2 }).state.enlarged,
        undefined,
        'no image yet: nothing to enlarge',
      );
      const next = run(
        shown,
        { type: 'enlarge', index: 1 },
        { type: 'next' },
        pageOf({ ...q, offset: 100 }, 250),
      ).state;
      assert.deepEqual(next.page?.images, {});
      assert.equal(next.enlarged, undefined);
    });
  });
});
