/**
 * The worldwide (substring) span index; see spanIndex.ts for what it finds and what it costs.
 */
import { pairHash } from '../../engine/src/match/hashing';
import type { EntryMatcher } from '../../engine/src/match/matcher';
import type { Padding } from '../../engine/src/match/spacing';
import { SubstringMatcher, type SubstringIndex } from '../../engine/src/match/substringMatcher';
import { isBlank, spacedWithOrigins } from './spanIndexCaption';
import { SegmentPainter } from './spanIndexPainter';
import { MAX_SPANS_PER_LINE, type Span, type SpanIndex, type SpanList } from './spanIndexTypes';

/**
 * Worldwide padding: spans by running the engine's substring automaton (substringMatcher.ts)
 * over the spaced caption and reading each match's position. A padded entry ends with a
 * padding space exactly when the spaced character it ends on is a space (entries' own end
 * characters are padded unless unpadded ones, never spaces), so a match ending there covers
 * the entry's characters up to the one before; that gives every span in O(1), and the matches
 * ending at one place, longest first, start ever later. Each line costs O(spaced text + spans
 * reported), whatever the metadata.
 */
export class SubstringSpanIndex implements SpanIndex {
  readonly padding: Padding = 'worldwide';
  private readonly index: SubstringIndex;
  private readonly gotoMask: number;
  private readonly painter = new SegmentPainter();
  private steps = 0;

  constructor(
    private readonly matcher: EntryMatcher,
    private readonly entries: readonly string[],
  ) {
    if (!(matcher instanceof SubstringMatcher)) {
      throw new Error('the worldwide span index needs the worldwide (substring) matcher');
    }
    this.index = matcher.index;
    this.gotoMask = this.index.gotoTable.length / 3 - 1;
  }

  get numEntries(): number {
    return this.matcher.numEntries;
  }

  /** Automaton steps since construction: transitions tried and dictionary links followed. */
  get trieSteps(): number {
    return this.steps;
  }

  /**
   * Per character of the spaced caption: the first node of the automaton's dictionary chain
   * there (the longest entry ending on it; 0: none).
   */
  private outputsOf(text: string): Int32Array {
    const { rootGoto, gotoTable, fail, dictLink, nodeEntry } = this.index;
    const mask = this.gotoMask;
    const outputs = new Int32Array(text.length);
    let steps = 0;
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      for (;;) {
        steps++;
        let next = 0;
        if (node === 0) next = rootGoto[unit];
        else {
          for (let slot = pairHash(node, unit) & mask; ; slot = (slot + 1) & mask) {
            const owner = gotoTable[slot * 3];
            if (owner === -1) break;
            if (owner === node && gotoTable[slot * 3 + 1] === unit) {
              next = gotoTable[slot * 3 + 2];
              break;
            }
          }
        }
        if (next !== 0 || node === 0) {
          node = next;
          break;
        }
        node = fail[node];
      }
      outputs[i] = nodeEntry[node] !== -1 ? node : dictLink[node];
    }
    this.steps += steps;
    return outputs;
  }

  spans(caption: string): Span[] {
    return this.findSpans(caption).spans;
  }

  findSpans(caption: string, covering?: number): SpanList {
    const spaced = spacedWithOrigins(caption);
    const { text, lo, hi } = spaced;
    const outputs = this.outputsOf(text);
    const { dictLink, nodeEntry, nextEntry } = this.index;
    const entries = this.entries;
    const out: Span[] = [];
    let capped = false;
    let steps = 0;
    for (let i = 0; i < text.length && !capped; i++) {
      // The last spaced character of the entries ending here (see the class comment).
      const last = text.charCodeAt(i) === 0x20 ? i - 1 : i;
      if (covering !== undefined && (last < 0 || hi[last] <= covering)) continue;
      for (let at = outputs[i]; at !== 0 && !capped; at = dictLink[at]) {
        steps++;
        const length = entries[nodeEntry[at]].length;
        const first = last - length + 1;
        if (covering !== undefined) {
          if (length === 0) continue;
          // Later links end here too and start no earlier.
          if (lo[first] > covering) break;
        }
        const start = length > 0 ? lo[first] : 0;
        const end = length > 0 ? hi[last] : 0;
        for (let id = nodeEntry[at]; id !== -1; id = nextEntry[id]) {
          if (out.length === MAX_SPANS_PER_LINE) {
            capped = true;
            break;
          }
          out.push({ start, end, id });
        }
      }
    }
    this.steps += steps;
    return { spans: out, capped };
  }

  forEachId(caption: string, visit: (id: number) => void): void {
    const ids = this.matcher.match(caption);
    for (const id of ids) visit(id);
  }

  /**
   * segmentSpans(spans, caption) without materialising the spans: the longest span covering a
   * character lies among the longest ones ending at each spaced character (any span lies inside
   * the longest one ending where it does), where ties in length are spans of the same range; so
   * one candidate per spaced character, with the lowest id of its range, is painted.
   */
  segments(caption: string): Span[] | null {
    const { text, lo, hi } = spacedWithOrigins(caption);
    const outputs = this.outputsOf(text);
    const { dictLink, nodeEntry } = this.index;
    const entries = this.entries;
    const painter = this.painter;
    painter.begin(caption.length);
    let steps = 0;
    for (let i = 0; i < text.length; i++) {
      const last = text.charCodeAt(i) === 0x20 ? i - 1 : i;
      let at = outputs[i];
      while (at !== 0 && entries[nodeEntry[at]].length === 0) at = dictLink[at];
      if (at === 0) continue;
      const start = lo[last - entries[nodeEntry[at]].length + 1];
      const end = hi[last];
      if (end <= start) continue;
      let id = nodeEntry[at];
      // Shorter entries ending here whose range is the same (a wrapped mark's spaces and the
      // mark stand for one caption position): at most a few links.
      for (let next = dictLink[at]; next !== 0; next = dictLink[next]) {
        steps++;
        const length = entries[nodeEntry[next]].length;
        if (length === 0) continue;
        if (lo[last - length + 1] !== start) break;
        if (nodeEntry[next] < id) id = nodeEntry[next];
      }
      painter.add(start, end - 1, id, end - start);
    }
    this.steps += steps;
    if (!painter.paint()) return null;
    // Runs of characters given to the same entry, blanks at their ends trimmed.
    const out: Span[] = [];
    const { paintedId } = painter;
    for (let p = 0; p < caption.length;) {
      const id = paintedId[p];
      let q = p + 1;
      while (q < caption.length && paintedId[q] === id) q++;
      if (id >= 0) {
        let start = p;
        let end = q;
        while (start < end && isBlank(caption.charCodeAt(start))) start++;
        while (end > start && isBlank(caption.charCodeAt(end - 1))) end--;
        if (end > start) out.push({ start, end, id });
      }
      p = q;
    }
    return out.length === 0 ? null : out;
  }
}
