/**
 * A file's identity as the kernel reports it: device, inode, size, modification and change
 * times. It is the cheap test of "the same bytes as before" that git's index and make rely on:
 * a write, a truncation, a rename over the file or a utimes all move the change time, which no
 * user can set. Two stats can still agree across a write that landed in the same clock tick as
 * the recorded one, so (git's rule for "racily clean" entries) a file changed shortly before its
 * identity was taken is never trusted by it: callers hash its bytes again. So does any
 * difference at all, including another device number for the same file seen from another node
 * of a cluster: the identity only ever saves a hash, it never stands in for a differing one.
 */
import { stat } from 'node:fs/promises';
import { InputError } from './errors';

export interface FileIdentity {
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  /** When the stat was taken (this machine's clock, ms since the epoch). */
  takenAtMs: number;
}

/**
 * How much older than the stat a file's last change must be for the stat to be trusted: above
 * the coarsest common timestamp granularity (FAT's 2 s) and the kernel's coarse clock tick.
 */
export const RACY_MARGIN_MS = 3000;

export async function fileIdentityOf(path: string): Promise<FileIdentity> {
  const takenAtMs = Date.now();
  let s;
  try {
    s = await stat(path, { bigint: true });
  } catch (err) {
    throw new InputError(path, {}, 'unreadable', `cannot read input: ${(err as Error).message}`);
  }
  return {
    dev: String(s.dev),
    ino: String(s.ino),
    size: String(s.size),
    mtimeNs: String(s.mtimeNs),
    ctimeNs: String(s.ctimeNs),
    takenAtMs,
  };
}

/**
 * True when `now` shows the same file as `recorded`, unchanged since, and last changed well
 * before `recorded` was taken; false (hash again) in every other case, `recorded` absent too.
 */
export function unchangedSince(recorded: FileIdentity | undefined, now: FileIdentity): boolean {
  if (recorded === undefined) return false;
  for (const field of ['dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'] as const)
    if (recorded[field] !== now[field]) return false;
  const lastChangeMs = Number(maxOf(BigInt(recorded.mtimeNs), BigInt(recorded.ctimeNs)) / 1_000_000n);
  return lastChangeMs < recorded.takenAtMs - RACY_MARGIN_MS;
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
