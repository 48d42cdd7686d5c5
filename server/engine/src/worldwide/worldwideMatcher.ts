/**
 * The count pass of a worldwide curation (docs/spec.md section 2, "Worldwide thresholds"): each
 * record's texts are matched only against its language's list. One substring index (worldwide
 * padding) is built over the concatenated lists, as for one list; a record's matches are those
 * of the index that fall in its language's id range. Matching each entry is independent of the
 * others, so this equals matching against the language's list alone, with global ids.
 *
 * The language is the record's `--lang-field` value, or else the language identifier's answer
 * on the record's texts joined (one answer per record: an alt text and a title of one image are
 * one language, and the record's counts and fate stay in one list). A language without a list
 * (`und` included) matches nothing and is counted in `withoutMetadata`.
 */
import type { EntryMatcher } from '../match/matcher';
import type { PoolRecord } from '../pool/types';
import { DEFAULT_MIN_CONFIDENCE, loadLanguageIdentifier, UNDETERMINED } from './languageId';
import { listIndexOfEntry } from './worldwideMetadata';

/** What the count tasks need of a worldwide curation (part of RunSettings). */
export interface WorldwideRun {
  /** Each language's global id range, in global id order. */
  languages: { code: string; offset: number; entries: number }[];
  /** The pool's language field; absent: identified from the texts. */
  languageField?: string;
  /** The identifier's confidence floor (without a language field). */
  minConfidence: number;
}

/** Per count task: records and matched records per language, and records without a list. */
export interface LanguageCounts {
  languages: Record<string, { records: number; matchedRecords: number }>;
  withoutMetadata: Record<string, number>;
}

/** The EntryMatcher of a worldwide count task: call startRecord before each record's texts. */
export class WorldwideMatcher implements EntryMatcher {
  readonly numEntries: number;
  private readonly ranges = new Map<string, { lo: number; hi: number }>();
  private lo = 0;
  private hi = 0;
  private out = new Uint32Array(64);
  private current: { records: number; matchedRecords: number } | undefined;
  private currentMatched = false;
  private readonly counts: LanguageCounts = { languages: {}, withoutMetadata: {} };

  constructor(
    private readonly inner: EntryMatcher,
    private readonly run: WorldwideRun,
    private readonly identify?: (text: string) => string,
  ) {
    this.numEntries = inner.numEntries;
    for (const l of run.languages) this.ranges.set(l.code, { lo: l.offset, hi: l.offset + l.entries });
    if (run.languageField === undefined && identify === undefined)
      throw new Error('a worldwide matcher without a language field needs a language identifier');
  }

  /** The record's language, from its field or its texts. */
  languageOf(record: PoolRecord): string {
    if (this.run.languageField !== undefined) return record.language ?? UNDETERMINED;
    return this.identify!(record.texts.length === 1 ? record.texts[0] : record.texts.join('\n'));
  }

  /** Sets the id range the next texts match in, and counts the record under its language. */
  startRecord(record: PoolRecord): void {
    this.endRecord();
    const code = this.languageOf(record);
    const range = this.ranges.get(code);
    if (range === undefined) {
      this.counts.withoutMetadata[code] = (this.counts.withoutMetadata[code] ?? 0) + 1;
      this.lo = this.hi = 0;
      return;
    }
    this.lo = range.lo;
    this.hi = range.hi;
    this.current = this.counts.languages[code] ??= { records: 0, matchedRecords: 0 };
    this.current.records++;
  }

  /** The counts so far (the last record included). */
  languageCounts(): LanguageCounts {
    this.endRecord();
    return this.counts;
  }

  private endRecord(): void {
    if (this.current && this.currentMatched) this.current.matchedRecords++;
    this.current = undefined;
    this.currentMatched = false;
  }

  match(text: string): number[] {
    this.begin();
    this.collect(text);
    return Array.from(this.sorted());
  }

  begin(): void {
    this.inner.begin();
  }

  collect(text: string): void {
    if (this.hi > this.lo) this.inner.collect(text);
  }

  collectUtf8(bytes: Uint8Array, start: number, end: number): void {
    if (this.hi > this.lo) this.inner.collectUtf8(bytes, start, end);
  }

  collectLine(bytes: Uint8Array, start: number, limit: number): number {
    // The line must be found either way; what it matches outside the range is filtered out.
    return this.inner.collectLine(bytes, start, limit);
  }

  sorted(): Uint32Array {
    return this.out.slice(0, this.sortInPlace());
  }

  sortInPlace(): number {
    const m = this.inner.sortInPlace();
    const ids = this.inner.ids();
    if (this.out.length < m) this.out = new Uint32Array(Math.max(m, this.out.length * 2));
    let n = 0;
    for (let i = 0; i < m; i++) if (ids[i] >= this.lo && ids[i] < this.hi) this.out[n++] = ids[i];
    if (n > 0) this.currentMatched = true;
    return n;
  }

  ids(): Uint32Array {
    return this.out;
  }
}

/** The worldwide matcher of a count task: the language identifier is loaded once per process. */
export async function worldwideMatcherFor(inner: EntryMatcher, run: WorldwideRun): Promise<WorldwideMatcher> {
  if (run.languageField !== undefined) return new WorldwideMatcher(inner, run);
  const lid = await loadLanguageIdentifier({ minConfidence: run.minConfidence ?? DEFAULT_MIN_CONFIDENCE });
  return new WorldwideMatcher(inner, run, (text) => lid.identify(text));
}

/** Sums the count tasks' language counts. */
export function sumLanguageCounts(all: Iterable<LanguageCounts | undefined>): LanguageCounts {
  const sum: LanguageCounts = { languages: {}, withoutMetadata: {} };
  for (const c of all) {
    if (!c) continue;
    for (const [code, v] of Object.entries(c.languages)) {
      const s = (sum.languages[code] ??= { records: 0, matchedRecords: 0 });
      s.records += v.records;
      s.matchedRecords += v.matchedRecords;
    }
    for (const [code, n] of Object.entries(c.withoutMetadata))
      sum.withoutMetadata[code] = (sum.withoutMetadata[code] ?? 0) + n;
  }
  return sum;
}

/** The select pass's kept records per language (a record's ids all lie in its language's range). */
export class KeptByLanguage {
  private readonly kept: Uint32Array;

  constructor(private readonly run: WorldwideRun) {
    this.kept = new Uint32Array(run.languages.length);
  }

  /** A kept record whose first matched id is `firstId`. */
  add(firstId: number): void {
    this.kept[listIndexOfEntry(this.run.languages, firstId)]++;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.run.languages.map((l, i) => [l.code, this.kept[i]]));
  }
}
