/**
 * The language server's model of which curation and which runs belong to which metadata file:
 * a curation or run is shown against a list only when it was made with that list's content
 * (equal sha256); of a list's curations one is active (the user's choice, else the newest).
 * The metadata's sha256 is of the file on disk, so typing in a list keeps its curation until the
 * file is saved differently.
 */
import { promises as fsp } from 'node:fs';
import {
  activeOf,
  curationsOf,
  isInsideCuration,
  scanCurations,
  sha256Of,
  type CurationInfo,
  type RunInfo,
} from './curationIndex';
import { LanguageLists } from './languageLists';

export class WorkspaceModel {
  private curations: CurationInfo[] = [];
  private runs: RunInfo[] = [];
  /** Metadata URI -> the curation folder the user chose. */
  private readonly chosen = new Map<string, string>();
  /** Path -> the sha256 of its bytes, for the size and time it had. */
  private readonly shaCache = new Map<string, { size: number; mtime: number; sha: string }>();
  private insideCache = new Map<string, boolean>();
  /** Which lists are a worldwide folder's language lists (their provenance.json). */
  readonly languageLists = new LanguageLists();

  /** Reads every curation and run of the folders again. */
  async scan(folders: readonly string[]): Promise<void> {
    const { curations, runs } = await scanCurations(folders);
    this.curations = curations;
    this.runs = runs;
    this.insideCache = new Map();
  }

  /** The sha256 of a metadata file's bytes (cached while its size and time stay), or undefined. */
  async metadataSha256(path: string): Promise<string | undefined> {
    try {
      const stat = await fsp.stat(path);
      const cached = this.shaCache.get(path);
      if (cached && cached.size === stat.size && cached.mtime === stat.mtimeMs) return cached.sha;
      const sha = sha256Of(await fsp.readFile(path));
      this.shaCache.set(path, { size: stat.size, mtime: stat.mtimeMs, sha });
      return sha;
    } catch {
      return undefined;
    }
  }

  /**
   * The curations made with the metadata of sha256 `sha`, newest first; for a language list
   * (`code`), worldwide curations only through that language (see curationIndex.curationsOf).
   */
  curationsOf(sha: string | undefined, code?: string): CurationInfo[] {
    return curationsOf(sha, this.curations, code);
  }

  /** The active curation of the metadata file `uri` of sha256 `sha` (language `code`, if one). */
  activeCuration(uri: string, sha: string | undefined, code?: string): CurationInfo | undefined {
    return activeOf(this.curationsOf(sha, code), this.chosen.get(uri));
  }

  /** The curation found in `dir` (as scanned), whatever its metadata. */
  curationIn(dir: string): CurationInfo | undefined {
    return this.curations.find((c) => c.dir === dir);
  }

  /** Remembers the user's choice (undefined: back to the newest). */
  choose(uri: string, dir: string | undefined): void {
    if (dir === undefined) this.chosen.delete(uri);
    else this.chosen.set(uri, dir);
  }

  chosenDir(uri: string): string | undefined {
    return this.chosen.get(uri);
  }

  /** Whether the run `runId` trained on a curation made with the metadata of sha256 `sha`. */
  runMadeWith(runId: string, sha: string | undefined): boolean {
    if (!sha) return false;
    return this.runs.some((r) => r.id === runId && r.metadataSha256 === sha);
  }

  /** Whether the scan found run `runId`. */
  knowsRun(runId: string): boolean {
    return this.runs.some((r) => r.id === runId);
  }

  /** Whether a sample path lies in a curation folder under `root`. */
  isInsideCuration(path: string, root: string): boolean {
    return isInsideCuration(path, root, this.insideCache);
  }
}
