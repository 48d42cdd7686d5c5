/**
 * The shape of the params of every request and notification the server handles, checked before a
 * handler sees them: a request whose params are `null` or lack a field the handler reads is
 * answered InvalidParams (-32602) naming the field, instead of a TypeError inside the handler
 * (InternalError) or, for `initialize`, inside vscode-languageserver itself.
 */
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification,
  DocumentDiagnosticRequest,
  DocumentSymbolRequest,
  HoverRequest,
  InitializeRequest,
  InlayHintRequest,
  ReferencesRequest,
  SemanticTokensRangeRequest,
  SemanticTokensRequest,
  WorkspaceSymbolRequest,
} from 'vscode-languageserver/node';
import {
  PreviewContentRequest,
  PreviewMatchesRequest,
  ReadyRequest,
  RefreshCountsRequest,
  UseAsMetadataRequest,
  CurationsRequest,
  SetActiveCurationRequest,
  BalanceRequest,
  EntryRecordsRequest,
  ENTRY_RECORDS_FILTERS,
  ENTRY_RECORDS_MAX_LIMIT,
  ZeroShotResultsNotification,
} from '../../../contracts/src/lsp';

/** Why `value` (found at `at`, e.g. `params.position`) has the wrong shape, or undefined. */
export type Check = (value: unknown, at: string) => string | undefined;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'object') return 'an object';
  if (value === undefined) return 'nothing';
  return `${typeof value} ${String(value)}`;
}

const string: Check = (v, at) =>
  typeof v === 'string' ? undefined : `${at} must be a string, got ${describe(v)}`;
const boolean: Check = (v, at) =>
  typeof v === 'boolean' ? undefined : `${at} must be true or false, got ${describe(v)}`;
const integer: Check = (v, at) =>
  Number.isInteger(v) ? undefined : `${at} must be an integer, got ${describe(v)}`;
const unsigned: Check = (v, at) =>
  Number.isInteger(v) && (v as number) >= 0 ? undefined : `${at} must be an integer ≥ 0, got ${describe(v)}`;
const anything: Check = () => undefined;

function oneOf(values: readonly string[]): Check {
  return (v, at) =>
    typeof v === 'string' && values.includes(v)
      ? undefined
      : `${at} must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${describe(v)}`;
}

function between(low: number, high: number): Check {
  return (v, at) =>
    Number.isInteger(v) && (v as number) >= low && (v as number) <= high
      ? undefined
      : `${at} must be an integer from ${low} to ${high}, got ${describe(v)}`;
}

function optional(check: Check): Check {
  return (v, at) => (v === undefined ? undefined : check(v, at));
}

function nullable(check: Check): Check {
  return (v, at) => (v === null ? undefined : check(v, at));
}

function arrayOf(check: Check): Check {
  return (v, at) => {
    if (!Array.isArray(v)) return `${at} must be an array, got ${describe(v)}`;
    for (let i = 0; i < v.length; i++) {
      const problem = check(v[i], `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/**
 * An object with (at least) these fields; other fields are allowed. An empty array counts as an
 * empty object: Lua clients (Neovim) cannot tell `{}` from `[]` and send an empty table as `[]`.
 */
function object(fields: Record<string, Check> = {}): Check {
  return (v, at) => {
    const empty = Array.isArray(v) && v.length === 0;
    if (typeof v !== 'object' || v === null || (Array.isArray(v) && !empty))
      return `${at} must be an object, got ${describe(v)}`;
    const record = (empty ? {} : v) as Record<string, unknown>;
    for (const [name, check] of Object.entries(fields)) {
      const problem = check(record[name], `${at}.${name}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

const textDocument = object({ uri: string });
const position = object({ line: unsigned, character: unsigned });
const range = object({ start: position, end: position });
const textDocumentPosition = { textDocument, position };
/** One of the panel's sources: the samples, or a curation folder (a path). */
const sourceSpec: Check = (v, at) => {
  const problem = object({ kind: oneOf(['samples', 'curation']) })(v, at);
  if (problem) return problem;
  return (v as { kind: string }).kind === 'curation' ? object({ folder: string })(v, at) : undefined;
};
/** Requests that need no params accept none, null or an object. */
const noParams: Check = optional(nullable(object()));

/** Requests the server answers, by method. */
export const REQUEST_PARAMS: ReadonlyMap<string, Check> = new Map<string, Check>([
  [
    InitializeRequest.method,
    object({
      processId: optional(nullable(integer)),
      rootUri: optional(nullable(string)),
      capabilities: object(),
      workspaceFolders: optional(nullable(arrayOf(object({ uri: string, name: string })))),
    }),
  ],
  [HoverRequest.method, object(textDocumentPosition)],
  [DefinitionRequest.method, object(textDocumentPosition)],
  [
    ReferencesRequest.method,
    object({ ...textDocumentPosition, context: object({ includeDeclaration: boolean }) }),
  ],
  [CompletionRequest.method, object(textDocumentPosition)],
  [DocumentSymbolRequest.method, object({ textDocument })],
  [WorkspaceSymbolRequest.method, object({ query: string })],
  [
    CodeActionRequest.method,
    object({
      textDocument,
      range,
      context: object({ diagnostics: arrayOf(object({ range, message: anything })) }),
    }),
  ],
  [InlayHintRequest.method, object({ textDocument, range })],
  [SemanticTokensRequest.method, object({ textDocument })],
  [SemanticTokensRangeRequest.method, object({ textDocument, range })],
  [
    DocumentDiagnosticRequest.method,
    object({ textDocument, identifier: optional(string), previousResultId: optional(string) }),
  ],
  [UseAsMetadataRequest.method, object({ uri: string })],
  [PreviewMatchesRequest.method, object({ uri: string, limit: optional(unsigned) })],
  [PreviewContentRequest.method, object({ uri: string })],
  [RefreshCountsRequest.method, noParams],
  [ReadyRequest.method, noParams],
  [CurationsRequest.method, object({ uri: optional(string) })],
  [SetActiveCurationRequest.method, object({ uri: string, curation: nullable(string) })],
  [
    BalanceRequest.method,
    object({ source: object({ kind: string, folder: optional(string), language: optional(string) }) }),
  ],
  [
    EntryRecordsRequest.method,
    object({
      source: sourceSpec,
      metadataUri: optional(string),
      entryId: unsigned,
      filter: oneOf(ENTRY_RECORDS_FILTERS),
      offset: unsigned,
      limit: between(1, ENTRY_RECORDS_MAX_LIMIT),
      imageField: optional(string),
    }),
  ],
]);

const perClass = object();
/** Notifications the server handles, by method; bad ones are logged and dropped. */
export const NOTIFICATION_PARAMS: ReadonlyMap<string, Check> = new Map<string, Check>([
  [
    DidOpenTextDocumentNotification.method,
    object({ textDocument: object({ uri: string, languageId: string, version: integer, text: string }) }),
  ],
  [
    DidChangeTextDocumentNotification.method,
    object({
      textDocument: object({ uri: string, version: integer }),
      contentChanges: arrayOf(object({ text: string, range: optional(range) })),
    }),
  ],
  [DidCloseTextDocumentNotification.method, object({ textDocument })],
  [DidSaveTextDocumentNotification.method, object({ textDocument })],
  [DidChangeConfigurationNotification.method, object()],
  [
    DidChangeWatchedFilesNotification.method,
    object({ changes: arrayOf(object({ uri: string, type: integer })) }),
  ],
  [
    ZeroShotResultsNotification.method,
    object({
      overlay: nullable(
        object({
          runId: string,
          dataset: string,
          perClass,
          baseline: optional(object({ runId: string, perClass })),
        }),
      ),
    }),
  ],
  ['$/cancelRequest', object({ id: anything })],
  ['$/setTrace', object({ value: string })],
]);
