/**
 * The entry browser's webview: wires its state (state.ts, a pure reducer) to its page (view.ts)
 * and to the host (messages: contracts/src/entryBrowserMessages.ts). The query on display is kept
 * with `setState`, so a reload shows the same page.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type {
  BrowserHostMessage,
  BrowserSavedState,
  BrowserWebviewMessage,
} from '../../../contracts/src/entryBrowserMessages';
import { initialBrowserState, reduceBrowser, startMessages, type BrowserAction } from './state';
import { BrowserView } from './view';

interface VsCodeApi {
  postMessage(message: BrowserWebviewMessage): void;
  getState(): unknown;
  setState(state: BrowserSavedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

function init(): void {
  const vscode = acquireVsCodeApi();
  let state = initialBrowserState(vscode.getState());
  const dispatch = (action: BrowserAction): void => {
    const before = state;
    const update = reduceBrowser(state, action);
    state = update.state;
    for (const m of update.send) vscode.postMessage(m);
    if (state !== before) {
      view.render(state);
      vscode.setState(state.saved);
    }
  };
  const app = document.getElementById('app');
  if (!app) throw new Error('the entry browser has no element #app');
  const view = new BrowserView(app, dispatch);
  window.addEventListener('message', (event: MessageEvent<BrowserHostMessage>) =>
    dispatch({ type: 'host', message: event.data }),
  );
  view.render(state);
  for (const m of startMessages(state)) vscode.postMessage(m);
}

init();
