/**
 * A metadata folder (MetaCLIP 2): one list per language, `<lang>.json`, and `provenance.json`, the
 * folder's index, with one record per language (its file, sha256, entries, parts, sources,
 * thresholds, tokenization, build date). Languages are built one at a time into the same folder:
 * each build rewrites its own list and its own record, keeping the others'.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { acquireFolderLock } from '../../engine/src/folderLock';
import { InputError } from '../../engine/src/errors';
import { writeFileAtomic } from '../../engine/src/fsAtomic';
import { loadMetadata } from '../../engine/src/metadata';
import {
  buildParts,
  partsToBuild,
  writeMetadataFile,
  type BuildOptions,
  type PartSummary,
  type Provenance,
} from './build';
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
  const buildOpts: BuildOptions = {
    ...opts,
    out: outPath,
    lang,
    workDir: opts.workDir ?? join(dir, `${lang}.work`),
  };
  // Usage errors and a bad index come before anything is created.
  partsToBuild(buildOpts);
  readFolderIndex(dir);
  // One build at a time per folder: two would each rewrite the index with only their own record.
  mkdirSync(join(dir, '.metacurate'), { recursive: true });
  const lock = await acquireFolderLock(
    join(dir, '.metacurate', 'lock'),
    `metadata build --lang ${lang}`,
    opts.log ?? (() => undefined),
  );
  try {
    return await buildLocked(buildOpts, lang, indexPath);
  } finally {
    await lock.release();
  }
}

async function buildLocked(opts: BuildOptions, lang: string, indexPath: string): Promise<FolderBuildResult> {
  const dir = dirname(indexPath);
  const file = `${lang}.json`;
  const outPath = join(dir, file);
  const built = await buildParts(opts, [indexPath]);
  const provenance = await writeMetadataFile(outPath, built);
  const record: LanguageRecord = { ...provenance, output: { ...provenance.output, path: file } };
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
