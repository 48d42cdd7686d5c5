/**
 * Read-only documents of the `metacurate-preview` scheme: the text of "Preview matches" for
 * Parquet and WebDataset samples. The server renders them; this provider only hands the text on.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { PreviewContentRequest } from '../../contracts/src/lsp';

export class PreviewProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly cache = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly client: () => LanguageClient | undefined) {}

  /** Stores text the server already sent with its answer to "Preview matches". */
  put(uri: vscode.Uri, content: string): void {
    this.cache.set(uri.toString(), content);
    this.changed.fire(uri);
  }

  /** Drops the text of a closed preview; reopening it asks the server again. */
  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const cached = this.cache.get(uri.toString());
    if (cached !== undefined) return cached;
    const client = this.client();
    if (!client) return 'Metacurate: the language server is not running.';
    const result = await client.sendRequest(PreviewContentRequest, { uri: uri.toString() }, token);
    this.cache.set(uri.toString(), result.content);
    return result.content;
  }

  dispose(): void {
    this.cache.clear();
    this.changed.dispose();
  }
}
