/** Small file helpers shared by the metadata builders. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { InputError } from '../engine/errors';

/** Streams a file through sha256 (dumps are tens of GB: never read whole). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer);
  } catch (err) {
    throw new InputError(path, {}, 'unreadable', `cannot read: ${(err as Error).message}`);
  }
  return hash.digest('hex');
}

/** Writes via a temporary file and a rename, so readers never see a partial file. */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
