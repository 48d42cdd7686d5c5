/**
 * The entry browser's contract (editor ↔ language server): `metacurate/entryRecords` pages through
 * the records that match one metadata entry, in a finished curation (from the inverted index
 * `entries.idx` written with the curation, or built on first use) or in the workspace samples
 * (from the language server's memory). `metacurate browse` prints the same records.
 */
import { RequestType } from 'vscode-languageserver-protocol';
import type { SourceSpec } from './webview';

/** Which of the entry's records to list: all of them, or only those the curation kept / dropped. */
export type EntryRecordsFilter = 'all' | 'kept' | 'dropped';

export const ENTRY_RECORDS_FILTERS: readonly EntryRecordsFilter[] = ['all', 'kept', 'dropped'];

/** The most records one request may ask for (`limit`); larger limits are an InvalidParams error. */
export const ENTRY_RECORDS_MAX_LIMIT = 1000;

/** The most other entries listed per record (`otherEntries`). */
export const OTHER_ENTRIES_CAP = 20;

export interface EntryRecordsParams {
  /**
   * Where the records come from: a finished curation's folder (absolute path, as in the panel's
   * source menu) or the workspace samples matched against a metadata list.
   */
  source: SourceSpec;
  /**
   * The metadata file (URI) the entry id refers to. The samples source: the list the samples are
   * matched against (omitted: the active list). A curation: ignored; the curation's own metadata
   * (its summary.json) names the entries.
   */
  metadataUri?: string;
  /** The entry: its index in the metadata list (0-based, the order of the file). */
  entryId: number;
  /**
   * `kept` / `dropped`: only records the curation kept or dropped (the seeded keep decision of
   * the curation, docs/spec.md). The samples source has no decision: `kept` and `dropped` list
   * nothing there, `all` lists every caption that matches.
   */
  filter: EntryRecordsFilter;
  /** The first record to return, 0-based, counted among the records that pass the filter. */
  offset: number;
  /** How many records to return at most (1 … ENTRY_RECORDS_MAX_LIMIT). */
  limit: number;
  /**
   * A curation only: the record field (JSONL/CSV/Parquet column, WebDataset `.json` field) that
   * names each record's image: a local path (relative: to the pool file's folder) or an http(s)
   * URL (`metacurate.imageField`, `browse --image-field`). Absent or '': a WebDataset sample's
   * image member, and no image for the other formats.
   */
  imageField?: string;
}

/** The image formats the entry browser shows (never SVG: it is a document, not an image). */
export type ImageMime = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

/**
 * Where a record's image is. The language server only locates it; the editor's host reads the
 * bytes (with its size cap and a check of the magic bytes) and URLs are shown as links, never
 * fetched.
 */
export type RecordImage =
  /** A WebDataset sample's image member: `size` bytes at `offset` of the shard `file`. */
  | { kind: 'member'; file: string; member: string; offset: number; size: number; mime: ImageMime }
  /** A local file named by the image field; it must stay inside `root` (the pool file's folder). */
  | { kind: 'file'; path: string; root: string; mime: ImageMime }
  /** An http(s) URL named by the image field. */
  | { kind: 'url'; url: string }
  /** The image field holds something the browser will not open; `reason` says why. */
  | { kind: 'refused'; value: string; reason: string };

/** Another entry a record's text also matched. */
export interface OtherEntry {
  /** Its index in the metadata list. */
  id: number;
  /** Its text. */
  entry: string;
}

/** One record that matches the entry. */
export interface EntryRecord {
  /**
   * The record's key: the pool record's key the keep decision was drawn with (a JSONL/CSV/Parquet
   * record's key field or ordinal, a WebDataset sample's `__key__`), or for samples `file:line`.
   */
  key: string;
  /** The file that holds the record (absolute path). */
  file: string;
  /**
   * The record's line in `file`, 1-based, for line formats (JSONL, TSV/CSV, plain text); absent
   * for Parquet rows and WebDataset members, which open at the file.
   */
  line?: number;
  /**
   * The record's ordinal: in a curation, its index among all the pool's records (the order of
   * matches.bin); in the samples, its index among the workspace's captions.
   */
  recordIndex: number;
  /** The record's text (the caption that was matched). */
  text: string;
  /**
   * Where the entry matched in `text`: [start, end) UTF-16 offsets, ascending. Empty when the
   * spans cannot be recomputed (the curation's metadata file was moved or changed).
   */
  spans: [number, number][];
  /** Curation only: whether the curation kept this record (it is in the curated output). */
  kept?: boolean;
  /**
   * This entry's keep probability, t / max(count, t) with the entry's pool count. The samples: the
   * one hovers show (the active curation's count and t when the list has one, else the samples'
   * count at the `metacurate.t` setting).
   */
  probability: number;
  /** The other entries the text matched, in id order, at most OTHER_ENTRIES_CAP of them. */
  otherEntries: OtherEntry[];
  /** Curation only: the record's image, when it has one (see EntryRecordsParams.imageField). */
  image?: RecordImage;
}

export interface EntryRecordsResult {
  /** The entry's text (or `#id` when the curation's metadata cannot be read). */
  entry: string;
  /** The entry's id, as asked. */
  entryId: number;
  /** Records that match the entry and pass the filter (what `offset` pages through). */
  total: number;
  /** Records that match the entry, whatever the filter (the entry's count). */
  totalAll: number;
  /** Of `totalAll`, records the curation kept (samples: 0). */
  kept: number;
  /** Of `totalAll`, records the curation dropped (samples: 0). */
  dropped: number;
  /** The page: at most `limit` records from `offset`, in record order. */
  records: EntryRecord[];
  /** The curation's t (samples: the t in use). */
  t?: number;
  /** The curation's seed (samples: absent). */
  seed?: number;
}

/**
 * Client → server: a page of the records that match an entry. A curation without an entry index
 * (made before it existed, or killed before finalize) has it built on first use in a worker, so
 * the first request may take as long as reading matches.bin; later ones answer in milliseconds.
 * An unknown entry id, a folder with no finished curation, or a samples request without a
 * metadata list is an error naming what was wrong. Cancellable.
 */
export const EntryRecordsRequest = new RequestType<EntryRecordsParams, EntryRecordsResult, void>(
  'metacurate/entryRecords',
);
