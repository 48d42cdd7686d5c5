/**
 * Curation never loses data, as the command line shows it (issue 9): outputs that are devices or
 * FIFOs are written in place, outputs that are inputs are refused, environment failures are one
 * line and exit code 1 (a full disk, a permission, a file where a folder is needed), one writer
 * per folder, an interrupted run releases its lock and resumes, and a re-selection killed midway
 * leaves the previous curation whole. Device nodes, the small file system and the other user
 * need root (CI runs the tests as root): those tests fail, never skip, without it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { curatedTree, generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';

const CLI = resolve(__dirname, '../../../../dist/cli.js');

function cli(args: string[], options: { uid?: number; gid?: number } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', ...options });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function requireRoot(what: string): void {
  assert.equal(process.getuid?.(), 0, `${what} needs root; run the tests as root, as CI does`);
}

/** The output is one line, without a stack. */
function assertOneLine(stderr: string): void {
  assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack');
}

/** Names under `dir` that look like temporary files. */
function temporaryFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tmp-\d+/.test(f));
}

/** Runs the CLI and kills it with `signal` once a progress line of `phase` passes `fraction`. */
async function runAndSignal(
  args: string[],
  phase: string,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args, '--progress', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, METACURATE_PROGRESS_MS: '5' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let buffered = '';
  let sent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const msg = JSON.parse(line);
      if (!sent && msg.type === 'progress' && msg.phase === phase && msg.fraction > 0.1) {
        sent = true;
        child.kill(signal);
      }
    }
  });
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  assert.ok(sent, `the run reached the ${phase} pass before it ended (code ${code}): ${stderr}`);
  return { code, stderr };
}

describe('metacurate CLI: curation never loses data', function () {
  this.timeout(180000);
  const dir = tempDir();
  const metadata = join(dir.path, 'metadata.json');
  const pool = join(dir.path, 'pool.jsonl');
  const big = [join(dir.path, 'big', 'a.jsonl'), join(dir.path, 'big', 'b.jsonl')];
  before(() => {
    assert.ok(existsSync(CLI), `${CLI} is built by npm run build`);
    writeFileSync(metadata, JSON.stringify(smallMetadata()));
    writeJsonl(pool, generateCaptions(2000, 11));
    mkdirSync(join(dir.path, 'big'));
    writeJsonl(big[0], generateCaptions(60000, 5));
    writeJsonl(big[1], generateCaptions(60000, 6));
  });
  after(() => dir.remove());

  const curateArgs = (out: string, extra: string[] = []) => [
    'curate',
    '--metadata',
    metadata,
    '--input',
    ...big,
    '--t',
    '2000',
    '--seed',
    '9',
    '--out',
    out,
    '--workers',
    '1',
    '--slice-mb',
    '0.5',
    '--no-cache',
    ...extra,
  ];

  /** The curation of curateArgs, run once without interruption, to compare with. */
  let clean: string | undefined;
  const cleanRun = (): string => {
    if (clean === undefined) {
      clean = join(dir.path, 'clean');
      const r = cli(curateArgs(clean));
      assert.equal(r.code, 0, r.stderr);
    }
    return clean;
  };

  describe('3. only regular files are replaced', () => {
    it('match --out to a character device writes into it and leaves it a device', () => {
      requireRoot('mknod');
      const node = join(dir.path, 'null-device');
      execFileSync('mknod', [node, 'c', '1', '3']);
      const r = cli(['match', '--metadata', metadata, '--input', pool, '--out', node]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(lstatSync(node).isCharacterDevice(), 'still a character device');
      const c = cli(['count', '--metadata', metadata, '--input', pool, '--out', node]);
      assert.equal(c.code, 0, c.stderr);
      assert.ok(lstatSync(node).isCharacterDevice());
      assert.deepEqual(
        readdirSync(dir.path).filter((n) => n.startsWith('null-device') || n === 'matches.bin'),
        ['null-device'],
        'count writes nothing beside a device',
      );
    });

    it('match --out to a FIFO streams into it and leaves it a FIFO', async () => {
      const fifo = join(dir.path, 'matches.fifo');
      execFileSync('mkfifo', [fifo]);
      const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
      let lines = 0;
      reader.stdout.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
      const readerDone = new Promise((r) => reader.on('close', r));
      const child = spawn(process.execPath, [
        CLI,
        'match',
        '--metadata',
        metadata,
        '--input',
        pool,
        '--out',
        fifo,
      ]);
      const code = await new Promise((r) => child.on('close', r));
      await readerDone;
      assert.equal(code, 0);
      assert.equal(lines, 2000);
      assert.ok(lstatSync(fifo).isFIFO());
    });
  });

  describe('2. inputs and outputs never overlap', () => {
    it('match and count refuse an --out that is their input (also a hard link of it), naming both (exit 2)', () => {
      const copy = join(dir.path, 'own.jsonl');
      writeFileSync(copy, readFileSync(pool));
      const before = readFileSync(copy);
      const r = cli(['match', '--metadata', metadata, '--input', copy, '--out', copy]);
      assert.equal(r.code, 2);
      assert.ok(r.stderr.includes(`the output ${copy} is the input ${copy}`), r.stderr);
      const hard = join(dir.path, 'own-hard-link.jsonl');
      linkSync(copy, hard);
      assert.equal(cli(['match', '--metadata', metadata, '--input', copy, '--out', hard]).code, 2);
      const c = cli(['count', '--metadata', metadata, '--input', copy, '--out', copy]);
      assert.equal(c.code, 2);
      assert.match(c.stderr, /is the input/);
      // The metadata is an input too.
      assert.equal(cli(['match', '--metadata', metadata, '--input', copy, '--out', metadata]).code, 2);
      assert.deepEqual(readFileSync(copy), before);
      assert.equal(JSON.parse(readFileSync(metadata, 'utf8')).length, smallMetadata().length);
    });

    it('curate refuses an input inside --out (exit 2)', () => {
      const out = join(dir.path, 'holds-input');
      mkdirSync(out);
      writeFileSync(join(out, 'pool.jsonl'), readFileSync(pool));
      const r = cli([
        'curate',
        '--metadata',
        metadata,
        '--input',
        join(out, 'pool.jsonl'),
        '--t',
        '5',
        '--seed',
        '1',
        '--out',
        out,
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /pool\.jsonl is inside the output folder/);
      assert.deepEqual(readdirSync(out), ['pool.jsonl']);
    });
  });

  describe('5. environment failures: one line, exit code 1', () => {
    it('a full device: match --out /dev/full names it and ENOSPC', () => {
      const r = cli(['match', '--metadata', metadata, '--input', pool, '--out', '/dev/full']);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'metacurate match: error: cannot write /dev/full: no space left on the device (ENOSPC)\n',
      );
    });

    it('--out naming a file: one line (ENOTDIR), and its stack with --debug', () => {
      const file = join(dir.path, 'a-file');
      writeFileSync(file, 'mine');
      const r = cli([
        'curate',
        '--metadata',
        metadata,
        '--input',
        pool,
        '--t',
        '5',
        '--seed',
        '1',
        '--out',
        file,
      ]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `metacurate curate: error: cannot write into ${file}: it is a file, not a folder (ENOTDIR)\n`,
      );
      const d = cli([
        '--debug',
        'curate',
        '--metadata',
        metadata,
        '--input',
        pool,
        '--t',
        '5',
        '--seed',
        '1',
        '--out',
        file,
      ]);
      assert.equal(d.code, 1);
      assert.match(d.stderr, /\n\s+at /, 'the stack');
      assert.equal(readFileSync(file, 'utf8'), 'mine');
    });

    it('an unreadable output folder: one line naming it (EACCES)', () => {
      requireRoot('running the command as another user');
      chmodSync(dir.path, 0o755);
      const out = join(dir.path, 'private');
      mkdirSync(out, { mode: 0o700 });
      writeFileSync(join(out, 'secret'), '');
      const r = cli(
        [
          'curate',
          '--metadata',
          metadata,
          '--input',
          pool,
          '--t',
          '5',
          '--seed',
          '1',
          '--out',
          out,
          '--no-cache',
        ],
        {
          uid: 65534,
          gid: 65534,
        },
      );
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        r.stderr,
        `metacurate curate: error: cannot list the folder ${out}: permission denied (EACCES)\n`,
      );
    });

    it('a read-only file system: one line naming the folder it could not create (EROFS)', () => {
      requireRoot('mounting a read-only tmpfs');
      const mount = join(dir.path, 'read-only');
      mkdirSync(mount);
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', mount], {
        encoding: 'utf8',
      });
      assert.equal(mounted.status, 0, `mount -t tmpfs needs CAP_SYS_ADMIN: ${mounted.stderr}`);
      try {
        const r = cli([
          'curate',
          '--metadata',
          metadata,
          '--input',
          pool,
          '--t',
          '5',
          '--seed',
          '1',
          '--out',
          mount,
        ]);
        assert.equal(r.code, 1, r.stderr);
        assert.equal(
          r.stderr,
          `metacurate curate: error: cannot create the folder ${mount}/.metacurate: read-only file system (EROFS)\n`,
        );
      } finally {
        execFileSync('umount', [mount]);
      }
    });

    it('a disk that fills up in the count pass: one line from the worker thread, nothing half-written; once space is freed the same command resumes', () => {
      requireRoot('mounting a small tmpfs');
      const mount = join(dir.path, 'small-disk');
      mkdirSync(mount);
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount], {
        encoding: 'utf8',
      });
      assert.equal(mounted.status, 0, `mount -t tmpfs needs CAP_SYS_ADMIN: ${mounted.stderr}`);
      try {
        const out = join(mount, 'out');
        const full = cli(curateArgs(out));
        assert.equal(full.code, 1, full.stderr);
        assertOneLine(full.stderr);
        // Written by a count task in a worker thread: its path and code crossed the thread boundary.
        assert.match(
          full.stderr,
          new RegExp(
            `^metacurate curate: error: cannot write ${out}/\\.metacurate/work/count-\\d+\\.[\\w.]+: no space left on the device \\(ENOSPC\\)\\n$`,
          ),
        );
        assert.deepEqual(temporaryFiles(out), [], 'nothing half-written');
        assert.equal(existsSync(join(out, '.metacurate', 'lock')), false, 'the lock is released');
        execFileSync('mount', ['-o', 'remount,size=64m', mount]);
        const resumed = cli(curateArgs(out));
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.deepEqual(curatedTree(out), curatedTree(cleanRun()));
      } finally {
        execFileSync('umount', [mount]);
      }
    });
  });

  describe('4. one writer per folder', () => {
    it('refuses a second curation (local or Slurm) while the first holds the folder, naming it (exit 2)', () => {
      const out = join(dir.path, 'held');
      mkdirSync(join(out, '.metacurate'), { recursive: true });
      // This test process is alive: its lock is not stale.
      const holder = {
        pid: process.pid,
        host: hostname(),
        started: '2024-05-01T10:00:00Z',
        command: 'curate',
      };
      writeFileSync(join(out, '.metacurate', 'lock'), JSON.stringify(holder));
      const r = cli(curateArgs(out));
      assert.equal(r.code, 2);
      assert.ok(
        r.stderr.includes(
          `${out} is in use by another curation: \`metacurate curate\`, pid ${process.pid} on ${holder.host}, started 2024-05-01T10:00:00Z`,
        ),
        r.stderr,
      );
      const s = cli(curateArgs(out, ['--executor', 'slurm', '--dry-run']));
      assert.equal(s.code, 2);
      assert.match(s.stderr, /is in use by another curation/);
      assert.deepEqual(readdirSync(join(out, '.metacurate')), ['lock'], 'nothing written');
    });

    it('SIGINT and SIGTERM end a run with exit code 1, release the lock and leave no temporary file; the same command resumes', async () => {
      const out = join(dir.path, 'interrupted');
      for (const [phase, signal] of [
        ['count', 'SIGINT'],
        ['select', 'SIGTERM'],
      ] as const) {
        const r = await runAndSignal(curateArgs(out), phase, signal);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /metacurate curate: error: interrupted; run the same command again to resume/);
        assert.equal(existsSync(join(out, '.metacurate', 'lock')), false, `lock released after ${signal}`);
        assert.deepEqual(temporaryFiles(out), []);
        assert.equal(existsSync(join(out, 'summary.json')), false);
      }
      const resumed = cli(curateArgs(out));
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.deepEqual(curatedTree(out), curatedTree(cleanRun()));
    });
  });

  describe('1. a re-selection is swapped in whole', () => {
    it('killed with SIGKILL while selecting for a new t, the folder holds the previous curation, whole; the same command then gives the new one', async () => {
      const out = join(dir.path, 'reselect-killed');
      assert.equal(cli(curateArgs(out)).code, 0);
      const before = curatedTree(out);
      const summaryBefore = readFileSync(join(out, 'summary.json'), 'utf8');
      const args = curateArgs(out).map((a) => (a === '2000' ? '500' : a));
      const killed = await runAndSignal(args, 'select', 'SIGKILL');
      assert.equal(killed.code, null);
      assert.deepEqual(curatedTree(out), before);
      assert.equal(readFileSync(join(out, 'summary.json'), 'utf8'), summaryBefore);
      const resumed = cli(args);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.deepEqual(temporaryFiles(out), []);
      const fresh = join(dir.path, 'fresh-500');
      assert.equal(cli(args.map((a) => (a === out ? fresh : a))).code, 0);
      assert.deepEqual(curatedTree(out), curatedTree(fresh));
    });
  });

  it('every --help that lists exit codes names 1 for environment failures and 3 for internal errors', () => {
    for (const args of [
      ['--help'],
      ['match', '--help'],
      ['count', '--help'],
      ['curate', '--help'],
      ['curate-task', '--help'],
    ]) {
      const help = cli(args).stdout;
      assert.match(help, /Exit codes: 0 done, 1 bad input/, args.join(' '));
      assert.match(help, /environment\s+failure/, args.join(' '));
      assert.match(help, /3 internal error/, args.join(' '));
    }
    for (const name of ['run', 'experiment']) {
      const help = cli([name, '--help']).stdout;
      assert.match(help, /environment failure/, name);
      assert.match(help, /3 internal error/, name);
    }
    assert.match(cli(['--help']).stdout, /--debug/);
    assert.match(
      cli(['curate', '--help']).stdout,
      /If an input or the metadata changed, the count starts over/,
    );
  });
});
