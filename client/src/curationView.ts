/**
 * What the curation status-bar item and its quick pick say: pure functions of the server's
 * answers, kept apart from `vscode` so that they are tested alone.
 */
import type { CurationSummary } from '../../contracts/src/lsp';

const count = (n: number) => n.toLocaleString('en-US');

function baseName(uri: string): string {
  const path = decodeURIComponent(uri.replace(/[?#].*$/, ''));
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

/** "t=2,000 · demo/curated" */
export function curationLabel(c: CurationSummary): string {
  return `${c.t === undefined ? 't unknown' : `t=${count(c.t)}`} · ${c.folder}`;
}

/** The status-bar item for the active list's active curation (or its absence). */
export function curationItemView(
  metadataUri: string,
  curation: CurationSummary | undefined,
): { text: string; tooltip: string } {
  const list = baseName(metadataUri);
  if (!curation) {
    return {
      text: '$(filter) No curation',
      tooltip: `No curation was made with ${list} as it is on disk. Click to choose among its curations.`,
    };
  }
  const lines = [
    `Curation shown for ${list}: ${curation.folder}`,
    `t = ${curation.t === undefined ? 'unknown' : count(curation.t)}${curation.seed === undefined ? '' : `, seed ${curation.seed}`}`,
  ];
  if (curation.records !== undefined && curation.kept !== undefined)
    lines.push(`${count(curation.records)} records → ${count(curation.kept)} kept`);
  lines.push(`Made ${curation.created}`, 'Click to choose another curation of this list.');
  return { text: `$(filter) Curation: ${curationLabel(curation)}`, tooltip: lines.join('\n') };
}

export interface CurationPickItem {
  label: string;
  description: string;
  detail: string;
  curation: CurationSummary;
}

/** Quick-pick items, newest first as the server lists them; the active one is checked. */
export function curationPickItems(curations: readonly CurationSummary[]): CurationPickItem[] {
  return curations.map((c) => ({
    label: `${c.active ? '$(check) ' : ''}${c.folder}`,
    description: [
      c.t === undefined ? 't unknown' : `t=${count(c.t)}`,
      c.seed === undefined ? undefined : `seed ${c.seed}`,
      c.records !== undefined && c.kept !== undefined
        ? `${count(c.records)} → ${count(c.kept)} records`
        : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(' · '),
    detail: `made ${c.created}${c.active ? ' · shown now' : ''}`,
    curation: c,
  }));
}
