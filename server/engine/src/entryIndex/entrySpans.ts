/**
 * Where an entry matches in a text, as [start, end) offsets of the text: the occurrences of the
 * padded entry in the spaced text (docs/spec.md section 2, match/spacing.ts), mapped back through
 * the spacing. Used to highlight one record's text, so the literal search is fast enough.
 */
import { paddedEntry, SPACED_CONTROLS, WRAPPED_PUNCTUATION, type Padding } from '../match/spacing';

const WRAPPED = new Set<string>(WRAPPED_PUNCTUATION);
const CONTROLS = new Set<string>(SPACED_CONTROLS);

/** spacedText(text), and for each of its code units the text's offset (-1: an added space). */
function spacedWithOffsets(text: string): { spaced: string; from: Int32Array } {
  const parts: string[] = [' '];
  const from: number[] = [-1];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (WRAPPED.has(c)) {
      parts.push(' ', c, ' ');
      from.push(-1, i, -1);
    } else {
      parts.push(CONTROLS.has(c) ? ' ' : c);
      from.push(i);
    }
  }
  parts.push(' ');
  from.push(-1);
  return { spaced: parts.join(''), from: Int32Array.from(from) };
}

/** The entry's matches in `text`, ascending; overlapping occurrences are merged. */
export function entrySpans(text: string, entry: string, padding: Padding): [number, number][] {
  const padded = paddedEntry(entry, padding);
  const lead = padded.startsWith(' ') && padded.length > entry.length && !padded.startsWith(entry) ? 1 : 0;
  const { spaced, from } = spacedWithOffsets(text);
  const spans: [number, number][] = [];
  for (let at = spaced.indexOf(padded); at !== -1; at = spaced.indexOf(padded, at + 1)) {
    let start = -1;
    let end = -1;
    for (let k = at + lead; k < at + lead + entry.length; k++) {
      if (from[k] < 0) continue;
      if (start < 0) start = from[k];
      end = from[k] + 1;
    }
    if (start < 0) continue;
    const last = spans[spans.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else spans.push([start, end]);
  }
  return spans;
}
