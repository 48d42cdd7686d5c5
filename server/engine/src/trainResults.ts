/**
 * Training results of both trainers, read the same way:
 *  - `results.jsonl`: one JSON object per evaluation. OpenCLIP writes it in
 *    `<logs>/<name>/checkpoints/` with keys such as `imagenet-zeroshot-val-top1`,
 *    `imagenet-zeroshot-val-top5`, `imagenetv2-zeroshot-val-top1`, `clip_val_loss`, `epoch`,
 *    `num_samples`; the built-in trainer writes the same key names in `<out>/` and adds
 *    `<dataset>-zeroshot-val-mean-per-class-top1`, `-per-class-top1` ({class: accuracy}) and `step`.
 *  - training log lines: OpenCLIP's `out.log` lines (`... | INFO | Train Epoch: 0 [ 512/10000 (5%)]
 *    Data (t): 0.123 Batch (t): 0.456, 1120.50/s, 280.125/s/gpu LR: 0.000100 Logit Scale: 14.286
 *    Contrastive_loss: 5.4321 (5.4321) Loss: 5.4321 (5.4321)`), and the built-in trainer's JSON
 *    lines (`{"step", "epoch", "loss", "lr", "samples_per_second", "eta_seconds", ...}`).
 * Also the exact argument list of `python -m open_clip_train.main` (open_clip_torch 3.x) for a
 * curation's output.
 */
import { join } from 'node:path';
import { UsageError } from './errors';

export interface ZeroShotMetrics {
  top1?: number;
  top5?: number;
  meanPerClassTop1?: number;
  perClassTop1?: Record<string, number | null>;
}

export interface ResultsRecord {
  /** 1-based line in the file. */
  line: number;
  epoch?: number;
  step?: number;
  numSamples?: number;
  /** Zero-shot metrics by dataset name (`imagenet`, `imagenetv2`, `fashion-mnist`, ...). */
  zeroShot: Record<string, ZeroShotMetrics>;
  /** Every other numeric value (clip_val_loss, image_to_text_R@1, ...). */
  metrics: Record<string, number>;
  raw: Record<string, unknown>;
}

export class ResultsParseError extends Error {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`results.jsonl line ${line}: ${detail}`);
    this.name = 'ResultsParseError';
  }
}

const ZEROSHOT_KEY = /^(.+)-zeroshot-val-(top1|top5|mean-per-class-top1|per-class-top1)$/;

/**
 * Parses a results.jsonl text. Blank lines are skipped, and so is a last line without its newline
 * that is not valid JSON yet (a trainer may be writing it); any other bad line throws
 * ResultsParseError naming it.
 */
export function parseResultsJsonl(text: string): ResultsRecord[] {
  const lines = text.split('\n');
  const records: ResultsRecord[] = [];
  lines.forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (i === lines.length - 1) return; // unterminated last line: still being written
      throw new ResultsParseError(i + 1, `not JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ResultsParseError(i + 1, 'expected a JSON object');
    }
    const raw = value as Record<string, unknown>;
    const record: ResultsRecord = { line: i + 1, zeroShot: {}, metrics: {}, raw };
    for (const [key, v] of Object.entries(raw)) {
      const m = ZEROSHOT_KEY.exec(key);
      if (m) {
        const metrics = (record.zeroShot[m[1]] ??= {});
        if (m[2] === 'per-class-top1') {
          if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
            metrics.perClassTop1 = Object.fromEntries(
              Object.entries(v as Record<string, unknown>).map(([c, a]) => [
                c,
                typeof a === 'number' ? a : null,
              ]),
            );
          }
        } else if (typeof v === 'number') {
          if (m[2] === 'top1') metrics.top1 = v;
          else if (m[2] === 'top5') metrics.top5 = v;
          else metrics.meanPerClassTop1 = v;
        }
      } else if (key === 'epoch' && typeof v === 'number') record.epoch = v;
      else if (key === 'step' && typeof v === 'number') record.step = v;
      else if (key === 'num_samples' && typeof v === 'number') record.numSamples = v;
      else if (typeof v === 'number') record.metrics[key] = v;
    }
    records.push(record);
  });
  return records;
}

/** The last zero-shot metrics of `dataset` (or of the only dataset there is) in parsed results. */
export function latestZeroShot(
  records: ResultsRecord[],
  dataset?: string,
): (ZeroShotMetrics & { dataset: string; record: ResultsRecord }) | undefined {
  let name = dataset;
  if (name === undefined) {
    const names = new Set(records.flatMap((r) => Object.keys(r.zeroShot)));
    if (names.size !== 1) return undefined;
    name = [...names][0];
  }
  for (let i = records.length - 1; i >= 0; i--) {
    if (records[i].zeroShot[name]) {
      return { ...records[i].zeroShot[name], dataset: name, record: records[i] };
    }
  }
  return undefined;
}

export interface TrainLogEntry {
  trainer: 'openclip' | 'metacurate';
  epoch?: number;
  /** Optimizer steps done (the built-in trainer's lines; OpenCLIP prints samples instead). */
  step?: number;
  /** OpenCLIP: samples seen in this epoch; built-in trainer: samples seen in the run. */
  samples?: number;
  samplesPerEpoch?: number;
  percent?: number;
  /** The total loss of the logged step. */
  loss?: number;
  /** Its running average (OpenCLIP: the value in parentheses; built-in: the window's mean). */
  lossAvg?: number;
  /** OpenCLIP's named losses: {Contrastive_loss: {value, avg}, Loss: {...}}. */
  losses: Record<string, { value: number; avg: number }>;
  lr?: number;
  logitScale?: number;
  samplesPerSecond?: number;
  samplesPerSecondPerGpu?: number;
  dataTime?: number;
  batchTime?: number;
  etaSeconds?: number;
  /** OpenCLIP's log time stamp (`2024-05-01,12:00:00`). */
  time?: string;
}

const NUM = String.raw`[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf)`;
const RE_EPOCH = new RegExp(String.raw`Train Epoch: (\d+) \[\s*(\d+)/(\d+) \((\d+)%\)\]`, 'i');
const RE_DATA = new RegExp(String.raw`Data \(t\): (${NUM})`);
const RE_BATCH = new RegExp(String.raw`Batch \(t\): (${NUM}),\s*(${NUM})/s(?:,\s*(${NUM})/s/gpu)?`);
const RE_LR = new RegExp(String.raw`\bLR: (${NUM})`);
const RE_SCALE = new RegExp(String.raw`Logit Scale: (${NUM})`);
const RE_LOSS = new RegExp(String.raw`([A-Za-z][A-Za-z0-9_]*): (${NUM}) \((${NUM})\)`, 'g');
const RE_TIME = /^(\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2})/;

function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text === 'nan' ? NaN : text === 'inf' ? Infinity : text);
  return Number.isNaN(n) && text !== 'nan' ? undefined : n;
}

function finiteOrUndefined(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** One training log line of either trainer; undefined for other lines (model dumps, params, evals). */
export function parseTrainLogLine(line: string): TrainLogEntry | undefined {
  const text = line.trim();
  if (text.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Record<string, unknown>;
    if (typeof v.step !== 'number' || typeof v.loss !== 'number') return undefined;
    return {
      trainer: 'metacurate',
      step: v.step,
      epoch: finiteOrUndefined(v.epoch),
      samples: finiteOrUndefined(v.samples_seen),
      loss: v.loss,
      lossAvg: finiteOrUndefined(v.loss_avg),
      losses: {},
      lr: finiteOrUndefined(v.lr),
      logitScale: finiteOrUndefined(v.logit_scale),
      samplesPerSecond: finiteOrUndefined(v.samples_per_second),
      etaSeconds: finiteOrUndefined(v.eta_seconds),
    };
  }
  const epoch = RE_EPOCH.exec(text);
  if (!epoch) return undefined;
  const entry: TrainLogEntry = {
    trainer: 'openclip',
    epoch: Number(epoch[1]),
    samples: Number(epoch[2]),
    samplesPerEpoch: Number(epoch[3]),
    percent: Number(epoch[4]),
    losses: {},
  };
  const time = RE_TIME.exec(text);
  if (time) entry.time = time[1];
  const data = RE_DATA.exec(text);
  if (data) entry.dataTime = num(data[1]);
  const batch = RE_BATCH.exec(text);
  if (batch) {
    entry.batchTime = num(batch[1]);
    entry.samplesPerSecond = num(batch[2]);
    entry.samplesPerSecondPerGpu = num(batch[3]);
  }
  const lr = RE_LR.exec(text);
  if (lr) entry.lr = num(lr[1]);
  const scale = RE_SCALE.exec(text);
  if (scale) entry.logitScale = num(scale[1]);
  for (const m of text.matchAll(RE_LOSS)) {
    const value = num(m[2]);
    const avg = num(m[3]);
    if (value !== undefined && avg !== undefined) entry.losses[m[1]] = { value, avg };
  }
  const total = entry.losses.Loss ?? Object.values(entry.losses)[0];
  if (total) {
    entry.loss = total.value;
    entry.lossAvg = total.avg;
  }
  return entry;
}

export interface OpenClipOptions {
  /** Shards or CSV files; several are joined with `::` (OpenCLIP's separator of data sources). */
  trainData: string | string[];
  datasetType: 'webdataset' | 'csv';
  /** Needed for WebDataset shards without a sizes.json beside them (the curation writes one). */
  trainNumSamples?: number;
  csvImgKey?: string;
  csvCaptionKey?: string;
  csvSeparator?: string;
  /** `--logs` and `--name`: the run writes `<logs>/<name>/out.log` and `checkpoints/`. */
  logs: string;
  name: string;
  model: string;
  batchSize: number;
  epochs: number;
  lr: number;
  wd?: number;
  warmup?: number;
  seed: number;
  workers?: number;
  precision?: string;
  imagenetVal?: string;
  zeroshotFrequency?: number;
  saveFrequency?: number;
  logEveryNSteps?: number;
  reportTo?: string;
  resume?: string;
  localLoss?: boolean;
  gatherWithGrad?: boolean;
  /** Further arguments, appended as given. */
  extra?: string[];
}

function positive(name: string, value: number, integer = true): void {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(
      `OpenCLIP ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`,
    );
  }
}

/** The arguments after `python -m open_clip_train.main`, always in this order. */
export function openClipArgs(o: OpenClipOptions): string[] {
  const data = Array.isArray(o.trainData) ? o.trainData : [o.trainData];
  if (data.length === 0 || data.some((d) => d === '')) throw new UsageError('OpenCLIP needs --train-data');
  positive('--batch-size', o.batchSize);
  positive('--epochs', o.epochs);
  positive('--lr', o.lr, false);
  if (!Number.isInteger(o.seed) || o.seed < 0)
    throw new UsageError(`OpenCLIP --seed must be a non-negative integer`);
  if (o.trainNumSamples !== undefined) positive('--train-num-samples', o.trainNumSamples);
  const args = ['--train-data', data.join('::'), '--dataset-type', o.datasetType];
  if (o.trainNumSamples !== undefined) args.push('--train-num-samples', String(o.trainNumSamples));
  if (o.datasetType === 'csv') {
    if (o.csvSeparator !== undefined) args.push('--csv-separator', o.csvSeparator);
    if (o.csvImgKey !== undefined) args.push('--csv-img-key', o.csvImgKey);
    if (o.csvCaptionKey !== undefined) args.push('--csv-caption-key', o.csvCaptionKey);
  }
  args.push('--logs', o.logs, '--name', o.name);
  args.push('--model', o.model);
  args.push('--batch-size', String(o.batchSize), '--epochs', String(o.epochs), '--lr', String(o.lr));
  if (o.wd !== undefined) args.push('--wd', String(o.wd));
  if (o.warmup !== undefined) args.push('--warmup', String(o.warmup));
  args.push('--seed', String(o.seed));
  if (o.workers !== undefined) args.push('--workers', String(o.workers));
  if (o.precision !== undefined) args.push('--precision', o.precision);
  if (o.imagenetVal !== undefined) {
    args.push('--imagenet-val', o.imagenetVal);
    args.push('--zeroshot-frequency', String(o.zeroshotFrequency ?? 1));
  } else if (o.zeroshotFrequency !== undefined) {
    args.push('--zeroshot-frequency', String(o.zeroshotFrequency));
  }
  if (o.saveFrequency !== undefined) args.push('--save-frequency', String(o.saveFrequency));
  if (o.logEveryNSteps !== undefined) args.push('--log-every-n-steps', String(o.logEveryNSteps));
  if (o.reportTo !== undefined) args.push('--report-to', o.reportTo);
  if (o.resume !== undefined) args.push('--resume', o.resume);
  if (o.localLoss) args.push('--local-loss');
  if (o.gatherWithGrad) args.push('--gather-with-grad');
  args.push(...(o.extra ?? []));
  return args;
}

/** `[python, '-m', 'open_clip_train.main', ...openClipArgs(o)]`. */
export function openClipCommand(python: string, o: OpenClipOptions): string[] {
  return [python, '-m', 'open_clip_train.main', ...openClipArgs(o)];
}

/** Where an OpenCLIP run writes: `<logs>/<name>/out.log`, `checkpoints/`, `checkpoints/results.jsonl`. */
export function openClipPaths(
  logs: string,
  name: string,
): { log: string; checkpoints: string; results: string } {
  const base = join(logs, name);
  return {
    log: join(base, 'out.log'),
    checkpoints: join(base, 'checkpoints'),
    results: join(base, 'checkpoints', 'results.jsonl'),
  };
}

/** Where the built-in trainer writes under `--out`. */
export function builtinTrainerPaths(out: string): { log: string; checkpoints: string; results: string } {
  return {
    log: join(out, 'out.log'),
    checkpoints: join(out, 'checkpoints'),
    results: join(out, 'results.jsonl'),
  };
}
