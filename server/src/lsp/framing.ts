/**
 * LSP base-protocol framing on a byte stream (stdio, socket): `Name: value\r\n` header fields, a
 * blank line, then exactly Content-Length bytes of UTF-8 JSON. vscode-jsonrpc's own reader, given a
 * malformed header, reports it to nobody and then reads nothing more, so the server hung without a
 * word. This reader checks every byte of the header as it arrives and fires a FramingError naming
 * what was wrong, with the bytes received (bounded, escaped); after one it reads nothing more, since
 * the stream has no way to find the start of the next message again.
 */
import {
  AbstractMessageReader,
  Disposable,
  type DataCallback,
  type Message,
  type MessageReader,
} from 'vscode-languageserver/node';

/** Largest body accepted: V8 cannot hold a longer string than ~512 Mi code units anyway. */
export const MAX_CONTENT_LENGTH = 512 * 1024 * 1024;
/** A header section longer than this without its blank line is not a header. */
export const MAX_HEADER_BYTES = 8 * 1024;
/** Bytes of a malformed message quoted in the error. */
const QUOTED_BYTES = 160;

/** RFC 7230 `token` characters: what a header field name is made of. */
const TOKEN_CHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const HEADER_FIELD = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([\x20-\x7e]*?)[ \t]*$/;

export class FramingError extends Error {
  constructor(
    /** What was wrong, in a sentence. */
    readonly detail: string,
    /** The bytes of the message concerned (its header and what came of its body). */
    readonly received: Buffer,
  ) {
    super(`malformed message from the client: ${detail}; received ${quoteBytes(received)}`);
    this.name = 'FramingError';
  }
}

/** A byte as it shows in a quoted string: printable ASCII as is, others escaped (\r, \n, \t, \xff). */
function escapeByte(b: number): string {
  if (b === 0x0d) return '\\r';
  if (b === 0x0a) return '\\n';
  if (b === 0x09) return '\\t';
  if (b === 0x22 || b === 0x5c) return `\\${String.fromCharCode(b)}`;
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, '0')}`;
}

/** Bytes as an escaped, quoted string of at most `limit` bytes, with the total when cut. */
export function quoteBytes(bytes: Uint8Array, limit = QUOTED_BYTES): string {
  let out = '"';
  const n = Math.min(bytes.length, limit);
  for (let i = 0; i < n; i++) out += escapeByte(bytes[i]);
  out += '"';
  if (bytes.length > n) return `${out}… (the first ${n} of ${bytes.length} bytes)`;
  return `${out} (${bytes.length} byte${bytes.length === 1 ? '' : 's'})`;
}

/** A header character (a byte read as Latin-1) quoted. */
function quoteChar(char: string): string {
  return `"${escapeByte(char.charCodeAt(0))}"`;
}

/** What is wrong with a Content-Length value, or its byte count. */
function contentLengthOf(value: string): number | string {
  if (/^-\s*[0-9]+$/.test(value)) return `Content-Length ${value} is negative`;
  if (!/^[0-9]+$/.test(value)) return `Content-Length ${JSON.stringify(value)} is not a byte count`;
  const n = Number(value);
  if (n > MAX_CONTENT_LENGTH) {
    return `Content-Length ${value} is more than the ${MAX_CONTENT_LENGTH / 1024 / 1024} MiB the server accepts`;
  }
  return n;
}

/** Why a Content-Type is not readable, or undefined. */
function contentTypeProblem(value: string): string | undefined {
  const charset = /(?:^|;)\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(value)?.[1];
  if (charset === undefined || /^utf-?8$/i.test(charset)) return undefined;
  return `Content-Type charset ${JSON.stringify(charset)} is not supported: the server reads UTF-8`;
}

type HeaderResult =
  /** The blank line is not there yet (and nothing is wrong so far). */
  | { kind: 'incomplete' }
  | { kind: 'error'; detail: string }
  | { kind: 'complete'; headerBytes: number; contentLength: number };

/** Reads the header at the start of `buf`. */
export function readHeader(buf: Buffer): HeaderResult {
  let contentLength: number | undefined;
  let lineStart = 0;
  const limit = Math.min(buf.length, MAX_HEADER_BYTES + 2);
  for (;;) {
    const nl = buf.indexOf(0x0a, lineStart);
    if (nl < 0 || nl >= limit) {
      const problem = partialLineProblem(buf.subarray(lineStart, limit));
      if (problem) return { kind: 'error', detail: problem };
      if (buf.length > MAX_HEADER_BYTES) {
        return { kind: 'error', detail: `no blank line ends the header within ${MAX_HEADER_BYTES} bytes` };
      }
      return { kind: 'incomplete' };
    }
    if (nl === lineStart || buf[nl - 1] !== 0x0d) {
      return { kind: 'error', detail: 'a header line ends with a bare \\n: header lines end with \\r\\n' };
    }
    const line = buf.toString('latin1', lineStart, nl - 1);
    lineStart = nl + 1;
    if (line.length === 0) {
      if (contentLength === undefined) return { kind: 'error', detail: 'the header has no Content-Length' };
      return { kind: 'complete', headerBytes: lineStart, contentLength };
    }
    const field = HEADER_FIELD.exec(line);
    if (!field) return { kind: 'error', detail: lineProblem(line) };
    const name = field[1].toLowerCase();
    if (name === 'content-length') {
      const n = contentLengthOf(field[2]);
      if (typeof n === 'string') return { kind: 'error', detail: n };
      if (contentLength !== undefined && contentLength !== n) {
        return { kind: 'error', detail: `two different Content-Length values, ${contentLength} and ${n}` };
      }
      contentLength = n;
    } else if (name === 'content-type') {
      const problem = contentTypeProblem(field[2]);
      if (problem) return { kind: 'error', detail: problem };
    }
  }
}

/** Why a complete header line is not a `Name: value` field. */
function lineProblem(line: string): string {
  const colon = line.indexOf(':');
  const name = colon < 0 ? line : line.slice(0, colon);
  for (const char of name) {
    if (!TOKEN_CHAR.test(char)) {
      return `expected a header field "Name: value" or the blank line that ends the header, got ${quoteChar(char)} in the line ${quoteBytes(Buffer.from(line, 'latin1'))}`;
    }
  }
  const quoted = quoteBytes(Buffer.from(line, 'latin1'));
  if (colon < 0) return `the header line ${quoted} has no ":"`;
  if (colon === 0) return `the header line ${quoted} has no field name`;
  return `the header line ${quoted} holds a character that is not printable ASCII`;
}

/** Why the start of a line (no \n yet) cannot become a header field, or undefined. */
function partialLineProblem(bytes: Buffer): string | undefined {
  const text = bytes.toString('latin1');
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  for (let i = 0; i < name.length; i++) {
    // A \r may be the end of the line, whose \n has not come yet.
    if (name[i] === '\r' && i === name.length - 1 && colon < 0) break;
    if (!TOKEN_CHAR.test(name[i])) {
      return `expected a header field "Name: value" or the blank line that ends the header, got ${quoteChar(name[i])}`;
    }
  }
  if (colon >= 0 && !/^[\x20-\x7e\t]*\r?$/.test(text.slice(colon + 1))) {
    return 'a header value holds a character that is not printable ASCII';
  }
  return undefined;
}

/** Parses a message body: UTF-8 JSON of an object. Returns the message or why it is not one. */
export function parseBody(body: Buffer): { message: Message } | { detail: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { detail: 'the body is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { detail: `the body is not JSON (${(err as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return { detail: `the body is not a JSON-RPC message: expected an object, got ${got}` };
  }
  return { message: value as Message };
}

/** Reads Content-Length framed messages from a byte stream; fires FramingError on malformed input. */
export class ContentLengthMessageReader extends AbstractMessageReader implements MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The current message's header, once read; its body is awaited. */
  private header: { bytes: Buffer; contentLength: number } | undefined;
  private failed = false;
  private closed = false;
  private callback: DataCallback | undefined;

  constructor(private readonly readable: NodeJS.ReadableStream) {
    super();
  }

  /** Bytes received that do not form a whole message yet. */
  get pendingBytes(): number {
    return this.buffered + (this.header?.bytes.length ?? 0);
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (data: Buffer | string) =>
      this.onData(typeof data === 'string' ? Buffer.from(data) : data);
    const onError = (error: Error) => this.fireError(error);
    const onClose = () => {
      if (this.closed) return;
      this.closed = true;
      this.fireClose();
    };
    this.readable.on('data', onData);
    this.readable.on('error', onError);
    this.readable.on('end', onClose);
    this.readable.on('close', onClose);
    return Disposable.create(() => {
      this.readable.off('data', onData);
      this.readable.off('error', onError);
      this.readable.off('end', onClose);
      this.readable.off('close', onClose);
    });
  }

  /** Feeds bytes as if they came from the stream (the stream's data events call it). */
  onData(data: Buffer): void {
    if (this.failed) return;
    this.chunks.push(data);
    this.buffered += data.length;
    for (;;) {
      if (!this.header) {
        const buf = this.peek();
        const result = readHeader(buf);
        if (result.kind === 'incomplete') return;
        if (result.kind === 'error') return this.fail(result.detail, buf);
        this.header = {
          bytes: Buffer.from(buf.subarray(0, result.headerBytes)),
          contentLength: result.contentLength,
        };
        this.take(result.headerBytes);
      }
      const { bytes, contentLength } = this.header;
      if (this.buffered < contentLength) return;
      const body = this.take(contentLength);
      this.header = undefined;
      const parsed = parseBody(body);
      if ('detail' in parsed) return this.fail(parsed.detail, Buffer.concat([bytes, body]));
      this.callback?.(parsed.message);
    }
  }

  private fail(detail: string, received: Buffer): void {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    this.fireError(new FramingError(detail, received));
  }

  /** The buffered bytes as one buffer (kept as the only chunk). */
  private peek(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Removes and returns the first `n` buffered bytes. */
  private take(n: number): Buffer {
    const all = this.peek();
    const head = all.subarray(0, n);
    let rest = all.subarray(n);
    // A short rest is copied, so that it does not keep a large body's buffer alive.
    if (rest.length > 0 && rest.length < all.length / 2) rest = Buffer.from(rest);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return head;
  }
}
