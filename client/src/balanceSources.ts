/**
 * The workspace's metadata and sample files as the language server finds them (same globs, same
 * order), for the entry-balance panel's worker and the "Curate Pool…" command.
 */
import { join } from 'node:path';
import type { Padding } from '../../server/engine/src/match/spacing';
import { findFiles, GlobSet, relativeTo } from '../../server/engine/src/documents/glob';
import { sampleFormatOf } from '../../server/engine/src/documents/samples';

export interface SampleSettings {
  metadataGlobs: string[];
  sampleGlobs: string[];
  samplesFolder: string;
  textField: string;
  padding: Padding;
}

/** The workspace's metadata files, the default one first (the language server's order). */
export async function workspaceMetadata(folders: string[], globs: string[]): Promise<string[]> {
  const set = new GlobSet(globs);
  const found: { path: string; rank: [number, number, string] }[] = [];
  for (const folder of folders) {
    for (const path of await findFiles(folder, set)) {
      const rel = relativeTo(folder, path) ?? path;
      found.push({ path, rank: [set.firstMatch(rel), rel.split('/').length, rel] });
    }
  }
  found.sort(
    (a, b) =>
      a.rank[0] - b.rank[0] ||
      a.rank[1] - b.rank[1] ||
      (a.rank[2] < b.rank[2] ? -1 : a.rank[2] > b.rank[2] ? 1 : 0),
  );
  return found.map((f) => f.path);
}

/** The sample files the language server counts: sample globs under the samples folder, no metadata. */
export async function workspaceSamples(folders: string[], settings: SampleSettings): Promise<string[]> {
  const samples = new GlobSet(settings.sampleGlobs);
  const metadata = new GlobSet(settings.metadataGlobs);
  const out: string[] = [];
  for (const folder of folders) {
    const root = settings.samplesFolder ? join(folder, settings.samplesFolder) : folder;
    for (const path of await findFiles(root, samples)) {
      if (sampleFormatOf(path) === undefined) continue;
      const rel = relativeTo(folder, path);
      if (rel !== undefined && metadata.matches(rel)) continue;
      if (!out.includes(path)) out.push(path);
    }
  }
  return out;
}
