/** The system bzip2, for tests that need real .bz2 files (scripts/test-all.sh installs it). */
import { execFileSync } from 'node:child_process';

/** Compresses `data` at `level`; fails the calling test with a clear message where bzip2 is missing. */
export function bzip2(data: Buffer, level: number): Buffer {
  try {
    return execFileSync('bzip2', [`-${level}`, '-c'], { input: data, maxBuffer: 1 << 28 });
  } catch (err) {
    throw new Error(
      `prerequisite missing: a usable bzip2 binary (apt-get install bzip2; scripts/test-all.sh installs it): ` +
        (err as Error).message.split('\n')[0],
    );
  }
}
