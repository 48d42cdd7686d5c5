/** The curations and runs of a workspace read from their files, and which belong to a list. */
import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import {
  activeOf,
  curationsOf,
  isInsideCuration,
  readCuration,
  scanCurations,
  sha256Of,
  type CurationInfo,
} from '../../../server/src/lsp/curationIndex';
import { tempDir } from '../../support/fixtures';
import { writeTree } from './fixtures';

const summary = (sha: string | undefined, t: number) =>
  JSON.stringify({
    t,
    seed: 7,
    kept: 10,
    pool: { records: 100 },
    metadata: sha ? { path: 'm.json', sha256: sha } : { path: 'm.json' },
  });

describe('curationIndex', () => {
  const dir = tempDir('metacurate-curations-');
  const root = dir.path;
  after(() => dir.remove());

  before(() => {
    writeTree(root, {
      'a/curated/summary.json': summary('aaa', 2000),
      'a/curated/counts.json': '{}',
      'a/curated/data/pool.jsonl': '{"caption":"x"}\n',
      'a/older/summary.json': summary('aaa', 500),
      'a/older/counts.bin': Buffer.alloc(8),
      'b/curated/summary.json': summary('bbb', 30),
      'b/curated/counts.json': '{}',
      // From before the sha256 was recorded: unknown metadata.
      'old/summary.json': JSON.stringify({ records: 5 }),
      'old/counts.json': '{}',
      // Being made: only the manifest, whose plan has the sha256.
      'running/.metacurate/manifest.json': JSON.stringify({ plan: { metadataSha256: 'bbb' } }),
      'running/pool/p.jsonl': '{"caption":"y"}\n',
      // A summary.json that is no curation (no counts beside it, no manifest).
      'notes/summary.json': '{}',
      'pool/p.jsonl': '{"caption":"z"}\n',
      '.metacurate/runs/r1/run.json': JSON.stringify({
        id: 'r1',
        curation: { dir: join(root, 'b/curated') },
      }),
      '.metacurate/runs/r2/run.json': JSON.stringify({
        id: 'r2',
        curation: { dir: 'a/curated', metadataSha256: 'aaa' },
      }),
      '.metacurate/runs/r3/run.json': JSON.stringify({ id: 'r3', curation: { dir: 'old' } }),
      '.metacurate/runs/broken/run.json': 'not json',
    });
    utimesSync(join(root, 'a/older/summary.json'), 1000, 1000);
    utimesSync(join(root, 'a/curated/summary.json'), 2000, 2000);
  });

  it('reads a finished curation: its counts, metadata sha256, t, seed, records, kept and time', async () => {
    const c = await readCuration(join(root, 'a/curated'));
    assert.deepEqual(c, {
      dir: join(root, 'a/curated'),
      countsPath: join(root, 'a/curated/counts.json'),
      metadataSha256: 'aaa',
      t: 2000,
      seed: 7,
      records: 100,
      kept: 10,
      created: 2000 * 1000,
    });
    assert.equal((await readCuration(join(root, 'a/older')))?.countsPath, join(root, 'a/older/counts.bin'));
  });

  it('reads an old curation as unknown metadata, one being made from its manifest, and no curation elsewhere', async () => {
    assert.equal((await readCuration(join(root, 'old')))?.metadataSha256, undefined);
    const running = await readCuration(join(root, 'running'));
    assert.equal(running?.metadataSha256, 'bbb');
    assert.equal(running?.countsPath, undefined);
    assert.equal(await readCuration(join(root, 'notes')), undefined);
    assert.equal(await readCuration(join(root, 'pool')), undefined);
  });

  it('finds every curation and run; a run takes its metadata from run.json, else from its curation', async () => {
    const { curations, runs } = await scanCurations([root]);
    assert.deepEqual(curations.map((c) => c.dir.slice(root.length + 1)).sort(), [
      'a/curated',
      'a/older',
      'b/curated',
      'old',
    ]);
    assert.deepEqual(runs, [
      { id: 'r1', curationDir: join(root, 'b/curated'), metadataSha256: 'bbb' },
      { id: 'r2', curationDir: join(root, 'a/curated'), metadataSha256: 'aaa' },
      { id: 'r3', curationDir: join(root, 'old'), metadataSha256: undefined },
    ]);
  });

  it("lists a list's curations newest first and never one of unknown metadata", async () => {
    const { curations } = await scanCurations([root]);
    const rel = (list: CurationInfo[]) => list.map((c) => c.dir.slice(root.length + 1));
    assert.deepEqual(rel(curationsOf('aaa', curations)), ['a/curated', 'a/older']);
    assert.deepEqual(rel(curationsOf('bbb', curations)), ['b/curated']);
    assert.deepEqual(curationsOf(undefined, curations), []);
    assert.deepEqual(curationsOf('ccc', curations), []);
  });

  it('makes the chosen curation active, else the newest', async () => {
    const list = curationsOf('aaa', (await scanCurations([root])).curations);
    assert.equal(activeOf(list, undefined)?.t, 2000);
    assert.equal(activeOf(list, join(root, 'a/older'))?.t, 500);
    assert.equal(activeOf(list, join(root, 'b/curated'))?.t, 2000, 'a folder not among them');
    assert.equal(activeOf([], undefined), undefined);
  });

  it('tells the files inside a curation folder (outputs and pools) from the samples', () => {
    const cache = new Map<string, boolean>();
    const inside = (rel: string) => isInsideCuration(join(root, rel), root, cache);
    assert.equal(inside('a/curated/data/pool.jsonl'), true);
    assert.equal(inside('running/pool/p.jsonl'), true);
    assert.equal(inside('pool/p.jsonl'), false);
    assert.equal(inside('notes/x.jsonl'), false);
    // Answered again from the cache, the same.
    assert.equal(inside('a/curated/data/other.jsonl'), true);
    assert.equal(inside('pool/q.jsonl'), false);
  });

  it("hashes a text's UTF-8 bytes as the same file's bytes (what the engine records)", () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    assert.equal(sha256Of('abc'), abc);
    assert.equal(sha256Of(Buffer.from('abc')), abc);
    assert.equal(sha256Of('["café"]'), sha256Of(Buffer.from('["café"]', 'utf8')));
  });
});
