/**
 * Hand-made worldwide (MetaCLIP 2) curations for the editor's tests, written as the contract says
 * `curate --worldwide` writes them (contracts/src/cliEvents.ts, CliWorldwideSummary): a metadata
 * folder (one `CODE.json` per language and `provenance.json`), and a curation folder whose
 * summary.json has `worldwide`, with counts.bin and matches.bin over global ids (the languages'
 * lists concatenated in code order).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliWorldwideLanguage, CliWorldwideSummary } from '../../contracts/src/cliEvents';
import { packArrays } from '../../server/engine/src/match/packing';
import { MATCHES_MAGIC } from '../../server/engine/src/matchesFile';

export interface FixtureLanguage {
  code: string;
  entries: string[];
  /** Per entry, its count in the curation. */
  counts: number[];
  t: number;
  records: number;
  kept: number;
}

/** The text a list's file holds (its sha256 is what the curation records). */
export function listText(entries: readonly string[]): string {
  return JSON.stringify(entries, null, 1) + '\n';
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Writes `CODE.json` per language and provenance.json into `folder`; the languages' sha256 by code. */
export function writeMetadataFolder(
  folder: string,
  languages: readonly FixtureLanguage[],
): Map<string, string> {
  mkdirSync(folder, { recursive: true });
  const shas = new Map<string, string>();
  const provenance: Record<string, unknown> = {};
  for (const l of languages) {
    const text = listText(l.entries);
    writeFileSync(join(folder, `${l.code}.json`), text);
    shas.set(l.code, sha256Text(text));
    provenance[l.code] = { file: `${l.code}.json`, sha256: sha256Text(text), entries: l.entries.length };
  }
  writeFileSync(join(folder, 'provenance.json'), JSON.stringify({ languages: provenance }, null, 1));
  return shas;
}

/**
 * A worldwide curation in `dir` of the metadata `folder`: `matches` are per record the global ids
 * it matched (ascending); `tEn` and the languages' own t as given.
 */
export function writeWorldwideCuration(
  dir: string,
  folder: string,
  languages: readonly FixtureLanguage[],
  matches: readonly number[][],
  options: { tEn?: number; seed?: number } = {},
): CliWorldwideSummary {
  mkdirSync(dir, { recursive: true });
  const sorted = [...languages].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const summaryLanguages: CliWorldwideLanguage[] = [];
  const counts: number[] = [];
  for (const l of sorted) {
    const text = listText(l.entries);
    summaryLanguages.push({
      code: l.code,
      file: `${l.code}.json`,
      sha256: sha256Text(text),
      entries: l.entries.length,
      offset: counts.length,
      records: l.records,
      matched_records: l.records,
      t: l.t,
      head_entries: l.counts.filter((c) => c > l.t).length,
      matched_entries: l.counts.filter((c) => c > 0).length,
      expected_kept: l.kept,
      kept: l.kept,
    });
    counts.push(...l.counts);
  }
  const worldwide: CliWorldwideSummary = {
    metadata_dir: folder,
    t_en: options.tEn ?? sorted.find((l) => l.code === 'en')?.t ?? 1,
    tail_proportion: 0.5,
    language_source: { kind: 'field', field: 'lang' },
    languages: summaryLanguages,
    without_metadata: {},
  };
  const records = languages.reduce((n, l) => n + l.records, 0);
  const summary = {
    pool: {
      files: 1,
      records,
      texts: records,
      matched_texts: matches.length,
      matched_records: matches.length,
      skipped: {},
    },
    kept: languages.reduce((n, l) => n + l.kept, 0),
    expected_kept: 0,
    t: worldwide.t_en,
    seed: options.seed ?? 1,
    padding: 'worldwide',
    // The folder's own sha256 (never any list's).
    metadata: { path: folder, sha256: sha256Text(`folder:${folder}`), entries: counts.length },
    worldwide,
  };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 1));
  const packed = packArrays(
    {
      kind: 'counts',
      metadataSha256: summary.metadata.sha256,
      records,
      texts: records,
      matchedTexts: 0,
      matchedRecords: 0,
    },
    { counts: Float64Array.from(counts) },
  );
  writeFileSync(join(dir, 'counts.bin'), new Uint8Array(packed));
  const stream: number[] = [];
  for (const ids of matches) stream.push(ids.length, ...ids);
  const header = Buffer.alloc(16);
  header.write(MATCHES_MAGIC, 0, 'latin1');
  header.writeUInt32LE(matches.length, 8);
  writeFileSync(
    join(dir, 'matches.bin'),
    Buffer.concat([header, Buffer.from(Uint32Array.from(stream).buffer)]),
  );
  return worldwide;
}
