/**
 * The runner of `experiment mini` and `experiment sweep`: one pool built once, one curation per
 * t, then units of training (arm x t x augmentation x seed), each in its own folder:
 *
 * DIR/
 *   plan.json                    the options the study was started with (a re-run must match)
 *   metadata.json, classnames.txt, templates.txt, pool/, test/   the data (mini.ts), data.json when written
 *   curations/t<T>/              a curation of the pool at t (curate()); t = the largest entry
 *                                count keeps every matched pair: the online arm's source
 *   units/<arm>[-t<T>]-<augment>-s<seed>/run/      the trainer's folder (checkpoints, results.jsonl)
 *   units/<arm>[-t<T>]-<augment>-s<seed>/result.json   written atomically when the unit ends
 *   summary.json, results.md, accuracy-vs-t.svg, curated-size-vs-t.svg   rewritten after each unit
 *
 * A re-run of the same command skips the units that have result.json and resumes an unfinished
 * one from its latest checkpoint (the trainer's --resume latest sees the batches an
 * uninterrupted run would), so a killed study ends with the figures of an uninterrupted one.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { curate, type CurateSummary } from '../../engine/src/curate';
import type { StudyPlan, StudyPoolFigures } from '../../../contracts/src/studySummary';
import { InterruptedError, UsageError } from '../../engine/src/errors';
import { readMetadataFile } from '../../engine/src/metadata';
import { writeJsonAtomic } from '../../engine/src/fsAtomic';
import { formatDuration, type ProgressSink } from '../../engine/src/progress';
import { findTrainerDir } from '../../engine/src/runs/trainer';
import { leftChanceAtStep } from './chancePlateau';
import { CLASS_COUNT } from './fashionMnist';
import { countByLabel, FASHION_CLASSES, type PoolPlan } from './fashionPool';
import {
  byClass,
  defaultT,
  entryCounts,
  keptKeys,
  kindCounts,
  planMiniPool,
  trainAndEvaluate,
  TrainingStopped,
  writeMiniData,
  type Log,
  type MiniData,
  type PoolOptions,
} from './mini';
import {
  writeStudyReport,
  type Arm,
  type AugmentMode,
  type CurationStats,
  type StudySummary,
  type UnitResult,
} from './studyReport';

export interface StudyOptions extends PoolOptions {
  experiment: 'mini' | 'sweep';
  out: string;
  arms: Arm[];
  /** mini: one t (default from the pool size); sweep: several (default from the pool's counts). */
  tValues?: number[];
  augments: AugmentMode[];
  seeds: number;
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  modelConfig: string;
  python: string;
  threads?: number;
  dataDir?: string;
  trainerDir?: string;
  samplesPerShard: number;
  /** Stops the study: the running unit's trainer is killed (its checkpoints stay), none starts. */
  signal?: AbortSignal;
  /** Called as each unit starts training (tests count the units a re-run trains). */
  onUnitStart?: (id: string) => void;
}

/** The options that decide the study's results: what plan.json records and a re-run must match. */
function requestedPlan(o: StudyOptions): StudyPlan {
  return {
    experiment: o.experiment,
    'pool-seed': o.poolSeed,
    'pool-size': o.poolSize ?? null,
    'texts-per-image': o.textsPerImage,
    'test-per-class': o.testPerClass,
    'head-to-tail': o.headToTail,
    arms: o.arms,
    't-values': o.tValues ?? null,
    augment: o.augments,
    seeds: o.seeds,
    steps: o.steps,
    'batch-size': o.batchSize,
    lr: o.lr,
    warmup: o.warmup,
    'model-config': o.modelConfig,
  };
}

/**
 * Refuses a folder whose recorded plan differs, naming each difference; else records the plan.
 * More seeds than the folder's extend the study (seeds are units of their own; the finished ones
 * stay as they are): the only difference allowed, and recorded.
 */
async function checkPlan(out: string, requested: StudyPlan, log: Log): Promise<boolean> {
  const path = join(out, 'plan.json');
  if (!existsSync(path)) {
    await writeJsonAtomic(path, requested);
    return false;
  }
  const plan: Record<string, unknown> = { ...requested };
  const recorded = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const show = (v: unknown) => (v === null || v === undefined ? 'the default' : JSON.stringify(v));
  const moreSeeds = typeof recorded.seeds === 'number' && requested.seeds > recorded.seeds;
  const differences = Object.keys({ ...recorded, ...plan })
    .filter((k) => JSON.stringify(recorded[k]) !== JSON.stringify(plan[k]))
    .filter((k) => !(k === 'seeds' && moreSeeds))
    .map((k) => `--${k} is ${show(plan[k])}, the study in the folder has ${show(recorded[k])}`);
  if (differences.length > 0) {
    throw new UsageError(
      `${out} holds a study with other options: ${differences.join('; ')}. Re-run with the folder's options to resume it (a larger --seeds extends it), or choose another --out`,
    );
  }
  if (moreSeeds) {
    log(`extending the study from ${String(recorded.seeds)} to ${requested.seeds} seeds`);
    await writeJsonAtomic(path, requested);
  }
  return true;
}

/** Six t from tiny to no balancing (the largest entry count), evenly spaced on a log scale. */
export function defaultTValues(maxCount: number, how = 6): number[] {
  const low = Math.max(1, Math.round(maxCount / 300));
  const values = Array.from({ length: how }, (_, i) =>
    Math.round(low * Math.pow(maxCount / low, i / (how - 1))),
  );
  return [...new Set(values)].sort((a, b) => a - b);
}

export interface StudyUnit {
  id: string;
  arm: Arm;
  t: number | null;
  augment: AugmentMode;
  seed: number;
}

/** Seed-major, so the first seeds give every arm (and paired differences) early. */
export function studyUnits(
  arms: Arm[],
  tValues: number[],
  augments: AugmentMode[],
  seeds: number,
): StudyUnit[] {
  const units: StudyUnit[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    for (const augment of augments) {
      for (const arm of arms) {
        for (const t of arm === 'raw' ? [null] : tValues) {
          const id = `${arm}${t === null ? '' : `-t${t}`}-${augment}-s${seed}`;
          units.push({ id, arm, t, augment, seed });
        }
      }
    }
  }
  return units;
}

async function curatePool(
  data: MiniData,
  t: number,
  seed: number,
  outDir: string,
  progress: ProgressSink,
): Promise<CurateSummary> {
  const summary = await curate(
    {
      metadataPath: data.metadataPath,
      inputs: data.poolShards,
      textFields: ['txt'],
      t,
      seed,
      outDir,
      workers: Math.min(2, availableParallelism()),
      cache: false,
    },
    progress,
  );
  progress.finish();
  return summary;
}

/** A curation of the pool at t, made once (a finished folder has summary.json). */
async function ensureCuration(
  out: string,
  data: MiniData,
  t: number,
  seed: number,
  progress: ProgressSink,
  log: Log,
): Promise<{ dir: string; summary: CurateSummary }> {
  const dir = join(out, 'curations', `t${t}`);
  const summaryPath = join(dir, 'summary.json');
  if (existsSync(summaryPath)) {
    return { dir, summary: JSON.parse(await readFile(summaryPath, 'utf8')) as CurateSummary };
  }
  log(`curating the pool at t=${t}`);
  return { dir, summary: await curatePool(data, t, seed, dir, progress) };
}

/** The pool's figures for summary.json. */
function poolFigures(
  plan: PoolPlan,
  { counts, matched }: { counts: number[]; matched: number },
  options: PoolOptions,
  metadataSha256: string,
): StudyPoolFigures {
  return {
    size: plan.pool.length,
    metadata_sha256: metadataSha256,
    images: new Set(plan.pool.map((r) => r.label * 1_000_000 + r.image)).size,
    texts_per_image: options.textsPerImage,
    matched,
    matched_share: matched / plan.pool.length,
    kinds: kindCounts(plan.pool),
    head_to_tail: options.headToTail,
    class_ranks: plan.classRanks.map((c) => FASHION_CLASSES[c].name),
    per_class: byClass(countByLabel(plan.pool, CLASS_COUNT)),
    largest_entry_count: Math.max(...counts),
    test_size: plan.test.length,
    test_per_class: options.testPerClass,
  };
}

interface Clock {
  trainedSteps: number;
  trainingSeconds: number;
}

export async function runStudy(
  options: StudyOptions,
  progress: ProgressSink,
  log: Log,
): Promise<StudySummary> {
  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  const trainerDir = findTrainerDir(options.trainerDir);
  const requested = requestedPlan(options);
  if (await checkPlan(out, requested, log)) log(`resuming the study in ${out}`);

  const { plan, classes } = await planMiniPool(options, log);
  const dataMarker = join(out, 'data.json');
  const built = existsSync(dataMarker);
  if (!built)
    log(`writing the pool (${plan.pool.length} pairs) and the test split (${plan.test.length} images)`);
  const data = await writeMiniData(out, plan, classes, options.samplesPerShard, !built);
  if (!built) await writeJsonAtomic(dataMarker, { pool: plan.pool.length, test: plan.test.length });
  // What every curation of the study records too: the figures name the metadata they come from.
  const metadataSha256 = (await readMetadataFile(data.metadataPath)).sha256;
  const counts = entryCounts(plan);
  const maxCount = Math.max(...counts.counts);
  const tValues =
    options.tValues ??
    (options.experiment === 'sweep' ? defaultTValues(maxCount) : [defaultT(plan.pool.length)]);
  log(
    `t values: ${tValues.join(', ')} (the largest entry count is ${maxCount}: t >= ${maxCount} balances nothing)`,
  );

  // The curations: one per t of the curated arm; the online arm re-draws from the whole matched pool.
  const curationTs = new Set<number>();
  if (options.arms.includes('curated')) for (const t of tValues) curationTs.add(t);
  if (options.arms.includes('online')) curationTs.add(maxCount);
  const curations = new Map<number, { dir: string; summary: CurateSummary }>();
  const curationStats: CurationStats[] = [];
  for (const t of [...curationTs].sort((a, b) => a - b)) {
    const c = await ensureCuration(out, data, t, options.poolSeed, progress, log);
    curations.set(t, c);
    const kept = await keptKeys(c.dir, c.summary);
    curationStats.push({
      t,
      curated_size: c.summary.kept,
      expected_size: c.summary.expected_kept,
      head_entries: c.summary.head_entries,
      per_class: byClass(
        countByLabel(
          plan.pool.filter((r) => kept.has(r.key)),
          CLASS_COUNT,
        ),
      ),
    });
  }
  const shardsOf = (t: number) => {
    const c = curations.get(t)!;
    return c.summary.outputs.map((o) => join(c.dir, o.output));
  };

  const units = studyUnits(options.arms, tValues, options.augments, options.seeds);
  const tail = [...plan.classRanks]
    .reverse()
    .slice(0, 3)
    .reverse()
    .map((c) => FASHION_CLASSES[c].name);
  const reportInput = (results: UnitResult[]) => ({
    experiment: options.experiment,
    plan: { ...requested, 't-values': tValues },
    pool: poolFigures(plan, counts, options, metadataSha256),
    classes: FASHION_CLASSES.map((c) => c.name),
    tailClasses: tail,
    curations: curationStats,
    unitsTotal: units.length,
    results,
  });
  const results: UnitResult[] = [];
  const pending: StudyUnit[] = [];
  for (const unit of units) {
    const path = join(out, 'units', unit.id, 'result.json');
    if (existsSync(path)) {
      const result = JSON.parse(await readFile(path, 'utf8')) as UnitResult;
      // Units finished before the report had the figure: read it from their log.
      result.left_chance_at_step ??= await leftChanceOfRun(
        join(out, 'units', unit.id, 'run'),
        options.batchSize,
      );
      results.push(result);
    } else pending.push(unit);
  }
  if (results.length > 0) log(`${results.length} of ${units.length} units finished before: kept`);
  let summary = await writeStudyReport(out, reportInput(results));

  const clock: Clock = { trainedSteps: 0, trainingSeconds: 0 };
  const stepsThisRun = pending.length * options.steps;
  for (const [index, unit] of pending.entries()) {
    const stopped = () =>
      new InterruptedError(
        `the study stopped after ${results.length} of ${units.length} units; run the same command again to resume`,
      );
    if (options.signal?.aborted) throw stopped();
    const position = `unit ${results.length + 1}/${units.length}`;
    const label = `${unit.arm}${unit.t === null ? '' : ` t=${unit.t}`} ${unit.augment} seed ${unit.seed}`;
    log(`${position}: ${label}`);
    options.onUnitStart?.(unit.id);
    const unitDir = join(out, 'units', unit.id);
    const runDir = join(unitDir, 'run');
    await mkdir(unitDir, { recursive: true });
    const started = performance.now();
    let firstStep: number | null = null;
    const onLine = (line: string) => {
      const text = line.replace(/^\[trainer\] /, '');
      const m = /^step (\d+)\/(\d+)/.exec(text);
      if (!m) {
        if (/error|resumed/i.test(text)) log(`[${unit.id}] ${text}`);
        return;
      }
      const step = Number(m[1]);
      firstStep ??= step - 1;
      const seconds = (performance.now() - started) / 1000;
      const rate = (step - firstStep) / Math.max(seconds, 1e-3);
      const overallRate =
        (clock.trainedSteps + step - firstStep) / Math.max(clock.trainingSeconds + seconds, 1e-3);
      const left = (pending.length - index - 1) * options.steps;
      progress.update({
        phase: 'train',
        done: index * options.steps + step,
        total: stepsThisRun,
        records: (index * options.steps + step) * options.batchSize,
        unit: 'records',
      });
      log(
        `${position} ${unit.id}: step ${step}/${options.steps}, ${rate.toFixed(2)} steps/s, ` +
          `unit ETA ${formatDuration((options.steps - step) / rate)}, study ETA ${formatDuration((options.steps - step + left) / overallRate)}`,
      );
    };
    const training = await trainAndEvaluate(
      {
        trainData:
          unit.arm === 'raw' ? data.poolShards : shardsOf(unit.arm === 'online' ? maxCount : unit.t!),
        onlineT: unit.arm === 'online' ? unit.t! : undefined,
        runDir,
        steps: options.steps,
        batchSize: options.batchSize,
        seed: unit.seed,
        lr: options.lr,
        warmup: options.warmup,
        modelConfig: options.modelConfig,
        augment: unit.augment,
        threads: options.threads,
        python: options.python,
        trainerDir,
        data,
        saveEvery: Math.max(1, Math.round(options.steps / 10)),
        signal: options.signal,
      },
      onLine,
    ).catch((err: unknown) => {
      throw err instanceof TrainingStopped ? stopped() : err;
    });
    const wall = (performance.now() - started) / 1000;
    clock.trainedSteps += options.steps - (firstStep ?? 0);
    clock.trainingSeconds += wall;
    const result: UnitResult = {
      ...unit,
      training,
      wall_seconds: wall,
      left_chance_at_step: await leftChanceOfRun(runDir, options.batchSize),
    };
    await writeJsonAtomic(join(unitDir, 'result.json'), result);
    // Checkpoints are for resuming; a finished unit keeps its logs and results only.
    await rm(join(runDir, 'checkpoints'), { recursive: true, force: true });
    results.push(result);
    summary = await writeStudyReport(out, reportInput(results));
    progress.info(
      `${position} done: ${label}: top-1 ${(100 * training.top1).toFixed(1)}%, mean per class ${(100 * training.mean_per_class_top1).toFixed(1)}% (${formatDuration(wall)})`,
    );
  }
  return summary;
}

/**
 * `experiment mini --data-only`: the data and one curation at t in DIR/curated, for training
 * runs of one's own (`metacurate run start --curation DIR/curated`).
 */
export async function writeStudyData(
  options: PoolOptions & { out: string; t?: number; dataDir?: string; samplesPerShard: number },
  progress: ProgressSink,
  log: Log,
): Promise<{ curatedDir: string; t: number; summary: CurateSummary }> {
  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  const { plan, classes } = await planMiniPool(options, log);
  const data = await writeMiniData(out, plan, classes, options.samplesPerShard);
  const t = options.t ?? defaultT(plan.pool.length);
  const curatedDir = join(out, 'curated');
  await rm(curatedDir, { recursive: true, force: true });
  log(`curating the pool (${plan.pool.length} pairs) at t=${t}`);
  return { curatedDir, t, summary: await curatePool(data, t, options.poolSeed, curatedDir, progress) };
}

/** leftChanceAtStep of a unit's trainer log; undefined when the log is not there. */
async function leftChanceOfRun(runDir: string, batchSize: number): Promise<number | null | undefined> {
  const text = await readFile(join(runDir, 'out.log'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : leftChanceAtStep(text, batchSize);
}
