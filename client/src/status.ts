/**
 * Text of the status-bar item: pure functions of the server's `metacurate/status` notification,
 * kept apart from `vscode` so that what the user reads is decided in one place.
 */
import type { StatusParams } from '../../contracts/src/lsp';

export interface StatusView {
  /** Status-bar text, with codicons. */
  text: string;
  /** Markdown-free tooltip, one fact a line. */
  tooltip: string;
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function baseName(uri: string): string {
  const path = decodeURIComponent(uri.replace(/[?#].*$/, ''));
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

/** ": pool/a.jsonl, pool/b.jsonl, …" — the sample files the counts cover (curation outputs are not among them by default). */
function sampleFilesNamed(s: StatusParams): string {
  const files = s.sampleFiles ?? [];
  if (files.length === 0) return '';
  const shown = files.slice(0, 5).join(', ');
  return `: ${shown}${s.samplesIndexed > 5 ? ', …' : ''}`;
}

/** The item while the server starts, before its first status. */
export function startingView(): StatusView {
  return { text: '$(loading~spin) Metacurate', tooltip: 'Metacurate: starting the language server' };
}

/** The item once the server stopped or failed to start. */
export function stoppedView(reason: string): StatusView {
  return {
    text: '$(error) Metacurate',
    tooltip: `Metacurate: the language server is not running (${reason})`,
  };
}

export function statusView(s: StatusParams): StatusView {
  const icon = s.busy ? '$(sync~spin)' : '$(database)';
  const text = `${icon} ${plural(s.entries, 'entry', 'entries')} · ${plural(s.samplesIndexed, 'sample', 'samples')}`;
  const lines = [
    s.busy ? 'Metacurate: working' : 'Metacurate',
    s.metadataUris.length > 0
      ? `Metadata: ${s.metadataUris.map(baseName).join(', ')} (${plural(s.entries, 'entry', 'entries')})`
      : 'Metadata: none found (open a metadata.json or run "Metacurate: Use as Metadata")',
    `Samples indexed: ${plural(s.samplesIndexed, 'file', 'files')}, ${plural(s.sampleRecords, 'record', 'records')}${sampleFilesNamed(s)}`,
  ];
  if (s.curation)
    lines.push(
      `Curation shown: ${s.curation.folder}${s.curation.t === undefined ? '' : ` (t = ${s.curation.t.toLocaleString('en-US')})`}`,
    );
  if (s.message) lines.push(s.message);
  lines.push('Click to show the log.');
  return { text, tooltip: lines.join('\n') };
}
