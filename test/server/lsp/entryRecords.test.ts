/**
 * `metacurate/entryRecords` over the protocol: the workspace samples' records of an entry, from
 * the captions the server holds (with their lines, matches and other entries), and a finished
 * curation's, the same the engine's browser gives, its index built by the server on first use
 * when the curation has none.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from 'vscode-languageserver-protocol';
import { EntryRecordsRequest, type EntryRecordsParams, type StatusParams } from '../../../contracts/src/lsp';
import { curate } from '../../../server/engine/src/curate';
import {
  CurationEntryBrowser,
  hasEntryIndex,
} from '../../../server/engine/src/entryIndex/curationEntryRecords';
import { generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';
import { startClient, type TestClient } from './client';
import { writeTree } from './fixtures';

const METADATA = '["dog", "cat", "bird"]\n';
const CAPTIONS = ['a dog', 'nothing here', 'a dog and a cat', 'a bird', 'dog, dog!'];

describe('lsp protocol: the records behind an entry (metacurate/entryRecords)', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-entry-records-');
  const root = join(dir.path, 'workspace');
  const curation = join(dir.path, 'curated');
  let client: TestClient;

  const request = (p: Partial<EntryRecordsParams>) =>
    client.connection.sendRequest(EntryRecordsRequest, {
      source: { kind: 'samples' },
      entryId: 0,
      filter: 'all',
      offset: 0,
      limit: 50,
      ...p,
    } as EntryRecordsParams);

  before(async () => {
    writeTree(root, {
      'list.metadata.json': METADATA,
      'pool/captions.jsonl': CAPTIONS.map((caption) => JSON.stringify({ caption })).join('\n') + '\n',
    });
    // A curation outside the workspace, made before the entry index existed (no index files).
    const metadataPath = join(dir.path, 'small.json');
    writeFileSync(metadataPath, JSON.stringify(smallMetadata()));
    writeJsonl(join(dir.path, 'pool.jsonl'), generateCaptions(400, 3));
    await curate({
      metadataPath,
      inputs: [join(dir.path, 'pool.jsonl')],
      textFields: ['text'],
      t: 20,
      seed: 9,
      outDir: curation,
      cache: false,
      workers: 1,
    });
    rmSync(join(curation, 'entries.idx'), { force: true });
    rmSync(join(curation, 'records.idx'), { force: true });
    const manifestPath = join(curation, '.metacurate', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { current: { files: string[] } };
    manifest.current.files = manifest.current.files.filter((f) => !f.endsWith('.idx'));
    writeFileSync(manifestPath, JSON.stringify(manifest));

    client = await startClient({ root });
    await client.waitFor('the samples indexed', () => {
      const s: StatusParams | undefined = client.statuses[client.statuses.length - 1];
      return !!s && !s.busy && s.entries === 3 && s.sampleRecords === CAPTIONS.length;
    });
  });

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it("lists the samples' captions that match an entry, with line, matches and the other entries", async () => {
    const result = await request({ entryId: 0 });
    assert.equal(result.entry, 'dog');
    assert.deepEqual([result.total, result.totalAll, result.kept, result.dropped], [3, 3, 0, 0]);
    assert.deepEqual(
      result.records.map((r) => [r.text, r.line, r.recordIndex, r.spans, r.otherEntries]),
      [
        ['a dog', 1, 0, [[2, 5]], []],
        ['a dog and a cat', 3, 2, [[2, 5]], [{ id: 1, entry: 'cat' }]],
        [
          'dog, dog!',
          5,
          4,
          [
            [0, 3],
            [5, 8],
          ],
          [],
        ],
      ],
    );
    const file = join(root, 'pool', 'captions.jsonl');
    for (const r of result.records) {
      assert.equal(r.file, file);
      assert.equal(r.key, `pool/captions.jsonl:${r.line}`);
      assert.equal(r.kept, undefined, 'samples are not curated');
    }
  });

  it('pages the samples, and lists nothing as kept or dropped: the samples are not curated', async () => {
    const second = await request({ entryId: 0, offset: 1, limit: 1 });
    assert.deepEqual(
      second.records.map((r) => r.text),
      ['a dog and a cat'],
    );
    const kept = await request({ entryId: 0, filter: 'kept' });
    assert.deepEqual([kept.total, kept.totalAll, kept.records.length], [0, 3, 0]);
  });

  it("answers a curation's page as the engine's browser does, building its missing index first", async () => {
    assert.equal(await hasEntryIndex(curation), false);
    const asked = { entryId: 0, filter: 'dropped' as const, offset: 2, limit: 5 };
    const result = await request({ source: { kind: 'curation', folder: curation }, ...asked });
    assert.equal(await hasEntryIndex(curation), true, 'the server built the index');
    const browser = await CurationEntryBrowser.open(curation);
    try {
      assert.deepEqual(result, await browser.page(asked));
    } finally {
      await browser.close();
    }
    assert.equal(result.records.length, 5);
    assert.ok(result.records.every((r) => r.kept === false));
    assert.equal(result.t, 20);
    assert.equal(result.seed, 9);
  });

  it('refuses bad params and a folder without a curation, naming what was wrong', async () => {
    await assert.rejects(request({ limit: 0 }), (err: { code: number; message: string }) => {
      assert.equal(err.code, ErrorCodes.InvalidParams);
      assert.match(err.message, /params\.limit must be an integer from 1 to 1000/);
      return true;
    });
    await assert.rejects(
      request({ source: { kind: 'curation', folder: join(dir.path, 'nowhere') } }),
      /holds no finished curation/,
    );
    await assert.rejects(request({ entryId: 7 }), /entry id 7 is not in the metadata list/);
  });
});
