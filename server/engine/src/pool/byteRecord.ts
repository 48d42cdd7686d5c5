/**
 * Records read straight from a line file's bytes, and the visitor the curation passes use to
 * read them without a record object per line.
 */
import type { InputLocation } from '../errors';
import { UTF8_BOM } from './bytes';
import { NO_BYTES } from './common';
import type { PoolItem, PoolRecord } from './types';

/**
 * What a curation pass does with each record of a slice: `record` for one read from its bytes
 * (valid during the call), `item` for the PoolItem of one that needed a parse, or a skip;
 * `batchDone` is awaited after each buffer fill's records.
 */
export interface RecordVisitor {
  record(record: ByteRecord): void;
  item(item: PoolItem): void;
  batchDone(): Promise<void>;
}

/**
 * A record read from its line's bytes (a JSONL line, a CSV/TSV row), without a parse or a record
 * object: the texts are byte ranges of `buf`. One object per reader, reused for every line, so
 * it is valid until the reader moves on; `toPoolRecord` makes the PoolRecord readPool yields.
 */
export class ByteRecord {
  buf: Buffer = NO_BYTES;
  index = 0;
  line = 0;
  /** Offset of the line's first byte in the file; undefined in a .jsonl.gz. */
  byteOffset: number | undefined;
  /** The texts, in field order: buf[textStarts[k], textEnds[k]) for k < textCount (valid UTF-8). */
  textCount = 0;
  readonly textStarts: Int32Array;
  readonly textEnds: Int32Array;
  /** The --key-field value; undefined: the default key. */
  keyValue: string | undefined;
  /** The payload (the line as it is in the file) is buf[rawStart, rawEnd), after a BOM if payloadHasBom. */
  rawStart = 0;
  rawEnd = 0;
  private bomLength = 0;

  constructor(
    textFields: number,
    /** Default keys are this prefix and the record index. */
    readonly defaultKeyPrefix: string,
  ) {
    this.textStarts = new Int32Array(textFields);
    this.textEnds = new Int32Array(textFields);
  }

  /** The --key-field value, or the default key `<prefix><index>`. */
  get key(): string {
    return this.keyValue ?? this.defaultKeyPrefix + this.index;
  }

  get location(): InputLocation {
    return this.byteOffset === undefined
      ? { line: this.line, record: this.index }
      : { line: this.line, record: this.index, byteOffset: this.byteOffset };
  }

  /** The record is its file's first line, after a byte-order mark its payload starts with. */
  get payloadHasBom(): boolean {
    return this.bomLength > 0 && this.byteOffset === this.bomLength;
  }

  /** The line as it is in the file (what rawLineBytes gives): a copy. */
  payload(): Buffer {
    const line = this.buf.subarray(this.rawStart, this.rawEnd);
    return this.payloadHasBom ? Buffer.concat([UTF8_BOM, line]) : Buffer.from(line);
  }

  /**
   * The record as readPool yields it. With its payload, the texts are decoded from the payload's
   * copy of the line when first read: the select pass's writers never read them.
   */
  toPoolRecord(withPayload: boolean): PoolRecord {
    const { index, key, location, textCount } = this;
    if (!withPayload) {
      const texts: string[] = [];
      for (let k = 0; k < textCount; k++)
        texts.push(this.buf.toString('utf8', this.textStarts[k], this.textEnds[k]));
      return { kind: 'record', index, key, texts, payload: { type: 'line', bytes: NO_BYTES }, location };
    }
    const bytes = this.payload();
    // Where buf[rawStart] is in the copy (after a byte-order mark put before it).
    const shift = bytes.length - (this.rawEnd - this.rawStart) - this.rawStart;
    const starts = this.textStarts.slice(0, textCount);
    const ends = this.textEnds.slice(0, textCount);
    let texts: string[] | undefined;
    return {
      kind: 'record',
      index,
      key,
      get texts(): string[] {
        texts ??= Array.from(starts, (start, k) => bytes.toString('utf8', start + shift, ends[k] + shift));
        return texts;
      },
      payload: { type: 'line', bytes },
      location,
    };
  }

  /**
   * Sets the record's place: its payload is buf[rawStart, rawEnd), after a byte-order mark of
   * `bomLength` bytes when it starts right after one (the file's first line).
   */
  at(
    buf: Buffer,
    rawStart: number,
    rawEnd: number,
    index: number,
    line: number,
    byteOffset: number | undefined,
    bomLength: number,
  ): void {
    this.buf = buf;
    this.rawStart = rawStart;
    this.rawEnd = rawEnd;
    this.index = index;
    this.line = line;
    this.byteOffset = byteOffset;
    this.bomLength = bomLength;
  }
}
