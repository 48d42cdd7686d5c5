/**
 * The sidecar line of each kept record, `{"key":…,"entry_ids":[…],"p":…}` and a newline (the
 * JSON.stringify of that object), appended as bytes to a staging buffer: no object, array or
 * string per record, and a default key `<prefix><index>` is written without being built.
 */
import { ByteStaging, putBytes, putUint } from './pool/byteStaging';

const QUOTE = 0x22;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;
const KEY_FIELD = Buffer.from('{"key":');
const ENTRY_IDS = Buffer.from(',"entry_ids":[');
const P_FIELD = Buffer.from('],"p":');

export class SidecarLines {
  readonly staged = new ByteStaging(1 << 20);
  private prefix: string | undefined;
  /** JSON.stringify(prefix) without its closing quote, as UTF-8. */
  private prefixJson: Buffer = Buffer.alloc(0);

  /** The line of a record whose key is `<prefix><index>`: its ids are ids[start, end). */
  addDefaultKey(
    prefix: string,
    index: number,
    ids: ArrayLike<number>,
    start: number,
    end: number,
    p: number,
  ): void {
    if (prefix !== this.prefix) {
      this.prefix = prefix;
      const json = JSON.stringify(prefix);
      this.prefixJson = Buffer.from(json.slice(0, json.length - 1), 'utf8');
    }
    const staged = this.staged;
    staged.appendBytes(KEY_FIELD);
    // A decimal number needs no escape, so the key's JSON is the prefix's and the digits.
    staged.appendBytes(this.prefixJson);
    staged.appendUint(index);
    staged.appendByte(QUOTE);
    this.addRest(ids, start, end, p);
  }

  /** The line of a record with any key. */
  addKey(key: string, ids: ArrayLike<number>, start: number, end: number, p: number): void {
    this.staged.appendBytes(KEY_FIELD);
    this.staged.appendUtf8(JSON.stringify(key));
    this.addRest(ids, start, end, p);
  }

  private addRest(ids: ArrayLike<number>, start: number, end: number, p: number): void {
    const staged = this.staged;
    // Each id is at most 10 digits and a comma.
    const buf = staged.reserve(ENTRY_IDS.length + 11 * (end - start) + P_FIELD.length + 3);
    let at = putBytes(buf, staged.length, ENTRY_IDS);
    for (let i = start; i < end; i++) {
      if (i > start) buf[at++] = COMMA;
      at = putUint(buf, at, ids[i]);
    }
    at = putBytes(buf, at, P_FIELD);
    staged.length = at;
    // A number's JSON text is its String(); 1 (a record with a tail entry) is the common one.
    if (p === 1) staged.appendByte(0x31);
    else staged.appendAscii(String(p));
    staged.appendByte(CLOSE_BRACE);
    staged.appendByte(NEWLINE);
  }
}
