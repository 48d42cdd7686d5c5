/**
 * Which documents and files are what: metadata lists (the metadata globs, the lists chosen with
 * "Use as metadata", the active list), sample files (the sample globs under the samples folder,
 * outside curation folders unless the setting includes them) and previews.
 */
import { basename, join } from 'node:path';
import { relativeTo } from '../../engine/src/documents/glob';
import { sampleFormatOf, textFieldsOf, type SampleFormat } from '../../engine/src/documents/samples';
import type { Padding } from '../../engine/src/match/spacing';
import { PREVIEW_SCHEME } from '../../../contracts/src/lsp';
import { PREVIEW_TEXT_FIELD } from './preview';
import type { ServerState } from './serverState';
import { pathToUri, uriToPath } from './uri';

/** Format and caption fields of a sample document. */
export interface SampleKind {
  format: SampleFormat;
  fields: string[];
}

export function isPreviewUri(uri: string): boolean {
  return uri.startsWith(`${PREVIEW_SCHEME}:`);
}

/** A path relative to its workspace folder, else its file name. */
export function relativePath(state: ServerState, path: string): string {
  for (const folder of state.config.folders) {
    const rel = relativeTo(folder, path);
    if (rel !== undefined) return rel;
  }
  return basename(path);
}

/** The URI of a path: documents are keyed by canonical URIs (inbound.ts makes the client's so). */
export function uriOfPath(path: string): string {
  return pathToUri(path);
}

export function isMetadataUri(state: ServerState, uri: string): boolean {
  const { chosen, activeUri } = state.metadata;
  if (chosen.has(uri) || uri === activeUri) return true;
  const path = uriToPath(uri);
  if (path === undefined) return false;
  // A worldwide folder's language list is metadata without a glob (its provenance.json names it).
  return (
    state.config.metadataGlobs.matches(relativePath(state, path)) ||
    state.curations.workspace.languageLists.isLanguageListSync(path)
  );
}

/** The padding a metadata document is matched with: a language list always worldwide. */
export function paddingOfList(state: ServerState, uri: string): Padding {
  const path = uriToPath(uri);
  if (path !== undefined && state.curations.workspace.languageLists.isLanguageListSync(path))
    return 'worldwide';
  return state.config.settings.padding;
}

/** The folders the samples are found in: each workspace folder, or its samples folder. */
export function samplesRoots(state: ServerState): string[] {
  const { folders, settings } = state.config;
  return folders.map((f) => (settings.samplesFolder ? join(f, settings.samplesFolder) : f));
}

/** A file the user chose with "Use as metadata" (or the active list): never also a sample. */
function isChosenMetadataPath(state: ServerState, path: string): boolean {
  const { chosen, activeUri } = state.metadata;
  if (activeUri && uriToPath(activeUri) === path) return true;
  for (const uri of chosen) if (uriToPath(uri) === path) return true;
  return false;
}

export function isSamplePath(state: ServerState, path: string): boolean {
  const { settings, folders, metadataGlobs, sampleGlobs } = state.config;
  if (sampleFormatOf(path) === undefined) return false;
  if (metadataGlobs.matches(relativePath(state, path)) || isChosenMetadataPath(state, path)) return false;
  if (!settings.includeCurationOutputs) {
    const folder = folders.find((f) => relativeTo(f, path) !== undefined);
    if (folder !== undefined && state.curations.workspace.isInsideCuration(path, folder)) return false;
  }
  const roots = samplesRoots(state);
  if (roots.length === 0) return sampleGlobs.matches(basename(path));
  for (const root of roots) {
    const rel = relativeTo(root, path);
    if (rel !== undefined && sampleGlobs.matches(rel)) return true;
  }
  return false;
}

/** Format and caption fields of a sample document, or undefined for any other document. */
export function sampleKind(state: ServerState, uri: string): SampleKind | undefined {
  if (isPreviewUri(uri)) return { format: 'jsonl', fields: [PREVIEW_TEXT_FIELD] };
  if (isMetadataUri(state, uri)) return undefined;
  const path = uriToPath(uri);
  if (path === undefined || !isSamplePath(state, path)) return undefined;
  return { format: sampleFormatOf(path)!, fields: textFieldsOf(state.config.settings.textField) };
}
