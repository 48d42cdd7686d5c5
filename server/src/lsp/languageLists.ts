/**
 * Worldwide metadata folders (docs/spec.md section 2, "Worldwide thresholds"): one list per
 * language, `CODE.json`, with `provenance.json` beside them whose `languages` maps each CODE to
 * `{ file, sha256, entries, … }`. A list is a language list only when that provenance names it:
 * a `zh.json` lying in any folder is an ordinary list. Provenance files are read again when their
 * size or time changes; the synchronous check (which documents are metadata, asked on every
 * diagnostics pass) reads a folder's provenance once and trusts it until `changed` is told.
 */
import { promises as fsp, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  parseProvenanceFiles,
  PROVENANCE_FILE,
  type ProvenanceFiles,
} from '../../engine/src/worldwide/provenanceFiles';

export { PROVENANCE_FILE };

/** A list of a worldwide metadata folder. */
export interface LanguageList {
  /** The language code (Wikipedia's: en, zh, ja, …). */
  code: string;
  /** The metadata folder (absolute). */
  folder: string;
}

export class LanguageLists {
  /** Folder -> its provenance's files (none, and size -1, when it has no readable provenance). */
  private readonly cache = new Map<string, { size: number; mtime: number; files: ProvenanceFiles }>();

  /** Whether `path` is a language list, from the cache (a folder not seen yet is read once). */
  isLanguageListSync(path: string): boolean {
    const name = basename(path);
    if (!name.endsWith('.json') || name === PROVENANCE_FILE) return false;
    const folder = dirname(path);
    let cached = this.cache.get(folder);
    if (!cached) {
      const provenance = join(folder, PROVENANCE_FILE);
      try {
        const stat = statSync(provenance);
        cached = {
          size: stat.size,
          mtime: stat.mtimeMs,
          files: parseProvenanceFiles(readFileSync(provenance, 'utf8')),
        };
      } catch {
        cached = { size: -1, mtime: 0, files: new Map() };
      }
      this.cache.set(folder, cached);
    }
    return cached.files.get(name.slice(0, -'.json'.length)) === name;
  }

  /** A file changed, was created or deleted: if a provenance.json, its folder is read again. */
  changed(path: string): void {
    if (basename(path) === PROVENANCE_FILE) this.cache.delete(dirname(path));
  }

  /** The language of the list at `path`, when its folder's provenance names it; else undefined. */
  async languageOf(path: string): Promise<LanguageList | undefined> {
    const name = basename(path);
    if (!name.endsWith('.json') || name === PROVENANCE_FILE) return undefined;
    const folder = dirname(path);
    const files = await this.filesOf(folder);
    const code = name.slice(0, -'.json'.length);
    return files?.get(code) === name ? { code, folder } : undefined;
  }

  /** The path of language `code`'s list in `folder`, when its provenance names one. */
  async listPath(folder: string, code: string): Promise<string | undefined> {
    const file = (await this.filesOf(folder))?.get(code);
    return file ? join(folder, file) : undefined;
  }

  /** The languages whose lists `folder`'s provenance names. */
  async codesOf(folder: string): Promise<Set<string>> {
    return new Set((await this.filesOf(folder))?.keys() ?? []);
  }

  private async filesOf(folder: string): Promise<ProvenanceFiles | undefined> {
    const path = join(folder, PROVENANCE_FILE);
    let stat;
    try {
      stat = await fsp.stat(path);
    } catch {
      this.cache.set(folder, { size: -1, mtime: 0, files: new Map() });
      return undefined;
    }
    const cached = this.cache.get(folder);
    if (cached && cached.size === stat.size && cached.mtime === stat.mtimeMs) return cached.files;
    const files = parseProvenanceFiles(await fsp.readFile(path, 'utf8').catch(() => ''));
    this.cache.set(folder, { size: stat.size, mtime: stat.mtimeMs, files });
    return files;
  }
}
