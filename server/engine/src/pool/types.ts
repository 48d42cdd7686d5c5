/**
 * The shape every pool reader and writer shares. Readers stream: they hold one record
 * (or one Parquet row group, or one tar member) in memory at a time, never a whole file.
 */
import type { InputErrorReason, InputLocation } from '../errors';

export type PoolFormat = 'jsonl' | 'jsonl.gz' | 'csv' | 'tsv' | 'text' | 'parquet' | 'webdataset';

export interface ReadOptions {
  /**
   * Caption fields, in order (`--text-field`, repeatable). Empty: the format's default (`text`;
   * WebDataset: the `.txt` member). Ignored by the plain-text format.
   */
  textFields: string[];
  /**
   * Field holding the pair key (`--key-field`). Default key: `<keyPrefix>:<record index>`
   * (WebDataset: the sample key; plain text: the line index, or `<keyPrefix>:<line index>` when
   * a keyPrefix is given).
   */
  keyField?: string;
  /**
   * How default keys name the file: a curation gives each file its path relative to the inputs'
   * common folder, so files of the same name in different folders get different keys.
   * Absent: the file's base name (plain text: no prefix).
   */
  keyPrefix?: string;
  /** 'fail' throws InputError at the first bad record; 'skip' yields a SkippedRecord and goes on. */
  onError: 'fail' | 'skip';
  /**
   * Byte range of the file to read, for formats that can be split (jsonl, text): the reader
   * handles the records whose first byte lies in [start, end). Absent: the whole file.
   */
  byteRange?: { start: number; end: number };
  /** Parquet only: the row groups to read, [first, last). Absent: all. */
  rowGroups?: { first: number; last: number };
  /**
   * Whether records carry their payload (default true). Passes that only match (count, match)
   * turn it off, which saves a copy of every record.
   */
  withPayload?: boolean;
  /**
   * Line formats: the reader's buffer in bytes (it grows for a longer line). Default 4 MiB, for
   * streaming; reading one record at a known offset (the entry browser) wants a small one.
   */
  chunkBytes?: number;
  /** Index of the first record of this range within the file (from the count pass); default 0. */
  firstRecordIndex?: number;
  /**
   * 1-based line number of the first line of the byte range within the file (from the count
   * pass), so locations name absolute lines. Default 1: lines counted from the range start.
   */
  firstLine?: number;
  /**
   * CSV/TSV only: column names of a file that has no header row (e.g. CC3M's `caption<TAB>url`).
   * Absent: the first row is the header.
   */
  columns?: string[];
  /**
   * The field naming each record's language (`curate --worldwide --lang-field`): read into
   * PoolRecord.language. JSONL, CSV/TSV, Parquet and WebDataset's .json member.
   */
  languageField?: string;
}

/** One image-text pair. `texts` holds one string per text field (missing optional ones are absent). */
export interface PoolRecord {
  kind: 'record';
  /** 0-based index of the record within its file. */
  index: number;
  key: string;
  texts: string[];
  /** The value of ReadOptions.languageField when it is a non-empty string; else absent. */
  language?: string;
  /** What the writer of the same format needs to copy the record out unchanged. */
  payload: RecordPayload;
  location: InputLocation;
}

export interface SkippedRecord {
  kind: 'skipped';
  reason: InputErrorReason;
  detail: string;
  location: InputLocation;
}

export type PoolItem = PoolRecord | SkippedRecord;

/**
 * What a writer copies for a kept record: for JSONL and plain text the line exactly as it is in
 * the file (its line end, LF or CR LF, included; none on a last line without one; the file's
 * byte-order mark before the first line); for CSV/TSV the row without its line break; the row
 * object for Parquet; the tar members of the sample for WebDataset (read from `file`, the shard,
 * by byte range when not held in memory).
 */
export type RecordPayload =
  | { type: 'line'; bytes: Buffer }
  | { type: 'row'; row: Record<string, unknown> }
  | { type: 'sample'; file: string; members: SampleMember[] };

/** One tar member of a WebDataset sample. */
export interface SampleMember {
  name: string;
  size: number;
  /** Where its contents start in the shard. */
  dataOffset: number;
  /** Its contents when held in memory; undefined when too large, copied from the shard instead. */
  data: Buffer | undefined;
}

/** Writes kept records in the input's own format; `finish` makes the file complete. */
export interface PoolWriter {
  write(record: PoolRecord): Promise<void>;
  /** Flushes and closes; returns the number of records written. */
  finish(): Promise<number>;
  /** Closes and removes what was written (used when a run fails). */
  abort(): Promise<void>;
}
