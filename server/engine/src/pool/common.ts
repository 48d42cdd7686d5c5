/**
 * Helpers every pool reader shares: how a bad record becomes an error or a skip, how keys and
 * captions are taken from a field value, and how file-system failures are reported.
 */
import { InputError, type InputErrorReason, type InputLocation } from '../errors';
import type { ReadOptions, SkippedRecord } from './types';

/** The per-file context a reader passes around when it reports a bad record. */
export interface RecordContext {
  file: string;
  onError: ReadOptions['onError'];
}

/**
 * A bad record: throws under `--on-error fail`, otherwise returns the SkippedRecord to yield.
 * One function so every format reports problems the same way.
 */
export function badRecord(
  ctx: RecordContext,
  reason: InputErrorReason,
  detail: string,
  location: InputLocation,
): SkippedRecord {
  if (ctx.onError === 'fail') throw new InputError(ctx.file, location, reason, detail);
  return { kind: 'skipped', reason, detail, location };
}

/** A word for a value's type in messages ("a number", "null", "an array"). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'object' || t === 'undefined' ? `an ${t}` : `a ${t}`;
}

/** Lists field names for a message, shortened so a wide record does not flood the terminal. */
export function listFields(names: readonly string[], max = 12): string {
  if (names.length === 0) return '(none)';
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, ... (${names.length} in all)` : shown;
}

export function quoteList(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

/** Outcome of taking the captions out of a record: the texts, or why the record is bad. */
export type TextsResult =
  | { ok: true; texts: string[] }
  | { ok: false; reason: 'missing-text-field' | 'non-string-text'; detail: string };

/**
 * Captions from a record's fields, in field order. A field that is absent (undefined or null)
 * is skipped; one present with a non-string value makes the record bad; at least one must be
 * present. A null caption counts as missing ('missing-text-field'), but the message says it is
 * null, not that the field is not there. `availableFields` is only called to word the error.
 */
export function textsFromFields(
  fields: readonly string[],
  get: (field: string) => unknown,
  availableFields: () => readonly string[],
): TextsResult {
  const texts: string[] = [];
  const nullFields: string[] = [];
  for (const field of fields) {
    const value = get(field);
    if (value === undefined) continue;
    if (value === null) {
      nullFields.push(field);
      continue;
    }
    if (typeof value !== 'string') {
      return {
        ok: false,
        reason: 'non-string-text',
        detail: `text field '${field}' is ${describeType(value)}, not a string`,
      };
    }
    texts.push(value);
  }
  if (texts.length > 0) return { ok: true, texts };
  const available = () => `(fields: ${listFields(availableFields())})`;
  let detail: string;
  if (fields.length === 1) {
    detail =
      nullFields.length === 1
        ? `text field '${fields[0]}' is null`
        : `missing text field '${fields[0]}' ${available()}`;
  } else if (nullFields.length === 0) {
    detail = `none of the text fields ${quoteList(fields)} is present ${available()}`;
  } else {
    const verb = nullFields.length === 1 ? 'is' : 'are';
    detail = `none of the text fields ${quoteList(fields)} holds a string: ${quoteList(nullFields)} ${verb} null ${available()}`;
  }
  return { ok: false, reason: 'missing-text-field', detail };
}

/** Outcome of taking the key out of a record's key field. */
export type KeyResult = { ok: true; key: string } | { ok: false; detail: string };

/** A key from a field value: strings as they are, numbers and bigints in decimal. */
export function keyFromValue(field: string, value: unknown): KeyResult {
  if (typeof value === 'string') {
    return value === '' ? { ok: false, detail: `key field '${field}' is empty` } : { ok: true, key: value };
  }
  if (typeof value === 'number' || typeof value === 'bigint') return { ok: true, key: String(value) };
  if (value === undefined || value === null) return { ok: false, detail: `missing key field '${field}'` };
  return { ok: false, detail: `key field '${field}' is ${describeType(value)}, not a string or number` };
}

/** A record's language (ReadOptions.languageField): a non-empty string, else undefined. */
export function languageFromValue(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Turns a file-system failure (missing file, permission, I/O) into the InputError users see. */
export function unreadable(file: string, err: unknown, location: InputLocation = {}): InputError {
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === 'ENOENT'
      ? 'no such file'
      : e.code === 'EACCES'
        ? 'permission denied'
        : e.code === 'EISDIR'
          ? 'is a folder, not a file'
          : (e.message ?? String(err));
  return new InputError(file, location, 'unreadable', `cannot read: ${why}`);
}

/** Runs `open`, reporting a file-system failure as InputError 'unreadable'. */
export async function openOrReport<T>(file: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw unreadable(file, err);
  }
}

/** The payload of a record read without payloads (ReadOptions.withPayload = false). */
export const NO_BYTES = Buffer.alloc(0);
