/**
 * The custom `metacurate/*` methods (contracts/src/lsp.ts): readiness, "Use as metadata",
 * previews of a sample's matches, recounting, the curations of a list and the active one, the
 * balance chart's data, and the zero-shot results the client sends.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { ZeroShotOverlay } from '../../../engine/src/classAccuracy';
import {
  BalanceRequest,
  CurationsRequest,
  PreviewContentRequest,
  PreviewMatchesRequest,
  ReadyRequest,
  RefreshCountsRequest,
  SetActiveCurationRequest,
  UseAsMetadataRequest,
  ZeroShotResultsNotification,
  type CurationsResult,
  type RefreshCountsResult,
} from '../../../../contracts/src/lsp';
import { activeShaOf, activeSource, curationOutdated, sampleFiles, shaOf, summaryOf } from '../activeList';
import { curationBalance, samplesBalance } from '../balanceData';
import { previewSourcePath, previewUriFor, renderPreview } from '../preview';
import type { Scheduler } from '../scheduling';
import type { ServerState } from '../serverState';
import { uriToPath } from '../uri';
import { cancelledError } from '../waiting';
import { publishDiagnostics, refreshPulledDiagnostics } from './diagnostics';

export function registerMetacurateRequests(
  connection: Connection,
  state: ServerState,
  scheduler: Scheduler,
): void {
  const c = connection;
  c.onRequest(ReadyRequest, async (_p, token) =>
    (await scheduler.ready(token)) ? scheduler.status() : cancelledError(),
  );
  c.onRequest(UseAsMetadataRequest, (p) => useAsMetadata(connection, state, scheduler, p.uri));
  c.onRequest(PreviewMatchesRequest, async (p) => {
    const previewUri = previewUriFor(p.uri);
    const content = await renderPreviewFor(state, previewUri, p.limit);
    return { previewUri, content };
  });
  c.onRequest(PreviewContentRequest, async (p) => ({
    content: state.caches.previews.get(p.uri) ?? (await renderPreviewFor(state, p.uri)),
  }));
  c.onRequest(RefreshCountsRequest, () => refreshCounts(state, scheduler));
  c.onRequest(CurationsRequest, async (p) => curationsOf(state, p.uri ?? state.metadata.activeUri));
  c.onRequest(BalanceRequest, async (p, token) => {
    if (p.source.kind === 'curation')
      return curationBalance(p.source.folder, p.source, state.metadata.activeSha?.language?.code);
    if (!(await scheduler.ready(token))) return cancelledError();
    const active = state.metadata.active;
    if (!active) throw new Error('no metadata list in use (see the setting metacurate.metadataGlobs)');
    const samples = [...state.samples.files.values()];
    return samplesBalance(
      {
        entries: active.entries,
        index: active.index,
        metadataPath: uriToPath(active.uri) ?? active.uri,
        metadataSha256: activeShaOf(state, active.uri),
      },
      { files: sampleFiles(state), captions: samples.flatMap((sample) => sample.captions) },
      p.source,
    );
  });
  c.onRequest(SetActiveCurationRequest, async (p) => {
    state.curations.workspace.choose(p.uri, p.curation ? uriToPath(p.curation) : undefined);
    if (p.uri === state.metadata.activeUri) {
      scheduler.scheduleRebuild(0);
      await scheduler.whenIdle();
    }
    return curationsOf(state, p.uri);
  });
  c.onNotification(ZeroShotResultsNotification, (p) => {
    const zeroShot = state.curations.zeroShot;
    zeroShot.set(p.overlay ?? undefined);
    void learnRunsOf(state, scheduler, zeroShot.sent).then(() => {
      if (state.config.client.inlayRefresh)
        void connection.languages.inlayHint.refresh().catch(() => undefined);
    });
  });
}

async function useAsMetadata(
  connection: Connection,
  state: ServerState,
  scheduler: Scheduler,
  uri: string,
): Promise<{ entries: number }> {
  const { metadata, samples } = state;
  metadata.chosen.add(uri);
  metadata.activeUri = uri;
  state.caches.sites.delete(uri);
  state.highlights.forget(uri);
  // A `.txt` list under the samples folder was read as a sample too: its lines are not captions.
  const path = uriToPath(uri);
  const asSample = path === undefined ? undefined : samples.files.get(path);
  if (asSample) {
    samples.files.delete(path!);
    samples.captionTotal -= asSample.captions.length;
    samples.version++;
    scheduler.sendStatus();
  }
  const doc = state.documents.get(uri);
  if (doc) void publishDiagnostics(connection, state, doc);
  refreshPulledDiagnostics(connection, state);
  scheduler.scheduleRebuild(0);
  const source = await activeSource(state);
  return { entries: source?.model.entries.length ?? 0 };
}

async function renderPreviewFor(state: ServerState, previewUri: string, limit?: number): Promise<string> {
  const path = previewSourcePath(previewUri);
  if (!path) throw new Error(`not a preview URI: ${previewUri}`);
  const settings = state.config.settings;
  const { content } = await renderPreview(path, limit ?? settings.previewRecords, settings.textField);
  state.caches.previews.set(previewUri, content);
  return content;
}

/** The curations made with the metadata file `uri`, the active one marked. */
async function curationsOf(state: ServerState, uri: string | undefined): Promise<CurationsResult> {
  if (!uri) return { uri: null, metadataSha256: null, curations: [] };
  const sha = await shaOf(state, uri);
  const workspace = state.curations.workspace;
  const path = uriToPath(uri);
  const code = path ? (await workspace.languageLists.languageOf(path))?.code : undefined;
  const active = workspace.activeCuration(uri, sha, code);
  return {
    uri,
    metadataSha256: sha ?? null,
    curations: workspace.curationsOf(sha, code).map((c) => summaryOf(state, c, c === active)),
  };
}

async function refreshCounts(state: ServerState, scheduler: Scheduler): Promise<RefreshCountsResult> {
  await scheduler.rescan();
  await scheduler.whenIdle();
  const active = state.metadata.active;
  return {
    samples: state.samples.files.size,
    records: active?.records ?? state.samples.captionTotal,
    matchedRecords: active?.matchedRecords ?? 0,
  };
}

/**
 * Reads the workspace's curations and runs again when an overlay names a run the last scan did
 * not see (a run created since, its folder not reported by a file watcher): which list may show
 * its results depends on its curation.
 */
async function learnRunsOf(
  state: ServerState,
  scheduler: Scheduler,
  overlay: ZeroShotOverlay | undefined,
): Promise<void> {
  if (!overlay) return;
  const workspace = state.curations.workspace;
  const ids = [overlay.runId, ...(overlay.baseline ? [overlay.baseline.runId] : [])];
  if (ids.every((id) => workspace.knowsRun(id))) return;
  await workspace.scan(state.config.folders);
  if (curationOutdated(state)) scheduler.scheduleRebuild(0);
}
