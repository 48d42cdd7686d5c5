/**
 * What an entry's hover and the status say: the samples counted, the curation shown, the keep
 * probability at t, the zero-shot result and examples. Pure text, so that each count names what
 * it covers in one place.
 */
import { browseEntryCommandUri, type BrowseEntryArgs } from '../../../contracts/src/entryBrowserMessages';
import type { CurationSummary } from '../../../contracts/src/lsp';
import type { Padding } from '../../engine/src/match/spacing';
import type { CurationInfo } from './curationIndex';
import { formatCount, formatProbability, inlineCode, quoteCaption } from './format';
import { thumbnailsMarkdown, type HoverThumbnail } from './hoverImages';
import { findEntrySpans } from './spanIndex';

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

/** How a hover names t: `t`, or a worldwide curation's language's own `t_zh`. */
export function tName(language: string | undefined): string {
  return language ? `t_${language}` : 't';
}

/** The hover line of the active curation's count of an entry (of one language of a worldwide one). */
export function curationCountLine(
  count: number,
  folder: string,
  t: number | undefined,
  language?: string,
): string {
  const lang = language ? `, worldwide, language ${inlineCode(language)}` : '';
  const at = t === undefined ? '' : `, ${tName(language)} = ${formatCount(t)}`;
  return `- Curation: **${formatCount(count)}** (${inlineCode(folder)}${lang}${at})`;
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

/** What the hover of an entry says. */
export interface EntryFacts {
  entry: string;
  id: number;
  /** The "Entry `x` · id n" line (a hover over a sample's match lists several entries without it). */
  heading: boolean;
  /** Sample captions matching it, of `records`, in `sampleFiles`. */
  sampleCount: number;
  records: number;
  sampleFiles: readonly string[];
  /** The active curation's count, or undefined with the list's sha256 (if readable) instead. */
  curation?: { count: number; folder: string; t?: number; language?: string };
  metadataSha256?: string;
  /** t, and the count and probability the keep probability is of. */
  t: number;
  count: number;
  p: number;
  /** The zero-shot line, if a run of this list's curation names its class. */
  zeroShot?: string;
  examples: readonly { caption: string; span: [number, number] }[];
  /** Where the entry browser finds its records (a "Browse records" command link); none: no link. */
  browse?: BrowseEntryArgs;
  /** Images of the curation's records (clients that show hover images); none: no images line. */
  thumbnails?: readonly HoverThumbnail[];
}

/** The hover's link to the entry browser (`metacurate.browseEntry`, trusted by the client). */
export function browseLink(args: BrowseEntryArgs): string {
  const what = args.source?.kind === 'curation' ? 'kept and dropped, in the curation' : 'in the samples';
  return `[Browse records](${browseEntryCommandUri(args)} "Open the entry browser") — every record that matches, ${what}`;
}

export function describeEntry(f: EntryFacts): string {
  const lines: string[] = [];
  if (f.heading) lines.push(`**Entry** ${inlineCode(f.entry)} · id ${f.id}`, '');
  lines.push(
    `- Sample matches: **${formatCount(f.sampleCount)}** of ${formatCount(f.records)} records ${sampleFilesPhrase(f.sampleFiles)}`,
  );
  lines.push(
    f.curation
      ? curationCountLine(f.curation.count, f.curation.folder, f.curation.t, f.curation.language)
      : noCurationLine(f.metadataSha256),
  );
  lines.push(
    `- Keep probability at ${tName(f.curation?.language)} = ${formatCount(f.t)}: **${formatProbability(f.p)}** — ${
      f.count > f.t ? '**head** (count above t: subsampled)' : '**tail** (count at most t: all kept)'
    }`,
  );
  if (f.zeroShot) lines.push(f.zeroShot);
  if (f.browse) lines.push('', browseLink(f.browse));
  if (f.thumbnails && f.thumbnails.length > 0) lines.push('', thumbnailsMarkdown(f.thumbnails));
  if (f.examples.length > 0) {
    lines.push('', 'Examples:', '');
    for (const ex of f.examples) lines.push(quoteCaption(ex.caption, ex.span), '');
  }
  return lines.join('\n');
}

/** The first `max` captions an entry matches, with its first span in each. */
export function examplesOf(
  captions: Iterable<readonly string[]>,
  entry: string,
  padding: Padding,
  max = 3,
): { caption: string; span: [number, number] }[] {
  const out: { caption: string; span: [number, number] }[] = [];
  for (const list of captions) {
    for (const caption of list) {
      const spans = findEntrySpans(caption, entry, padding);
      if (spans.length > 0) {
        out.push({ caption, span: spans[0] });
        if (out.length >= max) return out;
      }
    }
  }
  return out;
}
