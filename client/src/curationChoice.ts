/**
 * The active curation of the active metadata list: a status-bar item ("Curation: t=2,000 ·
 * demo/curated") whose click picks among the curations made with that list. The choice is the
 * server's to apply (metacurate/setActiveCuration); this side remembers it per workspace and
 * hands it back to the server at every start (initializationOptions.activeCurations).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  CurationsRequest,
  SetActiveCurationRequest,
  type CurationSummary,
  type StatusParams,
} from '../../contracts/src/lsp';
import { curationItemView, curationPickItems } from './curationView';

/** workspaceState key: metadata URI → chosen curation folder URI. */
export const ACTIVE_CURATIONS_KEY = 'metacurate.activeCurations';

export class CurationChoice implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private metadataUri: string | undefined;
  private active: CurationSummary | undefined;
  private readonly changed = new vscode.EventEmitter<CurationSummary | undefined>();
  /** Fires when the active list or its active curation changes (the panel follows them). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly getClient: () => LanguageClient | undefined,
  ) {
    this.item = vscode.window.createStatusBarItem('metacurate.curation', vscode.StatusBarAlignment.Left, 9);
    this.item.name = 'Metacurate Curation';
    this.item.command = 'metacurate.chooseCuration';
    context.subscriptions.push(
      this.item,
      this.changed,
      vscode.commands.registerCommand('metacurate.chooseCuration', () => this.choose()),
    );
  }

  /** The choices remembered in this workspace, for the server's initializationOptions. */
  remembered(): Record<string, string> {
    return this.context.workspaceState.get<Record<string, string>>(ACTIVE_CURATIONS_KEY) ?? {};
  }

  /** The active list's active curation, as the server last said. */
  current(): { metadataUri: string | undefined; curation: CurationSummary | undefined } {
    return { metadataUri: this.metadataUri, curation: this.active };
  }

  /** Follows the server's status: the active list (first URI) and its active curation. */
  update(status: StatusParams): void {
    const beforeUri = this.metadataUri;
    this.metadataUri = status.metadataUris[0];
    const before = this.active;
    this.active = status.curation;
    if (!this.metadataUri) {
      this.item.hide();
      return;
    }
    const view = curationItemView(this.metadataUri, status.curation);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.show();
    if (
      beforeUri !== this.metadataUri ||
      before?.uri !== this.active?.uri ||
      before?.created !== this.active?.created
    )
      this.changed.fire(this.active);
  }

  private async choose(): Promise<void> {
    const client = this.getClient();
    if (!client?.isRunning() || !this.metadataUri) {
      void vscode.window.showInformationMessage('Metacurate: no metadata list is in use yet.');
      return;
    }
    const metadataUri = this.metadataUri;
    const result = await client.sendRequest(CurationsRequest, { uri: metadataUri });
    if (result.curations.length === 0) {
      const sha = result.metadataSha256 ? ` (sha256 ${result.metadataSha256.slice(0, 12)}…)` : '';
      void vscode.window.showInformationMessage(
        `Metacurate: no curation was made with this metadata${sha}. Run "Metacurate: Curate Pool…" to make one.`,
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(curationPickItems(result.curations), {
      title: 'Metacurate: the curation shown for this metadata list',
      placeHolder: 'Counts, t and training results come from the curation chosen here',
    });
    if (!picked) return;
    const remembered = { ...this.remembered(), [metadataUri]: picked.curation.uri };
    await this.context.workspaceState.update(ACTIVE_CURATIONS_KEY, remembered);
    await client.sendRequest(SetActiveCurationRequest, { uri: metadataUri, curation: picked.curation.uri });
  }

  dispose(): void {
    this.item.dispose();
  }
}
