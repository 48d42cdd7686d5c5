/**
 * Glob patterns for the metadata and sample settings (`**`, `*`, `?`, `{a,b}`, `[...]`), matched
 * against forward-slash paths relative to a workspace folder, and the folder walk that finds them.
 */
import { promises as fsp } from 'node:fs';
import { join, relative, sep } from 'node:path';

export function globToRegExp(glob: string): RegExp {
  let re = '';
  let i = 0;
  let braces = 0;
  while (i < glob.length) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches any number of folders (also none); a trailing `**` anything.
        if (glob[i + 2] === '/') {
          re += '(?:[^/]*/)*';
          i += 3;
        } else {
          re += '.*';
          i += 2;
        }
      } else {
        re += '[^/]*';
        i++;
      }
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '{') {
      re += '(?:';
      braces++;
      i++;
    } else if (c === '}' && braces > 0) {
      re += ')';
      braces--;
      i++;
    } else if (c === ',' && braces > 0) {
      re += '|';
      i++;
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) {
        re += '\\[';
        i++;
      } else {
        const body = glob
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = close + 1;
      }
    } else {
      re += c.replace(/[.+^$()|\\/]/g, '\\$&');
      i++;
    }
  }
  return new RegExp(`^${re}$`);
}

export class GlobSet {
  private readonly res: RegExp[];
  constructor(globs: readonly string[]) {
    this.res = globs.map((g) => globToRegExp(g.replace(/^\.\//, '')));
  }
  /** True when the forward-slash relative path matches one of the globs. */
  matches(relPath: string): boolean {
    return this.firstMatch(relPath) >= 0;
  }
  /** Index of the first glob the path matches, or -1. */
  firstMatch(relPath: string): number {
    for (let i = 0; i < this.res.length; i++) if (this.res[i].test(relPath)) return i;
    return -1;
  }
}

/** Forward-slash path of `file` relative to `folder`, or undefined when it is outside it. */
export function relativeTo(folder: string, file: string): string | undefined {
  const rel = relative(folder, file);
  if (rel === '' || rel.startsWith('..') || /^[a-zA-Z]:/.test(rel) || rel.startsWith(sep + sep))
    return undefined;
  return rel.split(sep).join('/');
}

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.metacurate-cache', '.vscode-test']);

/** Folders the workspace scan (and the server's file watch) never enter: hidden ones and node_modules. */
export function isSkippedFolder(name: string): boolean {
  return name.startsWith('.') || SKIPPED_FOLDERS.has(name);
}

/**
 * Files under `root` whose path relative to `root` matches `globs`; folders starting with a dot
 * and node_modules are skipped. Stops after `limit` files.
 */
export async function findFiles(root: string, globs: GlobSet, limit = 10_000): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    if (out.length >= limit || depth > 20) return;
    let items: import('node:fs').Dirent[];
    try {
      items = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const item of items) {
      const childRel = rel ? `${rel}/${item.name}` : item.name;
      if (item.isDirectory()) {
        if (isSkippedFolder(item.name)) continue;
        await walk(join(dir, item.name), childRel, depth + 1);
      } else if (item.isFile() && globs.matches(childRel)) {
        out.push(join(dir, item.name));
        if (out.length >= limit) return;
      }
    }
  };
  await walk(root, '', 0);
  return out;
}
