/**
 * The miniature experiment's data and its one training: from Fashion-MNIST, the web-like pool
 * (fashionPool.ts) and the balanced held-out test split written as WebDataset shards with the
 * experiment's metadata, class names and prompt templates; and one training of the built-in
 * trainer with its zero-shot evaluation on the held-out images. study.ts runs the units of
 * `experiment mini` and `experiment sweep` over these.
 *
 * DIR/
 *   metadata.json, classnames.txt, templates.txt
 *   pool/pool-000000.tar ...        the raw pool: <key>.png, <key>.txt, <key>.json {label, class, kind}
 *   test/fashion-mnist-test-000000.tar   held-out images: <key>.png, <key>.cls
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CurateSummary } from '../../engine/src/curate';
import { InputError } from '../../engine/src/errors';
import { writeFileAtomic } from '../../engine/src/fsAtomic';
import { createMatcher } from '../../engine/src/match/matcher';
import { AtomicFileSink } from '../../engine/src/pool/sink';
import { TarWriter } from '../../engine/src/pool/tar';
import { writeSizesJson } from '../../engine/src/pool/webdataset';
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
import { builtinTrainerArgs, runBuiltinTrainer } from '../../engine/src/runs/trainer';

/** The pool's shape: what `experiment mini` and `experiment sweep` build once and share. */
export interface PoolOptions {
  /** Seeds the pool and the curations (the training seeds are the study's). */
  poolSeed: number;
  poolSize?: number;
  textsPerImage: number;
  testPerClass: number;
  headToTail: number;
}

export const MINI_DEFAULTS = {
  poolSeed: 1,
  steps: 2000,
  batchSize: 256,
  lr: 2e-3,
  warmup: 100,
  testPerClass: 500,
  headToTail: 30,
  // Eight alt-texts per image: about 160,000 pairs, and at the default t a curated set of about
  // 24,000, which 2,000 steps of 256 see about 21 times (the paper: about 32).
  textsPerImage: 8,
  python: '/usr/bin/python3',
  modelConfig: 'tiny',
  samplesPerShard: 5000,
};

/** t for a pool of FULL_POOL pairs: head classes' entries are cut to about 100 pairs. */
export const DEFAULT_T = 100;
const FULL_POOL = 20_000;

/** A zero-shot result of one training, as the study keeps it. */
export interface TrainingResult {
  top1: number;
  top5: number;
  mean_per_class_top1: number;
  per_class: Record<string, number | null>;
  train_pairs: number;
  /** Online balancing: the pairs an epoch draws on average (of `train_pairs`); else null. */
  online_pairs_per_epoch: number | null;
  samples_seen: number;
  epochs: number;
  final_loss: number | null;
  samples_per_second: number | null;
  train_seconds: number;
  torch: string | null;
  parameters: number | null;
}

export type Log = (message: string) => void;

interface ShardSample {
  key: string;
  members: [string, Buffer][];
}

/** Writes `count` samples (made one at a time by `sampleAt`) as shards of `perShard`, then sizes.json. */
async function writeShards(
  folder: string,
  prefix: string,
  count: number,
  sampleAt: (i: number) => ShardSample,
  perShard: number,
): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const paths: string[] = [];
  const sizes: Record<string, number> = {};
  for (let s = 0; s * perShard < count || s === 0; s++) {
    const name = `${prefix}-${String(s).padStart(6, '0')}.tar`;
    const path = join(folder, name);
    const sink = await AtomicFileSink.open(path);
    const tar = new TarWriter(sink);
    const end = Math.min(count, (s + 1) * perShard);
    for (let i = s * perShard; i < end; i++) {
      const sample = sampleAt(i);
      for (const [ext, data] of sample.members) await tar.addFile(`${sample.key}.${ext}`, data);
    }
    await tar.finish();
    await sink.commit();
    sizes[name] = end - s * perShard;
    paths.push(path);
  }
  await writeSizesJson(folder, sizes);
  return paths;
}

/** PNGs of the images, each encoded once however many texts it has. */
function imageEncoder(classes: ClassImages[]): (label: number, image: number) => Buffer {
  const cache = new Map<number, Buffer>();
  return (label, image) => {
    const id = label * 1_000_000 + image;
    let png = cache.get(id);
    if (!png) {
      const pixels = classes[label].pixels.subarray(image * IMAGE_PIXELS, (image + 1) * IMAGE_PIXELS);
      png = encodeGrayPng(IMAGE_SIDE, IMAGE_SIDE, pixels);
      cache.set(id, png);
    }
    return png;
  };
}

export interface MiniData {
  plan: PoolPlan;
  poolShards: string[];
  testShards: string[];
  metadataPath: string;
  classnamesPath: string;
  templatesPath: string;
}

/** The pool's plan (pure, cheap): a re-run plans again rather than reading the shards back. */
export async function planMiniPool(
  options: PoolOptions & { dataDir?: string },
  log: Log,
): Promise<{
  plan: PoolPlan;
  classes: ClassImages[];
}> {
  const folder = locateFashionMnist(options.dataDir);
  const classes: ClassImages[] = [];
  for (let c = 0; c < CLASS_COUNT; c++) classes.push(await loadClass(folder, c));
  log(
    `Fashion-MNIST: ${classes.reduce((a, c) => a + c.count, 0).toLocaleString('en-US')} images in ${CLASS_COUNT} classes from ${folder}`,
  );
  const plan = planPool({
    seed: options.poolSeed,
    available: classes.map((c) => c.count),
    testPerClass: options.testPerClass,
    poolSize: options.poolSize,
    headToTail: options.headToTail,
    textsPerImage: options.textsPerImage,
  });
  if (plan.capped)
    log(`--pool-size ${options.poolSize} is more than the images allow: the pool has ${plan.pool.length}`);
  return { plan, classes };
}

/**
 * The data files in `out`: metadata.json, classnames.txt, templates.txt, pool/ and test/ shards.
 * `write: false` only names them (they exist from an earlier run).
 */
export async function writeMiniData(
  out: string,
  plan: PoolPlan,
  classes: ClassImages[],
  samplesPerShard: number,
  write = true,
): Promise<MiniData> {
  const metadataPath = join(out, 'metadata.json');
  const classnamesPath = join(out, 'classnames.txt');
  const templatesPath = join(out, 'templates.txt');
  const shardNames = (folder: string, prefix: string, count: number, perShard: number) =>
    Array.from({ length: Math.max(1, Math.ceil(count / perShard)) }, (_, s) =>
      join(out, folder, `${prefix}-${String(s).padStart(6, '0')}.tar`),
    );
  if (!write) {
    return {
      plan,
      poolShards: shardNames('pool', 'pool', plan.pool.length, samplesPerShard),
      testShards: shardNames('test', 'fashion-mnist-test', plan.test.length, 1_000_000),
      metadataPath,
      classnamesPath,
      templatesPath,
    };
  }
  await writeFileAtomic(metadataPath, JSON.stringify(miniMetadata(), null, 1) + '\n');
  await writeFileAtomic(classnamesPath, FASHION_CLASSES.map((c) => c.name).join('\n') + '\n');
  await writeFileAtomic(templatesPath, ZEROSHOT_TEMPLATES.join('\n') + '\n');
  const png = imageEncoder(classes);
  const poolShards = await writeShards(
    join(out, 'pool'),
    'pool',
    plan.pool.length,
    (i) => {
      const r = plan.pool[i];
      return {
        key: r.key,
        members: [
          ['png', png(r.label, r.image)],
          ['txt', Buffer.from(r.text, 'utf8')],
          [
            'json',
            Buffer.from(
              JSON.stringify({ label: r.label, class: FASHION_CLASSES[r.label].name, kind: r.kind }),
            ),
          ],
        ],
      };
    },
    samplesPerShard,
  );
  const testShards = await writeShards(
    join(out, 'test'),
    'fashion-mnist-test',
    plan.test.length,
    (i) => ({
      key: `t${String(i).padStart(6, '0')}`,
      members: [
        ['png', png(plan.test[i].label, plan.test[i].image)],
        ['cls', Buffer.from(String(plan.test[i].label), 'ascii')],
      ],
    }),
    1_000_000,
  );
  return { plan, poolShards, testShards, metadataPath, classnamesPath, templatesPath };
}

export function kindCounts(records: Iterable<PoolRecord>): Record<TextKind, number> {
  const counts = Object.fromEntries(TEXT_KINDS.map((k) => [k, 0])) as Record<TextKind, number>;
  for (const r of records) counts[r.kind]++;
  return counts;
}

/** The keys a curation kept, read from its sidecars. */
export async function keptKeys(outDir: string, summary: CurateSummary): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const o of summary.outputs) {
    const text = await readFile(join(outDir, o.sidecar), 'utf8');
    for (const line of text.split('\n')) if (line.trim()) keys.add((JSON.parse(line) as { key: string }).key);
  }
  return keys;
}

/** Pool pairs per class, by class name. */
export const byClass = (values: number[]): Record<string, number> =>
  Object.fromEntries(FASHION_CLASSES.map((c, i) => [c.name, values[i]]));

export function defaultT(poolSize: number): number {
  return Math.max(1, Math.round((DEFAULT_T * poolSize) / FULL_POOL));
}

/** Per-entry match counts of the pool's texts (the counts a curation finds) and matched pairs. */
export function entryCounts(plan: PoolPlan): { counts: number[]; matched: number } {
  const metadata = miniMetadata();
  const matcher = createMatcher(metadata);
  const counts = new Array<number>(metadata.length).fill(0);
  let matched = 0;
  for (const r of plan.pool) {
    const ids = new Set(matcher.match(r.text));
    if (ids.size > 0) matched++;
    for (const id of ids) counts[id]++;
  }
  return { counts, matched };
}

export interface TrainingSpec {
  trainData: string[];
  runDir: string;
  steps: number;
  batchSize: number;
  seed: number;
  lr: number;
  warmup: number;
  modelConfig: string;
  augment: 'crop' | 'none';
  threads?: number;
  python: string;
  trainerDir: string;
  data: MiniData;
  /** Online balancing at this t from the sidecars beside the training shards. */
  onlineT?: number;
  /** Checkpoint every this many steps, so a killed training resumes from its checkpoint. */
  saveEvery: number;
  /** Stops the training (killed, as Ctrl-C would): trainAndEvaluate then throws TrainingStopped. */
  signal?: AbortSignal;
}

/** A training stopped by its signal; its checkpoints stay for the next run to resume from. */
export class TrainingStopped extends Error {}

/** One training and its zero-shot evaluation; resumes from the run folder's latest checkpoint. */
export async function trainAndEvaluate(spec: TrainingSpec, onLine: Log): Promise<TrainingResult> {
  const args = builtinTrainerArgs({
    trainData: spec.trainData,
    onlineBalance: spec.onlineT === undefined ? undefined : [],
    t: spec.onlineT,
    out: spec.runDir,
    steps: spec.steps,
    batchSize: spec.batchSize,
    seed: spec.seed,
    lr: spec.lr,
    warmup: spec.warmup,
    modelConfig: spec.modelConfig,
    augment: spec.augment,
    threads: spec.threads,
    logEvery: Math.max(1, Math.min(50, Math.round(spec.steps / 20))),
    saveEvery: spec.saveEvery < spec.steps ? spec.saveEvery : undefined,
    resume: 'latest',
    zeroshotData: join(spec.data.testShards[0], '..'),
    zeroshotName: 'fashion-mnist',
    classnames: spec.data.classnamesPath,
    templates: spec.data.templatesPath,
  });
  const run = await runBuiltinTrainer(spec.python, spec.trainerDir, args, onLine, spec.signal);
  if (spec.signal?.aborted) throw new TrainingStopped(`the training in ${spec.runDir} was stopped`);
  if (run.code !== 0) {
    throw new InputError(
      spec.runDir,
      {},
      'unreadable',
      `the trainer failed (exit ${run.code}):\n${run.stderrTail.join('\n')}`,
    );
  }
  const results = parseResultsJsonl(await readFile(join(spec.runDir, 'results.jsonl'), 'utf8'));
  const zs = latestZeroShot(results, 'fashion-mnist');
  if (!zs || zs.top1 === undefined || zs.top5 === undefined || zs.meanPerClassTop1 === undefined) {
    throw new InputError(
      join(spec.runDir, 'results.jsonl'),
      {},
      'bad-json',
      'no zero-shot result for fashion-mnist',
    );
  }
  const trainSummary = JSON.parse(await readFile(join(spec.runDir, 'train_summary.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    top1: zs.top1,
    top5: zs.top5,
    mean_per_class_top1: zs.meanPerClassTop1,
    per_class: zs.perClassTop1 ?? {},
    train_pairs: num(trainSummary.pairs) ?? 0,
    online_pairs_per_epoch: num(
      (trainSummary.online_balance as Record<string, unknown> | undefined)?.expected_pairs_per_epoch,
    ),
    samples_seen: num(trainSummary.samples_seen) ?? 0,
    epochs: num(trainSummary.epochs_completed) ?? 0,
    final_loss: num(trainSummary.final_loss),
    samples_per_second: num(trainSummary.samples_per_second),
    train_seconds: num(trainSummary.train_seconds) ?? 0,
    torch: typeof trainSummary.torch === 'string' ? trainSummary.torch : null,
    parameters: num(trainSummary.parameters),
  };
}
