/**
 * A worldwide curation on a real single-node Slurm (test/support/slurm.ts): the count tasks find
 * each record's language and match it against its list on the nodes, the reduce and select jobs
 * balance per language; the outputs are the local executor's bytes and the summaries' per-language
 * figures are the same.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { curate, type CurateSummary } from '../../../../server/engine/src/curate';
import { curatedTree, tempDir } from '../../../support/fixtures';
import { startLocalSlurm, type LocalSlurm } from '../../../support/slurm';
import { LISTS, POOL, writeFolder } from '../../../support/worldwidePool';

const CLI = resolve(__dirname, '../../../../../dist/cli.js');

describe('curate --worldwide --executor slurm on a real single-node Slurm', function () {
  this.timeout(180000);
  const dir = tempDir('metacurate-worldwide-slurm-');
  const folder = join(dir.path, 'metadata');
  const pool = join(dir.path, 'pool', 'pool.jsonl');
  let slurm: LocalSlurm | undefined;

  before(async function () {
    this.timeout(120000);
    assert.ok(existsSync(CLI), `${CLI} is built by npm run bundle`);
    slurm = await startLocalSlurm();
    writeFolder(folder, LISTS);
    mkdirSync(join(dir.path, 'pool'));
    writeFileSync(pool, POOL.map(([text]) => JSON.stringify({ text })).join('\n') + '\n');
  });
  after(async () => {
    await slurm?.stop();
    dir.remove();
  });

  it('identifies languages in the count tasks and equals the local curation', async () => {
    const local = await curate({
      metadataPath: folder,
      inputs: [pool],
      textFields: ['text'],
      t: 2,
      seed: 9,
      outDir: join(dir.path, 'local'),
      cache: false,
      workers: 1,
      worldwide: {},
    });
    const out = join(dir.path, 'slurm');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'curate',
        '--worldwide',
        '--metadata-dir',
        folder,
        '--t-en',
        '2',
        '--input',
        pool,
        '--seed',
        '9',
        '--out',
        out,
        '--no-cache',
        '--executor',
        'slurm',
        '--slice-mb',
        '0.0003',
        '--poll-seconds',
        '0.25',
      ],
      { encoding: 'utf8', env: { ...process.env, SLURM_CONF: slurm!.conf } },
    );
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.deepEqual(curatedTree(out), curatedTree(join(dir.path, 'local')));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as CurateSummary;
    assert.deepEqual(summary.worldwide, local.worldwide);
    const jobs = JSON.parse(readFileSync(join(out, '.metacurate', 'slurm', 'jobs.json'), 'utf8')) as {
      jobs: { phase: string; taskIds?: number[] }[];
    };
    assert.ok(jobs.jobs[0].taskIds!.length >= 3, 'several count tasks');
  });
});
