/**
 * Sample captions routed by language when the active list is a worldwide folder's language list
 * (docs/spec.md section 2, "Worldwide thresholds": each text is matched only against the list of
 * its own language). A caption's language is identified with the engine's fastText model
 * (worldwide/languageId.ts), loaded once when a language list first becomes active, unless its
 * record names it in the `languageField` setting's field (a label read with the sample file).
 */
import { loadLanguageIdentifier, type LanguageIdentifier } from '../../engine/src/worldwide/languageId';
import type { CaptionSite } from '../../engine/src/documents/samples';
import type { Padding } from '../../engine/src/match/spacing';
import type { Span, SpanIndex, SpanList } from './spanIndexTypes';

/** Captions whose language is remembered (counting, highlighting and hovers each ask; ~20 µs a caption). */
const MAX_REMEMBERED = 50_000;

export class CaptionLanguages {
  private loading: Promise<LanguageIdentifier | undefined> | undefined;
  private readonly remembered = new Map<string, string>();
  /**
   * Labelled captions: text -> its record's language field and the sample it was read from. A
   * caption's language is a function of its text, so the same text labelled differently in two
   * records takes the label read last.
   */
  private readonly labels = new Map<string, { code: string; source: string }>();
  private readonly labelledBy = new Map<string, string[]>();

  /** The labels of sample `source` (a path) are those of `sites` now. */
  setLabels(source: string, sites: readonly CaptionSite[]): void {
    for (const text of this.labelledBy.get(source) ?? [])
      if (this.labels.get(text)?.source === source) this.labels.delete(text);
    const texts: string[] = [];
    for (const site of sites) {
      if (site.language === undefined) continue;
      this.labels.set(site.text, { code: site.language, source });
      texts.push(site.text);
    }
    if (texts.length > 0) this.labelledBy.set(source, texts);
    else this.labelledBy.delete(source);
  }

  /** The language field changed: every label is read again with the samples. */
  clearLabels(): void {
    this.labels.clear();
    this.labelledBy.clear();
  }

  /** The identifier, loaded on first use; undefined (said once with `warn`) when it cannot load. */
  identifier(warn: (line: string) => void): Promise<LanguageIdentifier | undefined> {
    this.loading ??= loadLanguageIdentifier().catch((err: unknown) => {
      warn(`metacurate: cannot load the language identifier: ${(err as Error).message}`);
      return undefined;
    });
    return this.loading;
  }

  /** A caption's language code: its label, else identified (`und` when not), remembered per caption text. */
  languageOf(identifier: LanguageIdentifier, caption: string): string {
    const label = this.labels.get(caption);
    if (label !== undefined) return label.code;
    const known = this.remembered.get(caption);
    if (known !== undefined) return known;
    const code = identifier.identify(caption);
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
    this.remembered.set(caption, code);
    return code;
  }
}

const NO_SPANS: SpanList = { spans: [], capped: false };

/**
 * The index of a language list that sees only captions of its language: any other caption
 * matches nothing (not highlighted, not counted), as the worldwide curation never matches it
 * against this list.
 */
export class LanguageRoutedIndex implements SpanIndex {
  constructor(
    private readonly inner: SpanIndex,
    /** The list's language. */
    readonly code: string,
    /** The list's worldwide folder. */
    readonly folder: string,
    /** The languages whose lists the folder holds (for the hover over another language's caption). */
    readonly folderCodes: ReadonlySet<string>,
    readonly languageOf: (caption: string) => string,
  ) {}

  get padding(): Padding {
    return this.inner.padding;
  }

  get numEntries(): number {
    return this.inner.numEntries;
  }

  private sees(caption: string): boolean {
    return this.languageOf(caption) === this.code;
  }

  spans(caption: string): Span[] {
    return this.sees(caption) ? this.inner.spans(caption) : [];
  }

  findSpans(caption: string, covering?: number): SpanList {
    return this.sees(caption) ? this.inner.findSpans(caption, covering) : NO_SPANS;
  }

  forEachId(caption: string, visit: (id: number) => void): void {
    if (this.sees(caption)) this.inner.forEachId(caption, visit);
  }

  segments(caption: string): Span[] | null {
    return this.sees(caption) ? this.inner.segments(caption) : null;
  }
}

/** What a hover over a caption of another language says (markdown). */
export function otherLanguageNote(
  caption: string,
  index: LanguageRoutedIndex,
  listFile: string,
): string | undefined {
  const code = index.languageOf(caption);
  if (code === index.code) return undefined;
  const identified = code === 'und' ? 'Language not identified (`und`)' : `Caption identified as \`${code}\``;
  const which =
    code !== 'und' && index.folderCodes.has(code)
      ? `the metadata folder's \`${code}.json\` matches it, and none of its entries is here`
      : `the metadata folder has no list for \`${code}\`, so no entry matches it`;
  return `${identified}, not \`${index.code}\` (the active list, \`${listFile}\`): ${which}.`;
}
