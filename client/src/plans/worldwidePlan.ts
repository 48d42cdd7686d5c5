/**
 * "Curate Pool…" of a worldwide metadata folder (MetaCLIP 2, docs/spec.md section 2, "Worldwide
 * thresholds"): which chosen metadata is such a folder, where each record's language comes from,
 * and the end notification's per-language t. No editor here (curateCommand.ts asks);
 * test/client/plans/worldwidePlan.test.ts specifies it.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CliWorldwideSummary } from '../../../contracts/src/cliEvents';
import { ALL_LANGUAGES } from '../../../contracts/src/webview';
import { formatCount } from '../../../server/engine/src/progress';
import { parseProvenanceFiles, PROVENANCE_FILE } from '../../../server/engine/src/worldwide/provenanceFiles';
import { tPrefill } from './curatePlan';

/** A worldwide metadata folder: its lists by language code, as its provenance.json names them. */
export interface WorldwideFolder {
  dir: string;
  /** code -> absolute path of the language's list, codes sorted. */
  lists: Map<string, string>;
  /** The language of the list chosen, when a list (not the folder) was chosen. */
  chosenList?: string;
}

function folderLists(dir: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(join(dir, PROVENANCE_FILE), 'utf8');
  } catch {
    return new Map();
  }
  const files = [...parseProvenanceFiles(text)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(files.map(([code, file]) => [code, join(dir, file)]));
}

/**
 * The worldwide folder of a chosen metadata path: the path itself when it is a folder whose
 * provenance.json names lists, or the folder of a `CODE.json` its sibling provenance.json names
 * (a `zh.json` elsewhere is an ordinary list); undefined otherwise.
 */
export function worldwideFolderOf(path: string): WorldwideFolder | undefined {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return undefined;
  }
  const dir = isDir ? path : dirname(path);
  const lists = folderLists(dir);
  if (lists.size === 0) return undefined;
  if (isDir) return { dir, lists };
  const name = basename(path);
  const code = name.endsWith('.json') ? name.slice(0, -'.json'.length) : undefined;
  if (code === undefined || lists.get(code) !== join(dir, name)) return undefined;
  return { dir, lists, chosenList: code };
}

/** The `metacurate.worldwide.languageField` setting: a field name, or undefined (ask) when unset. */
export function languageFieldSetting(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/**
 * After a worldwide curation whose languages came from `curationField`: the field to offer as the
 * `metacurate.worldwide.languageField` setting, so that sample highlights and hover counts take
 * each caption's language where the curation took it. Undefined when the setting already names it
 * or the curation identified languages (then the editor identifies them too).
 */
export function languageFieldToOffer(
  setting: unknown,
  curationField: string | undefined,
): string | undefined {
  if (curationField === undefined) return undefined;
  return languageFieldSetting(setting) === curationField ? undefined : curationField;
}

/** Field names that usually hold a record's language code, in the order they are preferred. */
const USUAL_LANGUAGE_FIELDS = ['lang', 'language', 'lang_code', 'language_code', 'locale'];

/**
 * The choices of the language-field pick, the preferred first: a field of the pool named like a
 * language field, else identification; then the pool's other fields (never the caption field).
 * `undefined` stands for "identify each caption's language" (no `--lang-field`).
 */
export function languageFieldChoices(fields: string[], textField: string): (string | undefined)[] {
  const candidates = fields.filter((f) => f !== textField);
  const usual = USUAL_LANGUAGE_FIELDS.find((f) => candidates.includes(f));
  const rest = candidates.filter((f) => f !== usual);
  return usual ? [usual, undefined, ...rest] : [undefined, ...rest];
}

/** The end notification's line of a worldwide curation: each language's t, and records without a list. */
export function worldwideSummaryText(w: Pick<CliWorldwideSummary, 'languages' | 'without_metadata'>): string {
  const seen = w.languages.filter((l) => l.records > 0);
  const without = Object.values(w.without_metadata).reduce((s, n) => s + n, 0);
  const ts = seen.map((l) => `${l.code} ${formatCount(l.t)}`).join(', ');
  return (
    `t per language: ${ts || 'no language seen'}` +
    (without > 0 ? `; ${formatCount(without)} records of a language without a list.` : '.')
  );
}

/**
 * English's t an input box starts with: the panel's t (its "Curate Pool…" button passes it) only
 * while the panel shows English or all languages, since another language's t_lang is not English's;
 * else the t of the English list's active curation, else the setting's.
 */
export function tEnPrefill(
  panel: { t: number | undefined; language: string | undefined },
  activeEnglishT: number | undefined,
  settingT: number | undefined,
): number {
  const english = panel.language === 'en' || panel.language === ALL_LANGUAGES;
  return tPrefill(english ? panel.t : undefined, activeEnglishT, settingT);
}
