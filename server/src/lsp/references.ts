/**
 * "Find All References" of a metadata entry: its matches in the open sample documents (their
 * current text), then in the other sample files read from disk, capped at MAX_REFERENCES (the log
 * says so when the list is cut; the hover's count covers every caption).
 */
import { promises as fsp } from 'node:fs';
import type { Location, Range } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Padding } from '../../engine/src/match/spacing';
import {
  extractCaptions,
  sourceRange,
  type CaptionSite,
  type SampleFormat,
} from '../../engine/src/documents/samples';
import { formatCount } from './format';
import { findEntrySpans } from './spanIndex';
import { pathToUri, uriToPath } from './uri';

export const MAX_REFERENCES = 20_000;

export interface ReferenceQuery {
  entry: string;
  padding: Padding;
  /** The entry in its list, listed first when given. */
  declaration?: Location;
  /** Open sample documents and their caption sites. */
  openSamples: Iterable<{ doc: TextDocument; sites: CaptionSite[] }>;
  /** Every sample file counted (those open above are read from their documents instead). */
  files: Iterable<{ path: string; format: SampleFormat }>;
  /** Caption fields of JSONL/CSV/TSV samples. */
  fields: string[];
  log: (line: string) => void;
}

const toRange = (doc: TextDocument, start: number, end: number): Range => ({
  start: doc.positionAt(start),
  end: doc.positionAt(end),
});

export async function entryReferences(q: ReferenceQuery): Promise<Location[]> {
  const out: Location[] = [];
  if (q.declaration) out.push(q.declaration);
  const visited = new Set<string>();
  const scan = (doc: TextDocument, sites: CaptionSite[]) => {
    for (const site of sites) {
      if (out.length >= MAX_REFERENCES) return;
      for (const [a, b] of findEntrySpans(site.text, q.entry, q.padding)) {
        if (b <= a) continue;
        const [s, e] = sourceRange(site, a, b);
        out.push({ uri: doc.uri, range: toRange(doc, s, e) });
      }
    }
  };
  for (const { doc, sites } of q.openSamples) {
    visited.add(uriToPath(doc.uri) ?? doc.uri);
    scan(doc, sites);
  }
  for (const file of q.files) {
    if (visited.has(file.path) || out.length >= MAX_REFERENCES) continue;
    let text: string;
    try {
      text = await fsp.readFile(file.path, 'utf8');
    } catch {
      continue;
    }
    const doc = TextDocument.create(pathToUri(file.path), file.format, 0, text);
    scan(doc, extractCaptions(text, file.format, q.fields));
  }
  if (out.length >= MAX_REFERENCES) {
    // A location list has no room for a note: the log says the list is cut.
    q.log(
      `metacurate: references of ${JSON.stringify(q.entry)} reach the cap of ${formatCount(MAX_REFERENCES)} locations, so more are not listed; the hover's count covers every sample caption`,
    );
  }
  return out;
}
