/**
 * The WordNet part of the metadata (docs/spec.md section 1), read straight from a WordNet database folder
 * (the `data.noun`, `data.verb`, `data.adj`, `data.adv` files of the WNDB format).
 *
 * The reference (facebookresearch/MetaCLIP, metaclip/build_metadata.py `wordnet_synsets`) takes
 * NLTK's `synset.name()` for every synset, keeps what precedes the first `.` and turns `_` into
 * spaces. NLTK names a synset after its first lemma in the data file, with an adjective marker
 * such as `(a)`, `(p)` or `(ip)` removed, lower-cased. Since the lemma itself may hold a dot
 * (`st._louis`, `a.d.`), "before the first dot" cuts inside it, as the reference does.
 * `main()` there then adds "0".."99" and drops empty names and single punctuation characters.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../engine/src/errors';
import {
  compareCodeUnits,
  defaultWordnetDir,
  WORDNET_DATA_FILES,
  wordnetDbPackageJson,
} from '../../engine/src/wordnetFiles';
import { isPunctuationChar } from './tokenize';

export { compareCodeUnits, defaultWordnetDir, WORDNET_DATA_FILES, wordnetDbPackageJson };

/** The synset name the reference derives from one data-file line, before filtering. */
export function synsetHeadName(line: string, file = '', lineNo = 0): string {
  // offset lex_filenum ss_type w_cnt word lex_id ...
  const fields = line.split(' ', 6);
  if (fields.length < 6 || !/^[0-9]{8}$/.test(fields[0]) || !/^[0-9a-fA-F]{2}$/.test(fields[3])) {
    throw new InputError(file, { line: lineNo }, 'unreadable', 'not a WordNet data line');
  }
  let lemma = fields[4];
  // NLTK: re.match(r"(.*?)(\(.*\))?$") splits off a trailing syntactic marker.
  const open = lemma.indexOf('(');
  if (open >= 0 && lemma.endsWith(')')) lemma = lemma.slice(0, open);
  lemma = lemma.toLowerCase();
  const dot = lemma.indexOf('.');
  if (dot >= 0) lemma = lemma.slice(0, dot);
  return lemma.replace(/_/g, ' ');
}

/** The reference's global entry filter: no empty entries, no single punctuation characters. */
export function isAdmissibleEntry(entry: string): boolean {
  return entry.length > 0 && !isPunctuationChar(entry);
}

export interface WordnetFileInfo {
  name: string;
  bytes: number;
  sha256: string;
  synsets: number;
}

export interface WordnetPart {
  dir: string;
  /** Unique names (numbers included), sorted by UTF-16 code unit order. */
  entries: string[];
  files: WordnetFileInfo[];
  synsets: number;
  /** From the license header ("WordNet 3.0 Copyright ..."), when present. */
  version?: string;
}

/** The WordNet part: unique synset head names plus "0".."99", sorted by code unit order. */
export async function buildWordnetPart(dir: string): Promise<WordnetPart> {
  const names = new Set<string>();
  for (let i = 0; i < 100; i++) names.add(String(i));
  const files: WordnetFileInfo[] = [];
  let synsets = 0;
  let version: string | undefined;
  for (const name of WORDNET_DATA_FILES) {
    const path = join(dir, name);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new InputError(
        path,
        {},
        'unreadable',
        `cannot read WordNet data file: ${(err as Error).message}`,
      );
    }
    // WordNet 3.0/3.1 data files are ASCII; latin1 keeps any stray byte as one character.
    const lines = bytes.toString('latin1').split('\n');
    let count = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
      // The license header lines start with two spaces.
      if (line.startsWith('  ')) {
        version ??= /\bWordNet ([0-9]+(?:\.[0-9]+)*) Copyright/.exec(line)?.[1];
        continue;
      }
      if (line === '') continue;
      const head = synsetHeadName(line, path, i + 1);
      count++;
      if (isAdmissibleEntry(head)) names.add(head);
    }
    if (count === 0) throw new InputError(path, {}, 'unreadable', 'WordNet data file has no synset lines');
    synsets += count;
    files.push({
      name,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      synsets: count,
    });
  }
  return { dir, entries: [...names].sort(compareCodeUnits), files, synsets, version };
}
