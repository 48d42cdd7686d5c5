/**
 * The server's own watch of the workspace folders, for clients that register no file watchers
 * (Neovim 0.7, Emacs eglot without file notifications): without it a sample file added on disk
 * stayed out of the counts until the metacurate/refreshCounts request. One non-recursive
 * fs.watch per folder, skipping the folders the workspace scan skips, so that it costs one inotify
 * watch per folder that can hold a sample, up to a cap.
 */
import { promises as fsp, watch, type FSWatcher } from 'node:fs';
import { join, sep } from 'node:path';
import { isSkippedFolder } from '../../engine/src/documents/glob';

export interface FolderWatcherOptions {
  /** Whether a changed file (by absolute path) is one the server reads. */
  isRelevant(path: string): boolean;
  /** Called with the relevant paths changed since the last call, once changes pause. */
  onChange(paths: string[]): void;
  /** Logs a problem of the watch itself (too many folders, no more inotify watches). */
  log(line: string): void;
  debounceMs?: number;
  maxFolders?: number;
}

const DEFAULT_DEBOUNCE_MS = 300;
/** Linux allows 8,192 inotify watches per user on small machines, shared with other programs. */
const DEFAULT_MAX_FOLDERS = 4096;
const MAX_DEPTH = 20;

export class FolderWatcher {
  private readonly watchers = new Map<string, { watcher: FSWatcher; depth: number }>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private capped = false;
  private disposed = false;

  constructor(
    private readonly roots: readonly string[],
    private readonly options: FolderWatcherOptions,
  ) {}

  /** Folders watched now. */
  get folderCount(): number {
    return this.watchers.size;
  }

  /** Starts watching every folder under the roots; resolves once they are all watched. */
  async start(): Promise<void> {
    for (const root of this.roots) await this.watchTree(root, 0);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private async watchTree(dir: string, depth: number): Promise<void> {
    if (this.disposed || depth > MAX_DEPTH || this.watchers.has(dir)) return;
    const maxFolders = this.options.maxFolders ?? DEFAULT_MAX_FOLDERS;
    if (this.watchers.size >= maxFolders) {
      if (!this.capped) {
        this.capped = true;
        this.options.log(
          `metacurate: watching the first ${maxFolders} folders of the workspace for new and changed files; changes in the others show after the metacurate/refreshCounts request`,
        );
      }
      return;
    }
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => this.onEvent(dir, name));
    } catch (err) {
      this.options.log(`metacurate: cannot watch ${dir} for new files: ${(err as Error).message}`);
      return;
    }
    watcher.on('error', () => this.unwatch(dir));
    this.watchers.set(dir, { watcher, depth });
    let items: import('node:fs').Dirent[];
    try {
      items = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const item of items) {
      if (item.isDirectory() && !isSkippedFolder(item.name))
        await this.watchTree(join(dir, item.name), depth + 1);
    }
  }

  /** Stops watching `dir` and the folders under it (it was removed or renamed). */
  private unwatch(dir: string): void {
    for (const [path, { watcher }] of this.watchers) {
      if (path === dir || path.startsWith(dir + sep)) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
  }

  private onEvent(dir: string, name: string | Buffer | null): void {
    if (this.disposed) return;
    if (name === null) {
      // The platform did not say which entry changed: report the folder.
      this.report(dir);
      return;
    }
    const path = join(dir, name.toString());
    void fsp.stat(path).then(
      (stats) => {
        if (!stats.isDirectory()) {
          if (this.options.isRelevant(path)) this.report(path);
          return;
        }
        const base = name.toString().split(sep).pop()!;
        if (this.watchers.has(path) || isSkippedFolder(base)) return;
        // A folder created or moved in: watch it, and look at what it holds.
        const depth = (this.watchers.get(dir)?.depth ?? 0) + 1;
        void this.watchTree(path, depth).then(() => this.report(path));
      },
      () => {
        // Gone: a removed file, or a removed folder and everything under it.
        if (this.watchers.has(path)) {
          this.unwatch(path);
          this.report(path);
        } else if (this.options.isRelevant(path)) this.report(path);
      },
    );
  }

  private report(path: string): void {
    this.pending.add(path);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const paths = [...this.pending];
      this.pending.clear();
      if (!this.disposed) this.options.onChange(paths);
    }, this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  }
}
