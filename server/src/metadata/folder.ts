/**
 * A metadata folder (MetaCLIP 2): one list per language, `<lang>.json`, and `provenance.json`, the
 * folder's index, with one record per language (its file, sha256, entries, parts, sources,
 * thresholds, tokenization, build date). Languages are built one at a time into the same folder:
 * each build rewrites its own list and its own record, keeping the others'.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../engine/src/errors';
import { writeFileAtomic } from '../../engine/src/fsAtomic';
import { loadMetadata } from '../../engine/src/metadata';
import { buildParts, writeMetadataFile, type BuildOptions, type PartSummary, type Provenance } from './build';
import { diffMetadata, type MetadataDiff } from './diff';
import { checkLanguageCode, LANGUAGE_CODE } from './languageTokenizers';

export const FOLDER_INDEX = 'provenance.json';
const FOLDER_FORMAT = 'metacurate-metadata-folder/1';

/** A language's record: the build's provenance, its output path relative to the folder. */
export type LanguageRecord = Provenance;

export interface FolderIndex {
  format: typeof FOLDER_FORMAT;
  /** By language code, in code order. */
  languages: Record<string, LanguageRecord>;
}

export interface FolderBuildOptions extends Omit<BuildOptions, 'out' | 'lang'> {
  outDir: string;
  lang: string;
}

export interface FolderBuildResult {
  entries: string[];
  parts: PartSummary[];
  outPath: string;
  indexPath: string;
  record: LanguageRecord;
}

/** Reads a folder's index; a folder without one has no languages yet, unless it must have one. */
export function readFolderIndex(dir: string, required = false): FolderIndex {
  const path = join(dir, FOLDER_INDEX);
  if (!existsSync(path)) {
    if (required) throw new InputError(path, {}, 'bad-metadata', 'no such file: not a metadata folder');
    return { format: FOLDER_FORMAT, languages: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(path, {}, 'bad-json', `not a metadata folder index: ${(err as Error).message}`);
  }
  const index = parsed as Partial<FolderIndex> | null;
  if (
    index === null ||
    typeof index !== 'object' ||
    index.format !== FOLDER_FORMAT ||
    typeof index.languages !== 'object' ||
    index.languages === null
  )
    throw new InputError(
      path,
      {},
      'bad-metadata',
      `not a metadata folder index (expected format ${FOLDER_FORMAT})`,
    );
  for (const [lang, record] of Object.entries(index.languages)) {
    // The file is always `<lang>.json` beside the index: an index cannot point elsewhere.
    if (!LANGUAGE_CODE.test(lang) || record?.output?.path !== `${lang}.json`)
      throw new InputError(
        path,
        {},
        'bad-metadata',
        `language '${lang}' must be recorded with output.path '${lang}.json'`,
      );
  }
  return { format: FOLDER_FORMAT, languages: index.languages };
}

/**
 * Builds one language into `outDir/<lang>.json` and records it in `outDir/provenance.json`.
 * Nothing in the folder is written until the build has succeeded (the n-gram work folder aside),
 * and the index is read first, so a bad index fails before hours of counting.
 */
export async function buildLanguageIntoFolder(opts: FolderBuildOptions): Promise<FolderBuildResult> {
  const lang = checkLanguageCode(opts.lang);
  const dir = resolve(opts.outDir);
  const file = `${lang}.json`;
  const outPath = join(dir, file);
  const indexPath = join(dir, FOLDER_INDEX);
  readFolderIndex(dir);
  const built = await buildParts(
    { ...opts, out: outPath, lang, workDir: opts.workDir ?? join(dir, `${lang}.work`) },
    [indexPath],
  );
  const provenance = await writeMetadataFile(outPath, built);
  const record: LanguageRecord = { ...provenance, output: { ...provenance.output, path: file } };
  // Re-read: another language may have been recorded while this one was counting.
  const index = readFolderIndex(dir);
  index.languages[lang] = record;
  index.languages = Object.fromEntries(
    Object.keys(index.languages)
      .sort()
      .map((code) => [code, index.languages[code]]),
  );
  await writeFileAtomic(indexPath, JSON.stringify(index, null, 2) + '\n');
  return { entries: built.entries, parts: built.parts, outPath, indexPath, record };
}

export interface LanguageDiff {
  lang: string;
  /** Whether the language is in A, in B or both; a list missing on one side diffs as empty. */
  in: 'both' | 'A' | 'B';
  diff: MetadataDiff;
}

/** Per language of either folder (in code order), the single-file diff of its two lists. */
export async function diffMetadataFolders(a: string, b: string): Promise<LanguageDiff[]> {
  const [indexA, indexB] = [readFolderIndex(a, true), readFolderIndex(b, true)];
  const langs = [...new Set([...Object.keys(indexA.languages), ...Object.keys(indexB.languages)])].sort();
  const entriesOf = async (dir: string, index: FolderIndex, lang: string): Promise<string[]> => {
    const record = index.languages[lang];
    return record === undefined ? [] : (await loadMetadata(join(dir, record.output.path))).entries;
  };
  const out: LanguageDiff[] = [];
  for (const lang of langs) {
    const side = !(lang in indexA.languages) ? 'B' : !(lang in indexB.languages) ? 'A' : 'both';
    const [ea, eb] = await Promise.all([entriesOf(a, indexA, lang), entriesOf(b, indexB, lang)]);
    out.push({ lang, in: side, diff: diffMetadata(ea, eb) });
  }
  return out;
}
