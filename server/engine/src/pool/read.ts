/**
 * Reading a pool file of any format as a stream of records (PoolItem), plus the helpers that
 * plan how a file is split between workers.
 */
import { UsageError } from '../errors';
import { readDelimited } from './csv';
import { isSplittable } from './formats';
import { readJsonl } from './jsonl';
import { countLineRecords, type ByteRange, type LineCounts } from './lines';
import { readParquet } from './parquet';
import { readText } from './text';
import type { PoolFormat, PoolItem, ReadOptions } from './types';
import { readWebDataset } from './webdataset';

export { planByteRanges, type ByteRange, type LineCounts } from './lines';
export { readCsvHeader, type CsvHeader } from './csv';
export { parquetRowGroupCount, readParquetSchema, type ParquetSchemaInfo } from './parquet';
export { splitSampleName } from './webdataset';

/** The caption field of formats with named fields when no --text-field is given (WebDataset: `.txt`). */
export const DEFAULT_TEXT_FIELD = 'text';

/**
 * Streams the records of one pool file. Options that do not apply to the format (a byte range
 * for a non-splittable one, row groups outside Parquet) are a UsageError, thrown when called. Input problems are InputError, or SkippedRecord items with
 * `onError: 'skip'`; a file that cannot be read at all always throws.
 */
export function readPool(file: string, format: PoolFormat, opts: ReadOptions): AsyncGenerator<PoolItem> {
  if (opts.byteRange !== undefined && !isSplittable(format)) {
    throw new UsageError(`a ${format} file cannot be read by byte range (only jsonl and text can)`);
  }
  if (opts.rowGroups !== undefined && format !== 'parquet') {
    throw new UsageError(`row groups apply only to parquet, not to ${format}`);
  }
  if (opts.textFields.length === 0 && format !== 'text' && format !== 'webdataset') {
    opts = { ...opts, textFields: [DEFAULT_TEXT_FIELD] };
  }
  // Each format returns its own generator: no delegating wrapper on the per-record path.
  switch (format) {
    case 'jsonl':
      return readJsonl(file, false, opts);
    case 'jsonl.gz':
      return readJsonl(file, true, opts);
    case 'csv':
    case 'tsv':
      return readDelimited(file, format, opts);
    case 'text':
      return readText(file, opts);
    case 'parquet':
      return readParquet(file, opts);
    case 'webdataset':
      return readWebDataset(file, opts);
  }
}

/**
 * Counts the records (and lines) of a jsonl or text file, or of one byte range of it, without
 * parsing records: the count pass that gives each range its firstRecordIndex and firstLine.
 */
export function countLines(file: string, format: PoolFormat, range?: ByteRange): Promise<LineCounts> {
  if (format !== 'jsonl' && format !== 'jsonl.gz' && format !== 'text') {
    throw new UsageError(`cannot count lines of a ${format} file`);
  }
  return countLineRecords(file, format === 'text', range, format === 'jsonl.gz');
}
