/**
 * Job and array-task states from squeue, sacct and the job-completion log
 * (server/engine/src/executor/jobState.ts), with a fake runner that answers as Slurm 22.05 does.
 * The test cluster of slurmExecutor.test.ts has accounting off, so sacct is exercised only here.
 */
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  SlurmCommandResult,
  SlurmProgram,
  SlurmRunner,
} from '../../../../server/engine/src/executor/slurmCommands';
import { isTerminal, JobStateReader, type JobState } from '../../../../server/engine/src/executor/jobState';
import { tempDir } from '../../../support/fixtures';

interface FakeCluster {
  run: SlurmRunner;
  calls: Array<{ program: SlurmProgram; args: string[] }>;
  squeue: SlurmCommandResult;
  sacct: SlurmCommandResult;
}

const ok = (stdout: string): SlurmCommandResult => ({ code: 0, stdout, stderr: '' });

function fakeCluster(): FakeCluster {
  const cluster: FakeCluster = {
    calls: [],
    squeue: ok(''),
    sacct: ok(''),
    run: (program, args) => {
      cluster.calls.push({ program, args });
      if (program === 'squeue') return Promise.resolve(cluster.squeue);
      if (program === 'sacct') return Promise.resolve(cluster.sacct);
      return Promise.reject(new Error(`unexpected ${program}`));
    },
  };
  return cluster;
}

const asObject = (m: Map<string, JobState> | undefined): Record<string, JobState> => {
  assert.ok(m, 'read() answered undefined');
  return Object.fromEntries([...m].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
};

describe('Slurm job states', () => {
  it('asks squeue for every state of the given jobs, arrays expanded, and sacct for allocations only', async () => {
    const c = fakeCluster();
    await new JobStateReader(c.run, ['101', '102']).read();
    assert.deepEqual(c.calls, [
      { program: 'squeue', args: ['-h', '-r', '-t', 'all', '-j', '101,102', '-o', '%A|%F|%K|%T|%r'] },
      { program: 'sacct', args: ['-n', '-P', '-X', '-j', '101,102', '-o', 'JobID,State,ExitCode'] },
    ]);
  });

  it('keys array tasks as <array job>_<index> and single jobs by id, from squeue', async () => {
    const c = fakeCluster();
    // %A|%F|%K|%T|%r: job id, array job id, array task id (N/A for a single job), state, reason.
    c.squeue = ok(
      [
        '201|200|0|RUNNING|None',
        '202|200|1|PENDING|Priority',
        '300|300|N/A|PENDING|Dependency',
        '401|400|3|FAILED|NonZeroExitCode',
        '999|999|N/A|RUNNING|None', // not one of ours
        '',
      ].join('\n'),
    );
    const states = await new JobStateReader(c.run, ['200', '300', '400']).read();
    assert.deepEqual(asObject(states), {
      '200_0': { state: 'RUNNING', reason: undefined },
      '200_1': { state: 'PENDING', reason: 'Priority' },
      '300': { state: 'PENDING', reason: 'Dependency' },
      '400_3': { state: 'FAILED', reason: 'NonZeroExitCode' },
    });
  });

  it('reads sacct -P states with their exit codes, normalising CANCELLED by <uid>, and skips unstarted array ranges', async () => {
    const c = fakeCluster();
    c.sacct = ok(
      [
        '500_0|COMPLETED|0:0',
        '500_1|FAILED|3:0',
        '500_2|CANCELLED by 0|0:15',
        '500_3|OUT_OF_MEMORY|0:125',
        '500_4|TIMEOUT|0:0',
        '500_[5-9%2]|PENDING|0:0', // tasks not started yet: one line for the range
        '501|CANCELLED+|0:0',
        '502|NODE_FAIL|1:0',
        '',
      ].join('\n'),
    );
    const states = await new JobStateReader(c.run, ['500', '501', '502']).read();
    assert.deepEqual(asObject(states), {
      '500_0': { state: 'COMPLETED', exitCode: '0:0' },
      '500_1': { state: 'FAILED', exitCode: '3:0' },
      '500_2': { state: 'CANCELLED', exitCode: '0:15' },
      '500_3': { state: 'OUT_OF_MEMORY', exitCode: '0:125' },
      '500_4': { state: 'TIMEOUT', exitCode: '0:0' },
      '501': { state: 'CANCELLED', exitCode: '0:0' },
      '502': { state: 'NODE_FAIL', exitCode: '1:0' },
    });
    for (const s of ['COMPLETED', 'FAILED', 'CANCELLED', 'OUT_OF_MEMORY', 'TIMEOUT', 'NODE_FAIL'])
      assert.ok(isTerminal(s), s);
    for (const s of ['PENDING', 'RUNNING', 'COMPLETING', 'REQUEUED']) assert.ok(!isTerminal(s), s);
  });

  it('lets squeue decide a job still in the queue, and takes the exit code of a finished one from sacct', async () => {
    const c = fakeCluster();
    c.squeue = ok(['601|600|0|FAILED|NonZeroExitCode', '602|600|1|PENDING|BeginTime', ''].join('\n'));
    // Task 1 failed once and was requeued: sacct still has the old attempt, squeue the new one.
    c.sacct = ok(['600_0|FAILED|2:0', '600_1|FAILED|1:0', '600_2|COMPLETED|0:0', ''].join('\n'));
    const states = await new JobStateReader(c.run, ['600']).read();
    assert.deepEqual(asObject(states), {
      '600_0': { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: '2:0' },
      '600_1': { state: 'PENDING', reason: 'BeginTime' },
      '600_2': { state: 'COMPLETED', exitCode: '0:0' },
    });
  });

  it('stops asking sacct once it fails (accounting off), and still answers from squeue', async () => {
    const c = fakeCluster();
    c.squeue = ok('701|700|0|RUNNING|None\n');
    c.sacct = {
      code: 1,
      stdout: '',
      stderr: 'sacct: error: Slurm accounting storage is disabled\n',
    };
    const reader = new JobStateReader(c.run, ['700']);
    assert.deepEqual(asObject(await reader.read()), { '700_0': { state: 'RUNNING', reason: undefined } });
    await reader.read();
    assert.deepEqual(
      c.calls.map((x) => x.program),
      ['squeue', 'sacct', 'squeue'],
    );
  });

  it('treats squeue "Invalid job id" as no queued jobs, and any other squeue failure as no answer', async () => {
    const c = fakeCluster();
    c.squeue = { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified\n' };
    c.sacct = ok('800|COMPLETED|0:0\n');
    assert.deepEqual(asObject(await new JobStateReader(c.run, ['800']).read()), {
      '800': { state: 'COMPLETED', exitCode: '0:0' },
    });
    c.squeue = { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Unable to contact slurm controller\n' };
    assert.equal(await new JobStateReader(c.run, ['800']).read(), undefined);
  });

  it('reads the job-completion log incrementally, whole lines only', async () => {
    const dir = tempDir('mc-jobstate-');
    try {
      const log = join(dir.path, 'jobcomp.log');
      const c = fakeCluster();
      const reader = new JobStateReader(c.run, ['900', '910'], log);
      assert.deepEqual(asObject(await reader.read()), {}, 'no log yet');
      const line = (fields: string) => `JobId=${fields} UserId=u(1) Partition=debug\n`;
      writeFileSync(
        log,
        line('901 JobState=COMPLETED ExitCode=0:0 ArrayJobId=900 ArrayTaskId=0') +
          line('999 JobState=FAILED ExitCode=1:0 ArrayJobId=0 ArrayTaskId=4294967294') +
          'JobId=902 JobState=FAI', // still being written
      );
      assert.deepEqual(asObject(await reader.read()), {
        '900_0': { state: 'COMPLETED', exitCode: '0:0' },
      });
      appendFileSync(
        log,
        'LED ExitCode=1:0 ArrayJobId=900 ArrayTaskId=1 UserId=u(1)\n' +
          line('910 JobState=CANCELLED ExitCode=0:9 ArrayJobId=0 ArrayTaskId=4294967294'),
      );
      assert.deepEqual(asObject(await reader.read()), {
        '900_0': { state: 'COMPLETED', exitCode: '0:0' },
        '900_1': { state: 'FAILED', exitCode: '1:0' },
        '910': { state: 'CANCELLED', exitCode: '0:9' },
      });
    } finally {
      dir.remove();
    }
  });
});
