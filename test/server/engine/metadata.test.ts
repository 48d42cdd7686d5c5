/**
 * Metadata parsed later (when its matcher index is cached) reads as metadata loaded at once, and
 * parses only when its entries are first read.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../../server/engine/src/errors';
import {
  entryCount,
  entryName,
  loadMetadata,
  metadataParsedLater,
  readMetadataFile,
} from '../../../server/engine/src/metadata';
import { tempDir } from '../../support/fixtures';

describe('metadata parsed later', () => {
  const dir = tempDir();
  after(() => dir.remove());

  it('has the entries, path and sha256 loadMetadata gives', async () => {
    const path = join(dir.path, 'list.json');
    writeFileSync(path, JSON.stringify(['cat', 'red dog', 'café', 'cat']));
    const { bytes, sha256 } = await readMetadataFile(path);
    const later = metadataParsedLater(path, bytes, sha256);
    const now = await loadMetadata(path);
    assert.equal(later.sha256, now.sha256);
    assert.deepEqual(later.entries, now.entries);
    assert.equal(later.entries, later.entries, 'parsed once');
    assert.deepEqual({ ...later }, now);
  });

  it('parses when the entries are first read: bad bytes fail there, with the usual error', async () => {
    const path = join(dir.path, 'bad.json');
    writeFileSync(path, '["cat", 3]');
    const { bytes, sha256 } = await readMetadataFile(path);
    const later = metadataParsedLater(path, bytes, sha256);
    assert.equal(later.sha256, sha256);
    assert.throws(
      () => later.entries,
      (err: unknown) => err instanceof InputError && /entry 1/.test(err.message),
    );
    await assert.rejects(loadMetadata(path), InputError);
  });

  it('gives names and the count from the bytes without parsing, given the count', async () => {
    const path = join(dir.path, 'names.json');
    const listed = ['cat', 'red dog', 'café', 'say "hi"', '中\n', ''];
    writeFileSync(path, ` ${JSON.stringify(listed, null, 1).replace('é', '\\u00e9')}\n`);
    const { bytes, sha256 } = await readMetadataFile(path);
    const later = metadataParsedLater(path, bytes, sha256, listed.length);
    assert.equal(entryCount(later), listed.length);
    assert.deepEqual(
      listed.map((_, id) => entryName(later, id)),
      listed,
    );
    assert.ok(Object.getOwnPropertyDescriptor(later, 'entries')?.get, 'not parsed');
    const now = await loadMetadata(path);
    assert.equal(entryCount(now), listed.length);
    assert.equal(entryName(now, 2), 'café');
  });

  it('reads .txt lists one entry per line', async () => {
    const path = join(dir.path, 'list.txt');
    writeFileSync(path, 'cat\r\nred dog\n');
    const { bytes, sha256 } = await readMetadataFile(path);
    assert.deepEqual(metadataParsedLater(path, bytes, sha256).entries, ['cat', 'red dog']);
  });
});
