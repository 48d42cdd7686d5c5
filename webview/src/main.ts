/**
 * The entry-balance panel's webview: wires the state (state.ts, a pure reducer) to the views
 * (views/: the head and status line, the t control, the figures, the charts, the table; or a
 * threshold sweep's view) and to the host (messages: contracts/src/webview.ts). Every move of t is answered here from the host's
 * prepared model: the figures in microseconds, the per-entry expected kept (keptJob.ts) after
 * they are painted. The state (source, t, sort, search, scroll) is kept with `setState`.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { HostMessage, PanelState, WebviewMessage } from '../../contracts/src/webview';
import { statsAt, type BalanceStats } from '../../server/engine/src/balanceView';
import { EntryData } from './entryData';
import { KeptJob } from './keptJob';
import {
  compareChoices,
  initialState,
  languageOptions,
  reduce,
  shownLanguage,
  shownView,
  type PanelAction,
} from './state';
import { showComparisonFigures } from './views/compare';
import { ChartsView } from './views/charts';
import { ThresholdControl } from './views/controls';
import { PanelHeader } from './views/header';
import { showLanguageCurves } from './views/languageCurves';
import { buildLayout, byId } from './views/layout';
import { showFigures } from './views/summary';
import { ThresholdSweepView } from './views/sweep';
import { EntryTable } from './views/table';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Builds the panel in `#app` and starts talking to the host. */
function init(): void {
  const vscode = acquireVsCodeApi();
  buildLayout(byId('app'));
  let state = initialState(vscode.getState());
  let data: EntryData | undefined;
  let stats: BalanceStats | undefined;
  const post = (message: WebviewMessage) => vscode.postMessage(message);

  let saveTimer = 0;
  const save = () => {
    clearTimeout(saveTimer);
    saveTimer = window.setTimeout(() => vscode.setState(state.saved), 150);
  };
  // The host remembers t for "Curate Pool…": told once t rests.
  let tTimer = 0;
  const postT = (t: number) => {
    clearTimeout(tTimer);
    tTimer = window.setTimeout(() => post({ type: 'tChanged', t }), 200);
  };

  let resortTimer = 0;
  const kept = new KeptJob((t) => {
    // The t the chart's after curve and the table's expected kept are at (for tests and the bench).
    table.rows.viewport.dataset.keptT = String(t);
    charts.updateAfter();
    table.rows.refresh();
    if (state.saved.sort.key === 'kept') {
      clearTimeout(resortTimer);
      resortTimer = window.setTimeout(() => table.apply(false), 250);
    }
  });
  const keptShown = () => (data && stats ? kept.at(data.model, stats.t) : undefined);
  const keptNow = () => kept.now(data!.model, stats?.t ?? state.saved.t);

  const dispatch = (action: PanelAction): void => {
    const before = state;
    const update = reduce(state, action);
    state = update.state;
    for (const m of update.send)
      if (m.type === 'tChanged') postT(m.t);
      else post(m);
    if (state !== before) {
      render(action, before.saved.t);
      save();
    }
  };

  const header = new PanelHeader(dispatch, () => post({ type: 'refresh' }));
  const control = new ThresholdControl(dispatch);
  const charts = new ChartsView(() => ({ state, data, stats, kept: keptShown() }), dispatch, post);
  const table = new EntryTable(() => ({ state, data, stats, kept: keptShown(), keptNow }), dispatch, post);
  const sweep = new ThresholdSweepView(dispatch, post);

  /** The view the state shows: a threshold sweep, or the entry balance. */
  const showView = () => {
    document.body.dataset.view = shownView(state);
  };

  const onSweep = () => {
    showView();
    header.renderChoices(state.choices, state.sweeps, state.saved.source);
    header.showSweep(state.sweep!);
    sweep.show(state.sweep!);
    document.body.dataset.ready = 'true';
  };

  /** The figures, overlays and (later) the per-entry expected kept at the state's t. */
  const showT = () => {
    if (!data || !(state.saved.t > 0)) return;
    const started = performance.now();
    stats = statsAt(data.model, state.saved.t);
    showFigures(data.model, stats);
    charts.updateOverlays();
    byId('expected-size').dataset.millis = (performance.now() - started).toFixed(3);
    kept.schedule(data.model, stats.t);
  };

  const showAccuracy = () => {
    data?.setAccuracy(state.accuracy);
    charts.showAccuracyToggle(state);
    table.showAccuracy(state, data);
    table.showComparison(state);
  };

  /** "Compare with…": its choices, the figures, the table's columns (the chart is drawn by the caller). */
  const showComparison = () => {
    data?.setComparison(state.comparison);
    header.renderCompareChoices(compareChoices(state), state.saved.compare);
    showComparisonFigures(state.comparison);
    table.showComparison(state);
  };

  const onData = () => {
    data = new EntryData(state.payload!);
    stats = undefined;
    kept.reset();
    showView();
    header.renderChoices(state.choices, state.sweeps, state.saved.source);
    header.renderLanguages(languageOptions(state), shownLanguage(state));
    showLanguageCurves(state.payload!.info.worldwide);
    header.showSource(data);
    table.showActualKept(data);
    showAccuracy();
    showComparison();
    control.render(state, true);
    showT();
    charts.drawAll();
    table.apply(false);
    if (state.saved.scrollRow > 0) table.rows.scrollToRow(state.saved.scrollRow);
    document.body.dataset.ready = 'true';
  };

  const render = (action: PanelAction, tBefore: number): void => {
    switch (action.type) {
      case 'typeT':
      case 'slide':
        // The box keeps what the user is typing; the slider's move rewrites it.
        control.render(state, action.type === 'slide');
        if (state.saved.t !== tBefore) showT();
        return;
      case 'sort':
      case 'search':
        table.apply(true);
        return;
      case 'showAccuracy':
        charts.showAccuracyToggle(state);
        charts.drawRanked();
        return;
      case 'host':
        return onHostRendered(action.message, tBefore);
      case 'selectCompare':
        showComparison();
        charts.drawRanked();
        table.apply(false);
        return;
      case 'selectSource':
      case 'openSweepCuration':
        showView();
        return;
      case 'scroll':
      case 'selectLanguage':
      case 'curate':
        return;
    }
  };

  const onHostRendered = (m: HostMessage, tBefore: number): void => {
    switch (m.type) {
      case 'data':
        return onData();
      case 'sweep':
        return onSweep();
      case 'accuracy':
        showAccuracy();
        charts.drawRanked();
        table.apply(false);
        return;
      case 'choices':
        header.renderChoices(state.choices, state.sweeps, m.current);
        header.renderCompareChoices(compareChoices(state), state.saved.compare);
        return;
      case 'compare':
      case 'compareDropped':
        showComparison();
        charts.drawRanked();
        table.apply(false);
        return;
      case 'setT':
        control.render(state, true);
        if (state.saved.t !== tBefore || !stats) showT();
        return;
      default:
        return;
    }
  };

  // Host messages that change no state: the status line.
  const onHostStatus = (m: HostMessage): void => {
    switch (m.type) {
      case 'loading':
        document.body.dataset.ready = 'false';
        header.setStatus(m.message, 'loading');
        return;
      case 'error':
        document.body.dataset.ready = 'error';
        header.setStatus(m.message, 'error');
        return;
      case 'exported':
        if (m.path) header.setStatus(`Exported ${m.path}`);
        return;
      case 'compareDropped':
        // Said only when the panel still compared with it (new data of other metadata drop it quietly).
        if (m.folder === state.saved.compare) header.setStatus(`Not comparing: ${m.reason}`, 'error');
        return;
      default:
        return;
    }
  };

  window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
    onHostStatus(event.data);
    dispatch({ type: 'host', message: event.data });
  });

  control.render(state, true);
  showView();
  header.renderChoices(state.choices, state.sweeps, state.saved.source);
  // The state kept from before, checked (a t that is not a positive integer is left out).
  post({ type: 'ready', state: vscode.getState() === undefined ? undefined : state.saved });
}

init();
