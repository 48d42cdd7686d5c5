/**
 * Opening, editing and closing documents: a metadata list's diagnostics and (the active list) its
 * index rebuild; a sample's captions re-read and recounted; the per-document caches dropped.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isMetadataUri, isPreviewUri } from '../documentKinds';
import type { Scheduler } from '../scheduling';
import type { ServerState } from '../serverState';
import { uriToPath } from '../uri';
import { updateOpenSample } from '../workspaceScan';
import { clearDiagnostics, diagnosticsChanged, publishDiagnostics } from './diagnostics';

export function registerDocumentSync(connection: Connection, state: ServerState, scheduler: Scheduler): void {
  const { documents, caches, metadata } = state;

  documents.onDidOpen(({ document: doc }) => {
    // TextDocuments reports an open as a content change too: onDidChangeContent skips that one.
    caches.justOpened.add(doc.uri);
    if (isMetadataUri(state, doc.uri)) {
      const published = publishDiagnostics(connection, state, doc);
      if (!metadata.activeUri) metadata.activeUri = doc.uri;
      // The first diagnostics are written before the index rebuild starts (issue 11).
      if (doc.uri === metadata.activeUri) scheduler.scheduleRebuild(0, published);
      return;
    }
    updateOpenSample(scheduler, doc, true);
  });

  documents.onDidChangeContent(({ document: doc }) => {
    state.highlights.changed(doc.uri);
    if (caches.justOpened.delete(doc.uri)) return;
    if (isMetadataUri(state, doc.uri)) {
      diagnosticsChanged(connection, state, scheduler, doc);
      if (doc.uri === metadata.activeUri) scheduler.scheduleRebuild();
      return;
    }
    const path = uriToPath(doc.uri);
    if (path && state.samples.files.has(path)) scheduler.scheduleSampleReread(path);
  });

  documents.onDidClose(({ document: doc }) => closed(connection, state, scheduler, doc));
}

function closed(connection: Connection, state: ServerState, scheduler: Scheduler, doc: TextDocument): void {
  state.caches.models.delete(doc.uri);
  state.highlights.forget(doc.uri);
  state.caches.sites.delete(doc.uri);
  state.pullDiagnostics.forget(doc.uri);
  if (isPreviewUri(doc.uri)) return;
  if (isMetadataUri(state, doc.uri)) {
    clearDiagnostics(connection, state, doc.uri);
    // The active list falls back to the file on disk (unsaved edits are gone).
    if (doc.uri === state.metadata.activeUri) scheduler.scheduleRebuild(0);
    return;
  }
  updateOpenSample(scheduler, doc, false);
}
