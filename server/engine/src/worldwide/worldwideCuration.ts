/**
 * Where a worldwide curation (`curate --worldwide`) joins the curation of one list: its
 * options, its metadata (the folder's lists as one), the count tasks' settings and what the plan
 * records of the folder. The plan, executors and passes are otherwise the same.
 */
import type { RunSettings } from '../curateTasks';
import { UsageError } from '../errors';
import { loadMetadata, type Metadata } from '../metadata';
import { DEFAULT_MIN_CONFIDENCE } from './languageId';
import type { WorldwideRun } from './worldwideMatcher';
import { changedList, loadWorldwideMetadata, worldwideOf, type WorldwideList } from './worldwideMetadata';

/** CurateOptions.worldwide: `metadataPath` is then the folder and `t` English's t. */
export interface WorldwideOptions {
  /** The pool's field naming each record's language; absent: identified from its texts. */
  languageField?: string;
  /** The identifier's confidence floor (default DEFAULT_MIN_CONFIDENCE). */
  minConfidence?: number;
}

type WithWorldwide = { metadataPath: string; worldwide?: WorldwideOptions };

export function loadCurationMetadata(options: WithWorldwide): Promise<Metadata> {
  return options.worldwide ? loadWorldwideMetadata(options.metadataPath) : loadMetadata(options.metadataPath);
}

export function validateWorldwideOptions(options: WithWorldwide & { padding?: string }): void {
  const w = options.worldwide;
  if (!w) return;
  if (options.padding === 'english') throw new UsageError('a worldwide curation uses the worldwide padding');
  if (w.languageField === '') throw new UsageError('--lang-field must name a field');
  if (w.minConfidence !== undefined && !(w.minConfidence >= 0 && w.minConfidence <= 1))
    throw new UsageError(`--lid-min-confidence must be between 0 and 1, got ${w.minConfidence}`);
}

/** The count tasks' settings, with each language's id range when the metadata is a folder. */
export function withWorldwideRun(run: RunSettings, metadata: Metadata, options: WithWorldwide): RunSettings {
  const lists = worldwideOf(metadata);
  if (!lists || !options.worldwide) return run;
  const worldwide: WorldwideRun = {
    languages: lists.languages.map(({ code, offset, entries }) => ({ code, offset, entries })),
    minConfidence: options.worldwide.minConfidence ?? DEFAULT_MIN_CONFIDENCE,
    ...(options.worldwide.languageField !== undefined
      ? { languageField: options.worldwide.languageField }
      : {}),
  };
  return { ...run, worldwide };
}

/**
 * What of the run settings names the count work: the id ranges follow from the lists, whose
 * bytes the plan compares on its own (a changed list counts again, naming the list).
 */
export function countKeyRun(run: RunSettings): unknown {
  if (!run.worldwide) return run;
  const { languages: _ranges, ...source } = run.worldwide;
  return { ...run, worldwide: source };
}

/** What the plan records of the folder's lists. */
export function recordedLists(
  metadata: Metadata,
): Pick<WorldwideList, 'code' | 'file' | 'sha256'>[] | undefined {
  return worldwideOf(metadata)?.languages.map(({ code, file, sha256 }) => ({ code, file, sha256 }));
}

/** Why the folder's lists differ from those the plan recorded (a message naming the list). */
export function changedListSince(
  recorded: Pick<WorldwideList, 'code' | 'file' | 'sha256'>[] | undefined,
  metadata: Metadata,
): string | undefined {
  const lists = worldwideOf(metadata);
  if (!lists || !recorded) return undefined;
  return (
    changedList(recorded, lists) ??
    `The metadata folder ${lists.dir} (its provenance.json) changed since the earlier run`
  );
}
