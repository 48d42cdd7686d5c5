/**
 * Problems of a metadata list, as LSP diagnostics with exact ranges: a pure function of the text
 * (through its parsed model). Each diagnostic's `code` names the check and its `data` names the
 * entry, so the quick fixes (codeActions.ts) can be computed from the diagnostic alone.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-protocol';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { spacedText, WRAPPED_PUNCTUATION, type Padding } from '../../engine/src/match/spacing';
import {
  entryValue,
  spanMapper,
  valueRange,
  type MetadataModel,
} from '../../engine/src/documents/metadataModel';
import { firstOccurrences, valueSpans, type ValueSpans } from './duplicates';
import { positionsOf } from './textPositions';

export const DIAGNOSTIC_SOURCE = 'metacurate';
/** Entries longer than this (in characters) are flagged. */
export const MAX_ENTRY_LENGTH = 256;
/** At most this many diagnostics per document; one more says how many were left out. */
export const MAX_DIAGNOSTICS = 10_000;

export type EntryProblem =
  | 'duplicate'
  | 'empty'
  | 'leading-space'
  | 'trailing-space'
  | 'double-space'
  | 'never-matches'
  | 'nbsp'
  | 'nfd'
  | 'too-long';

export type DiagnosticCode = EntryProblem | 'json-syntax' | 'not-array' | 'not-string' | 'too-many';

/** What a diagnostic's `data` carries: the entry id and value it was computed for. */
export interface EntryDiagnosticData {
  id: number;
  value: string;
  /** For duplicates: the id of the first occurrence. */
  firstId?: number;
}

const PUNCT_SET = new Set<number>(WRAPPED_PUNCTUATION.map((p) => p.charCodeAt(0)));
/** PUNCT_SET as a table over ASCII, for the per-character fast path (a Set lookup costs more). */
const IS_PUNCT = new Uint8Array(0x80);
for (const c of PUNCT_SET) if (c < 0x80) IS_PUNCT[c] = 1;
const NBSP_CHARS = new Set([0x00a0, 0x2007, 0x202f]);

function isSpaceLike(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || NBSP_CHARS.has(c) || c === 0x3000;
}

/** Why an entry can never match under the reference rules (docs/spec.md section 2), or undefined. */
export function neverMatchReason(entry: string): { reason: string; at: number } | undefined {
  const reasons: string[] = [];
  let at = -1;
  const punct = new Set<string>();
  let control = '';
  for (let i = 0; i < entry.length; i++) {
    const c = entry.charCodeAt(i);
    if (PUNCT_SET.has(c)) {
      const before = i === 0 || entry.charCodeAt(i - 1) === 0x20;
      const after = i === entry.length - 1 || entry.charCodeAt(i + 1) === 0x20;
      if (!before || !after) {
        punct.add(entry[i]);
        if (at < 0) at = i;
      }
    } else if (c === 0x09 || c === 0x0a || c === 0x0d) {
      if (!control.includes(entry[i])) control += entry[i];
      if (at < 0) at = i;
    }
  }
  if (punct.size > 0) {
    const chars = [...punct].map((p) => (p === '`' ? "'`'" : `'${p}'`)).join(' ');
    reasons.push(
      `it contains ${chars} next to another character, and the reference puts a space on each side of ${
        punct.size > 1 ? 'these marks' : 'this mark'
      } in every caption before matching (the entry ${JSON.stringify(padPunctuation(entry))} matches the captions this one was meant to)`,
    );
  }
  if (control.length > 0) {
    const names = [...control].map((c) =>
      c === '\t' ? 'a tab' : c === '\n' ? 'a newline' : 'a carriage return',
    );
    reasons.push(
      `it contains ${names.join(' and ')}, which the reference turns into a space in every caption`,
    );
  }
  if (reasons.length === 0) return undefined;
  return { reason: `Entry can never match: ${reasons.join('; ')}.`, at };
}

/**
 * The entry spaced exactly as the reference spaces captions (punctuation wrapped in spaces, tabs
 * and newlines made spaces): the entry that matches the captions the original was meant to
 * match (`St. Louis` becomes `St .  Louis`, which matches the caption "St. Louis").
 */
export function padPunctuation(entry: string): string {
  return spacedText(entry).slice(1, -1);
}

/** True when the space at `i` is one the reference's punctuation spacing puts there. */
function isPunctuationSpace(entry: string, i: number): boolean {
  return PUNCT_SET.has(entry.charCodeAt(i - 1)) || PUNCT_SET.has(entry.charCodeAt(i + 1));
}

/** Trimmed, with runs of spaces collapsed to one. */
export function normalizeSpaces(entry: string): string {
  return entry.replace(/ {2,}/g, ' ').trim();
}

function hasNonAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x300) return true;
  return false;
}

/** Code points of a string (surrogate pairs count once). */
function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

/**
 * True for a value that no check flags: plain ASCII words separated by single spaces, of at most
 * MAX_ENTRY_LENGTH characters (nearly every entry).
 */
function isPlainWords(s: string, from: number, to: number): boolean {
  if (to === from || to - from > MAX_ENTRY_LENGTH) return false;
  if (s.charCodeAt(from) === 0x20 || s.charCodeAt(to - 1) === 0x20) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20) {
      if (s.charCodeAt(i - 1) === 0x20) return false;
    } else if (c < 0x21 || c >= 0x7f || IS_PUNCT[c] === 1) return false;
  }
  return true;
}

/**
 * The entries a check may flag: duplicates, and values that are not plain words or are not read
 * in the text. A small loop of its own over every entry, reading the values in the text (no
 * string made), so that it is optimised early and apart from computeDiagnostics' large body.
 */
function entriesToCheck(spans: ValueSpans, firstOf: Int32Array): number[] {
  const { text, from, to } = spans;
  const ids: number[] = [];
  for (let id = 0; id < firstOf.length; id++) {
    if (firstOf[id] !== id || from[id] < 0 || !isPlainWords(text, from[id], to[id])) ids.push(id);
  }
  return ids;
}

/**
 * Kana (hiragana, katakana with its prolonged sound mark, halfwidth katakana): Japanese script that
 * MetaCLIP 2 does not list among the unpadded scripts (docs/spec.md section 2; the spec's vectors:
 * `タワー` does not match inside `東京タワーの写真`), so an entry ending in kana gets a space there.
 */
function isKana(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0xff66 && c <= 0xff9f);
}

/**
 * The worldwide padding rule where it surprises: an entry that starts or ends in kana is padded on
 * that side, so it matches only beside a space, which Japanese text seldom has.
 */
export function paddedKanaReason(entry: string): string | undefined {
  const first = entry.length > 0 && isKana(entry.charCodeAt(0));
  const last = entry.length > 0 && isKana(entry.charCodeAt(entry.length - 1));
  if (!first && !last) return undefined;
  const side = first && last ? 'starts and ends' : first ? 'starts' : 'ends';
  return `Entry ${side} in kana, which the worldwide (MetaCLIP 2) padding pads with a space: it matches only where the caption has a space ${first && last ? 'on both sides' : first ? 'before it' : 'after it'}, which Japanese text seldom has (Han, Thai and punctuation ends are matched inside words).`;
}

export function computeDiagnostics(
  doc: TextDocument,
  model: MetadataModel,
  max = MAX_DIAGNOSTICS,
  padding: Padding = 'english',
): Diagnostic[] {
  const text = doc.getText();
  const out: Diagnostic[] = [];
  let dropped = 0;
  const positionAt = positionsOf(text);
  const range = (start: number, end: number) => ({ start: positionAt(start), end: positionAt(end) });
  const push = (d: Diagnostic) => {
    if (out.length < max) out.push(d);
    else dropped++;
  };
  for (const e of model.errors) {
    push({
      range: range(e.start, e.end),
      severity: DiagnosticSeverity.Error,
      code: e.code,
      source: DIAGNOSTIC_SOURCE,
      message: e.message,
    });
  }
  const spans = valueSpans(model, text);
  const firstOf = firstOccurrences(spans);
  for (const id of entriesToCheck(spans, firstOf)) {
    if (firstOf[id] !== id) {
      const value = entryValue(model, id);
      const first = firstOf[id];
      const data: EntryDiagnosticData = { id, value };
      push({
        range: range(model.starts[id], model.ends[id]),
        severity: DiagnosticSeverity.Warning,
        code: 'duplicate',
        source: DIAGNOSTIC_SOURCE,
        message: `Duplicate entry ${JSON.stringify(value)}: the same as entry ${first}; it gets its own id but matches exactly the same captions.`,
        relatedInformation: [
          {
            location: { uri: doc.uri, range: range(model.starts[first], model.ends[first]) },
            message: `first occurrence (entry ${first})`,
          },
        ],
        data: { ...data, firstId: first },
      });
      continue;
    }
    const value = entryValue(model, id);
    if (isPlainWords(value, 0, value.length)) continue;
    const data: EntryDiagnosticData = { id, value };
    const token = () => range(model.starts[id], model.ends[id]);
    const map = spanMapper(model, text, id);
    const at = (a: number, b: number) => {
      const [s, e] = map(a, b);
      return range(s, e);
    };
    let blank = true;
    for (let i = 0; i < value.length && blank; i++) if (!isSpaceLike(value.charCodeAt(i))) blank = false;
    if (blank) {
      push({
        range: token(),
        severity: DiagnosticSeverity.Warning,
        code: 'empty',
        source: DIAGNOSTIC_SOURCE,
        message:
          value.length === 0
            ? 'Empty entry: it matches every caption that holds two spaces in a row after spacing.'
            : 'Whitespace-only entry: it has no words to match.',
        data,
      });
      continue;
    }
    const lead = value.length - value.replace(/^ +/, '').length;
    if (lead > 0 && !(lead === 1 && isPunctuationSpace(value, 0))) {
      push({
        range: at(0, lead),
        severity: DiagnosticSeverity.Warning,
        code: 'leading-space',
        source: DIAGNOSTIC_SOURCE,
        message: `Leading space${lead > 1 ? 's' : ''}: the entry matches only after a doubled space in the caption.`,
        data,
      });
    }
    const trail = value.length - value.replace(/ +$/, '').length;
    if (trail > 0 && !(trail === 1 && isPunctuationSpace(value, value.length - 1))) {
      push({
        range: at(value.length - trail, value.length),
        severity: DiagnosticSeverity.Warning,
        code: 'trailing-space',
        source: DIAGNOSTIC_SOURCE,
        message: `Trailing space${trail > 1 ? 's' : ''}: the entry matches only before a doubled space in the caption.`,
        data,
      });
    }
    const inner = / {2,}/g;
    for (let m = inner.exec(value); m; m = inner.exec(value)) {
      if (m.index === 0 || m.index + m[0].length === value.length) continue;
      // `St .  Louis`: the doubled space of a spaced punctuation mark, as in spaced captions.
      if (m[0].length === 2 && (isPunctuationSpace(value, m.index) || isPunctuationSpace(value, m.index + 1)))
        continue;
      push({
        range: at(m.index, m.index + m[0].length),
        severity: DiagnosticSeverity.Warning,
        code: 'double-space',
        source: DIAGNOSTIC_SOURCE,
        message: `${m[0].length} spaces in a row: only U+0020 separates words, so the entry matches only captions with the same doubled space.`,
        data,
      });
    }
    const never = neverMatchReason(value);
    if (never) {
      push({
        range: at(never.at, never.at + 1),
        severity: DiagnosticSeverity.Warning,
        code: 'never-matches',
        source: DIAGNOSTIC_SOURCE,
        message: never.reason,
        data,
      });
    }
    const kana = padding === 'worldwide' ? paddedKanaReason(value) : undefined;
    if (kana) {
      push({
        range: token(),
        severity: DiagnosticSeverity.Information,
        code: 'padded-kana',
        source: DIAGNOSTIC_SOURCE,
        message: kana,
        data,
      });
    }
    let nbsp = -1;
    for (let i = 0; i < value.length; i++) {
      if (NBSP_CHARS.has(value.charCodeAt(i))) {
        nbsp = i;
        break;
      }
    }
    if (nbsp >= 0) {
      const code = value.charCodeAt(nbsp).toString(16).toUpperCase().padStart(4, '0');
      push({
        range: at(nbsp, nbsp + 1),
        severity: DiagnosticSeverity.Warning,
        code: 'nbsp',
        source: DIAGNOSTIC_SOURCE,
        message: `Non-breaking space (U+${code}): only U+0020 separates words, so this entry does not match the same words with a normal space.`,
        data,
      });
    }
    if (hasNonAscii(value) && value.normalize('NFC') !== value) {
      push({
        range: at(0, value.length),
        severity: DiagnosticSeverity.Warning,
        code: 'nfd',
        source: DIAGNOSTIC_SOURCE,
        message:
          'Decomposed Unicode (NFD): matching does not normalise, so this entry does not match captions written in the usual composed form (NFC).',
        data,
      });
    }
    const length = codePointLength(value);
    if (length > MAX_ENTRY_LENGTH) {
      push({
        range: at(0, value.length),
        severity: DiagnosticSeverity.Warning,
        code: 'too-long',
        source: DIAGNOSTIC_SOURCE,
        message: `Entry is ${length} characters long, over ${MAX_ENTRY_LENGTH}: a concept name this long is almost never a caption's exact words.`,
        data,
      });
    }
  }
  if (dropped > 0) {
    const start = model.starts.length > 0 ? valueRange(model, 0)[0] : 0;
    out.push({
      range: range(start, start),
      severity: DiagnosticSeverity.Information,
      code: 'too-many',
      source: DIAGNOSTIC_SOURCE,
      message: `${dropped} more problems are not listed (at most ${max} are shown).`,
    });
  }
  return out;
}
