/**
 * `metacurate curate-task`, pass by pass as a cluster runs them: the finalize pass cleans up what
 * killed attempts of the passes left (a manifest half-saved by a killed task included), and nothing
 * a user put in the folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';

const CLI = resolve(__dirname, '../../../../dist/cli.js');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('curate-task: pass by pass', () => {
  it('finalize removes the temporary files of killed attempts, the manifest’s too, and keeps the user’s', () => {
    const dir = tempDir();
    try {
      const metadata = join(dir.path, 'metadata.json');
      writeFileSync(metadata, JSON.stringify(smallMetadata()));
      const pool = join(dir.path, 'pool.jsonl');
      writeJsonl(pool, generateCaptions(3000, 5));
      const out = join(dir.path, 'out');
      const plan = cli([
        'curate',
        '--metadata',
        metadata,
        '--input',
        pool,
        '--t',
        '50',
        '--seed',
        '3',
        '--out',
        out,
        '--no-cache',
        '--executor',
        'slurm',
        '--slice-mb',
        '0.05',
        '--dry-run',
      ]);
      assert.equal(plan.code, 0, plan.stderr);
      const manifestPath = join(out, '.metacurate', 'manifest.json');
      const tasks = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { plan: { tasks: { id: number }[] } })
        .plan.tasks;
      assert.ok(tasks.length > 1, 'several slices');
      const run = (...args: string[]) => {
        const r = cli(['curate-task', ...args, '--out', out]);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      };
      for (const t of tasks) run('count', '--task', String(t.id));
      run('reduce');
      for (const t of tasks) run('select', '--task', String(t.id));
      // What a task killed while saving the manifest leaves, and a user's file named like ours.
      const killedManifest = `${manifestPath}.tmp-4242-ab12cd34`;
      writeFileSync(killedManifest, '{"half":');
      const users = join(out, 'notes.txt.tmp-1-abcdabcd');
      writeFileSync(users, 'mine');
      run('finalize');
      assert.ok(existsSync(join(out, 'summary.json')));
      assert.equal(existsSync(killedManifest), false, 'the half-saved manifest is removed');
      assert.equal(readFileSync(users, 'utf8'), 'mine', 'the user’s file is kept');
      const left = (readdirSync(join(out, '.metacurate'), { recursive: true }) as string[]).filter((f) =>
        /\.tmp-\d+/.test(f),
      );
      assert.deepEqual(left, []);
    } finally {
      dir.remove();
    }
  });
});
