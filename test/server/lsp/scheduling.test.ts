/** When a request about a document waits for the index, and what wakes it. */
import assert from 'node:assert/strict';
import { CancellationTokenSource, type Connection } from 'vscode-languageserver/node';
import { Scheduler } from '../../../server/src/lsp/scheduling';
import { ServerState } from '../../../server/src/lsp/serverState';
import type { SpanIndex } from '../../../server/src/lsp/spanIndex';

/** A connection that records the status notifications sent. */
function recordingConnection(sent: unknown[]): Connection {
  return {
    sendNotification: (_type: unknown, params: unknown) => {
      sent.push(params);
      return Promise.resolve();
    },
  } as unknown as Connection;
}

const LIST = 'file:///ws/metadata.json';
const SAMPLE = 'file:///ws/a.jsonl';

function indexedState(): ServerState {
  const state = new ServerState();
  state.config.folders = ['/ws'];
  state.metadata.activeUri = LIST;
  state.metadata.active = {
    uri: LIST,
    entries: ['dog'],
    index: {} as SpanIndex,
    padding: 'english',
    counts: new Uint32Array([1]),
    records: 1,
    matchedRecords: 1,
    samplesVersion: 0,
    uncounted: new Set(),
  };
  return state;
}

describe('lsp scheduling', () => {
  it('makes requests about the active list and the samples wait until the first scan ends', () => {
    const state = indexedState();
    const scheduler = new Scheduler(recordingConnection([]), state);
    state.schedule.scanning = true;
    assert.ok(scheduler.awaitsIndex(LIST));
    assert.ok(scheduler.awaitsIndex(SAMPLE));
    assert.ok(!scheduler.awaitsIndex('file:///ws/other.metadata.json'), 'not the active list');
    state.schedule.scanning = false;
    state.schedule.scanned = true;
    assert.ok(scheduler.isReady());
    assert.ok(!scheduler.awaitsIndex(LIST));
    assert.ok(!scheduler.awaitsIndex(SAMPLE));
  });

  it('lets an edit of the list answer from the previous index, but not a recount of new samples', () => {
    const state = indexedState();
    const scheduler = new Scheduler(recordingConnection([]), state);
    state.schedule.scanned = true;
    state.schedule.building = true;
    assert.ok(!scheduler.awaitsIndex(LIST), 'typing: the previous index answers');
    state.samples.version = 1;
    assert.ok(scheduler.awaitsIndex(LIST), 'counts of samples being replaced');
  });

  it('wakes a waiting request at the status that makes it ready, and sends that status', async () => {
    const sent: unknown[] = [];
    const state = indexedState();
    const scheduler = new Scheduler(recordingConnection(sent), state);
    state.schedule.scanning = true;
    const waiting = scheduler.ready(new CancellationTokenSource().token);
    state.schedule.scanning = false;
    state.schedule.scanned = true;
    scheduler.sendStatus();
    assert.equal(await waiting, true);
    assert.equal(sent.length, 1);
    assert.equal((sent[0] as { entries: number }).entries, 1);
  });

  it('gives up waiting when the request is cancelled', async () => {
    const state = indexedState();
    const scheduler = new Scheduler(recordingConnection([]), state);
    const cancel = new CancellationTokenSource();
    const waiting = scheduler.ready(cancel.token);
    cancel.cancel();
    assert.equal(await waiting, false);
  });

  it('checks diagnostics once for a burst of edits, with the last check', async () => {
    const scheduler = new Scheduler(recordingConnection([]), new ServerState());
    const checked: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    scheduler.debounceDiagnostics(LIST, 0, () => checked.push('first'));
    scheduler.debounceDiagnostics(LIST, 0, () => {
      checked.push('last');
      done();
    });
    await finished;
    assert.deepEqual(checked, ['last']);
  });
  it('starts the rebuild of a list just opened only once its diagnostics are written', async () => {
    const state = indexedState();
    const scheduler = new Scheduler(recordingConnection([]), state);
    let written!: () => void;
    const diagnosticsWritten = new Promise<void>((resolve) => (written = resolve));
    scheduler.scheduleRebuild(0, diagnosticsWritten);
    assert.ok(state.schedule.building, 'busy at once');
    assert.equal(state.schedule.rebuildTimer, undefined, 'no rebuild before the diagnostics are out');
    written();
    await diagnosticsWritten;
    assert.notEqual(state.schedule.rebuildTimer, undefined);
    clearTimeout(state.schedule.rebuildTimer);
  });

  it('drops a rebuild waiting on diagnostics when a newer one is scheduled', async () => {
    const state = indexedState();
    const scheduler = new Scheduler(recordingConnection([]), state);
    let written!: () => void;
    const diagnosticsWritten = new Promise<void>((resolve) => (written = resolve));
    scheduler.scheduleRebuild(0, diagnosticsWritten);
    scheduler.scheduleRebuild(60_000);
    const newer = state.schedule.rebuildTimer;
    written();
    await diagnosticsWritten;
    assert.equal(state.schedule.rebuildTimer, newer, 'the newer schedule stands');
    clearTimeout(newer);
  });
});
