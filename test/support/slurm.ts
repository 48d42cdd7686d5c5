/**
 * A single-node Slurm on localhost for tests, from Debian's slurmctld, slurmd, slurm-client and
 * munge: slurm.conf, state and logs in a temporary folder, no systemd and no cgroups
 * (proctrack/linuxproc, task/none). Ports are picked free, so it does not clash with another
 * Slurm on the machine. The daemons it starts are stopped by their pid files, never by name.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SLURM_PACKAGES = 'slurmctld slurmd slurm-client munge';

export interface LocalSlurm {
  dir: string;
  /** Path of slurm.conf: set SLURM_CONF to it for the client commands. */
  conf: string;
  /** The job-completion log (JobCompType=jobcomp/filetxt). */
  jobCompLog: string;
  cpus: number;
  /** Runs a Slurm client command against this cluster and returns its stdout. */
  client(program: string, args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const MUNGE_PID = '/run/munge/munged.pid';

function run(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { env, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${program} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

function findProgram(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', ...(process.env.PATH ?? '').split(':')]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopPid(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  if (!(pid > 1) || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

async function mungeWorks(): Promise<boolean> {
  const munge = findProgram('munge');
  const unmunge = findProgram('unmunge');
  if (!munge || !unmunge) return false;
  return new Promise((resolve) => {
    const child = execFile(munge, ['-n'], (err, credential) => {
      if (err) return resolve(false);
      const check = execFile(unmunge, [], (err2) => resolve(!err2));
      check.stdin?.end(credential);
    });
    child.on('error', () => resolve(false));
  });
}

/**
 * Starts munged (unless one already answers), slurmctld and slurmd, and waits until the node is
 * idle. Fails with what to install when the packages are missing.
 */
export async function startLocalSlurm(): Promise<LocalSlurm> {
  const programs = ['slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo', 'munged'];
  const missing = programs.filter((p) => !findProgram(p));
  if (missing.length > 0) {
    throw new Error(
      `cannot start a local Slurm: ${missing.join(', ')} not found. Install Debian's packages as root: ` +
        `apt-get install -y --no-install-recommends ${SLURM_PACKAGES} (scripts/test-all.sh does this).`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      'cannot start a local Slurm: munged, slurmctld and slurmd must be started as root (run the tests as root)',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'metacurate-slurm-'));
  for (const sub of ['state/ctld', 'state/d', 'run', 'log']) mkdirSync(join(dir, sub), { recursive: true });
  const conf = join(dir, 'slurm.conf');
  const jobCompLog = join(dir, 'log', 'jobcomp.log');
  const cpus = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || 1;
  const ctldPort = await freePort();
  let dPort = await freePort();
  while (dPort === ctldPort) dPort = await freePort();
  writeFileSync(
    conf,
    [
      'ClusterName=metacurate-test',
      'SlurmctldHost=localhost',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `StateSaveLocation=${dir}/state/ctld`,
      `SlurmdSpoolDir=${dir}/state/d`,
      `SlurmctldPidFile=${dir}/run/slurmctld.pid`,
      `SlurmdPidFile=${dir}/run/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/filetxt',
      `JobCompLoc=${jobCompLog}`,
      'MpiDefault=none',
      'MailProg=/bin/true',
      'SwitchType=switch/none',
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'InactiveLimit=0',
      'KillWait=5',
      'MinJobAge=300',
      'SchedulerParameters=batch_sched_delay=0',
      'DependencyParameters=kill_invalid_depend',
      `NodeName=localhost CPUs=${cpus} State=UNKNOWN`,
      'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  let startedMunge = false;
  const stop = async () => {
    await stopPid(join(dir, 'run', 'slurmd.pid'));
    await stopPid(join(dir, 'run', 'slurmctld.pid'));
    if (startedMunge) await stopPid(MUNGE_PID);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (!(await mungeWorks())) {
      if (!existsSync('/etc/munge/munge.key')) {
        await run('mungekey', ['-c', '-k', '/etc/munge/munge.key']);
        await run('chown', ['munge:munge', '/etc/munge/munge.key']);
        await run('chmod', ['600', '/etc/munge/munge.key']);
      }
      await run('install', [
        '-d',
        '-o',
        'munge',
        '-g',
        'munge',
        '/run/munge',
        '/var/lib/munge',
        '/var/log/munge',
      ]);
      await run('runuser', ['-u', 'munge', '--', findProgram('munged')!]);
      startedMunge = true;
      for (let i = 0; i < 50 && !(await mungeWorks()); i++) await sleep(100);
    }
    await run(findProgram('slurmctld')!, [], env);
    await run(findProgram('slurmd')!, ['-N', 'localhost'], env);
    let state = '';
    for (let i = 0; i < 150; i++) {
      state = (await run('sinfo', ['-h', '-n', 'localhost', '-o', '%t'], env).catch(() => '')).trim();
      if (state === 'idle') break;
      await sleep(200);
    }
    if (state !== 'idle') {
      const tail = (file: string) => {
        try {
          return readFileSync(join(dir, 'log', file), 'utf8')
            .split('\n')
            .slice(-15)
            .join('\n');
        } catch {
          return '(no log)';
        }
      };
      throw new Error(
        `the local Slurm node did not become idle (state '${state}')\nslurmctld.log:\n${tail('slurmctld.log')}\nslurmd.log:\n${tail('slurmd.log')}`,
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, conf, jobCompLog, cpus, client: (program, args) => run(program, args, env), stop };
}
