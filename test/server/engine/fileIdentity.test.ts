/**
 * A file's identity (device, inode, size, mtime, ctime) saves a hash only when it proves the
 * file unchanged: every field equal, and the last change well before the identity was taken
 * (a write in the same clock tick as the recorded stat could otherwise hide).
 */
import assert from 'node:assert/strict';
import { renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fileIdentityOf,
  RACY_MARGIN_MS,
  unchangedSince,
  type FileIdentity,
} from '../../../server/engine/src/fileIdentity';
import { InputError } from '../../../server/engine/src/errors';
import { tempDir } from '../../support/fixtures';

/** The identity as if it had been taken `ms` later, with the file untouched meanwhile. */
function takenLater(identity: FileIdentity, ms: number): FileIdentity {
  return { ...identity, takenAtMs: identity.takenAtMs + ms };
}

describe('fileIdentity', () => {
  const dir = tempDir();

  it('trusts an unchanged file whose last change is older than the racy margin', async () => {
    const path = join(dir.path, 'old.txt');
    writeFileSync(path, 'a cat\n');
    const now = await fileIdentityOf(path);
    assert.equal(unchangedSince(takenLater(now, RACY_MARGIN_MS + 1000), now), true);
  });

  it('never trusts a file changed shortly before its identity was taken, even when nothing differs', async () => {
    const path = join(dir.path, 'fresh.txt');
    writeFileSync(path, 'a cat\n');
    const identity = await fileIdentityOf(path);
    assert.equal(unchangedSince(identity, await fileIdentityOf(path)), false);
  });

  it('does not trust an identity that is absent (a work folder from before identities)', async () => {
    const path = join(dir.path, 'absent.txt');
    writeFileSync(path, 'a cat\n');
    assert.equal(unchangedSince(undefined, await fileIdentityOf(path)), false);
  });

  it('sees an edit in place of the same size with the modification time put back (the change time moves)', async () => {
    const path = join(dir.path, 'edited.txt');
    writeFileSync(path, 'a cat\n');
    utimesSync(path, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    const before = takenLater(await fileIdentityOf(path), RACY_MARGIN_MS + 1000);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(path, 'a dog\n');
    utimesSync(path, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    const after = await fileIdentityOf(path);
    assert.equal(after.mtimeNs, before.mtimeNs);
    assert.equal(after.size, before.size);
    assert.notEqual(after.ctimeNs, before.ctimeNs);
    assert.equal(unchangedSince(before, after), false);
  });

  it('sees a file replaced by a rename (another inode)', async () => {
    const path = join(dir.path, 'replaced.txt');
    writeFileSync(path, 'a cat\n');
    const before = takenLater(await fileIdentityOf(path), RACY_MARGIN_MS + 1000);
    writeFileSync(path + '.new', 'a cat\n');
    renameSync(path + '.new', path);
    assert.equal(unchangedSince(before, await fileIdentityOf(path)), false);
  });

  it('any field that differs (another device as seen from another node too) means hash again', async () => {
    const path = join(dir.path, 'fields.txt');
    writeFileSync(path, 'a cat\n');
    const now = await fileIdentityOf(path);
    for (const field of ['dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'] as const) {
      const recorded = takenLater({ ...now, [field]: now[field] + '1' }, RACY_MARGIN_MS + 1000);
      assert.equal(unchangedSince(recorded, now), false, field);
    }
  });

  it('a missing file is an input error naming it', async () => {
    const path = join(dir.path, 'missing.txt');
    await assert.rejects(fileIdentityOf(path), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /missing\.txt: cannot read input/);
      return true;
    });
  });
});
