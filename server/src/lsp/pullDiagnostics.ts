/**
 * Diagnostics by pull (`textDocument/diagnostic`, LSP 3.17) for clients that pull, by push
 * (`textDocument/publishDiagnostics`) for the others: never both to one client, which would show
 * every problem twice. A pull waits, like the push, for typing to pause (longer on large lists),
 * gives up when cancelled, and answers `unchanged` when the document has not changed since the
 * client's previous result.
 */
import {
  DocumentDiagnosticReportKind,
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type ClientCapabilities,
  type Diagnostic,
  type DocumentDiagnosticParams,
  type DiagnosticServerCancellationData,
  type DocumentDiagnosticReport,
  type TextDocuments,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { sleep } from './waiting';

export type DiagnosticsMode = 'push' | 'pull';

/**
 * How a client gets diagnostics: `initializationOptions.diagnostics` when it is "push" or "pull",
 * else pull when the client says it can.
 */
export function diagnosticsModeOf(option: unknown, capabilities: ClientCapabilities): DiagnosticsMode {
  if (option === 'push' || option === 'pull') return option;
  return capabilities.textDocument?.diagnostic ? 'pull' : 'push';
}

export interface PullDiagnosticsHost {
  documents: TextDocuments<TextDocument>;
  /** The diagnostics of an open document, or undefined when it is not a metadata list. */
  diagnosticsOf(doc: TextDocument): Diagnostic[] | undefined;
  /** How long typing must pause before a document of this size is checked (ms). */
  delayOf(doc: TextDocument): number;
}

export class PullDiagnostics {
  private readonly lastChange = new Map<string, number>();
  private readonly results = new Map<string, { version: number; resultId: string; items: Diagnostic[] }>();
  private nextResultId = 1;

  constructor(private readonly host: PullDiagnosticsHost) {}

  /** Notes an edit of `uri`: its next pull waits for typing to pause. */
  noteChange(uri: string): void {
    this.lastChange.set(uri, performance.now());
  }

  forget(uri: string): void {
    this.lastChange.delete(uri);
    this.results.delete(uri);
  }

  /** Drops every result: which documents are metadata lists has changed. */
  invalidate(): void {
    this.results.clear();
  }

  async report(
    params: DocumentDiagnosticParams,
    token: CancellationToken,
  ): Promise<DocumentDiagnosticReport | ResponseError<DiagnosticServerCancellationData>> {
    // The client cancelled: it asks again when it wants them.
    const cancelled = () =>
      new ResponseError(LSPErrorCodes.RequestCancelled, 'the request was cancelled', {
        retriggerRequest: false,
      });
    const uri = params.textDocument.uri;
    for (;;) {
      const doc = this.host.documents.get(uri);
      if (!doc) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
      const wait = this.host.delayOf(doc) - (performance.now() - (this.lastChange.get(uri) ?? -Infinity));
      if (wait <= 0) break;
      if (!(await sleep(wait, token))) return cancelled();
    }
    if (token.isCancellationRequested) return cancelled();
    const doc = this.host.documents.get(uri)!;
    let result = this.results.get(uri);
    if (result?.version !== doc.version) {
      result = {
        version: doc.version,
        resultId: String(this.nextResultId++),
        items: this.host.diagnosticsOf(doc) ?? [],
      };
      this.results.set(uri, result);
    }
    if (params.previousResultId === result.resultId) {
      return { kind: DocumentDiagnosticReportKind.Unchanged, resultId: result.resultId };
    }
    return { kind: DocumentDiagnosticReportKind.Full, resultId: result.resultId, items: result.items };
  }
}
