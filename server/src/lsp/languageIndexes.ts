/**
 * The other language lists of the active list's worldwide folder (docs/spec.md section 2,
 * "Worldwide thresholds": each text is matched against the list of its own language). While a
 * language list is active, a sample caption identified (or labelled) as language L is highlighted
 * against the folder's `L.json`, and a hover over its matches shows L's entry with the counts and
 * t_lang of the curation made with L's list (by its sha256). Each list is indexed on first need
 * (worldwide padding, in its own worker so the active list's rebuild is not cancelled) and kept
 * while its file's size and time, the samples and its curation stay the same.
 */
import { promises as fsp } from 'node:fs';
import { loadMetadata } from '../../engine/src/metadata';
import { matcherFromPacked } from '../../engine/src/match/matcher';
import { languageCounts, sameCuration } from './activeList';
import { LanguageRoutedIndex } from './captionLanguages';
import { uriOfPath } from './documentKinds';
import { countAll } from './indexBuild';
import { IndexBuilder } from './indexWorker';
import type { Curation, ServerState } from './serverState';
import { SubstringSpanIndex } from './spanIndex';
import type { Span, SpanIndex, SpanList } from './spanIndexTypes';

/**
 * Highlight ids of language L's entries are L's slot times this plus the entry's id, so they never
 * meet the active list's ids (0 .. its length) in the highlight caches.
 */
export const LANGUAGE_ID_STRIDE = 2 ** 26;

/** One language's list of the folder, indexed, with its sample counts and curation. */
export interface LanguageListIndex {
  code: string;
  /** The worldwide folder. */
  folder: string;
  path: string;
  uri: string;
  entries: string[];
  /** Sees only the captions of its language. */
  index: LanguageRoutedIndex;
  sha: string | undefined;
  /** The curation made with this list (its language's counts and t_lang), if any. */
  curation: Curation | undefined;
  /** Per entry, the sample captions of this language it matches; `records` those captions. */
  counts: Uint32Array;
  records: number;
  /** Highlight ids are `slot * LANGUAGE_ID_STRIDE + id`. */
  slot: number;
  samplesVersion: number;
  size: number;
  mtime: number;
}

export class LanguageIndexes {
  private readonly lists = new Map<string, LanguageListIndex>();
  private readonly slots = new Map<string, number>();
  private readonly builder = new IndexBuilder();
  /** Loads run one after another (one worker). */
  private queue: Promise<unknown> = Promise.resolve();

  /** The index of `path`, when loaded (no I/O). */
  get(path: string): LanguageListIndex | undefined {
    return this.lists.get(path);
  }

  /** The loaded list of language `code` in `folder`. */
  of(folder: string, code: string): LanguageListIndex | undefined {
    for (const list of this.lists.values()) if (list.folder === folder && list.code === code) return list;
    return undefined;
  }

  /** The loaded list of a highlight id's slot. */
  bySlot(slot: number): LanguageListIndex | undefined {
    for (const list of this.lists.values()) if (list.slot === slot) return list;
    return undefined;
  }

  /**
   * Loads (or reloads, when stale) the lists of `codes` in `active`'s folder; true when any
   * changed, so the highlights drawn from them are stale.
   */
  ensure(
    state: ServerState,
    active: LanguageRoutedIndex,
    codes: Iterable<string>,
    warn: (line: string) => void,
  ) {
    const wanted = [...codes].filter((c) => c !== active.code && active.folderCodes.has(c));
    const run = this.queue.then(async () => {
      let changed = false;
      for (const code of wanted) {
        try {
          if (await this.load(state, active, code)) changed = true;
        } catch (err) {
          warn(`metacurate: cannot index the ${code} list of ${active.folder}: ${(err as Error).message}`);
        }
      }
      return changed;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  dispose(): void {
    this.builder.dispose();
  }

  private async load(state: ServerState, active: LanguageRoutedIndex, code: string): Promise<boolean> {
    const workspace = state.curations.workspace;
    const path = await workspace.languageLists.listPath(active.folder, code);
    if (!path) return false;
    const stat = await fsp.stat(path).catch(() => undefined);
    const old = this.lists.get(path);
    if (!stat) {
      this.lists.delete(path);
      return old !== undefined;
    }
    const uri = uriOfPath(path);
    const sha = await workspace.metadataSha256(path);
    const desired = workspace.activeCuration(uri, sha, code);
    const fresh =
      old &&
      old.size === stat.size &&
      old.mtime === stat.mtimeMs &&
      old.samplesVersion === state.samples.version &&
      sameCuration(old.curation?.info, desired);
    if (fresh) return false;
    let entries: string[];
    let index: LanguageRoutedIndex;
    if (old && old.size === stat.size && old.mtime === stat.mtimeMs) ({ entries, index } = old);
    else {
      entries = (await loadMetadata(path)).entries;
      const packed = await this.builder.build(entries, 'worldwide');
      const inner = new SubstringSpanIndex(matcherFromPacked(packed), entries);
      index = new LanguageRoutedIndex(inner, code, active.folder, active.folderCodes, active.languageOf);
    }
    const samplesVersion = state.samples.version;
    // Yields every 1024 captions: requests keep being answered while a large pool is counted.
    const counted = await countAll(state, index, entries.length, () => new Promise((r) => setImmediate(r)));
    let curation: Curation | undefined;
    if (desired?.language && desired.countsPath)
      curation = {
        info: desired,
        counts: await languageCounts(desired.language, desired.countsPath, entries, path),
      };
    let slot = this.slots.get(path);
    if (slot === undefined) this.slots.set(path, (slot = this.slots.size + 1));
    this.lists.set(path, {
      code,
      folder: active.folder,
      path,
      uri,
      entries,
      index,
      sha,
      curation,
      counts: counted.counts,
      records: counted.records,
      slot,
      samplesVersion,
      size: stat.size,
      mtime: stat.mtimeMs,
    });
    return true;
  }
}

const NO_SPANS: SpanList = { spans: [], capped: false };

/**
 * What sample highlights are drawn from while a language list is active: each caption's spans from
 * its own language's list (the active list's ids as they are, another list's shifted by its slot).
 */
export class FolderSpanIndex implements SpanIndex {
  constructor(
    private readonly active: LanguageRoutedIndex,
    private readonly listOf: (code: string) => LanguageListIndex | undefined,
  ) {}

  get padding() {
    return this.active.padding;
  }

  get numEntries(): number {
    return this.active.numEntries;
  }

  /** The index a caption is matched with and the shift of its ids. */
  private route(caption: string): { index: SpanIndex; base: number } | undefined {
    const code = this.active.languageOf(caption);
    if (code === this.active.code) return { index: this.active, base: 0 };
    const list = this.listOf(code);
    return list && { index: list.index, base: list.slot * LANGUAGE_ID_STRIDE };
  }

  spans(caption: string): Span[] {
    return this.findSpans(caption).spans;
  }

  findSpans(caption: string, covering?: number): SpanList {
    const to = this.route(caption);
    if (!to) return NO_SPANS;
    const found = to.index.findSpans(caption, covering);
    return to.base === 0 ? found : { spans: shifted(found.spans, to.base), capped: found.capped };
  }

  forEachId(caption: string, visit: (id: number) => void): void {
    const to = this.route(caption);
    to?.index.forEachId(caption, (id) => visit(to.base + id));
  }

  segments(caption: string): Span[] | null {
    const to = this.route(caption);
    const segs = to ? to.index.segments(caption) : null;
    return segs && to!.base !== 0 ? shifted(segs, to!.base) : segs;
  }
}

function shifted(spans: readonly Span[], base: number): Span[] {
  return spans.map((s) => ({ start: s.start, end: s.end, id: base + s.id }));
}
