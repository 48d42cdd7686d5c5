/**
 * Per-class zero-shot accuracy of a training run, set against the metadata entries that name the
 * classes: the entry-balance panel draws it over the entries ranked by match count, so one sees
 * how a class's accuracy follows how often its entry is matched in the training data.
 *
 * Plain functions with no Node, DOM or `vscode` dependency (the extension host maps an overlay
 * onto the entries; the webview only draws the result).
 *
 * Matching a class name to an entry, for each entry:
 *  1. the class whose name equals the entry exactly (code unit for code unit), else
 *  2. the class whose name equals the entry once both are trimmed (`String.prototype.trim`) and
 *     lower-cased (`String.prototype.toLowerCase`, locale-independent), when exactly one class
 *     does; when several do (`Shirt` and `shirt` for the entry `SHIRT`), the entry names none.
 * Every entry that names a class gets its accuracy, so duplicate entries and case variants of one
 * class (`shirt`, `Shirt`) all get it. An entry that names a class without an accuracy (null: the
 * class is absent from the evaluation set, or a value that is no number in [0, 1]) gets NaN, as
 * does an entry that names no class. The exact match decides even then: an entry equal to a class
 * without an accuracy gets NaN, whatever other class equals it case-insensitively.
 */
import type { ZeroShotOverlay } from '../../../contracts/src/zeroShot';

export type { ZeroShotOverlay };

/** A class's accuracy as the panel uses it: a number in [0, 1], else NaN. */
function accuracyValue(v: number | null | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1 ? v : NaN;
}

/** The case-insensitive key of a name: trimmed and lower-cased. */
function foldName(name: string): string {
  return name.trim().toLowerCase();
}

/** No class (the entry names none). */
const NO_CLASS = -1;

/**
 * For each entry (by id), the index in `classNames` of the class it names (rules above), or -1.
 * `Map`s, not objects, so an entry such as `constructor` or `__proto__` names no class by accident.
 */
function classOfEntries(entries: readonly string[], classNames: readonly string[]): Int32Array {
  const exact = new Map<string, number>();
  const folded = new Map<string, number>(); // -2: several classes fold to the key
  classNames.forEach((name, i) => {
    exact.set(name, i);
    const key = foldName(name);
    folded.set(key, folded.has(key) ? -2 : i);
  });
  const out = new Int32Array(entries.length);
  for (let id = 0; id < entries.length; id++) {
    const name = entries[id];
    const hit = exact.get(name) ?? folded.get(foldName(name)) ?? NO_CLASS;
    out[id] = hit >= 0 ? hit : NO_CLASS;
  }
  return out;
}

/**
 * For each metadata entry (by id), the accuracy of the class it names, NaN where the entry is no
 * class name. Class names match entries exactly first, then case-insensitively after trimming
 * (see the rules at the top of this file). The result has one value per entry.
 */
export function accuracyByEntry(
  entries: readonly string[],
  perClass: Record<string, number | null>,
): Float64Array {
  const classes = Object.entries(perClass);
  const classOf = classOfEntries(
    entries,
    classes.map(([name]) => name),
  );
  const values = classes.map(([, v]) => accuracyValue(v));
  const out = new Float64Array(entries.length);
  for (let id = 0; id < entries.length; id++) out[id] = classOf[id] === NO_CLASS ? NaN : values[classOf[id]];
  return out;
}

/**
 * The classes of `perClass` that no entry names (by the same rules), in `perClass`'s order: the
 * panel says which classes it cannot place on the chart.
 */
export function unmatchedClasses(
  entries: readonly string[],
  perClass: Record<string, number | null>,
): string[] {
  const names = Object.keys(perClass);
  const named = new Uint8Array(names.length);
  for (const c of classOfEntries(entries, names)) if (c !== NO_CLASS) named[c] = 1;
  return names.filter((_, i) => named[i] === 0);
}

/**
 * An overlay read back from untyped data (the webview's saved state after a window reload), or
 * undefined when it is not one. Accuracies that are no numbers become null; a malformed baseline
 * is dropped.
 */
export function parseZeroShotOverlay(value: unknown): ZeroShotOverlay | undefined {
  if (!isObject(value)) return undefined;
  const { runId, dataset } = value;
  const perClass = parsePerClass(value.perClass);
  if (typeof runId !== 'string' || typeof dataset !== 'string' || !perClass) return undefined;
  const overlay: ZeroShotOverlay = { runId, dataset, perClass };
  if (typeof value.metadataSha256 === 'string') overlay.metadataSha256 = value.metadataSha256;
  const b = value.baseline;
  if (isObject(b) && typeof b.runId === 'string') {
    const basePerClass = parsePerClass(b.perClass);
    if (basePerClass) overlay.baseline = { runId: b.runId, perClass: basePerClass };
  }
  return overlay;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parsePerClass(v: unknown): Record<string, number | null> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, number | null> = {};
  for (const [name, a] of Object.entries(v))
    // defineProperty: a class named `__proto__` stays an own property.
    Object.defineProperty(out, name, {
      value: typeof a === 'number' && Number.isFinite(a) ? a : null,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}
