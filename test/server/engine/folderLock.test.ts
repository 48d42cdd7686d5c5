/**
 * One writer per folder: the lock names its holder; a second taker is refused naming it; a lock
 * whose holder died on this host is taken over with a message; one of another host never is.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../server/engine/src/errors';
import { acquireFolderLock } from '../../../server/engine/src/folderLock';
import { tempDir } from '../../support/fixtures';

/** The pid of a process that has ended (and so cannot hold anything). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('folder lock', () => {
  const dir = tempDir();
  const meta = join(dir.path, 'out', '.metacurate');
  const lockPath = join(meta, 'lock');
  before(() => mkdirSync(meta, { recursive: true }));
  after(() => dir.remove());

  it('holds pid, host, start time and command; is released whole', async () => {
    const lock = await acquireFolderLock(lockPath, 'curate', () => undefined);
    const holder = JSON.parse(readFileSync(lockPath, 'utf8'));
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, hostname());
    assert.equal(holder.command, 'curate');
    assert.ok(!Number.isNaN(Date.parse(holder.started)));
    assert.deepEqual(readdirSync(meta), ['lock'], 'no temporary file left');
    await lock.release();
    assert.equal(existsSync(lockPath), false);
  });

  it('refuses a second taker, naming the holder', async () => {
    const lock = await acquireFolderLock(lockPath, 'curate', () => undefined);
    try {
      await assert.rejects(
        acquireFolderLock(lockPath, 'curate --executor slurm', () => undefined),
        (err: unknown) => {
          assert.ok(err instanceof UsageError);
          assert.ok(
            err.message.includes(
              `is in use by another curation: \`metacurate curate\`, pid ${process.pid} on ${hostname()}`,
            ),
            err.message,
          );
          return true;
        },
      );
    } finally {
      await lock.release();
    }
  });

  it('takes over the lock of a process that no longer runs on this host, with a message', async () => {
    const pid = deadPid();
    writeFileSync(
      lockPath,
      JSON.stringify({ pid, host: hostname(), started: '2020-01-01T00:00:00Z', command: 'curate' }),
    );
    const messages: string[] = [];
    const lock = await acquireFolderLock(lockPath, 'curate', (m) => messages.push(m));
    assert.equal(JSON.parse(readFileSync(lockPath, 'utf8')).pid, process.pid);
    assert.deepEqual(messages, [
      `Took over the lock of a curation that is no longer running (\`metacurate curate\`, pid ${pid} on ${hostname()}, started 2020-01-01T00:00:00Z).`,
    ]);
    await lock.release();
  });

  it('never takes over the lock of another host (its process cannot be checked)', async () => {
    const lock = JSON.stringify({ pid: deadPid(), host: 'another-node', started: 'x', command: 'curate' });
    writeFileSync(lockPath, lock);
    await assert.rejects(
      acquireFolderLock(lockPath, 'curate', () => undefined),
      /pid \d+ on another-node/,
    );
    assert.equal(readFileSync(lockPath, 'utf8'), lock);
  });

  it('does not remove a lock that is no longer its own on release', async () => {
    writeFileSync(
      lockPath,
      JSON.stringify({ pid: deadPid(), host: hostname(), started: 'x', command: 'curate' }),
    );
    const lock = await acquireFolderLock(lockPath, 'curate', () => undefined);
    const other = JSON.stringify({ pid: 1, host: hostname(), started: 'y', command: 'curate' });
    writeFileSync(lockPath, other);
    await lock.release();
    assert.equal(readFileSync(lockPath, 'utf8'), other);
  });
});
