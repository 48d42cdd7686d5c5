/**
 * Highlights of the entries matched in sample documents (semantic tokens, head or tail), cached
 * per document: a whole document's tokens until the index, the counts or the document change;
 * each caption's segments until the index is replaced, and after the edit of a few entries in
 * place only the captions that held an edited entry, or hold its new text, are matched again.
 */
import type { Range, SemanticTokens } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { sourceRange, type CaptionSite, type SampleFormat } from '../../engine/src/documents/samples';
import type { Padding } from '../../engine/src/match/spacing';
import { grow } from '../../engine/src/stringTable';
import { findEntrySpans, type Span, type SpanIndex } from './spanIndex';

/** Token modifiers (bits of SEMANTIC_TOKEN_LEGEND's modifiers): head, tail. */
const HEAD = 1;
const TAIL = 2;
/** In-place edits remembered; a document's cache older than these is rebuilt whole. */
const MAX_EDITS_LOGGED = 32;

/** What the highlights are drawn from: the index of the active list. */
export interface HighlightIndex {
  index: SpanIndex;
  padding: Padding;
  /** Whether entry `id` is a head entry (its count above t). */
  isHead(id: number): boolean;
}

export class SampleHighlights {
  private readonly tokenCache = new Map<string, { version: number; stamp: number; data: number[] }>();
  private readonly spanCache = new Map<
    string,
    { sites: CaptionSite[]; epoch: number; seq: number; segs: (Span[] | null)[] }
  >();
  /** Bumped whenever highlights may change (index, counts, settings). */
  private stamp = 0;
  /** Bumped when the index is replaced; in-place edits are logged instead. */
  private indexEpoch = 0;
  private editSeq = 0;
  private editLog: { seq: number; ids: number[]; values: string[] }[] = [];

  /** The index was replaced: every caption is matched again. */
  indexReplaced(): void {
    this.indexEpoch++;
    this.editLog = [];
  }

  /** Entries `ids` were edited in place to `values`. */
  edited(ids: number[], values: string[]): void {
    this.editSeq++;
    this.editLog.push({ seq: this.editSeq, ids, values });
    if (this.editLog.length > MAX_EDITS_LOGGED) this.editLog.shift();
  }

  /** Index, counts or t changed: no document's tokens are current. */
  invalidate(): void {
    this.stamp++;
    this.tokenCache.clear();
  }

  /** A document changed: its tokens are not current. */
  changed(uri: string): void {
    this.tokenCache.delete(uri);
  }

  /** A document closed, or is no sample any more. */
  forget(uri: string): void {
    this.tokenCache.delete(uri);
    this.spanCache.delete(uri);
  }

  /** Semantic tokens of a sample document (of `range` only when given: uncached). */
  tokens(
    doc: TextDocument,
    format: SampleFormat,
    sites: CaptionSite[],
    from: HighlightIndex,
    range?: Range,
  ): SemanticTokens {
    if (!range) {
      const cached = this.tokenCache.get(doc.uri);
      if (cached && cached.version === doc.version && cached.stamp === this.stamp)
        return { data: cached.data };
    }
    const segments = this.segmentsOf(doc.uri, sites, from, range);
    // Collected in a typed array and copied out once: pushing ~2M numbers onto a growing array
    // costs several times more (a 50,000-line sample has ~440k tokens).
    let buf = new Int32Array(4096);
    let n = 0;
    let prevLine = 0;
    let prevChar = 0;
    const emit = (line: number, char: number, length: number, mods: number) => {
      const dl = line - prevLine;
      if (n + 5 > buf.length) buf = grow(buf, n + 5);
      buf[n] = dl;
      buf[n + 1] = dl === 0 ? char - prevChar : char;
      buf[n + 2] = length;
      buf[n + 3] = 0;
      buf[n + 4] = mods;
      n += 5;
      prevLine = line;
      prevChar = char;
    };
    const firstLine = range?.start.line ?? 0;
    const lastLine = range?.end.line ?? Number.MAX_SAFE_INTEGER;
    // Only CSV captions (quoted fields) can span lines.
    const multiLine = format === 'csv';
    const lineCount = doc.lineCount;
    for (let i = 0; i < sites.length; i++) {
      const site = sites[i];
      if (site.line > lastLine) break;
      if (site.line < firstLine && !multiLine) continue;
      const segs = segments(i);
      if (!segs) continue;
      const lineStart = multiLine ? 0 : doc.offsetAt({ line: site.line, character: 0 });
      for (const seg of segs) {
        const mods = from.isHead(seg.id) ? HEAD : TAIL;
        const [s, e] = sourceRange(site, seg.start, seg.end);
        if (!multiLine) {
          emit(site.line, s - lineStart, e - s, mods);
          continue;
        }
        let at = doc.positionAt(s);
        const to = doc.positionAt(e);
        if (to.line < firstLine) continue;
        while (at.line < to.line && at.line + 1 < lineCount) {
          const next = doc.offsetAt({ line: at.line + 1, character: 0 });
          const text = doc.getText({ start: at, end: doc.positionAt(next) }).replace(/\r?\n$/, '');
          if (text.length > 0) emit(at.line, at.character, text.length, mods);
          at = { line: at.line + 1, character: 0 };
        }
        if (to.character > at.character) emit(at.line, at.character, to.character - at.character, mods);
      }
    }
    const data = new Array<number>(n);
    for (let k = 0; k < n; k++) data[k] = buf[k];
    if (!range) this.tokenCache.set(doc.uri, { version: doc.version, stamp: this.stamp, data });
    return { data };
  }

  /** Highlight segments of each caption site of document `uri` (see the module comment). */
  private segmentsOf(
    uri: string,
    sites: CaptionSite[],
    from: HighlightIndex,
    range?: Range,
  ): (i: number) => Span[] | null {
    const { index, padding } = from;
    let c = this.spanCache.get(uri);
    const oldestSeq = this.editLog.length > 0 ? this.editLog[0].seq : this.editSeq + 1;
    const usable = c && c.sites === sites && c.epoch === this.indexEpoch && c.seq >= oldestSeq - 1;
    if (!usable) {
      if (range) return (i) => index.segments(sites[i].text);
      c = { sites, epoch: this.indexEpoch, seq: this.editSeq, segs: new Array<Span[] | null>(sites.length) };
      for (let i = 0; i < sites.length; i++) c.segs[i] = index.segments(sites[i].text);
      this.spanCache.set(uri, c);
    } else if (c!.seq < this.editSeq) {
      const ids = new Set<number>();
      const values: string[] = [];
      for (const log of this.editLog) {
        if (log.seq <= c!.seq) continue;
        for (const id of log.ids) ids.add(id);
        values.push(...log.values);
      }
      // A caption changes if an edited entry was highlighted in it, or the new text matches it.
      for (let i = 0; i < sites.length; i++) {
        const old = c!.segs[i];
        const text = sites[i].text;
        let again = old !== null && old.some((sp) => ids.has(sp.id));
        for (let v = 0; v < values.length && !again; v++)
          again = findEntrySpans(text, values[v], padding).length > 0;
        if (again) c!.segs[i] = index.segments(text);
      }
      c!.seq = this.editSeq;
    }
    const cache = c!;
    return (i) => cache.segs[i];
  }
}
