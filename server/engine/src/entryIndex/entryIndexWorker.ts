/**
 * Worker-thread entry that builds a finished curation's entry index in its folder (the first-use
 * path of a curation made before the index existed): `workerData.folder` in, one reply out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../workerProtocol';
import { buildEntryIndexOfFolder } from './buildEntryIndex';

const { folder } = workerData as { folder: string };
buildEntryIndexOfFolder(folder).then(
  () => parentPort!.postMessage({ ok: true }),
  (err: unknown) => parentPort!.postMessage({ ok: false, error: serializeError(err) }),
);
