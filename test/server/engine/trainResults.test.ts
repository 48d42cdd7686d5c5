/**
 * Training results of both trainers: OpenCLIP's results.jsonl and out.log lines in their
 * documented formats (open_clip_train/train.py: evaluate() and train_one_epoch()), the built-in
 * trainer's lines, and the exact argument list of `python -m open_clip_train.main`.
 */
import assert from 'node:assert/strict';
import { UsageError } from '../../../server/engine/src/errors';
import {
  builtinTrainerPaths,
  latestZeroShot,
  openClipArgs,
  openClipCommand,
  openClipPaths,
  parseResultsJsonl,
  parseTrainLogLine,
  ResultsParseError,
} from '../../../server/engine/src/trainResults';

describe('trainResults: results.jsonl', () => {
  it('reads OpenCLIP lines: zero-shot keys by dataset, other metrics, epoch', () => {
    const text =
      '{"imagenet-zeroshot-val-top1": 0.1, "imagenet-zeroshot-val-top5": 0.3, "epoch": 1}\n' +
      '{"imagenet-zeroshot-val-top1": 0.2512, "imagenet-zeroshot-val-top5": 0.5, ' +
      '"imagenetv2-zeroshot-val-top1": 0.21, "imagenetv2-zeroshot-val-top5": 0.44, ' +
      '"image_to_text_mean_rank": 12.5, "image_to_text_R@1": 0.31, "clip_val_loss": 2.75, ' +
      '"epoch": 2, "num_samples": 50000}\n';
    const records = parseResultsJsonl(text);
    assert.equal(records.length, 2);
    assert.deepEqual(records[0].zeroShot, { imagenet: { top1: 0.1, top5: 0.3 } });
    assert.equal(records[0].epoch, 1);
    assert.equal(records[1].line, 2);
    assert.deepEqual(records[1].zeroShot.imagenetv2, { top1: 0.21, top5: 0.44 });
    assert.equal(records[1].numSamples, 50000);
    assert.deepEqual(records[1].metrics, {
      image_to_text_mean_rank: 12.5,
      'image_to_text_R@1': 0.31,
      clip_val_loss: 2.75,
    });
    const last = latestZeroShot(records, 'imagenet');
    assert.equal(last?.top1, 0.2512);
    assert.equal(last?.record.epoch, 2);
    assert.equal(latestZeroShot(records), undefined, 'two datasets: name one');
  });

  it('reads the built-in trainer lines with mean per-class and per-class accuracy', () => {
    const line = JSON.stringify({
      'fashion-mnist-zeroshot-val-top1': 0.71,
      'fashion-mnist-zeroshot-val-top5': 0.97,
      'fashion-mnist-zeroshot-val-mean-per-class-top1': 0.7,
      'fashion-mnist-zeroshot-val-per-class-top1': { bag: 0.9, 'ankle boot': 0.5, coat: null },
      num_samples: 5000,
      epoch: 12,
      step: 1000,
      samples_seen: 256000,
    });
    const [r] = parseResultsJsonl(line + '\n');
    assert.deepEqual(r.zeroShot['fashion-mnist'], {
      top1: 0.71,
      top5: 0.97,
      meanPerClassTop1: 0.7,
      perClassTop1: { bag: 0.9, 'ankle boot': 0.5, coat: null },
    });
    assert.equal(r.step, 1000);
    assert.equal(r.metrics.samples_seen, 256000);
    assert.equal(latestZeroShot([r])?.dataset, 'fashion-mnist');
  });

  it('skips blank lines and a last line still being written; names a bad line', () => {
    const ok = '{"x-zeroshot-val-top1": 0.5}\n\n{"x-zeroshot-val-top1": 0.6';
    assert.equal(parseResultsJsonl(ok).length, 1);
    assert.throws(
      () => parseResultsJsonl('{"a": 1}\nnot json\n{"b": 2}\n'),
      (err: unknown) => err instanceof ResultsParseError && err.line === 2 && /line 2/.test(err.message),
    );
    assert.throws(() => parseResultsJsonl('[1, 2]\n'), ResultsParseError);
    assert.deepEqual(parseResultsJsonl(''), []);
  });
});

describe('trainResults: training log lines', () => {
  it("reads OpenCLIP's train line with its logging prefix", () => {
    const line =
      '2024-05-01,12:00:00 | INFO | Train Epoch: 0 [  512/10000 (5%)] Data (t): 0.123 Batch (t): 0.456, 1120.50/s, ' +
      '280.125/s/gpu LR: 0.000100 Logit Scale: 14.286 Contrastive_loss: 5.4321 (5.4321) Loss: 5.4321 (5.4321)';
    assert.deepEqual(parseTrainLogLine(line), {
      trainer: 'openclip',
      time: '2024-05-01,12:00:00',
      epoch: 0,
      samples: 512,
      samplesPerEpoch: 10000,
      percent: 5,
      dataTime: 0.123,
      batchTime: 0.456,
      samplesPerSecond: 1120.5,
      samplesPerSecondPerGpu: 280.125,
      lr: 0.0001,
      logitScale: 14.286,
      losses: { Contrastive_loss: { value: 5.4321, avg: 5.4321 }, Loss: { value: 5.4321, avg: 5.4321 } },
      loss: 5.4321,
      lossAvg: 5.4321,
    });
  });

  it('reads CoCa losses, exponent notation, and the newer logger name field', () => {
    const line =
      '2025-01-02,03:04:05 | INFO | open_clip_train.train | Train Epoch: 12 [ 2048000/12800000 (16%)] Data (t): 0.010 ' +
      'Batch (t): 1.234, 26556.7/s, 3319.59/s/gpu LR: 1.00000e-04 Logit Scale: 100.000 ' +
      'Contrastive_loss: 1.2000 (1.3000) Caption_loss: 2.0000 (2.1000) Loss: 3.2000 (3.4000)';
    const e = parseTrainLogLine(line)!;
    assert.equal(e.epoch, 12);
    assert.equal(e.samples, 2048000);
    assert.equal(e.lr, 1e-4);
    assert.equal(e.samplesPerSecond, 26556.7);
    assert.deepEqual(Object.keys(e.losses), ['Contrastive_loss', 'Caption_loss', 'Loss']);
    assert.equal(e.loss, 3.2);
    assert.equal(e.lossAvg, 3.4);
  });

  it('reads the built-in trainer JSON lines', () => {
    const line = JSON.stringify({
      step: 200,
      epoch: 2,
      samples_seen: 51200,
      loss: 4.25,
      loss_avg: 4.3,
      lr: 0.0019,
      logit_scale: 16.2,
      samples_per_second: 2150.5,
      eta_seconds: 300.2,
      elapsed_seconds: 24,
    });
    assert.deepEqual(parseTrainLogLine(line), {
      trainer: 'metacurate',
      step: 200,
      epoch: 2,
      samples: 51200,
      loss: 4.25,
      lossAvg: 4.3,
      losses: {},
      lr: 0.0019,
      logitScale: 16.2,
      samplesPerSecond: 2150.5,
      etaSeconds: 300.2,
    });
  });

  it('returns undefined for other lines', () => {
    for (const line of [
      '2024-05-01,12:00:00 | INFO | Eval Epoch: 1 imagenet-zeroshot-val-top1: 0.1234\timagenet-zeroshot-val-top5: 0.3',
      '2024-05-01,12:00:00 | INFO | Start epoch 0',
      '{"type": "done", "steps": 100}',
      '{not json',
      '',
    ]) {
      assert.equal(parseTrainLogLine(line), undefined, line);
    }
  });
});

describe('trainResults: the OpenCLIP launcher', () => {
  it('builds the exact argument list for WebDataset shards', () => {
    const options = {
      trainData: ['/c/data/pool-000000.tar', '/c/data/pool-000001.tar'],
      datasetType: 'webdataset' as const,
      trainNumSamples: 12345,
      logs: '/runs',
      name: 'curated-t20000',
      model: 'ViT-B-32',
      batchSize: 256,
      epochs: 32,
      lr: 5e-4,
      wd: 0.2,
      warmup: 2000,
      seed: 0,
      workers: 8,
      precision: 'amp',
      imagenetVal: '/data/imagenet/val',
      reportTo: 'tensorboard',
    };
    assert.deepEqual(openClipArgs(options), [
      '--train-data',
      '/c/data/pool-000000.tar::/c/data/pool-000001.tar',
      '--dataset-type',
      'webdataset',
      '--train-num-samples',
      '12345',
      '--logs',
      '/runs',
      '--name',
      'curated-t20000',
      '--model',
      'ViT-B-32',
      '--batch-size',
      '256',
      '--epochs',
      '32',
      '--lr',
      '0.0005',
      '--wd',
      '0.2',
      '--warmup',
      '2000',
      '--seed',
      '0',
      '--workers',
      '8',
      '--precision',
      'amp',
      '--imagenet-val',
      '/data/imagenet/val',
      '--zeroshot-frequency',
      '1',
      '--report-to',
      'tensorboard',
    ]);
    assert.deepEqual(openClipCommand('python3', options).slice(0, 4), [
      'python3',
      '-m',
      'open_clip_train.main',
      '--train-data',
    ]);
  });

  it('builds the exact argument list for a CSV file', () => {
    assert.deepEqual(
      openClipArgs({
        trainData: '/c/data/pairs.csv',
        datasetType: 'csv',
        csvSeparator: ',',
        csvImgKey: 'filepath',
        csvCaptionKey: 'title',
        logs: 'logs',
        name: 'raw',
        model: 'RN50',
        batchSize: 64,
        epochs: 1,
        lr: 0.001,
        seed: 3,
        zeroshotFrequency: 2,
        resume: 'latest',
        localLoss: true,
        gatherWithGrad: true,
        extra: ['--grad-checkpointing'],
      }),
      [
        '--train-data',
        '/c/data/pairs.csv',
        '--dataset-type',
        'csv',
        '--csv-separator',
        ',',
        '--csv-img-key',
        'filepath',
        '--csv-caption-key',
        'title',
        '--logs',
        'logs',
        '--name',
        'raw',
        '--model',
        'RN50',
        '--batch-size',
        '64',
        '--epochs',
        '1',
        '--lr',
        '0.001',
        '--seed',
        '3',
        '--zeroshot-frequency',
        '2',
        '--resume',
        'latest',
        '--local-loss',
        '--gather-with-grad',
        '--grad-checkpointing',
      ],
    );
  });

  it('rejects impossible settings', () => {
    const base = {
      trainData: 'a.tar',
      datasetType: 'webdataset' as const,
      logs: 'l',
      name: 'n',
      model: 'RN50',
      batchSize: 8,
      epochs: 1,
      lr: 1e-3,
      seed: 0,
    };
    assert.throws(() => openClipArgs({ ...base, batchSize: 0 }), UsageError);
    assert.throws(() => openClipArgs({ ...base, epochs: 1.5 }), UsageError);
    assert.throws(() => openClipArgs({ ...base, lr: -1 }), UsageError);
    assert.throws(() => openClipArgs({ ...base, seed: -1 }), UsageError);
    assert.throws(() => openClipArgs({ ...base, trainData: [] }), UsageError);
  });

  it('knows where each trainer writes', () => {
    assert.deepEqual(openClipPaths('/runs', 'x'), {
      log: '/runs/x/out.log',
      checkpoints: '/runs/x/checkpoints',
      results: '/runs/x/checkpoints/results.jsonl',
    });
    assert.deepEqual(builtinTrainerPaths('/o'), {
      log: '/o/out.log',
      checkpoints: '/o/checkpoints',
      results: '/o/results.jsonl',
    });
  });
});
