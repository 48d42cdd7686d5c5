/**
 * The arguments of "Browse Entry Records" (`metacurate.browseEntry`), checked: from a hover's
 * command link, the balance panel, another extension or the palette (no arguments: ask). Pure.
 */
import type { BrowseEntryArgs, BrowseTarget } from '../../../contracts/src/entryBrowserMessages';
import type { SourceSpec } from '../../../contracts/src/webview';

export type ParsedBrowseArgs =
  /** No arguments (the palette): ask which entry. */
  { kind: 'ask' } | { kind: 'args'; args: BrowseEntryArgs } | { kind: 'invalid'; reason: string };

function parseSource(v: unknown): SourceSpec | string {
  if (typeof v === 'string') return v ? { kind: 'curation', folder: v } : 'source is an empty folder name';
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'source is not { kind, folder? }';
  const o = v as Record<string, unknown>;
  if (o.kind === 'samples') return { kind: 'samples' };
  if (o.kind === 'curation') {
    if (typeof o.folder === 'string' && o.folder) return { kind: 'curation', folder: o.folder };
    return 'source is a curation without a folder';
  }
  return `source kind ${JSON.stringify(o.kind)} is neither "samples" nor "curation"`;
}

/**
 * The command's first argument: undefined (ask), or `{ entryId, source?, metadataUri? }` with
 * `entryId` a whole number ≥ 0 (a numeric string is taken too: command links are hand-written)
 * and `source` a SourceSpec or a curation folder. Anything else is invalid, with the reason.
 */
export function parseBrowseArgs(arg: unknown): ParsedBrowseArgs {
  if (arg === undefined || arg === null) return { kind: 'ask' };
  if (typeof arg !== 'object' || Array.isArray(arg))
    return { kind: 'invalid', reason: 'the argument is not an object { entryId, source?, metadataUri? }' };
  const o = arg as Record<string, unknown>;
  const id = typeof o.entryId === 'string' && /^\d+$/.test(o.entryId.trim()) ? Number(o.entryId) : o.entryId;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)
    return { kind: 'invalid', reason: `entryId ${JSON.stringify(o.entryId)} is not a whole number ≥ 0` };
  const args: BrowseEntryArgs = { entryId: id };
  if (o.source !== undefined) {
    const source = parseSource(o.source);
    if (typeof source === 'string') return { kind: 'invalid', reason: source };
    args.source = source;
  }
  if (o.metadataUri !== undefined) {
    if (typeof o.metadataUri !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(o.metadataUri))
      return { kind: 'invalid', reason: `metadataUri ${JSON.stringify(o.metadataUri)} is not a URI` };
    args.metadataUri = o.metadataUri;
  }
  return { kind: 'args', args };
}

/** What the browser shows for checked arguments, given the defaults of the moment. */
export function browseTarget(
  args: BrowseEntryArgs,
  defaults: { source: SourceSpec; metadataUri: string | undefined },
): BrowseTarget {
  const metadataUri = args.metadataUri ?? defaults.metadataUri;
  return {
    entryId: args.entryId,
    source: args.source ?? defaults.source,
    ...(metadataUri ? { metadataUri } : {}),
  };
}

/** The label of a source in the browser's head: the curation's folder as the workspace names it. */
export function sourceLabel(source: SourceSpec, relative: (path: string) => string): string {
  return source.kind === 'samples' ? 'Workspace samples' : `Curation ${relative(source.folder)}`;
}
