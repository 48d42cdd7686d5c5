/**
 * Loading a metadata list. The entry id is the position in the list (docs/spec.md section 1).
 * JSON arrays of strings are the interchange format; `.txt` lists (one entry per line) are
 * accepted as a convenience.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError } from './errors';
import { literalValue, stringLiteralsOf } from './metadataLiterals';

export interface Metadata {
  path: string;
  entries: string[];
  /** sha256 of the file's bytes: keys the matcher cache and ties outputs to their metadata. */
  sha256: string;
}

export async function loadMetadata(path: string): Promise<Metadata> {
  const { bytes, sha256 } = await readMetadataFile(path);
  return { path, entries: parseMetadataBytes(path, bytes), sha256 };
}

/** The bytes of a metadata file and their sha256, not parsed yet. */
export async function readMetadataFile(path: string): Promise<{ bytes: Buffer; sha256: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError(path, {}, 'unreadable', `cannot read metadata: ${(err as Error).message}`);
  }
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The bytes of metadata parsed later, and its number of entries when known (its matcher index's). */
const unparsed = new WeakMap<Metadata, { bytes: Buffer; numEntries?: number }>();

/**
 * Metadata whose entries are parsed when first read. Only for bytes known to parse (a matcher
 * index is cached under their sha256, and only metadata that loaded is cached): a caller that
 * needs only the hash until later then does not wait for 500k entries to be parsed, and one that
 * needs a few names (entryName) and the count (entryCount, given `numEntries`) never does.
 */
export function metadataParsedLater(
  path: string,
  bytes: Buffer,
  sha256: string,
  numEntries?: number,
): Metadata {
  const metadata = { path, sha256 } as Metadata;
  unparsed.set(metadata, { bytes, numEntries });
  Object.defineProperty(metadata, 'entries', {
    enumerable: true,
    configurable: true,
    get(): string[] {
      const entries = parseMetadataBytes(path, bytes);
      Object.defineProperty(metadata, 'entries', { value: entries, enumerable: true, writable: true });
      return entries;
    },
  });
  return metadata;
}

/** metadata.entries.length, without parsing entries whose count is known (metadataParsedLater). */
export function entryCount(metadata: Metadata): number {
  return unparsed.get(metadata)?.numEntries ?? metadata.entries.length;
}

/**
 * metadata.entries[id]: of metadata parsed later with its count, read from its literal in the
 * file's bytes (the ~19k names a summary lists cost far less than parsing 500k).
 */
export function entryName(metadata: Metadata, id: number): string {
  const later = unparsed.get(metadata);
  if (later?.numEntries !== undefined && !metadata.path.endsWith('.txt')) {
    const literals = stringLiteralsOf(later.bytes, later.numEntries);
    if (literals !== undefined) return literalValue(later.bytes, literals, id);
  }
  return metadata.entries[id];
}

/** The entries of a metadata file's bytes (lines of a .txt, else a JSON array); InputError when bad or empty. */
export function parseMetadataBytes(path: string, bytes: Buffer): string[] {
  const text = bytes.toString('utf8');
  const entries = path.endsWith('.txt') ? parseEntryLines(text) : parseEntryJson(path, text);
  if (entries.length === 0) {
    throw new InputError(path, {}, 'bad-metadata', 'metadata is empty: it must list at least one entry');
  }
  return entries;
}

/** One entry per line; a CR before the LF is dropped; a final newline does not start an entry. */
export function parseEntryLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function parseEntryJson(path: string, text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    const line = pos ? lineOfOffset(text, Number(pos[1])) : undefined;
    throw new InputError(path, { line }, 'bad-metadata', `metadata is not valid JSON: ${message}`);
  }
  if (!Array.isArray(value)) {
    throw new InputError(
      path,
      { line: 1 },
      'bad-metadata',
      `metadata must be a JSON array of strings, found ${describe(value)}`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') {
      const offset = offsetOfArrayElement(text, i);
      throw new InputError(
        path,
        { line: offset >= 0 ? lineOfOffset(text, offset) : undefined, record: i },
        'bad-metadata',
        `entry ${i} is ${describe(value[i])}, expected a string`,
      );
    }
  }
  return value as string[];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v} (${JSON.stringify(v)})`;
}

export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Offset of the i-th element of a top-level JSON array (error path only), or -1. */
function offsetOfArrayElement(text: string, index: number): number {
  let depth = 0;
  let element = -1;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectValue && !/\s/.test(c) && c !== ']') {
      element++;
      expectValue = false;
      if (element === index) return i;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectValue = true;
  }
  return -1;
}
