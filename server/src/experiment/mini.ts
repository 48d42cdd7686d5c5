/**
 * `metacurate experiment mini`: the paper's main claim at laptop scale, offline. From
 * Fashion-MNIST it builds a web-like pool (fashionPool.ts) and a balanced held-out test split,
 * writes them as WebDataset shards with the experiment's metadata, curates the pool with
 * MetaCLIP balancing (curate(), in-process), trains the built-in trainer for the same steps,
 * batch and seed on the raw pool and on the curated one, evaluates both zero-shot on the
 * held-out images, and writes DIR/summary.json.
 *
 * DIR/
 *   metadata.json, classnames.txt, templates.txt
 *   pool/pool-000000.tar ...        the raw pool: <key>.png, <key>.txt, <key>.json {label, class, kind}
 *   test/fashion-mnist-test-000000.tar   held-out images: <key>.png, <key>.cls
 *   curated/                        the curation's output (data/pool-*.tar, sidecars, counts, summary)
 *   runs/raw/, runs/curated/        the trainer's outputs (out.log, checkpoints/, results.jsonl)
 *   summary.json
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { curate, type CurateSummary } from '../../engine/src/curate';
import { InputError } from '../../engine/src/errors';
import { writeFileAtomic } from '../../engine/src/fsAtomic';
import { createMatcher } from '../../engine/src/match/matcher';
import { AtomicFileSink } from '../../engine/src/pool/sink';
import { TarWriter } from '../../engine/src/pool/tar';
import { writeSizesJson } from '../../engine/src/pool/webdataset';
import type { ProgressSink } from '../../engine/src/progress';
import { latestZeroShot, parseResultsJsonl } from '../../engine/src/trainResults';
import {
  CLASS_COUNT,
  IMAGE_PIXELS,
  IMAGE_SIDE,
  loadClass,
  locateFashionMnist,
  type ClassImages,
} from './fashionMnist';
import {
  countByLabel,
  FASHION_CLASSES,
  miniMetadata,
  planPool,
  TEXT_KINDS,
  ZEROSHOT_TEMPLATES,
  type PoolPlan,
  type PoolRecord,
  type TextKind,
} from './fashionPool';
import { encodeGrayPng } from './png';
import { builtinTrainerArgs, findTrainerDir, runBuiltinTrainer } from '../../engine/src/runs/trainer';

export interface MiniOptions {
  out: string;
  seed: number;
  /** Balancing threshold; default DEFAULT_T scaled by the pool size over the full pool's. */
  t?: number;
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  poolSize?: number;
  testPerClass: number;
  headToTail: number;
  python: string;
  threads?: number;
  modelConfig: string;
  augment: 'crop' | 'none';
  dataDir?: string;
  trainerDir?: string;
  samplesPerShard: number;
  /** Stop after the curation: the data for training runs of one's own (no training here). */
  dataOnly?: boolean;
}

export const MINI_DEFAULTS = {
  seed: 1,
  steps: 2000,
  batchSize: 256,
  lr: 2e-3,
  warmup: 100,
  testPerClass: 500,
  headToTail: 30,
  python: '/usr/bin/python3',
  modelConfig: 'tiny',
  augment: 'crop' as const,
  samplesPerShard: 5000,
};

/** t for the full pool (about 20,000 pairs): head classes' entries are cut to about 100 pairs. */
export const DEFAULT_T = 100;
const FULL_POOL = 20_000;

export interface ArmResult {
  top1: number;
  top5: number;
  mean_per_class_top1: number;
  per_class: Record<string, number | null>;
  train_pairs: number;
  samples_seen: number;
  epochs: number;
  final_loss: number | null;
  samples_per_second: number | null;
  train_seconds: number;
  wall_seconds: number;
}

export interface MiniSummary {
  experiment: 'mini';
  seed: number;
  t: number;
  steps: number;
  batch_size: number;
  lr: number;
  warmup: number;
  model_config: string;
  augment: 'crop' | 'none';
  classes: string[];
  pool: {
    size: number;
    matched: number;
    unmatched: number;
    matched_share: number;
    kinds: Record<TextKind, number>;
    head_to_tail: number;
    class_ranks: string[];
    per_class_before: Record<string, number>;
    per_class_after: Record<string, number>;
    per_class_true_texts_before: Record<string, number>;
    per_class_true_texts_after: Record<string, number>;
    kinds_after: Record<TextKind, number>;
    curated_size: number;
    curated_expected_size: number;
    head_entries: number;
    test_size: number;
    test_per_class: number;
  };
  raw: ArmResult;
  curated: ArmResult;
  curated_minus_raw: { top1: number; top5: number; mean_per_class_top1: number };
  trainer: {
    python: string;
    torch: string | null;
    threads: number | null;
    device: string | null;
    parameters: number | null;
  };
  wall_seconds: { pool: number; curate: number; train_raw: number; train_curated: number; total: number };
}

type Log = (message: string) => void;

const byClass = (values: number[]): Record<string, number> =>
  Object.fromEntries(FASHION_CLASSES.map((c, i) => [c.name, values[i]]));

async function writeShards(
  folder: string,
  prefix: string,
  samples: { key: string; members: [string, Buffer][] }[],
  perShard: number,
): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const paths: string[] = [];
  const sizes: Record<string, number> = {};
  for (let s = 0; s * perShard < samples.length || s === 0; s++) {
    const name = `${prefix}-${String(s).padStart(6, '0')}.tar`;
    const path = join(folder, name);
    const sink = await AtomicFileSink.open(path);
    const tar = new TarWriter(sink);
    const part = samples.slice(s * perShard, (s + 1) * perShard);
    for (const sample of part) {
      for (const [ext, data] of sample.members) await tar.addFile(`${sample.key}.${ext}`, data);
    }
    await tar.finish();
    await sink.commit();
    sizes[name] = part.length;
    paths.push(path);
  }
  await writeSizesJson(folder, sizes);
  return paths;
}

function imageOf(classes: ClassImages[], label: number, image: number): Buffer {
  const pixels = classes[label].pixels.subarray(image * IMAGE_PIXELS, (image + 1) * IMAGE_PIXELS);
  return encodeGrayPng(IMAGE_SIDE, IMAGE_SIDE, pixels);
}

/** Builds the pool and the test split on disk; returns the plan and the shard paths. */
export async function buildMiniData(
  options: Pick<
    MiniOptions,
    'out' | 'seed' | 'poolSize' | 'testPerClass' | 'headToTail' | 'dataDir' | 'samplesPerShard'
  >,
  log: Log,
): Promise<{ plan: PoolPlan; poolShards: string[]; testShards: string[]; metadataPath: string }> {
  const folder = locateFashionMnist(options.dataDir);
  const classes: ClassImages[] = [];
  for (let c = 0; c < CLASS_COUNT; c++) classes.push(await loadClass(folder, c));
  log(
    `Fashion-MNIST: ${classes.reduce((a, c) => a + c.count, 0).toLocaleString('en-US')} images in ${CLASS_COUNT} classes from ${folder}`,
  );
  const plan = planPool({
    seed: options.seed,
    available: classes.map((c) => c.count),
    testPerClass: options.testPerClass,
    poolSize: options.poolSize,
    headToTail: options.headToTail,
  });
  if (plan.capped)
    log(`--pool-size ${options.poolSize} is more than the images allow: the pool has ${plan.pool.length}`);

  const out = options.out;
  const metadataPath = join(out, 'metadata.json');
  await writeFileAtomic(metadataPath, JSON.stringify(miniMetadata(), null, 1) + '\n');
  await writeFileAtomic(join(out, 'classnames.txt'), FASHION_CLASSES.map((c) => c.name).join('\n') + '\n');
  await writeFileAtomic(join(out, 'templates.txt'), ZEROSHOT_TEMPLATES.join('\n') + '\n');

  const poolShards = await writeShards(
    join(out, 'pool'),
    'pool',
    plan.pool.map((r) => ({
      key: r.key,
      members: [
        ['png', imageOf(classes, r.label, r.image)],
        ['txt', Buffer.from(r.text, 'utf8')],
        [
          'json',
          Buffer.from(JSON.stringify({ label: r.label, class: FASHION_CLASSES[r.label].name, kind: r.kind })),
        ],
      ],
    })),
    options.samplesPerShard,
  );
  const testShards = await writeShards(
    join(out, 'test'),
    'fashion-mnist-test',
    plan.test.map((t, i) => ({
      key: `t${String(i).padStart(6, '0')}`,
      members: [
        ['png', imageOf(classes, t.label, t.image)],
        ['cls', Buffer.from(String(t.label), 'ascii')],
      ],
    })),
    1_000_000,
  );
  return { plan, poolShards, testShards, metadataPath };
}

function kindCounts(records: Iterable<PoolRecord>): Record<TextKind, number> {
  const counts = Object.fromEntries(TEXT_KINDS.map((k) => [k, 0])) as Record<TextKind, number>;
  for (const r of records) counts[r.kind]++;
  return counts;
}

async function keptKeys(outDir: string, summary: CurateSummary): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const o of summary.outputs) {
    const text = await readFile(join(outDir, o.sidecar), 'utf8');
    for (const line of text.split('\n')) if (line.trim()) keys.add((JSON.parse(line) as { key: string }).key);
  }
  return keys;
}

async function trainArm(
  name: 'raw' | 'curated',
  trainData: string[],
  options: MiniOptions,
  trainerDir: string,
  log: Log,
): Promise<{ result: ArmResult; trainSummary: Record<string, unknown> }> {
  const runDir = join(options.out, 'runs', name);
  await rm(runDir, { recursive: true, force: true });
  const args = builtinTrainerArgs({
    trainData,
    out: runDir,
    steps: options.steps,
    batchSize: options.batchSize,
    seed: options.seed,
    lr: options.lr,
    warmup: options.warmup,
    modelConfig: options.modelConfig,
    augment: options.augment,
    threads: options.threads,
    logEvery: Math.max(10, Math.round(options.steps / 20)),
    zeroshotData: join(options.out, 'test'),
    zeroshotName: 'fashion-mnist',
    classnames: join(options.out, 'classnames.txt'),
    templates: join(options.out, 'templates.txt'),
  });
  const started = performance.now();
  const run = await runBuiltinTrainer(options.python, trainerDir, args, (line) => {
    if (line.trim()) log(`[${name}] ${line.replace(/^\[trainer\] /, '')}`);
  });
  const wall = (performance.now() - started) / 1000;
  if (run.code !== 0) {
    throw new InputError(
      runDir,
      {},
      'unreadable',
      `the trainer failed on the ${name} pool (exit ${run.code}):\n${run.stderrTail.join('\n')}`,
    );
  }
  const results = parseResultsJsonl(await readFile(join(runDir, 'results.jsonl'), 'utf8'));
  const zs = latestZeroShot(results, 'fashion-mnist');
  if (!zs || zs.top1 === undefined || zs.top5 === undefined || zs.meanPerClassTop1 === undefined) {
    throw new InputError(
      join(runDir, 'results.jsonl'),
      {},
      'bad-json',
      'no zero-shot result for fashion-mnist',
    );
  }
  const trainSummary = JSON.parse(await readFile(join(runDir, 'train_summary.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    result: {
      top1: zs.top1,
      top5: zs.top5,
      mean_per_class_top1: zs.meanPerClassTop1,
      per_class: zs.perClassTop1 ?? {},
      train_pairs: num(trainSummary.pairs) ?? 0,
      samples_seen: num(trainSummary.samples_seen) ?? 0,
      epochs: num(trainSummary.epochs_completed) ?? 0,
      final_loss: num(trainSummary.final_loss),
      samples_per_second: num(trainSummary.samples_per_second),
      train_seconds: num(trainSummary.train_seconds) ?? 0,
      wall_seconds: wall,
    },
    trainSummary,
  };
}

export function defaultT(poolSize: number): number {
  return Math.max(1, Math.round((DEFAULT_T * poolSize) / FULL_POOL));
}

export async function runMiniExperiment(
  options: MiniOptions,
  progress: ProgressSink,
  log: Log,
): Promise<MiniSummary | undefined> {
  const t0 = performance.now();
  const out = resolve(options.out);
  options = { ...options, out };
  await mkdir(out, { recursive: true });
  const trainerDir = findTrainerDir(options.trainerDir);

  log('1/4 building the pool and the test split');
  const { plan, poolShards, metadataPath } = await buildMiniData(options, log);
  const tPool = performance.now();
  const t = options.t ?? defaultT(plan.pool.length);
  const matcher = createMatcher(miniMetadata());
  const matched = plan.pool.filter((r) => matcher.match(r.text).length > 0).length;
  const before = countByLabel(plan.pool, CLASS_COUNT);
  log(
    `pool: ${plan.pool.length} pairs, ${matched} matching an entry (${((100 * matched) / plan.pool.length).toFixed(1)}%), ` +
      `classes from ${Math.max(...before)} to ${Math.min(...before)} images; test: ${plan.test.length} images`,
  );

  log(`2/4 curating with MetaCLIP balancing at t=${t}`);
  const curatedDir = join(out, 'curated');
  await rm(curatedDir, { recursive: true, force: true });
  const summary = await curate(
    {
      metadataPath,
      inputs: poolShards,
      textFields: ['txt'],
      t,
      seed: options.seed,
      outDir: curatedDir,
      workers: Math.min(2, availableParallelism()),
      cache: false,
    },
    progress,
  );
  const tCurate = performance.now();
  const kept = await keptKeys(curatedDir, summary);
  const keptRecords = plan.pool.filter((r) => kept.has(r.key));
  const after = countByLabel(keptRecords, CLASS_COUNT);
  const trueTexts = (records: PoolRecord[]) =>
    countByLabel(
      records.filter((r) => r.kind === 'class'),
      CLASS_COUNT,
    );
  log(
    `curated: ${summary.kept} of ${summary.pool.records} pairs kept; classes from ${Math.max(...after)} to ${Math.min(...after)} images`,
  );

  if (options.dataOnly) return undefined;

  log(`3/4 training on the raw pool (${options.steps} steps of ${options.batchSize})`);
  const raw = await trainArm('raw', [join(out, 'pool')], options, trainerDir, log);
  const tRaw = performance.now();
  log(`4/4 training on the curated pool (${options.steps} steps of ${options.batchSize})`);
  const curatedShards = summary.outputs.map((o) => join(curatedDir, o.output));
  const cur = await trainArm('curated', curatedShards, options, trainerDir, log);
  const tCur = performance.now();

  const s = (v: unknown) => (typeof v === 'string' ? v : null);
  const n = (v: unknown) => (typeof v === 'number' ? v : null);
  const result: MiniSummary = {
    experiment: 'mini',
    seed: options.seed,
    t,
    steps: options.steps,
    batch_size: options.batchSize,
    lr: options.lr,
    warmup: options.warmup,
    model_config: options.modelConfig,
    augment: options.augment,
    classes: FASHION_CLASSES.map((c) => c.name),
    pool: {
      size: plan.pool.length,
      matched,
      unmatched: plan.pool.length - matched,
      matched_share: matched / plan.pool.length,
      kinds: kindCounts(plan.pool),
      head_to_tail: options.headToTail,
      class_ranks: plan.classRanks.map((c) => FASHION_CLASSES[c].name),
      per_class_before: byClass(before),
      per_class_after: byClass(after),
      per_class_true_texts_before: byClass(trueTexts(plan.pool)),
      per_class_true_texts_after: byClass(trueTexts(keptRecords)),
      kinds_after: kindCounts(keptRecords),
      curated_size: summary.kept,
      curated_expected_size: summary.expected_kept,
      head_entries: summary.head_entries,
      test_size: plan.test.length,
      test_per_class: options.testPerClass,
    },
    raw: raw.result,
    curated: cur.result,
    curated_minus_raw: {
      top1: cur.result.top1 - raw.result.top1,
      top5: cur.result.top5 - raw.result.top5,
      mean_per_class_top1: cur.result.mean_per_class_top1 - raw.result.mean_per_class_top1,
    },
    trainer: {
      python: options.python,
      torch: s(raw.trainSummary.torch),
      threads: n(raw.trainSummary.threads),
      device: s(raw.trainSummary.device),
      parameters: n(raw.trainSummary.parameters),
    },
    wall_seconds: {
      pool: (tPool - t0) / 1000,
      curate: (tCurate - tPool) / 1000,
      train_raw: (tRaw - tCurate) / 1000,
      train_curated: (tCur - tRaw) / 1000,
      total: (performance.now() - t0) / 1000,
    },
  };
  await writeFileAtomic(join(out, 'summary.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}
