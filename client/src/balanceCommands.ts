/**
 * Wires issue 4 into the extension: the entry-balance panel (command and serializer), "Curate
 * Pool…" and "Count Matches in Samples". extension.ts calls `registerBalanceFeatures` once.
 * "Show Entry Balance" on a folder (the explorer's context menu, or a Uri) shows a threshold
 * sweep's folder as a sweep and any other as a curation (the panel says when it holds none).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { BALANCE_VIEW_TYPE, type PanelSource, type PanelState } from '../../contracts/src/webview';
import { BalancePanelHost } from './balancePanel';
import { countMatches } from './countCommand';
import { CurateCommand, type CurateArgs } from './curateCommand';
import type { CurationChoice } from './curationChoice';
import { miniStudyRefusal, studyKindOf } from './sweepView';

export function registerBalanceFeatures(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  getClient: () => LanguageClient | undefined,
  curations: CurationChoice,
): BalancePanelHost {
  const panel = new BalancePanelHost(context, output, getClient, curations);
  const curate = new CurateCommand(context, output, panel, curations);
  context.subscriptions.push(
    panel,
    vscode.window.registerWebviewPanelSerializer(BALANCE_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel: vscode.WebviewPanel, state: unknown) =>
        panel.revive(webviewPanel, state as PanelState | undefined),
    }),
    vscode.commands.registerCommand('metacurate.showEntryBalance', (source?: PanelSource | vscode.Uri) =>
      source instanceof vscode.Uri
        ? showFolder(panel, source.fsPath)
        : panel.show(source && typeof source === 'object' && 'kind' in source ? source : undefined),
    ),
    vscode.commands.registerCommand('metacurate.curatePool', (args?: CurateArgs) =>
      curate.run(args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : undefined),
    ),
    vscode.commands.registerCommand('metacurate.countMatches', () => countMatches(panel, getClient, output)),
  );
  return panel;
}

/**
 * A folder in the panel: a threshold sweep (`experiment sweep`), else a curation. An `experiment
 * mini` study is not shown: its figures are not over t; the message says what to open instead.
 */
function showFolder(panel: BalancePanelHost, folder: string): Promise<void> | undefined {
  const study = studyKindOf(folder);
  if (study === 'mini') {
    void vscode.window.showErrorMessage(`Metacurate: ${miniStudyRefusal(folder)}`);
    return undefined;
  }
  return panel.show(study === 'sweep' ? { kind: 'sweep', folder } : { kind: 'curation', folder });
}
