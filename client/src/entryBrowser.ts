/**
 * The entry browser, host side: one webview panel ("Entry Records") listing the records behind a
 * metadata entry, page by page, from the language server (`metacurate/entryRecords`,
 * contracts/src/entryRecords.ts). The webview (webview/src/browser) owns the query; the host
 * relays each page with the files relative to the workspace, then each record's image (read and
 * checked here, server/engine/src/entryIndex/recordImageBytes.ts, and sent as a data: URI), and opens a record at its line.
 * Messages: contracts/src/entryBrowserMessages.ts.
 *
 * Opened by `metacurate.browseEntry` (hover links, the balance panel's table and chart, the
 * palette). Security as the balance panel: a strict CSP (the one script by nonce), resources only
 * from dist/ and media/; the webview keeps its query with `setState` and the serializer re-creates
 * the panel after a window reload.
 */
import { webviewOptions, webviewPage } from './webviewPage';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  BROWSE_ENTRY_COMMAND,
  BROWSER_PAGE_SIZE,
  ENTRY_BROWSER_VIEW_TYPE,
  type BrowseQuery,
  type BrowserHostMessage,
  type BrowserWebviewMessage,
  type BrowseTarget,
} from '../../contracts/src/entryBrowserMessages';
import { EntryRecordsRequest } from '../../contracts/src/entryRecords';
import { SETTINGS_SECTION } from '../../contracts/src/lsp';
import { metadataKindOf, parseMetadata } from '../../server/engine/src/documents/metadataModel';
import { activeSource } from './balancePanel';
import type { CurationChoice } from './curationChoice';
import { browseTarget, parseBrowseArgs, sourceLabel } from './plans/browseArgs';
import { readPageImages } from '../../server/engine/src/entryIndex/recordImageBytes';

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class EntryBrowserHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private ready = false;
  /** The entry a command asked for before the webview was ready. */
  private pending: BrowseTarget | undefined;
  /** The request in flight: a newer query cancels it. */
  private inFlight: vscode.CancellationTokenSource | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly getClient: () => LanguageClient | undefined,
  ) {}

  /** Opens (or reveals) the browser on an entry. */
  show(target: BrowseTarget): void {
    if (this.panel) {
      this.panel.reveal(undefined, false);
      if (this.ready) this.post({ type: 'show', target });
      else this.pending = target;
      return;
    }
    this.pending = target;
    const panel = vscode.window.createWebviewPanel(
      ENTRY_BROWSER_VIEW_TYPE,
      'Entry Records',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      this.webviewOptions(),
    );
    this.attach(panel);
  }

  /** The serializer's entry: the webview asks again for the page it kept. */
  revive(panel: vscode.WebviewPanel): void {
    panel.webview.options = this.webviewOptions();
    this.attach(panel);
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return webviewOptions(this.context.extensionUri, { retainContextWhenHidden: false });
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'balance.svg');
    panel.webview.html = this.html(panel.webview);
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((m: BrowserWebviewMessage) => void this.onMessage(m)),
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        if (this.panel === panel) this.panel = undefined;
        this.ready = false;
        this.inFlight?.cancel();
        for (const d of this.panelDisposables.splice(0)) d.dispose();
      }),
    );
  }

  private html(webview: vscode.Webview): string {
    return webviewPage(webview, this.context.extensionUri, {
      bundle: 'entryBrowser.js',
      title: 'Entry Records',
    });
  }

  private post(message: BrowserHostMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  private async onMessage(m: BrowserWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.pending) this.post({ type: 'show', target: this.pending });
        this.pending = undefined;
        return;
      case 'query':
        return this.answer(m.query);
      case 'openRecord':
        return openRecord(m.file, m.line);
    }
  }

  private async answer(query: BrowseQuery): Promise<void> {
    this.inFlight?.cancel();
    const cancel = new vscode.CancellationTokenSource();
    this.inFlight = cancel;
    const { target } = query;
    try {
      const client = this.getClient();
      if (!client?.isRunning()) throw new Error('the Metacurate language server is not running');
      const result = await client.sendRequest(
        EntryRecordsRequest,
        {
          source: target.source,
          ...(target.metadataUri ? { metadataUri: target.metadataUri } : {}),
          entryId: target.entryId,
          filter: query.filter,
          offset: query.offset,
          limit: BROWSER_PAGE_SIZE,
          ...(target.source.kind === 'curation' ? { imageField: imageFieldSetting() } : {}),
        },
        cancel.token,
      );
      if (cancel.token.isCancellationRequested) return;
      const relative = (path: string) => vscode.workspace.asRelativePath(path, false);
      this.post({
        type: 'page',
        query,
        result,
        files: result.records.map((r) => relative(r.file)),
        sourceLabel: sourceLabel(target.source, relative),
      });
      // Then the images, each as it is read; a newer query stops the reads.
      await readPageImages(
        result.records.map((r) => r.image),
        (index, image) => this.post({ type: 'image', query, index, image }),
        () => cancel.token.isCancellationRequested,
      );
    } catch (err) {
      if (cancel.token.isCancellationRequested) return;
      this.output.error(`Entry records: ${errorText(err)}`);
      this.post({ type: 'error', query, message: errorText(err) });
    } finally {
      if (this.inFlight === cancel) this.inFlight = undefined;
      cancel.dispose();
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

/** `metacurate.imageField`: the record field naming each record's image ('' for none). */
function imageFieldSetting(): string {
  const value = vscode.workspace
    .getConfiguration(SETTINGS_SECTION, vscode.workspace.workspaceFolders?.[0]?.uri)
    .get<string>('imageField', '');
  return typeof value === 'string' ? value.trim() : '';
}

/** Opens a record's file: a text file at its line (selected), any other (Parquet, tar) as VS Code opens it. */
async function openRecord(file: string, line: number | undefined): Promise<void> {
  const uri = vscode.Uri.file(file);
  try {
    if (line === undefined) {
      await vscode.commands.executeCommand('vscode.open', uri, { viewColumn: vscode.ViewColumn.Beside });
      return;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const at = Math.min(Math.max(0, line - 1), doc.lineCount - 1);
    const range = doc.lineAt(at).range;
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.Beside,
      selection: range,
      preserveFocus: false,
    });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
  } catch (err) {
    void vscode.window.showErrorMessage(`Metacurate: cannot open ${file}: ${errorText(err)}`);
  }
}

/** The entry the palette's command browses: a quick pick of the active list's entries. */
async function pickEntry(metadataUri: string): Promise<number | undefined> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(metadataUri));
  const text = doc.getText();
  const model = parseMetadata(text, metadataKindOf(doc.uri.fsPath, doc.languageId, text));
  const picked = await vscode.window.showQuickPick(
    model.entries.map((entry, id) => ({ label: entry, description: `#${id}`, id })),
    {
      title: 'Browse Entry Records',
      placeHolder: 'Type an entry of the active metadata list',
      matchOnDescription: true,
    },
  );
  return picked?.id;
}

/** The browser, its serializer and `metacurate.browseEntry`. */
export function registerEntryBrowser(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  getClient: () => LanguageClient | undefined,
  curations: CurationChoice,
): EntryBrowserHost {
  const host = new EntryBrowserHost(context, output, getClient);
  const browse = async (arg: unknown): Promise<void> => {
    const parsed = parseBrowseArgs(arg);
    if (parsed.kind === 'invalid') {
      void vscode.window.showErrorMessage(`Metacurate: Browse Entry Records: ${parsed.reason}.`);
      return;
    }
    const { metadataUri } = curations.current();
    let args = parsed.kind === 'args' ? parsed.args : undefined;
    if (!args) {
      if (!metadataUri) {
        void vscode.window.showWarningMessage('Metacurate: there is no active metadata list to browse.');
        return;
      }
      const entryId = await pickEntry(metadataUri).catch((err: unknown) => {
        void vscode.window.showErrorMessage(`Metacurate: ${errorText(err)}`);
        return undefined;
      });
      if (entryId === undefined) return;
      args = { entryId };
    }
    host.show(browseTarget(args, { source: activeSource(curations), metadataUri }));
  };
  context.subscriptions.push(
    host,
    vscode.window.registerWebviewPanelSerializer(ENTRY_BROWSER_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => host.revive(panel),
    }),
    vscode.commands.registerCommand(BROWSE_ENTRY_COMMAND, browse),
  );
  return host;
}
