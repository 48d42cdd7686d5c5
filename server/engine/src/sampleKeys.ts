/**
 * WebDataset samples keep their own keys by default, and pair keys decide the keep draws: two
 * samples of a pool with one key would share their fate. The count pass records a hash of each
 * key (sampleKeyHash); the reduce step refuses a pool that repeats one (checkUniqueSampleKeys).
 */
import { readFile } from 'node:fs/promises';
import { keyHash } from './balance';
import { countOutputs, readOptions, type PoolTask, type RunSettings } from './curateTasks';
import { InputError } from './errors';
import { readPool } from './pool/read';

/** Shards whose default keys are the samples' own, which the pool must not repeat. */
export function checksSampleKeys(task: PoolTask, run: RunSettings): boolean {
  return task.format === 'webdataset' && run.keyField === undefined;
}

/** 52 bits of a sample key (exact in a float64), to find repeated keys without holding them. */
export function sampleKeyHash(key: string): number {
  const [h1, h2] = keyHash(0, key);
  return h1 * 1048576 + (h2 >>> 12);
}

/**
 * Default WebDataset keys are the samples' own (loaders and the trainer see them), so two samples
 * of the pool with the same key would share their fate: refused, naming the key and both places.
 * The counted tasks' key hashes are compared; only hashes seen twice are read again as keys.
 */
export async function checkUniqueSampleKeys(
  tasks: PoolTask[],
  run: RunSettings,
  workDir: string,
): Promise<void> {
  const shards = tasks.filter((t) => checksSampleKeys(t, run));
  if (shards.length === 0) return;
  const perShard: Float64Array[] = [];
  for (const task of shards) {
    const bytes = await readFile(countOutputs(workDir, task.id).keyHashes);
    perShard.push(
      new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    );
  }
  const all = new Float64Array(perShard.reduce((a, h) => a + h.length, 0));
  let at = 0;
  for (const h of perShard) {
    all.set(h, at);
    at += h.length;
  }
  all.sort();
  const repeated = new Set<number>();
  for (let i = 1; i < all.length; i++) if (all[i] === all[i - 1]) repeated.add(all[i]);
  if (repeated.size === 0) return;
  const seen = new Map<string, string>();
  for (let s = 0; s < shards.length; s++) {
    if (!perShard[s].some((h) => repeated.has(h))) continue;
    const task = shards[s];
    for await (const item of readPool(task.file, task.format, readOptions(task, run, 0, false))) {
      if (item.kind === 'skipped' || !repeated.has(sampleKeyHash(item.key))) continue;
      const first = seen.get(item.key);
      if (first !== undefined) {
        throw new InputError(
          task.file,
          item.location,
          'duplicate-key',
          `sample key '${item.key}' is also the key of a sample in ${first === task.file ? 'this shard' : first}; pair keys decide the keep draws, so they must be unique in the pool (or name a unique .json field with --key-field)`,
        );
      }
      seen.set(item.key, task.file);
    }
  }
}
