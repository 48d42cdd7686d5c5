/**
 * Differences between two metadata files. Ids are positions, so besides entries added and removed,
 * an entry present in both can change id (which changes every count keyed by id).
 */

export interface DiffEntry {
  entry: string;
  id: number;
}

export interface MovedEntry {
  entry: string;
  from: number;
  to: number;
}

export interface MetadataDiff {
  sizeA: number;
  sizeB: number;
  /** In B, not in A; with its id in B. */
  added: DiffEntry[];
  /** In A, not in B; with its id in A. */
  removed: DiffEntry[];
  /** In both, at different ids; ascending by the id in B. */
  moved: MovedEntry[];
  /** In both at the same id. */
  unchanged: number;
  /** Entries listed more than once (the first occurrence's id counts, as a matcher would see it). */
  duplicatesA: number;
  duplicatesB: number;
}

function firstIds(entries: string[]): { ids: Map<string, number>; duplicates: number } {
  const ids = new Map<string, number>();
  let duplicates = 0;
  entries.forEach((e, i) => {
    if (ids.has(e)) duplicates++;
    else ids.set(e, i);
  });
  return { ids, duplicates };
}

export function diffMetadata(a: string[], b: string[]): MetadataDiff {
  const A = firstIds(a);
  const B = firstIds(b);
  const added: DiffEntry[] = [];
  const moved: MovedEntry[] = [];
  let unchanged = 0;
  for (const [entry, to] of B.ids) {
    const from = A.ids.get(entry);
    if (from === undefined) added.push({ entry, id: to });
    else if (from !== to) moved.push({ entry, from, to });
    else unchanged++;
  }
  const removed: DiffEntry[] = [];
  for (const [entry, id] of A.ids) if (!B.ids.has(entry)) removed.push({ entry, id });
  return {
    sizeA: a.length,
    sizeB: b.length,
    added,
    removed,
    moved,
    unchanged,
    duplicatesA: A.duplicates,
    duplicatesB: B.duplicates,
  };
}

/** Human-readable report: a summary line, then `+ id entry`, `- id entry`, `~ from -> to entry`. */
export function formatDiff(d: MetadataDiff, nameA = 'A', nameB = 'B'): string {
  const lines = [
    `${nameA}: ${d.sizeA} entries, ${nameB}: ${d.sizeB} entries; ` +
      `${d.added.length} added, ${d.removed.length} removed, ${d.moved.length} changed id, ${d.unchanged} unchanged`,
  ];
  if (d.duplicatesA > 0) lines.push(`note: ${nameA} lists ${d.duplicatesA} entries more than once`);
  if (d.duplicatesB > 0) lines.push(`note: ${nameB} lists ${d.duplicatesB} entries more than once`);
  for (const x of d.added) lines.push(`+ ${x.id}\t${JSON.stringify(x.entry)}`);
  for (const x of d.removed) lines.push(`- ${x.id}\t${JSON.stringify(x.entry)}`);
  for (const x of d.moved) lines.push(`~ ${x.from} -> ${x.to}\t${JSON.stringify(x.entry)}`);
  return lines.join('\n') + '\n';
}
