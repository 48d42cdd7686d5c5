/**
 * The handshake and the workspace's configuration: initialize (workspace folders, client
 * features, settings of initializationOptions, remembered active curations), initialized (the
 * client's watchers and configuration, else the server's own folder watch, then the first scan),
 * changed settings and watched files (a rescan), and shutdown.
 */
import {
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { GlobSet } from '../../../engine/src/documents/glob';
import {
  SETTINGS_SECTION,
  type MetacurateInitializationOptions,
  type MetacurateSettings,
} from '../../../../contracts/src/lsp';
import { clientFeatures, serverCapabilities, workspaceFolderPaths } from '../capabilities';
import { isSamplePath, relativePath } from '../documentKinds';
import { FolderWatcher } from '../folderWatcher';
import { PROVENANCE_FILE } from '../languageLists';
import { diagnosticsModeOf } from '../pullDiagnostics';
import type { Scheduler } from '../scheduling';
import type { ServerState } from '../serverState';
import { canonicalUri, uriToPath } from '../uri';
import { refreshPulledDiagnostics } from './diagnostics';

/** Files of a curation whose change rescans the workspace. */
const CURATION_FILE_GLOBS = ['**/summary.json', '**/counts.json', '**/counts.bin'];
/** A worldwide folder's provenance.json: which of its lists are language lists (metadata). */
const PROVENANCE_GLOB = `**/${PROVENANCE_FILE}`;

export function registerConfiguration(
  connection: Connection,
  state: ServerState,
  scheduler: Scheduler,
): void {
  connection.onInitialize((params) => initialize(state, params));
  connection.onInitialized(() => void initialized(connection, state, scheduler));
  connection.onDidChangeConfiguration((p) => {
    state.config.channels.setPushed(p.settings);
    void reloadSettings(connection, state, scheduler);
  });
  connection.onDidChangeWatchedFiles((p) => {
    filesChanged(
      state,
      p.changes.map((c) => uriToPath(c.uri)).filter((path): path is string => path !== undefined),
    );
    scheduler.scheduleRescan();
  });
  connection.onShutdown(() => {
    state.schedule.builder.dispose();
    state.languageIndexes.dispose();
    state.config.folderWatcher?.dispose();
  });
}

function initialize(state: ServerState, params: InitializeParams): InitializeResult {
  const config = state.config;
  config.folders = workspaceFolderPaths(params);
  config.client = clientFeatures(params.capabilities);
  const init = params.initializationOptions as MetacurateInitializationOptions | null | undefined;
  config.channels.setInitial(init);
  for (const [metadata, curation] of Object.entries(init?.activeCurations ?? {}))
    if (typeof curation === 'string')
      state.curations.workspace.choose(canonicalUri(metadata), uriToPath(curation));
  applySettings(state, config.channels.effective);
  config.diagnosticsMode = diagnosticsModeOf(init?.diagnostics, params.capabilities);
  const links: unknown = init?.commandLinks;
  config.commandLinks = new Set(
    Array.isArray(links) ? links.filter((c): c is string => typeof c === 'string') : [],
  );
  config.hoverImages = init?.hoverImages === true;
  return {
    capabilities: serverCapabilities(config.diagnosticsMode),
    serverInfo: { name: 'metacurate', version: '0.1.0' },
  };
}

function applySettings(state: ServerState, settings: MetacurateSettings): void {
  if (settings.languageField !== state.config.settings.languageField) state.captionLanguages.clearLabels();
  state.config.settings = settings;
  state.config.metadataGlobs = new GlobSet(settings.metadataGlobs);
  state.config.sampleGlobs = new GlobSet(settings.sampleGlobs);
  state.caches.sites.clear();
}

async function initialized(connection: Connection, state: ServerState, scheduler: Scheduler): Promise<void> {
  const { client, settings } = state.config;
  if (client.configurationChange) {
    void connection.client.register(DidChangeConfigurationNotification.type, {
      section: SETTINGS_SECTION,
    });
  }
  if (client.watchedFiles) {
    const globs = new Set([
      ...settings.metadataGlobs,
      ...settings.sampleGlobs,
      ...CURATION_FILE_GLOBS,
      PROVENANCE_GLOB,
    ]);
    void connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: [...globs].map((globPattern) => ({ globPattern })),
    });
  }
  await reloadSettings(connection, state, scheduler, false);
  if (!state.config.client.watchedFiles && state.config.folders.length > 0)
    watchFolders(connection, state, scheduler);
  await scheduler.rescan();
}

/** Watches the workspace folders for sample, metadata and curation files (see folderWatcher.ts). */
function watchFolders(connection: Connection, state: ServerState, scheduler: Scheduler): void {
  const curationFile = /(^|\/)(summary\.json|counts\.json|counts\.bin|provenance\.json)$/;
  state.config.folderWatcher = new FolderWatcher(state.config.folders, {
    isRelevant: (path) =>
      state.config.metadataGlobs.matches(relativePath(state, path)) ||
      isSamplePath(state, path) ||
      curationFile.test(relativePath(state, path)),
    onChange: (paths) => {
      filesChanged(state, paths);
      scheduler.scheduleRescan();
    },
    log: (line) => connection.console.warn(line),
  });
  void state.config.folderWatcher.start();
}

/** Files changed on disk: a changed provenance.json changes which lists are language lists. */
function filesChanged(state: ServerState, paths: readonly string[]): void {
  for (const path of paths) state.curations.workspace.languageLists.changed(path);
}

/** The settings again (pulled when the client can be asked), then by default a rescan. */
async function reloadSettings(
  connection: Connection,
  state: ServerState,
  scheduler: Scheduler,
  rescan = true,
): Promise<void> {
  const channels = state.config.channels;
  if (state.config.client.configuration) {
    try {
      const [fromClient] = await connection.workspace.getConfiguration([{ section: SETTINGS_SECTION }]);
      channels.setPulled(fromClient);
    } catch {
      // Keep what the client said before.
    }
  }
  applySettings(state, channels.effective);
  if (rescan) {
    refreshPulledDiagnostics(connection, state);
    await scheduler.rescan();
  }
}
