/**
 * The VS Code extension: a thin client of the Metacurate language server (dist/server.js, over
 * Node IPC). Everything about metadata and samples is the server's; this side starts it, shows its
 * state in the status bar, keeps its log in the "Metacurate" output channel, and wires the
 * commands and the read-only preview documents.
 */
import * as vscode from 'vscode';
import {
  LanguageClient,
  State,
  TransportKind,
  type DocumentSelector,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  DEFAULT_SETTINGS,
  PREVIEW_SCHEME,
  PreviewMatchesRequest,
  SETTINGS_SECTION,
  StatusNotification,
  UseAsMetadataRequest,
} from '../../contracts/src/lsp';
import { BROWSE_ENTRY_COMMAND } from '../../contracts/src/entryBrowserMessages';
import { registerBalanceFeatures } from './balanceCommands';
import { CurationChoice } from './curationChoice';
import { registerEntryBrowser } from './entryBrowser';
import { PreviewProvider } from './preview';
import { registerRunFeatures } from './runCommands';
import { startingView, statusView, stoppedView, type StatusView } from './status';

let client: LanguageClient | undefined;

/** Languages whose open documents may be picked with "Use as Metadata". */
const METADATA_LANGUAGES = ['json', 'jsonc', 'plaintext', 'metacurate-entries'];

function documentSelector(): DocumentSelector {
  const cfg = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const globs = [
    ...cfg.get<string[]>('metadataGlobs', DEFAULT_SETTINGS.metadataGlobs),
    ...cfg.get<string[]>('sampleGlobs', DEFAULT_SETTINGS.sampleGlobs),
  ];
  return [
    ...globs.map((pattern) => ({ scheme: 'file', pattern })),
    ...METADATA_LANGUAGES.map((language) => ({ scheme: 'file', language })),
    { scheme: 'untitled', language: 'metacurate-entries' },
    { scheme: PREVIEW_SCHEME },
  ];
}

function showStatus(item: vscode.StatusBarItem, view: StatusView): void {
  item.text = view.text;
  item.tooltip = view.tooltip;
}

/** The file a command acts on: its argument (explorer, editor title) or the active editor's. */
function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  return vscode.window.activeTextEditor?.document.uri;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Metacurate', { log: true });
  context.subscriptions.push(output);

  const status = vscode.window.createStatusBarItem('metacurate.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'Metacurate';
  status.command = 'metacurate.showOutput';
  showStatus(status, startingView());
  status.show();
  context.subscriptions.push(status);

  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6019'] },
    },
  };
  // Sample and metadata files changed on disk (not only open ones) reach the server's counts.
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{json,txt,jsonl,tsv,csv,parquet,tar}');
  context.subscriptions.push(watcher);
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    outputChannel: output,
    traceOutputChannel: output,
    synchronize: { configurationSection: SETTINGS_SECTION, fileEvents: watcher },
    // Pushed diagnostics update as the list is typed; the pull client of vscode-languageclient
    // pulls on open only unless told otherwise.
    initializationOptions: { diagnostics: 'push' },
    // Hovers carry a "Browse records" command link; only that command may run from them.
    markdown: { isTrusted: { enabledCommands: [BROWSE_ENTRY_COMMAND] } },
  };
  // The curation the user chose for each list travels to the server at every (re)start.
  const curations = new CurationChoice(context, () => client);
  clientOptions.initializationOptions = () => ({
    diagnostics: 'push',
    activeCurations: curations.remembered(),
    commandLinks: [BROWSE_ENTRY_COMMAND],
    // VS Code's hover renders `data:` images: entry hovers carry thumbnails of kept records.
    hoverImages: true,
  });
  client = new LanguageClient('metacurate', 'Metacurate Language Server', serverOptions, clientOptions);

  context.subscriptions.push(
    client.onNotification(StatusNotification, (params) => {
      showStatus(status, statusView(params));
      curations.update(params);
    }),
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) showStatus(status, stoppedView('stopped'));
      if (e.newState === State.Starting) showStatus(status, startingView());
    }),
  );

  const preview = new PreviewProvider(() => client);
  context.subscriptions.push(
    preview,
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, preview),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme === PREVIEW_SCHEME) preview.forget(doc.uri);
    }),
    vscode.commands.registerCommand('metacurate.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('metacurate.useAsMetadata', (arg: unknown) => useAsMetadata(arg)),
    vscode.commands.registerCommand('metacurate.previewMatches', (arg: unknown) =>
      previewMatches(arg, preview),
    ),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      // The document selector is fixed when the client starts: follow changes of the globs.
      if (
        client?.isRunning() &&
        (e.affectsConfiguration(`${SETTINGS_SECTION}.metadataGlobs`) ||
          e.affectsConfiguration(`${SETTINGS_SECTION}.sampleGlobs`))
      ) {
        output.info('File globs changed: restarting the language server.');
        client.clientOptions.documentSelector = documentSelector();
        await client.restart();
      }
    }),
  );

  // Entry-balance panel (and its serializer), Curate Pool…, Count Matches in Samples.
  const panel = registerBalanceFeatures(context, output, () => client, curations);
  // The entry browser (records behind an entry) and its command.
  registerEntryBrowser(context, output, () => client, curations);
  // Training runs: the Runs view, Start Training Run…, results inline and over the panel.
  const runs = registerRunFeatures(context, output, () => client, panel);
  context.subscriptions.push(
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) runs.publishOverlay(true);
    }),
  );

  try {
    output.info(`Starting the language server: ${serverModule}`);
    await client.start();
    output.info('The language server is running.');
    runs.publishOverlay(true);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    output.error(`The language server failed to start: ${reason}`);
    showStatus(status, stoppedView(reason));
  }
}

async function useAsMetadata(arg: unknown): Promise<void> {
  const uri = targetUri(arg);
  if (!client || !uri) {
    void vscode.window.showWarningMessage('Metacurate: open a JSON or text file of entries first.');
    return;
  }
  // The server reads the list from the open document, so open it (without stealing focus).
  await vscode.workspace.openTextDocument(uri);
  try {
    const { entries } = await client.sendRequest(UseAsMetadataRequest, { uri: uri.toString() });
    const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
    void vscode.window.showInformationMessage(
      `Metacurate: using ${name} as metadata (${entries.toLocaleString('en-US')} entries).`,
    );
  } catch (err) {
    void vscode.window.showErrorMessage(`Metacurate: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function previewMatches(arg: unknown, preview: PreviewProvider): Promise<void> {
  let uri = targetUri(arg);
  if (!uri || !/\.(parquet|tar)$/i.test(uri.path)) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Preview Matches',
      filters: { 'Parquet or WebDataset': ['parquet', 'tar'] },
    });
    uri = picked?.[0];
  }
  const c = client;
  if (!c || !uri) return;
  const target = uri;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Metacurate: reading samples' },
      () => c.sendRequest(PreviewMatchesRequest, { uri: target.toString() }),
    );
    const previewUri = vscode.Uri.parse(result.previewUri);
    preview.put(previewUri, result.content);
    const doc = await vscode.workspace.openTextDocument(previewUri);
    await vscode.window.showTextDocument(doc, { preview: true });
  } catch (err) {
    void vscode.window.showErrorMessage(`Metacurate: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c?.isRunning()) await c.stop();
}
