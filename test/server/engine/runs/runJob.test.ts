/**
 * Running a run: a local child process in its own process group with its output in job.log and
 * its progress parsed from the trainer's log lines into state.json; exit codes, failures to start
 * and cancellation (the whole process group, from an AbortSignal or from another process through
 * `cancelRun`); and the same run as one Slurm batch job on a real single-node Slurm.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildRunCommand } from '../../../../server/engine/src/runs/jobCommand';
import {
  createRunFolder,
  readRunState,
  runsDirOf,
  type RunParams,
  type RunState,
} from '../../../../server/engine/src/runs/runFolder';
import {
  cancelRun,
  executeRun,
  progressFromLine,
  slurmJobFiles,
  slurmScript,
} from '../../../../server/engine/src/runs/runJob';
import { tempDir } from '../../../support/fixtures';
import { startLocalSlurm, type LocalSlurm } from '../../../support/slurm';

/** A job that logs three steps as the built-in trainer does and writes a results line. */
const FAKE_TRAINER = [
  'for s in 1 2 3; do echo "{\\"step\\": $s, \\"loss\\": 0.$s, \\"samples_per_second\\": 100, \\"eta_seconds\\": $((3 - s))}"; done',
  'echo "[trainer] done" >&2',
  'echo \'{"step": 3, "pets-zeroshot-val-top1": 0.5, "pets-zeroshot-val-top5": 0.9}\' > ${out}/results.jsonl',
].join('; ');

/** Training files whose names a shell would act on, and a job that writes what it receives. */
const HOSTILE_DATA = [
  '/data/shard$(touch pwned).tar',
  '/data/it\'s "a" `touch pwned`;|&*.tar',
  '/data/new\nline.tar',
];
const ECHO_DATA = `printf '%s\\n' \${data} "\${data}" '\${data}' > "\${out}/args.txt"`;
const ECHOED_DATA = [...HOSTILE_DATA, HOSTILE_DATA.join(' '), HOSTILE_DATA.join(' ')]
  .map((l) => `${l}\n`)
  .join('');

function params(command: string, over: Partial<RunParams> = {}): RunParams {
  return {
    kind: 'custom',
    executor: 'local',
    trainData: ['/data/pool.tar'],
    datasetType: 'webdataset',
    steps: 3,
    batchSize: 4,
    seed: 0,
    python: '/usr/bin/python3',
    commandTemplate: command,
    ...over,
  };
}

async function newRun(workspace: string, command: string, over: Partial<RunParams> = {}) {
  const p = params(command, over);
  return createRunFolder(runsDirOf(workspace), p, (dir) => buildRunCommand(p, dir));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 30000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('running a run locally', function () {
  this.timeout(60000);
  const dir = tempDir('metacurate-runjob-');
  after(() => dir.remove());

  it('runs the command to success, keeping its output, progress and results', async () => {
    const { runDir } = await newRun(join(dir.path, 'ok'), FAKE_TRAINER);
    const states: RunState[] = [];
    const lines: string[] = [];
    const final = await executeRun(runDir, { onState: (s) => states.push(s), onLine: (l) => lines.push(l) });
    assert.equal(final.status, 'succeeded');
    assert.equal(final.exitCode, 0);
    assert.equal(states[0].status, 'running');
    assert.ok(final.startedAt && final.endedAt && final.pid);
    assert.deepEqual(final.progress, { step: 3, loss: 0.3, samplesPerSecond: 100, etaSeconds: 0 });
    assert.ok(lines.includes('[trainer] done'));
    const log = readFileSync(join(runDir, 'job.log'), 'utf8');
    assert.match(log, /"step": 1/);
    assert.match(log, /\[trainer\] done/);
    assert.ok(existsSync(join(runDir, 'out', 'results.jsonl')), 'the output folder was made for the job');
    await assert.rejects(executeRun(runDir), /is succeeded: re-run it/);
  });

  it('gives a custom job exactly the file names, however its template quotes them, and runs nothing in them', async () => {
    const { runDir } = await newRun(join(dir.path, 'hostile'), ECHO_DATA, { trainData: HOSTILE_DATA });
    const final = await executeRun(runDir);
    assert.equal(final.status, 'succeeded', final.error);
    assert.equal(readFileSync(join(runDir, 'out', 'args.txt'), 'utf8'), ECHOED_DATA);
    assert.equal(existsSync(join(runDir, 'pwned')), false);
  });

  it('records a failure with its exit code and last output', async () => {
    const { runDir } = await newRun(
      join(dir.path, 'fail'),
      'echo "about to fail"; echo "no GPU here" >&2; exit 3',
    );
    const final = await executeRun(runDir);
    assert.equal(final.status, 'failed');
    assert.equal(final.exitCode, 3);
    assert.match(
      final.error!,
      /^exit code 3; last output:\n(about to fail\nno GPU here|no GPU here\nabout to fail)$/,
    );
  });

  it('records a command that cannot start', async () => {
    const p = params('true');
    const { runDir } = await createRunFolder(runsDirOf(join(dir.path, 'nostart')), p, (d) => ({
      ...buildRunCommand(p, d),
      command: ['/no/such/python', '-m', 'x'],
    }));
    const final = await executeRun(runDir);
    assert.equal(final.status, 'failed');
    assert.match(final.error!, /cannot start \/no\/such\/python: spawn \/no\/such\/python ENOENT/);
  });

  it('cancels: the whole process group stops, the run is cancelled', async () => {
    const { runDir } = await newRun(join(dir.path, 'cancel'), 'sleep 60 & echo "child $!"; wait');
    const controller = new AbortController();
    let child = 0;
    const done = executeRun(runDir, {
      signal: controller.signal,
      onLine: (l) => {
        const m = /^child (\d+)$/.exec(l);
        if (m) child = Number(m[1]);
      },
    });
    await waitFor('the grandchild', () => child > 0);
    controller.abort();
    const final = await done;
    assert.equal(final.status, 'cancelled');
    await waitFor('the grandchild to stop', () => !alive(child), 5000);
  });

  it('cancels a run supervised by another process (as the editor starts them) through that process', async () => {
    const workspace = join(dir.path, 'cli');
    const { runDir, spec } = await newRun(workspace, 'sleep 60');
    const supervisor = spawn(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(resolve(__dirname, '../../../../server/engine/src/runs/runJob.js'))}).executeRun(${JSON.stringify(runDir)}, { signal: (() => { const c = new AbortController(); process.on('SIGTERM', () => c.abort()); return c.signal; })() })`,
      ],
      { stdio: 'ignore' },
    );
    const supervisorClosed = new Promise((r) => supervisor.on('close', r));
    await waitFor(
      'the run to be running',
      () => readRunState(runDir).status === 'running' && !!readRunState(runDir).pid,
    );
    const jobPid = readRunState(runDir).pid!;
    const state = await cancelRun(runDir);
    assert.equal(state.status, 'cancelled', spec.id);
    await waitFor('the job to stop', () => !alive(jobPid), 5000);
    await supervisorClosed;
    assert.equal((await cancelRun(runDir)).status, 'cancelled', 'cancelling again changes nothing');
  });

  it('reads progress from both trainers’ log lines', () => {
    const spec = { kind: 'builtin', steps: 200 } as Parameters<typeof progressFromLine>[0];
    const p1 = progressFromLine(spec, '{"step": 50, "epoch": 1, "loss": 2.5, "eta_seconds": 30}', undefined);
    assert.deepEqual(p1, { step: 50, steps: 200, epoch: 1, percent: 25, loss: 2.5, etaSeconds: 30 });
    assert.equal(progressFromLine(spec, '[trainer] building the model', p1), undefined);
    const openclip = { kind: 'openclip' } as Parameters<typeof progressFromLine>[0];
    const p2 = progressFromLine(
      openclip,
      '2024-05-01,12:00:00 | INFO | Train Epoch: 0 [ 512/10000 (5%)] Data (t): 0.1 Batch (t): 0.4, 1120.5/s, 280.1/s/gpu LR: 0.0001 Logit Scale: 14.286 Contrastive_loss: 5.4321 (5.4321) Loss: 5.4321 (5.4321)',
      undefined,
    );
    assert.equal(p2?.percent, 5);
    assert.equal(p2?.loss, 5.4321);
    assert.equal(p2?.samplesPerSecond, 1120.5);
  });
});

describe('running a run on a real single-node Slurm', function () {
  this.timeout(180000);
  const dir = tempDir('metacurate-runjob-slurm-');
  let slurm: LocalSlurm | undefined;
  const saved = process.env.SLURM_CONF;
  before(async () => {
    slurm = await startLocalSlurm();
    process.env.SLURM_CONF = slurm.conf;
  });
  after(async () => {
    if (saved === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = saved;
    await slurm?.stop();
    dir.remove();
  });

  it('writes a batch script with the resources and the log file, reading the folder, command and variables as data', async () => {
    const { runDir, spec } = await newRun(join(dir.path, 'script'), 'echo hi', {
      executor: 'slurm',
      slurm: { partition: 'gpu', time: '1:00:00', cpusPerTask: 8, mem: '16G', sbatchArgs: ['--gres=gpu:1'] },
    });
    const withEnv = { ...spec, env: { PYTHONPATH: '/opt/trainer', A: "x y'z\n" } };
    const script = slurmScript(runDir, withEnv);
    assert.deepEqual(
      script.split('\n').filter((l) => l.startsWith('#SBATCH')),
      [
        `#SBATCH --job-name=metacurate-run-${spec.id}`,
        `#SBATCH --output=${runDir}/job.log`,
        '#SBATCH --open-mode=append',
        `#SBATCH --chdir=${runDir}`,
        '#SBATCH --partition=gpu',
        '#SBATCH --time=1:00:00',
        '#SBATCH --cpus-per-task=8',
        '#SBATCH --mem=16G',
        '#SBATCH --gres=gpu:1',
      ],
    );
    // The body is the same for every run: no folder, command or value is pasted into it.
    const body = script.split('\n').filter((l) => !l.startsWith('#'));
    assert.deepEqual(
      body,
      slurmScript(runDir, { ...spec, command: ['other'], cwd: '/x', env: {} })
        .split('\n')
        .filter((l) => !l.startsWith('#')),
    );
    assert.ok(!script.includes('echo hi') && !script.includes('x y'));
    const files = slurmJobFiles(withEnv);
    assert.equal(files.argv.toString(), `${spec.cwd}\0/bin/sh\0-c\0echo hi\0`);
    assert.equal(files.env.toString(), "PYTHONPATH=/opt/trainer\0A=x y'z\n\0");
    assert.throws(() => slurmJobFiles({ ...spec, env: { 'A B': '1' } }), /'A B' is not a variable name/);
  });

  it('gives a custom job exactly the file names, however its template quotes them, and runs nothing in them', async () => {
    const { runDir } = await newRun(join(dir.path, 'hostile'), ECHO_DATA, {
      executor: 'slurm',
      trainData: HOSTILE_DATA,
    });
    const final = await executeRun(runDir, { pollMs: 200 });
    assert.equal(final.status, 'succeeded', final.error);
    assert.equal(readFileSync(join(runDir, 'out', 'args.txt'), 'utf8'), ECHOED_DATA);
    assert.equal(existsSync(join(runDir, 'pwned')), false);
    assert.ok(!readFileSync(join(runDir, 'job.sbatch'), 'utf8').includes('pwned'));
  });

  it("puts the run's PYTHONPATH before the one the job inherits", async () => {
    const p = params('', { executor: 'slurm' });
    const { runDir } = await createRunFolder(runsDirOf(join(dir.path, 'pythonpath')), p, (d) => ({
      ...buildRunCommand({ ...p, commandTemplate: 'true' }, d),
      command: ['/bin/sh', '-c', 'printf %s "$PYTHONPATH" > out/args.txt'],
      cwd: d,
      env: { PYTHONPATH: '/opt/the trainer' },
    }));
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = '/inherited';
    try {
      const final = await executeRun(runDir, { pollMs: 200 });
      assert.equal(final.status, 'succeeded', final.error);
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
    }
    assert.equal(readFileSync(join(runDir, 'out', 'args.txt'), 'utf8'), '/opt/the trainer:/inherited');
  });

  it('submits the run as one job, follows it to success and tails its log for progress', async () => {
    const { runDir } = await newRun(join(dir.path, 'ok'), FAKE_TRAINER, { executor: 'slurm' });
    const states: RunState[] = [];
    const lines: string[] = [];
    const final = await executeRun(runDir, {
      pollMs: 200,
      onState: (s) => states.push(s),
      onLine: (l) => lines.push(l),
    });
    assert.equal(final.status, 'succeeded', final.error);
    assert.match(final.slurmJobId!, /^\d+$/);
    assert.equal(final.slurmState, 'COMPLETED');
    assert.equal(final.progress?.step, 3);
    assert.ok(lines.includes('[trainer] done'), lines.join('\n'));
    assert.ok(states.some((s) => s.slurmJobId !== undefined));
    assert.ok(existsSync(join(runDir, 'out', 'results.jsonl')));
  });

  it('records a failed job with its state', async () => {
    const { runDir } = await newRun(join(dir.path, 'fail'), 'exit 4', { executor: 'slurm' });
    const final = await executeRun(runDir, { pollMs: 200 });
    assert.equal(final.status, 'failed');
    assert.equal(final.slurmState, 'FAILED');
    assert.match(final.error!, /Slurm job \d+ ended FAILED/);
  });

  it('cancels with scancel', async () => {
    const { runDir } = await newRun(join(dir.path, 'cancel'), 'echo started; sleep 120', {
      executor: 'slurm',
    });
    const controller = new AbortController();
    const done = executeRun(runDir, {
      pollMs: 200,
      signal: controller.signal,
      onLine: (l) => l === 'started' && controller.abort(),
    });
    const final = await done;
    assert.equal(final.status, 'cancelled');
    assert.equal(final.slurmState, 'CANCELLED');
  });
});
