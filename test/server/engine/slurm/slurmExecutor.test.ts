/**
 * `metacurate curate --executor slurm` on a real Slurm 22.05: a single-node cluster on localhost
 * (test/support/slurm.ts) runs the count and select arrays, the reduce and the finalize jobs of a
 * curation of a four-file pool. The data are the same bytes as the local executor's; a count task
 * killed while it runs is reported with its log file, and the re-run submits only that task;
 * an interrupted run cancels its jobs. Slurm must be installed (scripts/test-all.sh installs it):
 * these tests fail, never skip, when it is not.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { curate, type CurateSummary } from '../../../../server/engine/src/curate';
import { shellQuote } from '../../../../server/engine/src/executor/sbatch';
import type { SubmittedJob } from '../../../../server/engine/src/slurm/slurmExecutor';
import { curatedTree, generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../../support/fixtures';
import { startLocalSlurm, type LocalSlurm } from '../../../support/slurm';

const CLI = resolve(__dirname, '../../../../../dist/cli.js');

interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }>;
}

function startCli(args: string[], env: NodeJS.ProcessEnv): CliRun {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }>((res) =>
    child.on('close', (code) => res({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 })),
  );
  return { child, done };
}

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function jobsOf(out: string): SubmittedJob[] {
  return (
    JSON.parse(readFileSync(join(out, '.metacurate', 'slurm', 'jobs.json'), 'utf8')) as {
      jobs: SubmittedJob[];
    }
  ).jobs;
}

describe('curate --executor slurm on a real single-node Slurm', function () {
  this.timeout(180000);
  const dir = tempDir('metacurate-slurm-test-');
  const metadata = join(dir.path, 'metadata.json');
  const poolDir = join(dir.path, 'pool');
  const inputs = ['a', 'b', 'c', 'd'].map((n) => join(poolDir, `part-${n}.jsonl`));
  const local = join(dir.path, 'local');
  let slurm: LocalSlurm | undefined;
  let env: NodeJS.ProcessEnv;
  let localSummary: CurateSummary;
  let marks: string;
  let wrapper: string;

  const args = (out: string, extra: string[] = []) => [
    'curate',
    '--metadata',
    metadata,
    ...inputs.flatMap((p) => ['--input', p]),
    '--t',
    '120',
    '--seed',
    '7',
    '--out',
    out,
    '--no-cache',
    '--entry-index',
    ...extra,
  ];
  // Slices of about 100 KB: 8 slices in all, so each array has several tasks.
  const slurmArgs = (out: string, extra: string[] = []) =>
    args(out, [
      '--executor',
      'slurm',
      '--slice-mb',
      '0.1',
      '--poll-seconds',
      '0.25',
      '--progress',
      'json',
      ...extra,
    ]);

  before(async function () {
    this.timeout(120000);
    assert.ok(existsSync(CLI), `${CLI} is built by npm run bundle`);
    slurm = await startLocalSlurm();
    env = { ...process.env, SLURM_CONF: slurm.conf };
    writeFileSync(metadata, JSON.stringify(smallMetadata()));
    mkdirSync(poolDir);
    const sizes = [2500, 1200, 3000, 800];
    inputs.forEach((p, i) => writeJsonl(p, generateCaptions(sizes[i], 100 + i)));
    localSummary = await curate({
      metadataPath: metadata,
      inputs,
      textFields: ['text'],
      t: 120,
      seed: 7,
      outDir: local,
      cache: false,
      workers: 2,
      entryIndex: true,
    });
    // The job's node: slice 2's count task stalls, once per marks folder, so a test can kill it.
    marks = join(dir.path, 'marks');
    mkdirSync(marks);
    wrapper = join(dir.path, 'node wrapper.sh');
    writeFileSync(
      wrapper,
      [
        '#!/bin/bash',
        'args=" $* "',
        'if [[ -n "${SLOW_MARKS:-}" && "$args" == *" curate-task count "* && "$args" == *" --task 2 "* && ! -e "$SLOW_MARKS/released" ]]; then',
        '  echo $$ > "$SLOW_MARKS/slow.pid"',
        '  exec sleep 300',
        'fi',
        `exec ${shellQuote(process.execPath)} "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(wrapper, 0o755);
  });

  after(async () => {
    await slurm?.stop();
    dir.remove();
  });

  it('curates a four-file pool with count and select arrays, byte-identical to the local executor', async () => {
    const out = join(dir.path, 'slurm out'); // a space: sbatch reads the quoted #SBATCH --output
    const r = await startCli(slurmArgs(out), env).done;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(curatedTree(out), curatedTree(local));
    assert.deepEqual(Object.keys(curatedTree(out)).sort(), [
      'counts.bin',
      'counts.json',
      'data/part-a.jsonl',
      'data/part-a.jsonl.entries.jsonl',
      'data/part-b.jsonl',
      'data/part-b.jsonl.entries.jsonl',
      'data/part-c.jsonl',
      'data/part-c.jsonl.entries.jsonl',
      'data/part-d.jsonl',
      'data/part-d.jsonl.entries.jsonl',
      'entries.idx',
      'matches.bin',
      'records.idx',
    ]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as CurateSummary;
    assert.equal(summary.kept, localSummary.kept);
    assert.equal(summary.pool.records, localSummary.pool.records);
    const jobs = jobsOf(out);
    assert.deepEqual(
      jobs.map((j) => j.phase),
      ['count', 'reduce', 'select', 'finalize'],
    );
    const slices = jobs[0].taskIds!.length;
    assert.ok(slices >= 6, `several slices per array (${slices})`);
    for (const j of jobs) {
      const logs = readdirSync(join(out, '.metacurate', 'slurm', 'logs')).filter((f) =>
        f.startsWith(`${j.phase}-${j.jobId}`),
      );
      assert.equal(logs.length, j.taskIds ? slices : 1, `${j.phase} logs: ${logs.join(' ')}`);
    }
    // Progress from finished tasks, phase by phase.
    const progress = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; phase?: string; fraction?: number });
    for (const phase of ['count', 'select']) {
      assert.ok(
        progress.some((p) => p.type === 'progress' && p.phase === phase && p.fraction === 1),
        `${phase} reaches 100%`,
      );
    }
    console.log(
      `      ${slices} slices, ${summary.pool.records} records: ${r.seconds.toFixed(1)} s on Slurm (${slurm!.cpus} CPUs)`,
    );

    // Run again: the folder holds this finished run, nothing is submitted.
    const again = await startCli(slurmArgs(out), env).done;
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      jobsOf(out).map((j) => j.jobId),
      jobs.map((j) => j.jobId),
    );
  });

  it('reports a count task killed while it runs, with its log file; the re-run submits only that task', async () => {
    const out = join(dir.path, 'killed');
    const taskMarks = join(marks, 'killed');
    mkdirSync(taskMarks);
    const runEnv = { ...env, SLOW_MARKS: taskMarks };
    const first = startCli(slurmArgs(out, ['--node', wrapper]), runEnv);
    const pidFile = join(taskMarks, 'slow.pid');
    await waitFor('count task 2 to start', () => existsSync(pidFile));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    writeFileSync(join(taskMarks, 'released'), '');
    process.kill(pid, 'SIGKILL');
    const r = await first.done;
    assert.equal(r.code, 1, r.stderr);
    const countJob = jobsOf(out)[0];
    const log = join(out, '.metacurate', 'slurm', 'logs', `count-${countJob.jobId}_2.log`);
    assert.ok(r.stderr.includes(`count task 2 (job ${countJob.jobId}): FAILED`), r.stderr);
    assert.ok(r.stderr.includes(`log: ${log}`), r.stderr);
    assert.ok(existsSync(log), log);
    assert.match(r.stderr, /1 count and \d+ select task\(s\) are unfinished/);
    // The other slices were counted; the jobs after the count were cancelled, none is left queued.
    const work = join(out, '.metacurate', 'work');
    const slices = countJob.taskIds!;
    for (const id of slices)
      assert.equal(existsSync(join(work, `count-${id}.done.json`)), id !== 2, `count-${id}`);
    const queued = await slurm!.client('squeue', [
      '-h',
      '-j',
      jobsOf(out)
        .map((j) => j.jobId)
        .join(','),
      '-o',
      '%i %T',
    ]);
    assert.equal(queued.trim(), '');

    const second = await startCli(slurmArgs(out, ['--node', wrapper]), runEnv).done;
    assert.equal(second.code, 0, second.stderr);
    const jobs = jobsOf(out);
    assert.deepEqual(
      jobs.map((j) => [j.phase, j.taskIds]),
      [
        ['count', [2]],
        ['reduce', undefined],
        ['select', slices],
        ['finalize', undefined],
      ],
    );
    assert.deepEqual(curatedTree(out), curatedTree(local));
  });

  it('reports a task that fails on bad input with the error from its log, and cancels what depends on it', async () => {
    const out = join(dir.path, 'bad input');
    const bad = join(dir.path, 'bad.jsonl');
    writeFileSync(bad, '{"text": "a dog"}\n{"text": "a cat"\n');
    const r = await startCli(
      [
        'curate',
        '--metadata',
        metadata,
        '--input',
        bad,
        '--t',
        '5',
        '--seed',
        '1',
        '--out',
        out,
        '--no-cache',
        '--executor',
        'slurm',
        '--poll-seconds',
        '0.25',
      ],
      env,
    ).done;
    assert.equal(r.code, 1, r.stderr);
    const jobs = jobsOf(out);
    const log = join(out, '.metacurate', 'slurm', 'logs', `count-${jobs[0].jobId}_0.log`);
    assert.ok(
      r.stderr.includes(`count task 0 (job ${jobs[0].jobId}): FAILED, exit code 1:0; log: ${log}`),
      r.stderr,
    );
    assert.match(r.stderr, /last log line: .*bad\.jsonl:line 2/);
    assert.match(r.stderr, /1 count and 1 select task\(s\) are unfinished/);
    assert.ok(!existsSync(join(out, 'counts.bin')), 'the reduce job did not run');
  });

  it('cancels its jobs when interrupted, and a re-run completes them', async () => {
    const out = join(dir.path, 'interrupted');
    const taskMarks = join(marks, 'interrupted');
    mkdirSync(taskMarks);
    const runEnv = { ...env, SLOW_MARKS: taskMarks };
    const first = startCli(slurmArgs(out, ['--node', wrapper]), runEnv);
    await waitFor('count task 2 to start', () => existsSync(join(taskMarks, 'slow.pid')));
    first.child.kill('SIGINT');
    const r = await first.done;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /interrupted: cancelled the Slurm jobs/);
    const ids = jobsOf(out).map((j) => j.jobId);
    await waitFor(
      'the cancelled jobs to leave the queue',
      async () => (await slurm!.client('squeue', ['-h', '-j', ids.join(','), '-o', '%i'])).trim() === '',
      20000,
    );
    writeFileSync(join(taskMarks, 'released'), '');
    const second = await startCli(slurmArgs(out, ['--node', wrapper]), runEnv).done;
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(curatedTree(out), curatedTree(local));
  });
});
