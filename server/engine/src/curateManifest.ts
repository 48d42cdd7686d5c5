/**
 * What a curation folder records of its work: the manifest (the plan, the curation the folder
 * holds, the one being built), the task result files, and the moves between them.
 */
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CurateSummary, Manifest, PreparedCuration } from './curatePlan';
import { taskResultPath, type Phase, type PoolTask } from './curateTasks';
import { cleanUpAfterSwap, MANIFEST_VERSION, removeOwnFolder, swapIn } from './curationFolder';
import { asEnvironmentError, UsageError } from './errors';
import { writeJsonAtomic } from './fsAtomic';

export async function readTaskResults<R>(prepared: PreparedCuration, phase: Phase): Promise<Map<number, R>> {
  return readResults<R>(prepared.tasks, prepared.workDir, phase);
}

export async function readResults<R>(
  tasks: PoolTask[],
  workDir: string,
  phase: Phase,
): Promise<Map<number, R>> {
  const results = new Map<number, R>();
  for (const task of tasks) {
    try {
      results.set(task.id, JSON.parse(await readFile(taskResultPath(workDir, phase, task.id), 'utf8')) as R);
    } catch {
      // Not done yet.
    }
  }
  return results;
}

export async function pendingTasks(prepared: PreparedCuration, phase: Phase): Promise<PoolTask[]> {
  const done = await readTaskResults(prepared, phase);
  return prepared.tasks.filter((t) => !done.has(t.id));
}

/** Removes the selection being built: its select work and its stage. */
export async function discardSelection(workDir: string, stageDir: string): Promise<void> {
  for (const f of await readdir(workDir).catch(() => [] as string[]))
    if (f.startsWith('select-')) await rm(join(workDir, f), { force: true });
  await removeOwnFolder(stageDir);
}

/** Moves a committed stage in and records the new curation as the folder's (curationFolder.ts). */
export async function completeSwap(
  outDir: string,
  manifestPath: string,
  manifest: Manifest,
): Promise<Manifest> {
  const next = manifest.next!;
  const swap = next.swap!;
  await swapIn(outDir, swap);
  const done: Manifest = {
    ...manifest,
    current: { planId: manifest.plan.id, selectKey: next.selectKey, files: swap.files },
    next: undefined,
  };
  await writeJsonAtomic(manifestPath, done);
  await cleanUpAfterSwap(outDir, swap);
  return done;
}

export async function readSummary(outDir: string): Promise<CurateSummary> {
  const path = join(outDir, 'summary.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as CurateSummary;
  } catch (err) {
    throw asEnvironmentError(err, path, 'read');
  }
}

/** True once the folder holds the curation `prepared` builds (its swap is done). */
export async function isCurationComplete(prepared: PreparedCuration): Promise<boolean> {
  const m = await readManifest(prepared.manifestPath);
  return (
    m !== undefined &&
    m.next === undefined &&
    m.current?.planId === prepared.state.plan.id &&
    m.current.selectKey === prepared.selectKey
  );
}

/** True once the counts are reduced (they are in the stage, or already swapped in). */
export async function isCurationReduced(prepared: PreparedCuration): Promise<boolean> {
  const inStage = await stat(join(prepared.stageDir, 'counts.bin')).then(
    () => true,
    () => false,
  );
  if (inStage) return true;
  const m = await readManifest(prepared.manifestPath);
  return m?.next?.swap !== undefined || (await isCurationComplete(prepared));
}

/** The folder's manifest; undefined when there is none (inspectOutputFolder refused other versions). */
export async function readManifest(path: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw asEnvironmentError(err, path, 'read');
  }
  const m = JSON.parse(text) as Manifest;
  if (m.version !== MANIFEST_VERSION)
    throw new UsageError(
      `${path} is of another version of metacurate (${m.version}); remove the folder or choose another --out`,
    );
  return m;
}
