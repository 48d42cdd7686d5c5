/**
 * Captions of a sample file's text, each with where it sits, so a span of the decoded caption maps
 * back to the exact characters of the file: JSON Lines (the caption field's string, escapes
 * accounted for), CSV (a quoted field's `""` and line breaks accounted for), TSV and plain text.
 */
import { DEFAULT_TEXT_FIELDS } from '../../../../contracts/src/lsp';
import { decodeStringWithOffsets, findStringField } from './jsonScan';

export type SampleFormat = 'jsonl' | 'csv' | 'tsv' | 'text';

/** One caption in a sample text. */
export interface CaptionSite {
  /** The decoded caption. */
  text: string;
  /** 0-based line of the record's first line. */
  line: number;
  /** Source offset of caption unit 0 when the caption is a plain slice of the source. */
  start: number;
  /** Source offsets of each caption unit (and one past the end), when it is not a plain slice. */
  map?: Int32Array;
  /**
   * With a language field asked for: the record's value of it, or `und` when the record has none
   * (as `curate --lang-field` reads such a record: of no known language).
   */
  language?: string;
}

/** The language code of no known language (worldwide/languageId.ts says `und` too). */
const UNDETERMINED = 'und';

/** Source range of the caption span [a, b). */
export function sourceRange(site: CaptionSite, a: number, b: number): [number, number] {
  if (site.map) return [site.map[a], site.map[b]];
  return [site.start + a, site.start + b];
}

/** The format of a sample file from its name, or undefined for one the server does not read as text. */
export function sampleFormatOf(path: string): SampleFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.tsv')) return 'tsv';
  if (lower.endsWith('.txt')) return 'text';
  return undefined;
}

/** The caption fields to try: the configured one, or caption/text/TEXT. */
export function textFieldsOf(textField: string): string[] {
  return textField ? [textField] : [...DEFAULT_TEXT_FIELDS];
}

/**
 * The captions of a sample text; with `languageField` (a JSONL key, a CSV/TSV header column), each
 * caption carries its record's value of that field (a non-empty string) as `language`, else `und`.
 */
export function extractCaptions(
  source: string,
  format: SampleFormat,
  fields: readonly string[],
  languageField = '',
): CaptionSite[] {
  switch (format) {
    case 'jsonl':
      return jsonlCaptions(source, fields, languageField);
    case 'text':
      return textCaptions(source);
    case 'tsv':
      return tsvCaptions(source, fields, languageField);
    case 'csv':
      return csvCaptions(source, fields, languageField);
  }
}

/** Calls `visit(start, end, line)` for each line (end excludes CR/LF). */
function forEachLine(source: string, visit: (start: number, end: number, line: number) => void): void {
  let pos = 0;
  let line = 0;
  const n = source.length;
  while (pos < n) {
    let nl = source.indexOf('\n', pos);
    if (nl === -1) nl = n;
    const end = nl > pos && source.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
    visit(pos, end, line++);
    pos = nl + 1;
  }
}

function jsonlCaptions(source: string, fields: readonly string[], languageField: string): CaptionSite[] {
  const out: CaptionSite[] = [];
  forEachLine(source, (start, end, line) => {
    const site = findStringField(source, start, end, fields);
    if (!site) return;
    let caption: CaptionSite;
    if (!site.escaped) caption = { text: site.value, line, start: site.start + 1 };
    else {
      const { value, map } = decodeStringWithOffsets(source, site.start, site.end);
      caption = { text: value, line, start: site.start + 1, map };
    }
    if (languageField) {
      const field = findStringField(source, start, end, [languageField]);
      const language = !field
        ? undefined
        : field.escaped
          ? decodeStringWithOffsets(source, field.start, field.end).value
          : field.value;
      caption.language = language || UNDETERMINED;
    }
    out.push(caption);
  });
  return out;
}

function textCaptions(source: string): CaptionSite[] {
  const out: CaptionSite[] = [];
  forEachLine(source, (start, end, line) => out.push({ text: source.slice(start, end), line, start }));
  return out;
}

/** Column of the caption: from a header row naming one of the fields, else column 0 and no header. */
function captionColumn(
  header: readonly string[],
  fields: readonly string[],
): { column: number; hasHeader: boolean } {
  for (const f of fields) {
    const i = header.indexOf(f);
    if (i >= 0) return { column: i, hasHeader: true };
  }
  return { column: 0, hasHeader: false };
}

function tsvCaptions(source: string, fields: readonly string[], languageField: string): CaptionSite[] {
  const out: CaptionSite[] = [];
  let column = 0;
  let languageColumn = -1;
  forEachLine(source, (start, end, line) => {
    if (line === 0) {
      const header = source.slice(start, end).split('\t');
      const c = captionColumn(header, fields);
      column = c.column;
      if (c.hasHeader) {
        languageColumn = languageField ? header.indexOf(languageField) : -1;
        return;
      }
    }
    let s = start;
    for (let k = 0; k < column; k++) {
      const tab = source.indexOf('\t', s);
      if (tab === -1 || tab >= end) return;
      s = tab + 1;
    }
    let e = source.indexOf('\t', s);
    if (e === -1 || e > end) e = end;
    const caption: CaptionSite = { text: source.slice(s, e), line, start: s };
    const language = languageColumn >= 0 ? source.slice(start, end).split('\t')[languageColumn] : undefined;
    if (languageField) caption.language = language || UNDETERMINED;
    out.push(caption);
  });
  return out;
}

interface CsvField {
  value: string;
  start: number;
  map?: Int32Array;
}

/** RFC 4180 rows with each field's source position. */
function csvRows(source: string, visit: (fields: CsvField[], line: number) => boolean | void): void {
  let pos = 0;
  let line = 0;
  const n = source.length;
  while (pos < n) {
    const fields: CsvField[] = [];
    const rowLine = line;
    for (;;) {
      if (source.charCodeAt(pos) === 0x22) {
        const units: number[] = [];
        const offs: number[] = [];
        let i = pos + 1;
        for (; i < n; i++) {
          const c = source.charCodeAt(i);
          if (c === 0x22) {
            if (source.charCodeAt(i + 1) === 0x22) {
              units.push(c);
              offs.push(i);
              i++;
              continue;
            }
            break;
          }
          if (c === 0x0a) line++;
          units.push(c);
          offs.push(i);
        }
        offs.push(i);
        let value = '';
        for (let k = 0; k < units.length; k += 8192)
          value += String.fromCharCode(...units.slice(k, k + 8192));
        fields.push({ value, start: pos + 1, map: Int32Array.from(offs) });
        pos = i + 1;
        // Anything up to the separator after a closing quote is ignored.
        while (pos < n && source[pos] !== ',' && source[pos] !== '\n') pos++;
      } else {
        let e = pos;
        while (e < n && source[e] !== ',' && source[e] !== '\n') e++;
        const end = e > pos && source[e] === '\n' && source.charCodeAt(e - 1) === 0x0d ? e - 1 : e;
        fields.push({ value: source.slice(pos, end), start: pos });
        pos = e;
      }
      if (pos < n && source[pos] === ',') {
        pos++;
        continue;
      }
      break;
    }
    pos++;
    line++;
    if (visit(fields, rowLine) === false) return;
  }
}

function csvCaptions(source: string, fields: readonly string[], languageField: string): CaptionSite[] {
  const out: CaptionSite[] = [];
  let column = -1;
  let languageColumn = -1;
  csvRows(source, (row, line) => {
    if (column < 0) {
      const header = row.map((f) => f.value);
      const c = captionColumn(header, fields);
      column = c.column;
      if (c.hasHeader) {
        languageColumn = languageField ? header.indexOf(languageField) : -1;
        return;
      }
    }
    const f = row[column];
    if (!f) return;
    const caption: CaptionSite = { text: f.value, line, start: f.start, map: f.map };
    const language = languageColumn >= 0 ? row[languageColumn]?.value : undefined;
    if (languageField) caption.language = language || UNDETERMINED;
    out.push(caption);
  });
  return out;
}
