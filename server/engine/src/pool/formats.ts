/**
 * Pool formats and how a file's name tells its format.
 */
import { UsageError } from '../errors';
import type { PoolFormat } from './types';

export const POOL_FORMATS: readonly PoolFormat[] = [
  'jsonl',
  'jsonl.gz',
  'csv',
  'tsv',
  'text',
  'parquet',
  'webdataset',
];

/** Name endings, longest first so `.jsonl.gz` wins over a shorter match. */
const EXTENSIONS: readonly [string, PoolFormat][] = [
  ['.jsonl.gz', 'jsonl.gz'],
  ['.ndjson.gz', 'jsonl.gz'],
  ['.json.gz', 'jsonl.gz'],
  ['.jsonl', 'jsonl'],
  ['.ndjson', 'jsonl'],
  ['.json', 'jsonl'],
  ['.csv', 'csv'],
  ['.tsv', 'tsv'],
  ['.txt', 'text'],
  ['.parquet', 'parquet'],
  ['.tar', 'webdataset'],
];

/** The format of a pool file from its extension (case-insensitive); UsageError for unknown ones. */
export function detectFormat(path: string): PoolFormat {
  const lower = path.toLowerCase();
  for (const [ext, format] of EXTENSIONS) if (lower.endsWith(ext)) return format;
  const known = [...new Set(EXTENSIONS.map(([ext]) => ext))].join(', ');
  throw new UsageError(`cannot tell the format of '${path}' from its name; known extensions: ${known}`);
}

/** Parses a `--format` value; UsageError naming the valid ones. */
export function parseFormat(name: string): PoolFormat {
  if ((POOL_FORMATS as readonly string[]).includes(name)) return name as PoolFormat;
  throw new UsageError(`unknown format '${name}'; expected one of: ${POOL_FORMATS.join(', ')}`);
}

/** Formats a file of which can be split by byte range, each range starting at a line start. */
export function isSplittable(format: PoolFormat): boolean {
  return format === 'jsonl' || format === 'text';
}

/** The file extension a format's output gets. */
export function extensionOf(format: PoolFormat): string {
  switch (format) {
    case 'jsonl':
      return '.jsonl';
    case 'jsonl.gz':
      return '.jsonl.gz';
    case 'csv':
      return '.csv';
    case 'tsv':
      return '.tsv';
    case 'text':
      return '.txt';
    case 'parquet':
      return '.parquet';
    case 'webdataset':
      return '.tar';
  }
}
