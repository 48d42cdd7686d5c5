/** Small file helpers shared by the metadata builders. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { InputError } from '../../engine/src/errors';

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
