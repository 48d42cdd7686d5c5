/**
 * Per-entry match counts (docs/spec.md section 3) in two forms: the reference's JSON `{entry: count}`,
 * and a compact packed file (Float64 per entry id, see match/packing.ts) that other parts of the
 * product load in milliseconds.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from './errors';
import { writeFileAtomic } from './fsAtomic';
import { packArrays, unpackArrays } from './match/packing';

export interface CountsInfo {
  /** sha256 of the metadata the ids refer to. */
  metadataSha256: string;
  records: number;
  texts: number;
  matchedTexts: number;
  matchedRecords: number;
}

export interface EntryCounts extends CountsInfo {
  counts: Float64Array;
}

/**
 * `{entry: count}` in id order. Duplicate entries (same string at several ids) always have the
 * same count, so the first occurrence stands for all of them and no information is lost.
 */
export function countsToJson(entries: readonly string[], counts: ArrayLike<number>): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (let id = 0; id < entries.length; id++) {
    if (seen.has(entries[id])) continue;
    seen.add(entries[id]);
    parts.push(`${JSON.stringify(entries[id])}:${counts[id]}`);
  }
  return `{${parts.join(',\n')}}\n`;
}

/** Path of the compact form written beside a counts JSON file. */
export function compactCountsPath(jsonPath: string): string {
  return jsonPath.replace(/\.json$/, '') + '.bin';
}

export async function writeCounts(
  jsonPath: string,
  entries: readonly string[],
  counts: EntryCounts,
): Promise<void> {
  await writeCompactCounts(compactCountsPath(jsonPath), counts);
  await writeFileAtomic(jsonPath, countsToJson(entries, counts.counts));
}

/** The compact form alone (what readCounts prefers); counts.json can follow later. */
export async function writeCompactCounts(path: string, counts: EntryCounts): Promise<void> {
  const { counts: values, ...info } = counts;
  await writeFileAtomic(path, new Uint8Array(packArrays({ kind: 'counts', ...info }, { counts: values })));
}

/**
 * Loads counts by id from the compact file (preferred when it sits beside the JSON and the
 * entries are known), or from the JSON `{entry: count}` form: mapped onto ids through `entries`
 * when given, else in the JSON's order with `names` from its keys. A `.bin` path alone gives
 * counts by id with no names.
 */
export async function readCounts(
  path: string,
  entries?: readonly string[],
): Promise<{ counts: Float64Array; info?: CountsInfo; names: string[] }> {
  const compact = path.endsWith('.bin') ? path : compactCountsPath(path);
  if (path.endsWith('.bin') || entries)
    try {
      const bytes = await readFile(compact);
      const { meta, arrays } = unpackArrays(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      if (meta.kind === 'counts' && (!entries || (arrays.counts as Float64Array).length === entries.length)) {
        return {
          counts: Float64Array.from(arrays.counts as Float64Array),
          info: meta as unknown as CountsInfo,
          names: entries ? [...entries] : [],
        };
      }
    } catch (err) {
      if (path.endsWith('.bin'))
        throw new InputError(path, {}, 'unreadable', `cannot read counts: ${(err as Error).message}`);
    }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InputError(path, {}, 'unreadable', `cannot read counts JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError(path, { line: 1 }, 'bad-json', 'counts must be a JSON object {entry: count}');
  }
  const object = parsed as Record<string, unknown>;
  for (const [name, value] of Object.entries(object)) {
    if (typeof value !== 'number' || !(value >= 0)) {
      throw new InputError(
        path,
        {},
        'bad-json',
        `count of entry ${JSON.stringify(name)} is not a non-negative number`,
      );
    }
  }
  if (entries) {
    const counts = new Float64Array(entries.length);
    for (let id = 0; id < entries.length; id++) counts[id] = (object[entries[id]] as number | undefined) ?? 0;
    return { counts, names: [...entries] };
  }
  const names = Object.keys(object);
  return { counts: Float64Array.from(names, (n) => object[n] as number), names };
}

/** Sparse partial counts of one task: pairs (id, count) for the entries it saw. */
export function sparseCounts(dense: Uint32Array): Uint32Array {
  let nonZero = 0;
  for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) nonZero++;
  const pairs = new Uint32Array(nonZero * 2);
  let k = 0;
  for (let i = 0; i < dense.length; i++) {
    if (dense[i] !== 0) {
      pairs[k++] = i;
      pairs[k++] = dense[i];
    }
  }
  return pairs;
}

export function addSparseCounts(into: Float64Array, pairs: Uint32Array): void {
  for (let k = 0; k < pairs.length; k += 2) into[pairs[k]] += pairs[k + 1];
}
