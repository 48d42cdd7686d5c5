/**
 * Run folders (.metacurate/runs/<id>/): ids that sort by creation and never collide, run.json
 * and state.json read back, runs listed newest first and found by id, prefix or path, and a run
 * whose supervisor died reported as failed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  createRunFolder,
  effectiveRunState,
  elapsedSeconds,
  findRun,
  listRuns,
  readRunSpec,
  readRunState,
  runsDirOf,
  writeRunState,
  type RunParams,
} from '../../../../server/engine/src/runs/runFolder';
import { tempDir } from '../../../support/fixtures';

export const PARAMS: RunParams = {
  kind: 'custom',
  executor: 'local',
  trainData: ['/data/a.tar'],
  datasetType: 'webdataset',
  batchSize: 8,
  seed: 1,
  python: '/usr/bin/python3',
  commandTemplate: 'true',
};

const build = (runDir: string) => ({
  command: ['/bin/sh', '-c', 'true'],
  env: {},
  cwd: runDir,
  results: 'out/results.jsonl',
});

describe('run folders', () => {
  const dir = tempDir('metacurate-runs-');
  after(() => dir.remove());

  it('names runs by UTC creation time and kind, with -2, -3 for the same second', async () => {
    const runs = runsDirOf(join(dir.path, 'ws1'));
    assert.equal(runs, join(dir.path, 'ws1', '.metacurate', 'runs'));
    const at = new Date(Date.UTC(2026, 10, 25, 9, 5, 7));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createRunFolder(runs, PARAMS, build, at)).spec.id);
    assert.deepEqual(ids, ['20261125-090507-custom', '20261125-090507-custom-2', '20261125-090507-custom-3']);
  });

  it('writes run.json with the parameters and the command, and a queued state', async () => {
    const runs = runsDirOf(join(dir.path, 'ws2'));
    const { runDir, spec } = await createRunFolder(runs, PARAMS, build);
    const read = readRunSpec(runDir);
    assert.deepEqual(read, spec);
    assert.equal(read.version, 1);
    assert.equal(read.seed, 1);
    assert.deepEqual(read.command, ['/bin/sh', '-c', 'true']);
    assert.equal(readRunState(runDir).status, 'queued');
  });

  it('lists runs newest first and finds one by id, unique prefix or folder', async () => {
    const runs = runsDirOf(join(dir.path, 'ws3'));
    const a = await createRunFolder(runs, PARAMS, build, new Date(Date.UTC(2026, 0, 1)));
    const b = await createRunFolder(
      runs,
      { ...PARAMS, kind: 'builtin' },
      build,
      new Date(Date.UTC(2026, 0, 2)),
    );
    mkdirSync(join(runs, 'not-a-run')); // ignored
    assert.deepEqual(
      listRuns(runs).map((r) => r.spec.id),
      [b.spec.id, a.spec.id],
    );
    assert.equal(findRun(runs, a.spec.id).runDir, a.runDir);
    assert.equal(findRun(runs, '20260102').spec.id, b.spec.id);
    assert.equal(findRun(runs, b.runDir).spec.id, b.spec.id);
    assert.throws(() => findRun(runs, '2026'), /'2026' names 2 runs/);
    assert.throws(() => findRun(runs, 'nope'), /no run 'nope'/);
    assert.deepEqual(listRuns(join(dir.path, 'nowhere')), []);
  });

  it('refuses a run.json of another shape, naming the file', () => {
    const bad = join(dir.path, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'run.json'), '{"version": 9}');
    assert.throws(() => readRunSpec(bad), /bad\/run\.json: not a run of this version/);
    writeFileSync(join(bad, 'run.json'), '{');
    assert.throws(() => readRunSpec(bad), /bad\/run\.json: not a run \(/);
  });

  it('reports a running run whose supervisor is gone as failed (interrupted)', async () => {
    const runs = runsDirOf(join(dir.path, 'ws4'));
    const { runDir } = await createRunFolder(runs, PARAMS, build);
    const dead = spawnSync('/bin/sh', ['-c', 'echo $$']).stdout.toString().trim();
    await writeRunState(runDir, { status: 'running', supervisorPid: Number(dead), host: hostname() });
    const state = effectiveRunState(readRunState(runDir));
    assert.equal(state.status, 'failed');
    assert.match(state.error!, /interrupted/);
    // Alive (this process), or on another machine: as written.
    await writeRunState(runDir, { status: 'running', supervisorPid: process.pid, host: hostname() });
    assert.equal(effectiveRunState(readRunState(runDir)).status, 'running');
    await writeRunState(runDir, { status: 'running', supervisorPid: Number(dead), host: 'elsewhere' });
    assert.equal(effectiveRunState(readRunState(runDir)).status, 'running');
  });

  it('measures elapsed time from start to end, or to now while running', () => {
    const startedAt = '2026-01-01T00:00:00.000Z';
    assert.equal(
      elapsedSeconds({ status: 'succeeded', startedAt, endedAt: '2026-01-01T00:01:30.000Z', updatedAt: '' }),
      90,
    );
    assert.equal(
      elapsedSeconds({ status: 'running', startedAt, updatedAt: '' }, Date.parse(startedAt) + 5000),
      5,
    );
    assert.equal(elapsedSeconds({ status: 'queued', updatedAt: '' }), undefined);
  });
});
