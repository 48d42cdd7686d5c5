/**
 * The command of each kind of run: the built-in trainer's and OpenCLIP's exact argument lists
 * for a curation, custom templates with shell-quoted placeholders, the curation's data read from
 * its summary.json, and which job templates a workspace may use.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildRunCommand,
  fillTemplate,
  readCuration,
  usableJobTemplates,
} from '../../../../server/src/engine/runs/jobCommand';
import type { RunParams } from '../../../../server/src/engine/runs/runFolder';
import { tempDir } from '../../../support/fixtures';

function writeCuration(dir: string, outputs: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify({
      t: 20,
      seed: 3,
      kept: 150,
      expected_kept: 149.5,
      pool: { records: 1000 },
      metadata: { path: '/m/metadata.json' },
      outputs: outputs.map((output) => ({ output })),
    }),
  );
}

describe('run commands', () => {
  const dir = tempDir('metacurate-jobcommand-');
  after(() => dir.remove());
  const curationDir = join(dir.path, 'curated');
  writeCuration(curationDir, ['data/pool-000000.tar', 'data/pool-000001.tar']);
  const runDir = '/ws/.metacurate/runs/r1';

  const params = (over: Partial<RunParams>): RunParams => ({
    ...readCuration(curationDir),
    kind: 'builtin',
    executor: 'local',
    steps: 30,
    batchSize: 16,
    seed: 2,
    python: '/usr/bin/python3',
    zeroshot: { data: '/ws/test', classnames: 'a,b', templates: '/ws/templates.txt' },
    ...over,
  });

  it('reads the data and figures of a finished curation', () => {
    const c = readCuration(curationDir);
    assert.deepEqual(c.trainData, [
      join(curationDir, 'data/pool-000000.tar'),
      join(curationDir, 'data/pool-000001.tar'),
    ]);
    assert.equal(c.datasetType, 'webdataset');
    assert.deepEqual(c.curation, {
      dir: curationDir,
      t: 20,
      seed: 3,
      poolRecords: 1000,
      curatedRecords: 150,
      expectedCurated: 149.5,
      metadata: '/m/metadata.json',
    });
  });

  it('refuses a folder that is no finished curation, or one without image data', () => {
    assert.throws(
      () => readCuration(join(dir.path, 'nothing')),
      /is not a finished curation \(no summary\.json\)/,
    );
    const text = join(dir.path, 'text-only');
    writeCuration(text, ['data/pool.jsonl']);
    assert.throws(
      () => readCuration(text),
      /\(data\/pool\.jsonl\) are not WebDataset shards \(\.tar\) or CSV\/TSV/,
    );
  });

  it('runs the built-in trainer with its output in <run>/train', () => {
    const built = buildRunCommand(params({}), runDir);
    assert.deepEqual(built.command, [
      '/usr/bin/python3',
      '-m',
      'metacurate_trainer',
      '--train-data',
      join(curationDir, 'data/pool-000000.tar'),
      join(curationDir, 'data/pool-000001.tar'),
      '--dataset-type',
      'webdataset',
      '--steps',
      '30',
      '--batch-size',
      '16',
      '--seed',
      '2',
      '--out',
      `${runDir}/train`,
      '--zeroshot-data',
      '/ws/test',
      '--classnames',
      'a,b',
      '--templates',
      '/ws/templates.txt',
    ]);
    assert.match(built.env.PYTHONPATH, /\/trainer$/);
    assert.equal(built.results, 'train/results.jsonl');
    assert.equal(built.trainLog, 'train/out.log');
    assert.equal(built.cwd, curationDir);
    assert.throws(() => buildRunCommand(params({ steps: undefined }), runDir), /needs --steps/);
  });

  it('runs OpenCLIP with the flags of open_clip_torch 3.3.0 and reads its checkpoints/results.jsonl', () => {
    const built = buildRunCommand(params({ kind: 'openclip', epochs: 2, model: 'RN50', lr: 0.001 }), runDir);
    assert.deepEqual(built.command, [
      '/usr/bin/python3',
      '-m',
      'open_clip_train.main',
      '--train-data',
      `${join(curationDir, 'data/pool-000000.tar')}::${join(curationDir, 'data/pool-000001.tar')}`,
      '--dataset-type',
      'webdataset',
      '--train-num-samples',
      '150',
      '--logs',
      `${runDir}/openclip`,
      '--name',
      'run',
      '--model',
      'RN50',
      '--batch-size',
      '16',
      '--epochs',
      '2',
      '--lr',
      '0.001',
      '--seed',
      '2',
      '--imagenet-val',
      '/ws/test',
      '--zeroshot-frequency',
      '1',
    ]);
    assert.equal(built.results, 'openclip/run/checkpoints/results.jsonl');
    assert.equal(built.trainLog, 'openclip/run/out.log');
  });

  it('fills a custom template with quoted values, run by /bin/sh', () => {
    const built = buildRunCommand(
      params({
        kind: 'custom',
        commandTemplate: 'train --data ${data} --out ${out} --seed ${seed} --t ${t} $${HOME}',
      }),
      "/ws/it's",
    );
    assert.deepEqual(built.command.slice(0, 2), ['/bin/sh', '-c']);
    assert.equal(
      built.command[2],
      `train --data ${join(curationDir, 'data/pool-000000.tar')} ${join(curationDir, 'data/pool-000001.tar')} ` +
        `--out '/ws/it'\\''s/out' --seed 2 --t 20 \${HOME}`,
    );
    assert.equal(built.results, 'out/results.jsonl');
    // The shell sees each value as one word.
    const echoed = spawnSync('/bin/sh', ['-c', fillTemplate('printf "%s\\n" ${out}', { out: "a b'c" })]);
    assert.equal(echoed.stdout.toString(), "a b'c\n");
  });

  it('rejects unknown placeholders and ones without a value, naming them', () => {
    assert.throws(
      () => fillTemplate('x ${nope}', {}),
      /unknown placeholder \$\{nope\} \(known: \$\{python\}/,
    );
    assert.throws(
      () => fillTemplate('x ${zeroshotData}', {}),
      /\$\{zeroshotData\} has no value for this run/,
    );
    assert.throws(() => buildRunCommand(params({ kind: 'custom' }), runDir), /needs a command template/);
  });

  it("uses a workspace's job templates only once it is trusted", () => {
    const user = [
      { name: 'mine', command: 'a' },
      { name: 'shared', command: 'user' },
    ];
    const workspace = [
      { name: 'shared', command: 'workspace' },
      { name: 'theirs', command: 'b' },
    ];
    assert.deepEqual(
      usableJobTemplates({ globalValue: user, workspaceValue: workspace }, false).map((t) => t.name),
      ['mine', 'shared'],
    );
    const trusted = usableJobTemplates({ globalValue: user, workspaceValue: workspace }, true);
    assert.deepEqual(
      trusted.map((t) => `${t.name}:${t.command}`),
      ['shared:workspace', 'theirs:b', 'mine:a'],
    );
    assert.deepEqual(usableJobTemplates(undefined, true), []);
  });
});
