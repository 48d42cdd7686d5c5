/**
 * The batch scripts of `metacurate curate --executor slurm`, as `--dry-run` prints them: array
 * lists of the pending slices, throttle, the afterok chain, resources and extra arguments, and
 * paths that need quoting (checked by running the script's command line in bash).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sbatchQuote, shellQuote } from '../../../../server/engine/src/executor/sbatch';
import {
  arrayRanges,
  planJobs,
  sbatchArguments,
  type SlurmJobOptions,
} from '../../../../server/engine/src/slurm/scripts';
import { generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../../support/fixtures';

const CLI = resolve(__dirname, '../../../../../dist/cli.js');

const base: SlurmJobOptions = { nodePath: '/opt/node/bin/node', cliPath: '/opt/metacurate/dist/cli.js' };

function directives(script: string): string[] {
  return script
    .split('\n')
    .filter((l) => l.startsWith('#SBATCH '))
    .map((l) => l.slice('#SBATCH '.length));
}

function execLine(script: string): string {
  return script.split('\n').find((l) => l.startsWith('exec '))!;
}

describe('Slurm job scripts (--executor slurm --dry-run)', () => {
  describe('array lists', () => {
    it('writes the pending slice ids as sorted ranges', () => {
      assert.equal(arrayRanges([8, 0, 1, 2, 5, 7]), '0-2,5,7-8');
      assert.equal(arrayRanges([3]), '3');
      assert.equal(arrayRanges([4, 4, 5]), '4-5');
    });

    it('submits only the pending slices, with the array throttle', () => {
      const jobs = planJobs(
        { outDir: '/data/out', count: [1, 2, 3, 9], reduce: true, select: [0, 1, 2, 3, 9] },
        { ...base, arrayThrottle: 3 },
      );
      assert.deepEqual(
        jobs.map((j) => j.phase),
        ['count', 'reduce', 'select', 'finalize'],
      );
      assert.ok(directives(jobs[0].script).includes('--array=1-3,9%3'));
      assert.ok(directives(jobs[2].script).includes('--array=0-3,9%3'));
      assert.ok(!directives(jobs[1].script).some((d) => d.startsWith('--array')));
      assert.deepEqual(jobs[0].taskIds, [1, 2, 3, 9]);
    });

    it('splits slice ids at MaxArraySize and offsets the task id in the script', () => {
      const ids = [0, 5, 999, 1000, 1001, 2500];
      const jobs = planJobs(
        { outDir: '/o', count: ids, reduce: true, select: [] },
        { ...base, maxArraySize: 1000 },
      );
      const counts = jobs.filter((j) => j.phase === 'count');
      assert.deepEqual(
        counts.map((j) => [j.base, j.taskIds]),
        [
          [0, [0, 5, 999]],
          [1000, [1000, 1001]],
          [2000, [2500]],
        ],
      );
      assert.ok(directives(counts[1].script).includes('--array=0-1'));
      assert.ok(directives(counts[2].script).includes('--array=500'));
      assert.match(execLine(counts[0].script), / --task "\$SLURM_ARRAY_TASK_ID"$/);
      assert.match(execLine(counts[1].script), / --task "\$\(\(SLURM_ARRAY_TASK_ID \+ 1000\)\)"$/);
      const reduce = jobs.find((j) => j.phase === 'reduce')!;
      assert.deepEqual(reduce.after, [0, 1, 2]);
      assert.deepEqual(sbatchArguments(reduce, '/o/r.sbatch', ['11', '12', '13']), [
        '--parsable',
        '--dependency=afterok:11:12:13',
        '/o/r.sbatch',
      ]);
    });
  });

  describe('dependencies', () => {
    it('chains count -> reduce -> select -> finalize with afterok and kills jobs whose dependency failed', () => {
      const jobs = planJobs({ outDir: '/o', count: [0, 1], reduce: true, select: [0, 1] }, base);
      assert.deepEqual(
        jobs.map((j) => j.after),
        [[], [0], [1], [2]],
      );
      const ids = ['100', '101', '102', '103'];
      assert.deepEqual(sbatchArguments(jobs[0], '/o/count.sbatch', ids.slice(0, 0)), [
        '--parsable',
        '/o/count.sbatch',
      ]);
      assert.equal(sbatchArguments(jobs[2], '/o/select.sbatch', ids)[1], '--dependency=afterok:101');
      assert.equal(sbatchArguments(jobs[3], '/o/finalize.sbatch', ids)[1], '--dependency=afterok:102');
      assert.ok(!directives(jobs[0].script).includes('--kill-on-invalid-dep=yes'));
      for (const j of jobs.slice(1)) assert.ok(directives(j.script).includes('--kill-on-invalid-dep=yes'));
    });

    it('leaves out finished phases: counts reduced, only some slices left to select', () => {
      const jobs = planJobs({ outDir: '/o', count: [], reduce: false, select: [4] }, base);
      assert.deepEqual(
        jobs.map((j) => [j.phase, j.after]),
        [
          ['select', []],
          ['finalize', [0]],
        ],
      );
      const only = planJobs({ outDir: '/o', count: [], reduce: false, select: [] }, base);
      assert.deepEqual(
        only.map((j) => [j.phase, j.after]),
        [['finalize', []]],
      );
    });

    it('reduces again when the counts are done but counts.bin is missing', () => {
      const jobs = planJobs({ outDir: '/o', count: [], reduce: true, select: [0] }, base);
      assert.deepEqual(
        jobs.map((j) => j.phase),
        ['reduce', 'select', 'finalize'],
      );
    });
  });

  describe('resources and extra arguments', () => {
    it('puts partition, time, cpus, memory and extra sbatch arguments in every script', () => {
      const jobs = planJobs(
        { outDir: '/o', count: [0], reduce: true, select: [0] },
        {
          ...base,
          partition: 'cpu',
          time: '2:00:00',
          cpusPerTask: 2,
          mem: '4G',
          sbatchArgs: ['--account=abc', '--qos=low', '--comment=a b'],
        },
      );
      for (const job of jobs) {
        const d = directives(job.script);
        for (const want of [
          '--partition=cpu',
          '--time=2:00:00',
          '--cpus-per-task=2',
          '--mem=4G',
          '--account=abc',
          '--qos=low',
          '"--comment=a b"',
        ]) {
          assert.ok(d.includes(want), `${job.phase}: ${want} in ${d.join(' ')}`);
        }
        assert.ok(d.includes(`--job-name=metacurate-${job.phase}`));
      }
      assert.ok(directives(jobs[0].script).includes('--output=/o/.metacurate/slurm/logs/count-%A_%a.log'));
      assert.ok(directives(jobs[1].script).includes('--output=/o/.metacurate/slurm/logs/reduce-%j.log'));
    });

    it('defaults to one CPU per task and no partition, time or memory', () => {
      const d = directives(planJobs({ outDir: '/o', count: [0], reduce: true, select: [0] }, base)[0].script);
      assert.ok(d.includes('--cpus-per-task=1'));
      assert.ok(!d.some((x) => /^--(partition|time|mem)=/.test(x)));
    });

    it('runs curate-task with absolute node and cli paths, and --no-cache when asked', () => {
      const jobs = planJobs(
        { outDir: '/o', count: [0], reduce: true, select: [0] },
        { ...base, noCache: true },
      );
      assert.equal(
        execLine(jobs[0].script),
        'exec /opt/node/bin/node /opt/metacurate/dist/cli.js curate-task count --out /o --task "$SLURM_ARRAY_TASK_ID" --no-cache',
      );
      assert.equal(
        execLine(jobs[1].script),
        'exec /opt/node/bin/node /opt/metacurate/dist/cli.js curate-task reduce --out /o',
      );
      assert.equal(
        execLine(jobs[3].script),
        'exec /opt/node/bin/node /opt/metacurate/dist/cli.js curate-task finalize --out /o',
      );
    });

    it('rejects a throttle or CPU count that is not a positive integer', () => {
      assert.throws(
        () =>
          planJobs({ outDir: '/o', count: [0], reduce: true, select: [0] }, { ...base, arrayThrottle: 0 }),
        /--array-throttle/,
      );
      assert.throws(
        () =>
          planJobs({ outDir: '/o', count: [0], reduce: true, select: [0] }, { ...base, cpusPerTask: 1.5 }),
        /--cpus-per-task/,
      );
    });
  });

  describe('quoting', () => {
    it('quotes #SBATCH arguments the way sbatch reads them, and doubles % in the log folder', () => {
      assert.equal(sbatchQuote('--time=1:00:00'), '--time=1:00:00');
      assert.equal(sbatchQuote('--comment=say "hi" #1'), '"--comment=say \\"hi\\" #1"');
      assert.equal(sbatchQuote('--x=a\\b'), '"--x=a\\\\b"');
      assert.throws(() => sbatchQuote('a\nb'), /line break/);
      const jobs = planJobs({ outDir: '/data/my out/100%', count: [0], reduce: true, select: [0] }, base);
      assert.ok(
        directives(jobs[0].script).includes(
          '"--output=/data/my out/100%%/.metacurate/slurm/logs/count-%A_%a.log"',
        ),
      );
    });

    it('refuses an output folder with a backslash (sbatch would not expand %A_%a in the log name)', () => {
      assert.throws(
        () => planJobs({ outDir: '/data/a\\b', count: [0], reduce: true, select: [0] }, base),
        /backslash/,
      );
    });

    it('passes paths with spaces and quotes to curate-task as single words', function () {
      const dir = tempDir();
      try {
        const weird = join(dir.path, `it's a "pool" $HOME`);
        mkdirSync(weird);
        const printer = join(weird, 'print args.js');
        writeFileSync(printer, 'process.stdout.write(JSON.stringify(process.argv.slice(2)))');
        const jobs = planJobs(
          { outDir: join(weird, 'out dir'), count: [0], reduce: true, select: [] },
          { nodePath: process.execPath, cliPath: printer, maxArraySize: 10 },
        );
        const scriptPath = join(dir.path, 'count.sbatch');
        writeFileSync(scriptPath, jobs[0].script);
        const r = spawnSync('bash', [scriptPath], {
          encoding: 'utf8',
          env: { ...process.env, SLURM_ARRAY_TASK_ID: '7' },
        });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), [
          'curate-task',
          'count',
          '--out',
          join(weird, 'out dir'),
          '--task',
          '7',
        ]);
        assert.equal(shellQuote("a'b"), `'a'\\''b'`);
      } finally {
        dir.remove();
      }
    });
  });

  describe('metacurate curate --executor slurm --dry-run', function () {
    this.timeout(60000);
    const dir = tempDir();
    const metadata = join(dir.path, 'metadata.json');
    const inputs = ['a', 'b', 'c'].map((n) => join(dir.path, `${n}.jsonl`));
    before(() => {
      assert.ok(existsSync(CLI), `${CLI} is built by npm run bundle`);
      writeFileSync(metadata, JSON.stringify(smallMetadata()));
      inputs.forEach((p, i) => writeJsonl(p, generateCaptions(200, i + 1)));
    });
    after(() => dir.remove());

    const cli = (args: string[]) => {
      // A dry run asks nothing of Slurm: no cluster is needed.
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const common = (out: string) => [
      'curate',
      '--metadata',
      metadata,
      ...inputs.flatMap((p) => ['--input', p]),
      '--t',
      '50',
      '--seed',
      '3',
      '--out',
      join(dir.path, out),
    ];

    it('prints the sbatch commands and every script, and submits nothing', () => {
      const r = cli([
        ...common('out'),
        '--executor',
        'slurm',
        '--dry-run',
        '--partition',
        'short',
        '--time',
        '10',
        '--mem',
        '1G',
        '--cpus-per-task',
        '1',
        '--array-throttle',
        '2',
        '--sbatch-arg=--account=lab',
        '--no-cache',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const out = join(dir.path, 'out');
      const slurm = join(out, '.metacurate', 'slurm');
      assert.match(r.stdout, /# 3 slice\(s\): 3 to count, 3 to select\./);
      assert.ok(r.stdout.includes(`#   COUNT=$(sbatch --parsable ${slurm}/count.sbatch)`), r.stdout);
      assert.ok(
        r.stdout.includes(
          `#   REDUCE=$(sbatch --parsable "--dependency=afterok:$COUNT" ${slurm}/reduce.sbatch)`,
        ),
      );
      assert.ok(
        r.stdout.includes(
          `#   SELECT=$(sbatch --parsable "--dependency=afterok:$REDUCE" ${slurm}/select.sbatch)`,
        ),
      );
      assert.ok(
        r.stdout.includes(
          `#   FINALIZE=$(sbatch --parsable "--dependency=afterok:$SELECT" ${slurm}/finalize.sbatch)`,
        ),
      );
      for (const line of [
        '#SBATCH --array=0-2%2',
        '#SBATCH --partition=short',
        '#SBATCH --time=10',
        '#SBATCH --mem=1G',
        '#SBATCH --account=lab',
      ]) {
        assert.ok(r.stdout.includes(line), line);
      }
      assert.ok(
        r.stdout.includes(
          `exec ${process.execPath} ${CLI} curate-task count --out ${out} --task "$SLURM_ARRAY_TASK_ID" --no-cache`,
        ),
      );
      assert.ok(!existsSync(slurm), 'a dry run writes no scripts and submits nothing');
    });

    it('rejects Slurm options with the local executor, and an unknown executor', () => {
      const a = cli([...common('x'), '--partition', 'short']);
      assert.equal(a.code, 2);
      assert.match(a.stderr, /--partition applies to --executor slurm only/);
      const b = cli([...common('x'), '--executor', 'kubernetes']);
      assert.equal(b.code, 2);
      assert.match(b.stderr, /--executor must be 'local' or 'slurm'/);
    });
  });
});
