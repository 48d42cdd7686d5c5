/** The compiled index is cached next to the metadata, keyed by its hash, so a second start is near-instant. */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cachePathFor,
  loadOrBuildIndex,
  matcherFromPacked,
} from '../../../../server/engine/src/match/matcher';
import { loadMetadata } from '../../../../server/engine/src/metadata';
import { tempDir } from '../../../support/fixtures';

describe('matcher cache', () => {
  const dir = tempDir();
  after(() => dir.remove());

  it('is written beside the metadata on the first load and read on the second', async () => {
    const path = join(dir.path, 'metadata.json');
    writeFileSync(path, JSON.stringify(['dog', 'hot dog', 'cat']));
    const metadata = await loadMetadata(path);
    const first = loadOrBuildIndex(metadata, 'english');
    assert.equal(first.fromCache, false);
    assert.equal(first.cachePath, cachePathFor(metadata, 'english'));
    assert.ok(first.cachePath.startsWith(join(dir.path, '.metacurate-cache')));
    assert.ok(existsSync(first.cachePath));
    const second = loadOrBuildIndex(metadata, 'english');
    assert.equal(second.fromCache, true);
    assert.deepEqual(matcherFromPacked(second.packed).match('a hot dog'), [0, 1]);
  });

  it('is keyed by content and padding: an edit or another padding builds anew', async () => {
    const path = join(dir.path, 'metadata.json');
    writeFileSync(path, JSON.stringify(['dog', 'cat']));
    const edited = await loadMetadata(path);
    assert.equal(loadOrBuildIndex(edited, 'english').fromCache, false);
    assert.equal(loadOrBuildIndex(edited, 'worldwide').fromCache, false);
    assert.equal(loadOrBuildIndex(edited, 'worldwide').fromCache, true);
  });

  it('rebuilds over a corrupt cache file', async () => {
    const path = join(dir.path, 'metadata.json');
    const metadata = await loadMetadata(path);
    writeFileSync(cachePathFor(metadata, 'english'), 'garbage');
    const loaded = loadOrBuildIndex(metadata, 'english');
    assert.equal(loaded.fromCache, false);
    assert.deepEqual(matcherFromPacked(loaded.packed).match('dog cat'), [0, 1]);
  });

  it('reads plain-text metadata one entry per line', async () => {
    const path = join(dir.path, 'list.entries.txt');
    writeFileSync(path, 'dog\r\nhot dog\ncat\n');
    assert.deepEqual((await loadMetadata(path)).entries, ['dog', 'hot dog', 'cat']);
  });
});
