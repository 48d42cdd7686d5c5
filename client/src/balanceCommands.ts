/**
 * Wires issue 4 into the extension: the entry-balance panel (command and serializer), "Curate
 * Pool…" and "Count Matches in Samples". extension.ts calls `registerBalanceFeatures` once.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { BALANCE_VIEW_TYPE, type PanelState, type SourceSpec } from '../../contracts/src/webview';
import { BalancePanelHost } from './balancePanel';
import { countMatches } from './countCommand';
import { CurateCommand, type CurateArgs } from './curateCommand';
import type { CurationChoice } from './curationChoice';

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
    vscode.commands.registerCommand('metacurate.showEntryBalance', (source?: SourceSpec | vscode.Uri) =>
      panel.show(
        source instanceof vscode.Uri
          ? { kind: 'curation', folder: source.fsPath }
          : source && typeof source === 'object' && 'kind' in source
            ? source
            : undefined,
      ),
    ),
    vscode.commands.registerCommand('metacurate.curatePool', (args?: CurateArgs) =>
      curate.run(args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : undefined),
    ),
    vscode.commands.registerCommand('metacurate.countMatches', () => countMatches(panel, getClient, output)),
  );
  return panel;
}
