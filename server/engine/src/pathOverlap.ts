/**
 * Inputs and outputs never overlap, so that writing (or cleaning up) an output can never replace
 * or delete an input. Paths are compared as real paths, so symbolic links are seen through, and
 * existing files also by device and inode, so hard links are too.
 */
import { realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { asEnvironmentError, UsageError } from './errors';

export interface OutputPath {
  path: string;
  /** A folder the command writes into (every input inside it is refused). */
  folder?: boolean;
}

/**
 * Throws a UsageError naming both paths when an output is an input, an input lies inside an
 * output folder, or an output lies inside an input folder. `-` (standard output or input), and
 * outputs written in place (character devices, FIFOs), are left out: writing them replaces nothing.
 */
export async function assertInputsApartFromOutputs(
  inputs: readonly string[],
  outputs: readonly OutputPath[],
): Promise<void> {
  const ins = await Promise.all(inputs.filter((p) => p !== '-').map(describePath));
  for (const output of outputs) {
    if (output.path === '-') continue;
    const out = await describePath(output.path);
    if (out.stats && !out.stats.isFile() && !out.stats.isDirectory()) continue;
    for (const input of ins) {
      const same =
        input.real === out.real ||
        (input.stats !== undefined &&
          out.stats !== undefined &&
          input.stats.dev === out.stats.dev &&
          input.stats.ino === out.stats.ino);
      if (output.folder && (same || isInside(input.real, out.real)))
        throw new UsageError(
          `the input ${input.path} is inside the output folder ${out.path}${showReal(input, out)}: outputs never replace inputs; choose another --out`,
        );
      if (!output.folder && same)
        throw new UsageError(
          `the output ${out.path} is the input ${input.path}${showReal(input, out)}: outputs never replace inputs; choose another --out`,
        );
      if (input.stats?.isDirectory() && isInside(out.real, input.real))
        throw new UsageError(
          `the output ${out.path} is inside the input folder ${input.path}${showReal(input, out)}: outputs never go inside inputs; choose another --out`,
        );
    }
  }
}

interface DescribedPath {
  path: string;
  /** The real path, or for a path that does not exist yet, its deepest existing folder's real path and the rest. */
  real: string;
  stats?: Stats;
}

async function describePath(path: string): Promise<DescribedPath> {
  const stats = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw asEnvironmentError(err, path, 'look at');
  });
  return { path, real: await realPathOf(path), stats };
}

async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    const parent = dirname(path);
    if (parent === path) throw asEnvironmentError(err, path, 'resolve');
    return join(await realPathOf(parent), basename(path));
  }
}

function isInside(path: string, folder: string): boolean {
  return path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/** The real paths, when they differ from the given ones (a link led there). */
function showReal(a: DescribedPath, b: DescribedPath): string {
  const shown = [a, b].filter((p) => p.real !== resolve(p.path)).map((p) => `${p.path} is ${p.real}`);
  return shown.length > 0 ? ` (${shown.join(', ')})` : '';
}
