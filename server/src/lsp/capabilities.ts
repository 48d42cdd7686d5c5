/**
 * The handshake: what the server learns from `initialize` (the workspace folders, which optional
 * protocol features the client has) and what it answers (its capabilities).
 */
import {
  TextDocumentSyncKind,
  type ClientCapabilities,
  type InitializeParams,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import { SEMANTIC_TOKEN_LEGEND } from '../../../contracts/src/lsp';
import type { DiagnosticsMode } from './pullDiagnostics';
import { uriToPath } from './uri';

/** The optional client features the server uses when present. */
export interface ClientFeatures {
  configuration: boolean;
  watchedFiles: boolean;
  configurationChange: boolean;
  semanticRefresh: boolean;
  inlayRefresh: boolean;
  diagnosticRefresh: boolean;
}

export const NO_CLIENT_FEATURES: Readonly<ClientFeatures> = Object.freeze({
  configuration: false,
  watchedFiles: false,
  configurationChange: false,
  semanticRefresh: false,
  inlayRefresh: false,
  diagnosticRefresh: false,
});

export function clientFeatures(caps: ClientCapabilities): ClientFeatures {
  return {
    configuration: !!caps.workspace?.configuration,
    watchedFiles: !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration,
    configurationChange: !!caps.workspace?.didChangeConfiguration?.dynamicRegistration,
    semanticRefresh: !!caps.workspace?.semanticTokens?.refreshSupport,
    inlayRefresh: !!caps.workspace?.inlayHint?.refreshSupport,
    diagnosticRefresh: !!caps.workspace?.diagnostics?.refreshSupport,
  };
}

/** The workspace folders as paths: the folders, else the root URI's (file URIs only). */
export function workspaceFolderPaths(params: InitializeParams): string[] {
  const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p) ?? [];
  if (folders.length === 0 && params.rootUri) {
    const root = uriToPath(params.rootUri);
    if (root) folders.push(root);
  }
  return folders;
}

export function serverCapabilities(diagnosticsMode: DiagnosticsMode): ServerCapabilities {
  return {
    textDocumentSync: TextDocumentSyncKind.Incremental,
    hoverProvider: true,
    definitionProvider: true,
    referencesProvider: true,
    documentSymbolProvider: true,
    workspaceSymbolProvider: true,
    codeActionProvider: { codeActionKinds: ['quickfix'] },
    completionProvider: { triggerCharacters: ['"'] },
    inlayHintProvider: true,
    semanticTokensProvider: { legend: SEMANTIC_TOKEN_LEGEND, full: true, range: true },
    diagnosticProvider:
      diagnosticsMode === 'pull'
        ? { identifier: 'metacurate', interFileDependencies: false, workspaceDiagnostics: false }
        : undefined,
  };
}
