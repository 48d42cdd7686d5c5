// The workspace both e2e suites open, written fresh into each run's folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';

// ---------------------------------------------------------------------------------------------
// The workspace: metadata with a duplicate, an entry with a full stop and one with a trailing space.
// ---------------------------------------------------------------------------------------------
export const METADATA = ['dog', 'cat', 'golden retriever', 'red car', 'dog', 'St. Louis', 'beach ', 'sunset'];
/** 1-based line of entry `id` in metadata.json as written below (one entry a line after `[`). */
export const entryLine = (id) => id + 2;
export const CAPTIONS = [
  'a golden retriever playing on the beach at sunset',
  'a cat sleeping next to a red car',
  'two dog friends in St. Louis',
  'a dog and a cat at sunset',
];
/** A Parquet sample for "Preview Matches" (the editor cannot show it as text). */
export const PARQUET_CAPTIONS = ['a golden retriever on a red car', 'nothing to see here'];
/** A list picked by hand with "Use as Metadata" (its name matches none of the metadata globs). */
export const OTHER_METADATA = ['golden retriever', 'sunset', 'cat'];
// With t = 1 an entry matched twice is a head entry, one matched once a tail entry.
// CI has Debian's slurm-client, so `sbatch` is on the PATH: the Curate Pool flow here runs locally.
export const WORKSPACE_SETTINGS = { 'metacurate.t': 1, 'metacurate.executor': 'local' };

// Colours contributed in package.json (configurationDefaults → editor.semanticTokenColorCustomizations).
export const DARK = { tail: 'rgb(79, 193, 255)', head: 'rgb(245, 166, 91)' };
export const LIGHT = { tail: 'rgb(0, 100, 180)', head: 'rgb(179, 80, 0)' };

export function writeWorkspace(dir) {
  const ws = join(dir, 'workspace');
  mkdirSync(join(ws, 'samples'), { recursive: true });
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(
    join(ws, 'metadata.json'),
    `[\n${METADATA.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`,
  );
  writeFileSync(
    join(ws, 'samples', 'captions.jsonl'),
    CAPTIONS.map((c) => JSON.stringify({ caption: c }) + '\n').join(''),
  );
  writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify(WORKSPACE_SETTINGS, null, 2));
  const parquet = parquetWriteBuffer({
    columnData: [{ name: 'caption', data: PARQUET_CAPTIONS, type: 'STRING' }],
  });
  writeFileSync(join(ws, 'samples', 'shard.parquet'), Buffer.from(parquet));
  mkdirSync(join(ws, 'lists'), { recursive: true });
  writeFileSync(join(ws, 'lists', 'animals.json'), JSON.stringify(OTHER_METADATA, null, 2) + '\n');
  return ws;
}
