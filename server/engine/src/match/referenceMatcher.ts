/**
 * The matcher as the spec words it: an entry matches iff its padded form is a substring of the
 * spaced text. O(entries x text length) per text: the oracle for tests, never for real pools.
 */
import { paddedEntry, spacedText, type Padding } from './spacing';

export class ReferenceMatcher {
  private readonly padded: string[];

  constructor(entries: readonly string[], padding: Padding = 'english') {
    this.padded = entries.map((e) => paddedEntry(e, padding));
  }

  /** Ascending ids of the entries the text matches. */
  match(text: string): number[] {
    const s = spacedText(text);
    const ids: number[] = [];
    for (let id = 0; id < this.padded.length; id++) if (s.includes(this.padded[id])) ids.push(id);
    return ids;
  }
}
