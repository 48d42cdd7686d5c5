/** Small workspaces for the protocol tests, and helpers to read LSP results back as text. */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver-protocol';

export const LONG_ENTRY = 'x'.repeat(257);

/** The metadata list of the small workspace: one entry per line, problems included. */
export const METADATA_TEXT = [
  '[',
  '  "dog",',
  '  "new york",',
  '  "new york city",',
  '  "hot dog",',
  '  "caf\\u00e9",',
  '  "dog",',
  '  " cat",',
  '  "St. Louis",',
  '  "",',
  '  "cafe\u0301 noir",',
  '  "a\u00a0b",',
  `  "${LONG_ENTRY}",`,
  '  "red car"',
  ']',
  '',
].join('\n');

/** Entry values in id order. */
export const ENTRIES = JSON.parse(METADATA_TEXT) as string[];

/**
 * Lists with the problems metadata.json does not show, opened as `lists/*.metadata.json`: spacing,
 * whitespace only, tab and newline (escaped, as JSON requires).
 */
export const SPACING_METADATA_TEXT = [
  '[',
  '  "cat  ",',
  '  "hot  dog",',
  '  "   ",',
  '  "dog\\tcat",',
  '  "a\\nb"',
  ']',
  '',
].join('\n');
/** Not JSON: a missing comma (line 2) and a trailing comma (line 3). */
export const SYNTAX_ERROR_METADATA_TEXT = '["dog",\n "cat" "bird",\n ]\n';
/** JSON, but an object rather than an array of strings. */
export const NOT_ARRAY_METADATA_TEXT = '{"dog": 1}\n';

export const JSONL_TEXT = [
  '{"caption": "a dog in new york city"}',
  '{"id": 2, "caption": "caf\\u00e9\\tdog \\"x\\" hot dog"}',
  '{"text": "red car and red car."}',
  '{"caption": 42}',
  '',
].join('\n');
export const TSV_TEXT = 'a dog on the street\thttp://x/1.jpg\nSt. Louis at night\thttp://x/2.jpg\n';
export const CSV_TEXT = 'id,caption\n1,"a ""big"" red\ncar by a dog"\n2,new york\n';
export const TXT_TEXT = 'hot dog stand\nnothing here\n';

export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/** The sha256 (hex) of a text's UTF-8 bytes: what a curation records of its metadata file. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A workspace: metadata, four sample files, an extra list, a curation made with the metadata,
 * training runs `run-a` and `run-b` on that curation, a plain JSON file.
 */
export function writeSmallWorkspace(root: string): void {
  writeTree(root, {
    'metadata.json': METADATA_TEXT,
    'samples/captions.jsonl': JSONL_TEXT,
    'samples/cc.tsv': TSV_TEXT,
    'samples/table.csv': CSV_TEXT,
    'samples/lines.txt': TXT_TEXT,
    'lists/extra.entries.txt': 'sea\nboat\n',
    'runs/curation-1/summary.json': JSON.stringify({
      pool: { records: 1000000 },
      metadata: { path: 'metadata.json', sha256: sha256Hex(METADATA_TEXT) },
    }),
    '.metacurate/runs/run-a/run.json': JSON.stringify({ id: 'run-a', curation: { dir: 'runs/curation-1' } }),
    '.metacurate/runs/run-b/run.json': JSON.stringify({ id: 'run-b', curation: { dir: 'runs/curation-1' } }),
    'runs/curation-1/counts.json': JSON.stringify({ dog: 50000, 'new york': 1204, 'red car': 3 }),
    'notes.json': '["street", "night"]\n',
  });
}

export interface AbsoluteToken {
  line: number;
  char: number;
  length: number;
  type: number;
  modifiers: number;
}

/** Decodes LSP relative semantic tokens. */
export function decodeTokens(data: number[]): AbsoluteToken[] {
  const out: AbsoluteToken[] = [];
  let line = 0;
  let char = 0;
  for (let i = 0; i < data.length; i += 5) {
    line += data[i];
    char = data[i] === 0 ? char + data[i + 1] : data[i + 1];
    out.push({ line, char, length: data[i + 2], type: data[i + 3], modifiers: data[i + 4] });
  }
  return out;
}

/** The text each token covers, with its modifiers (1 = head, 2 = tail). */
export function tokenTexts(text: string, data: number[]): [string, number][] {
  const doc = TextDocument.create('file:///x', 'x', 1, text);
  return decodeTokens(data).map((t) => [
    doc.getText({
      start: { line: t.line, character: t.char },
      end: { line: t.line, character: t.char + t.length },
    }),
    t.modifiers,
  ]);
}

/** Position of the n-th occurrence (0-based) of `needle` in `text`, plus `delta` characters. */
export function positionOf(text: string, needle: string, delta = 0, nth = 0): Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`${JSON.stringify(needle)} not found`);
  }
  return TextDocument.create('file:///x', 'x', 1, text).positionAt(at + delta);
}

export function textOf(text: string, range: Range): string {
  return TextDocument.create('file:///x', 'x', 1, text).getText(range);
}
