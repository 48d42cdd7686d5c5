/**
 * What hovers and the status say about the samples counted and the curation shown: pure text, so
 * that each count names what it covers in one place.
 */
import type { CurationSummary } from '../../../contracts/src/lsp';
import type { CurationInfo } from './curationIndex';
import { formatCount, inlineCode } from './format';

/** Sample files named in a hover before "…". */
const NAMED_FILES = 3;

/** "in 3 sample files: pool/a.jsonl, pool/b.jsonl, c.tsv" (the first few, then "…"). */
export function sampleFilesPhrase(files: readonly string[]): string {
  const n = files.length;
  const head = `in ${formatCount(n)} sample file${n === 1 ? '' : 's'}`;
  if (n === 0) return head;
  const named = files.slice(0, NAMED_FILES).map(inlineCode).join(', ');
  return `${head}: ${named}${n > NAMED_FILES ? ', …' : ''}`;
}

/** The first 12 hex digits of a sha256, enough to tell metadata files apart in a sentence. */
export function shortSha(sha: string): string {
  return `${sha.slice(0, 12)}…`;
}

/** The hover line of the active curation's count of an entry. */
export function curationCountLine(count: number, folder: string, t: number | undefined): string {
  const at = t === undefined ? '' : `, t = ${formatCount(t)}`;
  return `- Curation: **${formatCount(count)}** (${inlineCode(folder)}${at})`;
}

/** The hover line when the list has no curation to show. */
export function noCurationLine(sha: string | undefined): string {
  return sha
    ? `- No curation made with this metadata (sha256 ${inlineCode(shortSha(sha))})`
    : '- No curation made with this metadata (its file cannot be read)';
}

/** A curation as `metacurate/curations` reports it. */
export function curationSummaryOf(
  info: CurationInfo,
  folder: string,
  uri: string,
  active: boolean,
): CurationSummary {
  return {
    uri,
    folder,
    t: info.t,
    seed: info.seed,
    records: info.records,
    kept: info.kept,
    created: new Date(info.created).toISOString(),
    active,
  };
}
