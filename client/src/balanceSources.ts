/**
 * The workspace's metadata files as the language server finds them (same globs, same order), for
 * the "Curate Pool…" command. Which samples are counted is the language server's alone.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findFiles, GlobSet, relativeTo } from '../../server/engine/src/documents/glob';
import { PROVENANCE_FILE } from '../../server/engine/src/worldwide/provenanceFiles';
import { worldwideFolderOf, type WorldwideFolder } from './plans/worldwidePlan';

/** The sha256 of the metadata a finished curation was made with (its summary.json), if recorded. */
export function curationMetadataSha(folder: string): string | undefined {
  try {
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8')) as {
      metadata?: { sha256?: unknown };
    };
    return typeof summary.metadata?.sha256 === 'string' ? summary.metadata.sha256 : undefined;
  } catch {
    return undefined;
  }
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

/** The workspace's worldwide metadata folders (a provenance.json naming lists), by path. */
export async function workspaceWorldwideFolders(folders: string[]): Promise<WorldwideFolder[]> {
  const set = new GlobSet([`**/${PROVENANCE_FILE}`]);
  const found: WorldwideFolder[] = [];
  for (const folder of folders) {
    for (const path of await findFiles(folder, set)) {
      const worldwide = worldwideFolderOf(dirname(path));
      if (worldwide) found.push(worldwide);
    }
  }
  return found;
}
