/**
 * The metadata of a worldwide curation (docs/spec.md section 2, "Worldwide thresholds"): a folder
 * with one list per language, `CODE.json`, and `provenance.json`, whose `languages` object maps
 * each CODE to `{ file, sha256, entries, ... }` (what `metacurate metadata build --lang` writes).
 *
 * The lists are concatenated in sorted code order into one list of global ids (global id =
 * offset of the language + id in its list), so counts.bin, matches.bin, the sidecars and the
 * summary's `entries` stay as they are for one list. The folder's sha256 is that of its
 * provenance and of every list's bytes: a resumed run whose folder changed counts again.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError, UsageError } from '../errors';
import { loadMetadata, type Metadata } from '../metadata';
import { PROVENANCE_FILE } from './provenanceFiles';
import { ENGLISH } from './thresholds';

/** One language's list within the global id space. */
export interface WorldwideList {
  code: string;
  /** The list's file name in the folder. */
  file: string;
  sha256: string;
  entries: number;
  /** The global id of the list's first entry. */
  offset: number;
}

export interface WorldwideLists {
  dir: string;
  provenanceSha256: string;
  /** Sorted by code; offsets ascending. */
  languages: WorldwideList[];
}

/** The folder's lists as one Metadata (path: the folder) plus where each language's ids are. */
export interface WorldwideMetadata extends Metadata {
  worldwide: WorldwideLists;
}

export function worldwideOf(metadata: Metadata): WorldwideLists | undefined {
  return (metadata as Partial<WorldwideMetadata>).worldwide;
}

/** A Wikipedia code (`en`, `zh-yue`, `cbk-zam`): also what keeps a list's file inside the folder. */
const LANGUAGE_CODE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const FILE_NAME = /^[^/\\]+\.(json|txt)$/;

export async function loadWorldwideMetadata(dir: string): Promise<WorldwideMetadata> {
  const folder = resolve(dir);
  const provenancePath = join(folder, PROVENANCE_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(provenancePath);
  } catch (err) {
    throw new UsageError(
      `${folder} is not a worldwide metadata folder: cannot read its ${PROVENANCE_FILE} (${(err as Error).message})`,
    );
  }
  let provenance: unknown;
  try {
    provenance = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new InputError(provenancePath, {}, 'bad-metadata', `not valid JSON: ${(err as Error).message}`);
  }
  const languages = (provenance as { languages?: unknown } | null)?.languages;
  if (typeof languages !== 'object' || languages === null || Array.isArray(languages))
    throw new InputError(provenancePath, {}, 'bad-metadata', "expected an object 'languages' (code -> list)");
  const codes = Object.keys(languages).sort();
  if (codes.length === 0)
    throw new InputError(provenancePath, {}, 'bad-metadata', "'languages' names no language");
  const lists: WorldwideList[] = [];
  const entries: string[] = [];
  for (const code of codes) {
    if (!LANGUAGE_CODE.test(code))
      throw new InputError(provenancePath, {}, 'bad-metadata', `'${code}' is not a language code`);
    const described = (languages as Record<string, unknown>)[code] as { file?: unknown } | null;
    const file = described?.file ?? `${code}.json`;
    if (typeof file !== 'string' || !FILE_NAME.test(file))
      throw new InputError(
        provenancePath,
        {},
        'bad-metadata',
        `languages.${code}.file must name a .json list in the folder, got ${JSON.stringify(file)}`,
      );
    const list = await loadMetadata(join(folder, file));
    lists.push({ code, file, sha256: list.sha256, entries: list.entries.length, offset: entries.length });
    for (const entry of list.entries) entries.push(entry);
  }
  if (!codes.includes(ENGLISH))
    throw new UsageError(
      `${folder} has no English list (${ENGLISH}.json in ${PROVENANCE_FILE}): English's t sets every language's threshold`,
    );
  const provenanceSha256 = createHash('sha256').update(bytes).digest('hex');
  const sha256 = createHash('sha256')
    .update(JSON.stringify({ provenance: provenanceSha256, lists: lists.map((l) => [l.code, l.sha256]) }))
    .digest('hex');
  return { path: folder, entries, sha256, worldwide: { dir: folder, provenanceSha256, languages: lists } };
}

/** The index of the list that holds global id `id` (lists sorted by offset). */
export function listIndexOfEntry(lists: readonly { offset: number }[], id: number): number {
  let lo = 0;
  let hi = lists.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lists[mid].offset <= id) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The first list whose bytes differ from those an earlier run recorded, or undefined. */
export function changedList(
  recorded: readonly Pick<WorldwideList, 'code' | 'file' | 'sha256'>[],
  now: WorldwideLists,
): string | undefined {
  for (const list of now.languages) {
    const then = recorded.find((r) => r.code === list.code);
    if (then === undefined) return `The list ${join(now.dir, list.file)} was added since the earlier run`;
    if (then.sha256 !== list.sha256)
      return `The list ${join(now.dir, list.file)} changed since the earlier run`;
  }
  const removed = recorded.find((r) => !now.languages.some((l) => l.code === r.code));
  return removed && `The list ${join(now.dir, removed.file)} was removed since the earlier run`;
}
