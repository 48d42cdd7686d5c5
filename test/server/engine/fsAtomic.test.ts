/**
 * The one atomic-write helper: regular files are replaced whole through a temporary name that
 * matches `*.tmp-<pid>-<rand>`; character devices and FIFOs are written in place and never
 * replaced; folders and symbolic links are never replaced either. Device nodes are made with
 * mknod, so these tests need root (CI runs them as root): they fail, never skip, without it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../../../server/engine/src/errors';
import {
  finalNameOf,
  isTemporaryName,
  moveIntoPlace,
  openAtomicOutput,
  openAtomicOutputSync,
  removeTemporaryFiles,
  settleAll,
  temporaryPathFor,
  writeFileAtomic,
  writeFileAtomicSync,
} from '../../../server/engine/src/fsAtomic';
import { tempDir } from '../../support/fixtures';

function requireRoot(what: string): void {
  assert.equal(process.getuid?.(), 0, `${what} needs root (mknod); run the tests as root, as CI does`);
}

describe('fsAtomic', () => {
  const dir = tempDir();
  after(() => dir.remove());

  it('names temporary files <name>.tmp-<pid>-<rand>, and knows them again', () => {
    const tmp = temporaryPathFor('/x/counts.json');
    assert.match(tmp, new RegExp(`^/x/counts\\.json\\.tmp-${process.pid}-[0-9a-f]{8}$`));
    assert.notEqual(tmp, temporaryPathFor('/x/counts.json'));
    assert.ok(isTemporaryName('summary.json.tmp-123-ab12cd34'));
    assert.ok(isTemporaryName('select-0.jsonl.tmp-99'), 'the pool writers’ older form');
    assert.ok(!isTemporaryName('summary.json'));
    assert.ok(!isTemporaryName('notes.tmp'));
    assert.equal(finalNameOf('summary.json.tmp-123-ab12cd34'), 'summary.json');
  });

  it('writes a file in pieces synchronously, visible under its name only after commit', () => {
    const folder = join(dir.path, 'sync-pieces');
    const path = join(folder, 'run-0');
    const out = openAtomicOutputSync(path);
    out.write('first ');
    out.write(Buffer.from('second'));
    assert.equal(readdirSync(folder).length, 1);
    assert.ok(isTemporaryName(readdirSync(folder)[0]), 'only the temporary file exists before commit');
    out.commit();
    assert.equal(readFileSync(path, 'utf8'), 'first second');
    assert.deepEqual(readdirSync(folder), ['run-0']);
    const aborted = openAtomicOutputSync(path);
    aborted.write('discarded');
    aborted.abort();
    assert.equal(readFileSync(path, 'utf8'), 'first second');
    assert.deepEqual(readdirSync(folder), ['run-0']);
  });

  it('replaces a regular file whole, keeps its mode, and leaves no temporary file', async () => {
    const path = join(dir.path, 'replace', 'out.json');
    mkdirSync(join(dir.path, 'replace'));
    writeFileSync(path, 'old', { mode: 0o640 });
    await writeFileAtomic(path, 'new content');
    assert.equal(readFileSync(path, 'utf8'), 'new content');
    assert.equal(statSync(path).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(join(dir.path, 'replace')), ['out.json']);
  });

  it('an aborted output leaves the old file as it was and no temporary file', async () => {
    const folder = join(dir.path, 'abort');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.txt'), 'old');
    const out = await openAtomicOutput(join(folder, 'a.txt'));
    await out.write('half of the new');
    assert.equal(readFileSync(join(folder, 'a.txt'), 'utf8'), 'old', 'nothing visible before commit');
    await out.abort();
    assert.equal(readFileSync(join(folder, 'a.txt'), 'utf8'), 'old');
    assert.deepEqual(readdirSync(folder), ['a.txt']);
  });

  it('syncs a long output in the background as it grows (writeback), and still commits it whole, or aborts it leaving nothing', async () => {
    const path = join(dir.path, 'writeback.bin');
    const piece = Buffer.alloc(3000, 7);
    const out = await openAtomicOutput(path, { writebackBytes: 4096 });
    for (let i = 0; i < 50; i++) await out.write(piece);
    assert.equal(
      readdirSync(dir.path).includes('writeback.bin'),
      false,
      'nothing under the name before commit',
    );
    await out.commit();
    assert.equal(statSync(path).size, 150000);
    assert.deepEqual(readFileSync(path), Buffer.alloc(150000, 7));
    const aborted = await openAtomicOutput(join(dir.path, 'writeback-aborted.bin'), { writebackBytes: 4096 });
    for (let i = 0; i < 10; i++) await aborted.write(piece);
    await aborted.abort();
    assert.deepEqual(
      readdirSync(dir.path).filter((n) => n.startsWith('writeback-aborted')),
      [],
      'no file and no temporary file',
    );
  });

  it('writes a character device in place and never replaces it', async () => {
    requireRoot('writing to a device node');
    const node = join(dir.path, 'null');
    execFileSync('mknod', [node, 'c', '1', '3']); // the device of /dev/null
    await writeFileAtomic(node, 'discarded');
    writeFileAtomicSync(node, 'discarded too');
    const out = await openAtomicOutput(node);
    assert.equal(out.inPlace, true);
    await out.write('x');
    await out.commit();
    assert.ok(lstatSync(node).isCharacterDevice(), 'still the device node');
    assert.deepEqual(
      readdirSync(dir.path).filter((n) => n.startsWith('null')),
      ['null'],
      'no temporary file beside it',
    );
  });

  it('writes a FIFO in place: the reader gets the bytes, the FIFO stays', async () => {
    const fifo = join(dir.path, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let read = '';
    reader.stdout.on('data', (d) => (read += d));
    const done = new Promise((r) => reader.on('close', r));
    await writeFileAtomic(fifo, 'through the pipe\n');
    await done;
    assert.equal(read, 'through the pipe\n');
    assert.ok(lstatSync(fifo).isFIFO());
  });

  it('replaces the target of a symbolic link, not the link', async () => {
    const target = join(dir.path, 'target.txt');
    const link = join(dir.path, 'link.txt');
    writeFileSync(target, 'old');
    symlinkSync(target, link);
    await writeFileAtomic(link, 'new');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), target);
    assert.equal(readFileSync(target, 'utf8'), 'new');
  });

  it('refuses a folder, naming it (EISDIR), and leaves it as it was', async () => {
    const folder = join(dir.path, 'a-folder');
    mkdirSync(folder);
    writeFileSync(join(folder, 'keep.txt'), 'mine');
    await assert.rejects(writeFileAtomic(folder, 'x'), (err: unknown) => {
      assert.ok(err instanceof EnvironmentError);
      assert.equal(err.code, 'EISDIR');
      assert.equal(err.message, `cannot write ${folder}: it is a folder, not a file (EISDIR)`);
      return true;
    });
    assert.deepEqual(readdirSync(folder), ['keep.txt']);
  });

  it('moveIntoPlace never replaces a file in the way, and finishes a move cut between link and unlink', async () => {
    const folder = join(dir.path, 'move');
    mkdirSync(folder);
    writeFileSync(join(folder, 'new'), 'new');
    writeFileSync(join(folder, 'theirs'), 'someone else’s');
    await assert.rejects(moveIntoPlace(join(folder, 'new'), join(folder, 'theirs')), /a file is in the way/);
    assert.equal(readFileSync(join(folder, 'theirs'), 'utf8'), 'someone else’s');
    // Killed after the link: both names are the same file; moving again drops the source.
    execFileSync('ln', [join(folder, 'new'), join(folder, 'placed')]);
    await moveIntoPlace(join(folder, 'new'), join(folder, 'placed'));
    assert.deepEqual(readdirSync(folder).sort(), ['placed', 'theirs']);
    assert.equal(readFileSync(join(folder, 'placed'), 'utf8'), 'new');
  });

  it('removeTemporaryFiles removes only temporary names of the files it is told are its own', async () => {
    const folder = join(dir.path, 'leftovers');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    for (const name of [
      'summary.json.tmp-1-abcd1234',
      'notes.txt.tmp-1-abcd1234',
      'summary.json',
      'sub/x.tmp-2',
    ])
      writeFileSync(join(folder, name), '');
    const removed = await removeTemporaryFiles(folder, { owned: (p) => p.endsWith('summary.json') });
    assert.deepEqual(removed, [join(folder, 'summary.json.tmp-1-abcd1234')]);
    assert.deepEqual(readdirSync(folder).sort(), ['notes.txt.tmp-1-abcd1234', 'sub', 'summary.json']);
    await removeTemporaryFiles(folder, { recursive: true, owned: () => true });
    assert.deepEqual(readdirSync(join(folder, 'sub')), []);
  });

  it('settleAll waits for every write, even after one fails, then throws the first failure', async () => {
    const folder = join(dir.path, 'settle');
    let slowDone = false;
    const slow = new Promise<void>((resolve) =>
      setTimeout(() => {
        slowDone = true;
        resolve();
      }, 50),
    );
    const failing = Promise.reject(new Error('first'));
    const later = new Promise<void>((_, reject) => setTimeout(() => reject(new Error('second')), 10));
    await assert.rejects(settleAll([failing, slow, undefined, later]), /first/);
    assert.ok(slowDone, 'the slow write had finished before settleAll threw');
    await settleAll([
      writeFileAtomic(join(folder, 'a'), 'a'),
      undefined,
      writeFileAtomic(join(folder, 'b'), 'b'),
    ]);
    assert.deepEqual(readdirSync(folder).sort(), ['a', 'b']);
  });
});
