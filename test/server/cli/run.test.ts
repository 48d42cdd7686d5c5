/**
 * `metacurate run` end to end with the real built-in trainer (Python with PyTorch): a run on the
 * miniature experiment's curation (`experiment mini --data-only`), trained, evaluated zero-shot and
 * read back; listed, shown, re-run (same seed, same results on CPU) and compared; bad usage and
 * a failing job reported as such.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../server/src/cli/main';
import type { RunSummary } from '../../../server/engine/src/runs/compareRuns';
import type { RunSpec } from '../../../server/engine/src/runs/runFolder';
import { FASHION_CLASSES } from '../../../server/src/experiment/fashionPool';
import { tempDir } from '../../support/fixtures';
import { END, member } from '../engine/pool/tarFixtures';

const PYTHON = '/usr/bin/python3';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WritableStream,
    stderrIsTTY: false,
  });
  return { code, stdout, stderr };
}

describe('metacurate run (built-in trainer, real PyTorch)', function () {
  this.timeout(300000);
  const dir = tempDir('metacurate-run-cli-');
  after(() => dir.remove());
  const data = join(dir.path, 'mini');
  const ws = join(dir.path, 'ws');
  let firstId = '';
  let secondId = '';

  before(async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy, PIL'], { encoding: 'utf8' });
    // scripts/test-all.sh installs Debian's python3-torch: a missing one fails the suite.
    assert.equal(probe.status, 0, `${PYTHON} cannot import torch, numpy and PIL: ${probe.stderr}`);
    const made = await cli([
      'experiment',
      'mini',
      '--out',
      data,
      '--data-only',
      '--pool-size',
      '800',
      '--test-per-class',
      '10',
      '--t',
      '20',
      '--progress',
      'none',
    ]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /Train on it with:\n {2}metacurate run start --curation .*\/mini\/curated/);
  });

  const startArgs = () => [
    '--workspace',
    ws,
    '--steps',
    '20',
    '--batch-size',
    '32',
    '--threads',
    '2',
    '--seed',
    '5',
    '--zeroshot-data',
    join(data, 'test'),
    '--zeroshot-name',
    'fashion-mnist',
    '--classnames',
    join(data, 'classnames.txt'),
    '--templates',
    join(data, 'templates.txt'),
  ];

  it('trains on a curation and evaluates zero-shot, in a run folder of its own', async () => {
    const r = await cli(['run', 'start', '--curation', join(data, 'curated'), ...startArgs()]);
    assert.equal(r.code, 0, r.stderr);
    firstId = r.stdout.trim();
    assert.match(firstId, /^\d{8}-\d{6}-builtin$/);
    assert.match(r.stderr, /\[trainer\] step 20\/20/);
    assert.match(r.stderr, new RegExp(`Run ${firstId} succeeded; zero-shot fashion-mnist top-1 \\d+\\.\\d%`));
    assert.match(r.stderr, /top-1 \d+\.\d% \(chance 10\.0% for 10 classes(: at chance)?\)/);
    const runDir = join(ws, '.metacurate', 'runs', firstId);
    const spec = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunSpec;
    assert.equal(spec.curation?.t, 20);
    assert.equal(spec.command[1], '-m');
    assert.ok(existsSync(join(runDir, 'train', 'checkpoints', 'latest.pt')));
    const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
    assert.equal(state.status, 'succeeded');
    assert.equal(state.progress.step, 20);
    assert.equal(state.progress.percent, 100);
  });

  it('lists and shows runs with their results', async () => {
    const list = await cli(['run', 'list', '--workspace', ws, '--json']);
    const runs = JSON.parse(list.stdout) as RunSummary[];
    assert.equal(runs.length, 1);
    assert.equal(runs[0].id, firstId);
    assert.equal(runs[0].dataset, 'fashion-mnist');
    assert.deepEqual(Object.keys(runs[0].perClass!).sort(), FASHION_CLASSES.map((c) => c.name).sort());
    assert.ok(runs[0].top1! >= 0 && runs[0].top1! <= runs[0].top5!);
    const text = await cli(['run', 'list', '--workspace', ws]);
    assert.match(text.stdout, new RegExp(`${firstId} +builtin +succeeded +\\d:\\d\\d +\\d+\\.\\d%`));
    const show = await cli(['run', 'show', firstId.slice(0, 12), '--workspace', ws]);
    assert.match(show.stdout, /builtin, succeeded/);
    assert.match(show.stdout, /command +\/usr\/bin\/python3 -m metacurate_trainer --train-data/);
  });

  it('re-runs with the same parameters to the same results (deterministic on CPU)', async () => {
    const r = await cli(['run', 'rerun', firstId, '--workspace', ws]);
    assert.equal(r.code, 0, r.stderr);
    secondId = r.stdout.trim();
    assert.notEqual(secondId, firstId);
    const runs = JSON.parse((await cli(['run', 'list', '--workspace', ws, '--json'])).stdout) as RunSummary[];
    const [second, first] = runs;
    assert.equal(second.id, secondId);
    assert.deepEqual(second.perClass, first.perClass);
    assert.equal(second.top1, first.top1);
    const spec = JSON.parse(
      readFileSync(join(ws, '.metacurate', 'runs', secondId, 'run.json'), 'utf8'),
    ) as RunSpec;
    assert.equal(spec.rerunOf, firstId);
  });

  it('compares runs side by side', async () => {
    const r = await cli(['run', 'compare', firstId, secondId, '--workspace', ws, '--markdown']);
    assert.equal(r.code, 0);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `|  | ${firstId} | ${secondId} |`);
    assert.ok(
      lines.some((l) => /^\| top-1 \| \d+\.\d% \| \d+\.\d% \(±0\.0\) \|$/.test(l)),
      r.stdout,
    );
    assert.ok(lines.some((l) => l.startsWith('| curated | ')));
    assert.ok(lines.some((l) => l.startsWith('|   sneaker | ')));
  });

  it('exits 1 when the job fails, 2 on bad usage', async () => {
    const failed = await cli([
      'run',
      'start',
      '--curation',
      join(data, 'curated'),
      '--kind',
      'custom',
      '--command',
      'echo broken >&2; exit 3',
      '--workspace',
      ws,
    ]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /failed: exit code 3; last output:\nbroken/);
    const noCuration = await cli([
      'run',
      'start',
      '--curation',
      join(dir.path, 'nothing'),
      '--workspace',
      ws,
    ]);
    assert.equal(noCuration.code, 2);
    assert.match(noCuration.stderr, /nothing is not a finished curation \(no summary\.json\)/);
    const badKind = await cli(['run', 'start', '--curation', join(data, 'curated'), '--kind', 'jax']);
    assert.equal(badKind.code, 2);
    assert.match(badKind.stderr, /--kind must be one of builtin, openclip, custom, got 'jax'/);
    assert.equal((await cli(['run', 'fly'])).code, 2);
    assert.match((await cli(['run', 'show', 'nope', '--workspace', ws])).stderr, /no run 'nope'/);
  });
});

describe('metacurate run start refuses up front: a text-only curation, a Python without the trainer', () => {
  const dir = tempDir('metacurate-run-textonly-');
  after(() => dir.remove());
  const ws = join(dir.path, 'ws');

  function curation(name: string, outputs: Record<string, Buffer | string>): string {
    const folder = join(dir.path, name);
    mkdirSync(folder, { recursive: true });
    for (const [file, data] of Object.entries(outputs)) writeFileSync(join(folder, file), data);
    const summary = {
      t: 5,
      kept: 2,
      pool: { records: 4 },
      outputs: Object.keys(outputs).map((output) => ({ output })),
    };
    writeFileSync(join(folder, 'summary.json'), JSON.stringify(summary));
    return folder;
  }

  it('refuses JSONL outputs and shards of captions only with exit 2, naming the curation, before any run folder', async () => {
    const jsonl = curation('demo', { 'pool.jsonl': '{"text":"a dog"}\n' });
    const captions = curation('captions', {
      'pool-000000.tar': Buffer.concat([member('0001.txt', 'a dog'), member('0001.json', '{}'), END]),
    });
    for (const [folder, reason] of [
      [jsonl, /demo: text only: the trainer needs images: its outputs \(pool\.jsonl\) are \.jsonl files/],
      [
        captions,
        /--curation .*captions: text only: the trainer needs images: the samples of .*pool-000000\.tar have no image member/,
      ],
    ] as const) {
      const r = await cli([
        'run',
        'start',
        '--curation',
        folder,
        '--workspace',
        ws,
        '--kind',
        'custom',
        '--command',
        'true',
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, reason);
    }
    assert.equal(existsSync(join(ws, '.metacurate', 'runs')), false, 'no run folder was made');
  });

  it('refuses a local run whose Python cannot import the trainer, before any run folder', async () => {
    const images = curation('images', {
      'pool-000000.tar': Buffer.concat([member('0001.txt', 'a dog'), member('0001.png', 'PNG'), END]),
    });
    const missing = join(dir.path, 'no-python');
    const openclip = await cli([
      'run',
      'start',
      '--curation',
      images,
      '--workspace',
      ws,
      '--kind',
      'openclip',
      '--python',
      missing,
    ]);
    assert.equal(openclip.code, 2, openclip.stderr);
    assert.match(
      openclip.stderr,
      /--python .*no-python cannot import open_clip for an OpenCLIP run: cannot run .*no-python \(ENOENT\) \(pip install open_clip_torch there/,
    );
    const builtin = await cli(['run', 'start', '--curation', images, '--workspace', ws, '--python', missing]);
    assert.equal(builtin.code, 2, builtin.stderr);
    assert.match(builtin.stderr, /cannot import torch, numpy, PIL for a builtin run/);
    assert.equal(existsSync(join(ws, '.metacurate', 'runs')), false, 'no run folder was made');
  });
});
