/**
 * A local curation end to end: the same bytes whatever the worker count and slicing, decisions
 * that follow the spec's rule from independently computed counts, resumption, re-selection,
 * bad input and empty input.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { balanceProbabilities, keepRecord } from '../../../server/src/engine/balance';
import { curate, countPool, outputPaths, type CurateOptions } from '../../../server/src/engine/curate';
import { InputError, UsageError } from '../../../server/src/engine/errors';
import { ReferenceMatcher } from '../../../server/src/engine/match/referenceMatcher';
import { curatedTree, generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';

describe('curate (local executor)', function () {
  this.timeout(120000);
  const dir = tempDir();
  const metadataPath = join(dir.path, 'metadata.json');
  const inputs = [join(dir.path, 'pool', 'a.jsonl'), join(dir.path, 'pool', 'b.jsonl')];
  const captions = [generateCaptions(3000, 1), generateCaptions(2000, 2)];
  before(() => {
    writeFileSync(metadataPath, JSON.stringify(smallMetadata()));
    mkdirSync(join(dir.path, 'pool'));
    inputs.forEach((p, i) => writeJsonl(p, captions[i]));
  });
  after(() => dir.remove());

  const base = (out: string): CurateOptions => ({
    metadataPath,
    inputs,
    textFields: ['text'],
    t: 150,
    seed: 42,
    outDir: join(dir.path, out),
    cache: false,
  });

  it('gives byte-identical outputs with 1 worker and whole files, or 3 workers and small slices', async () => {
    await curate({ ...base('w1'), workers: 1 });
    await curate({ ...base('w3'), workers: 3, sliceBytes: 20000 });
    const a = curatedTree(join(dir.path, 'w1'));
    const b = curatedTree(join(dir.path, 'w3'));
    assert.deepEqual(Object.keys(a).sort(), [
      'counts.bin',
      'counts.json',
      'data/a.jsonl',
      'data/a.jsonl.entries.jsonl',
      'data/b.jsonl',
      'data/b.jsonl.entries.jsonl',
      'matches.bin',
    ]);
    assert.deepEqual(a, b);
  });

  it('keeps exactly the records the spec rule keeps, with counts from the reference matcher', async () => {
    const reference = new ReferenceMatcher(smallMetadata());
    const counts = new Array(smallMetadata().length).fill(0);
    const ids = captions.map((file) => file.map((c) => reference.match(c)));
    for (const file of ids) for (const record of file) for (const id of record) counts[id]++;
    const summary = JSON.parse(readFileSync(join(dir.path, 'w1', 'summary.json'), 'utf8'));
    const countsJson = JSON.parse(readFileSync(join(dir.path, 'w1', 'counts.json'), 'utf8'));
    smallMetadata().forEach((e, i) => assert.equal(countsJson[e], counts[i], e));
    const p = balanceProbabilities(counts, 150);
    const expectedKept = ids.map((file, f) =>
      file
        .map((record, r) => ({ record, r }))
        .filter(({ record, r }) => keepRecord(42, `${f === 0 ? 'a' : 'b'}.jsonl:${r}`, record, p))
        .map(({ r }) => JSON.stringify({ text: captions[f][r], url: `http://example.com/${r}.jpg` })),
    );
    const keptA = readFileSync(join(dir.path, 'w1', 'data', 'a.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    const keptB = readFileSync(join(dir.path, 'w1', 'data', 'b.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    assert.deepEqual(keptA, expectedKept[0]);
    assert.deepEqual(keptB, expectedKept[1]);
    assert.equal(summary.kept, keptA.length + keptB.length);
    assert.equal(summary.pool.records, 5000);
    assert.ok(summary.head_entries > 0, 'the fixture has head entries at t=150');
    assert.ok(Math.abs(summary.kept - summary.expected_kept) < 4 * Math.sqrt(summary.expected_kept));
  });

  it('writes a sidecar line per kept record with its ids and keep probability', () => {
    const sidecar = readFileSync(join(dir.path, 'w1', 'data', 'a.jsonl.entries.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const kept = readFileSync(join(dir.path, 'w1', 'data', 'a.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    assert.equal(sidecar.length, kept.length);
    const reference = new ReferenceMatcher(smallMetadata());
    for (let i = 0; i < 20; i++) {
      const r = Number(sidecar[i].key.split(':')[1]);
      assert.deepEqual(sidecar[i].entry_ids, reference.match(captions[0][r]));
      assert.ok(sidecar[i].p > 0 && sidecar[i].p <= 1);
    }
  });

  it('finishes a second run of the same command at once, from the manifest', async () => {
    const summary = await curate({ ...base('w1'), workers: 2 });
    assert.equal(summary.resumed, true);
  });

  it('resumes a run interrupted in the count pass to the same bytes', async () => {
    await curate({ ...base('resume'), workers: 2, sliceBytes: 20000 });
    // The state a crash during counting leaves: some slices counted, nothing selected yet.
    const manifestPath = join(dir.path, 'resume', '.metacurate', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    Object.assign(manifest, { finalizedFiles: [], complete: false });
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const work = join(dir.path, 'resume', '.metacurate', 'work');
    for (const id of [0, 2, 5]) rmSync(join(work, `count-${id}.done.json`));
    for (const f of readdirSync(work)) if (f.startsWith('select-')) rmSync(join(work, f));
    for (const name of ['data', 'summary.json', 'matches.bin'])
      rmSync(join(dir.path, 'resume', name), { recursive: true, force: true });
    const summary = await curate({ ...base('resume'), workers: 2 });
    assert.equal(summary.resumed, true);
    assert.deepEqual(curatedTree(join(dir.path, 'resume')), curatedTree(join(dir.path, 'w1')));
  });

  it('selects again for a new t and seed, reusing the counts', async () => {
    await curate({ ...base('reselect'), workers: 2 });
    const again = await curate({ ...base('reselect'), workers: 2, t: 400, seed: 7 });
    const fresh = await curate({ ...base('fresh400'), workers: 1, t: 400, seed: 7 });
    assert.equal(again.kept, fresh.kept);
    assert.deepEqual(curatedTree(join(dir.path, 'reselect')), curatedTree(join(dir.path, 'fresh400')));
  });

  it('refuses to overwrite a finished curation of other inputs', async () => {
    await assert.rejects(curate({ ...base('w1'), inputs: [inputs[0]] }), UsageError);
  });

  it('stops at a malformed record, naming file and line, and leaves no curated data', async () => {
    const bad = join(dir.path, 'bad.jsonl');
    writeFileSync(bad, '{"text": "a dog"}\n{"text": "a cat"\n{"text": "x"}\n');
    const out = join(dir.path, 'badout');
    await assert.rejects(curate({ ...base('badout'), inputs: [bad] }), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /bad\.jsonl:line 2/);
      return true;
    });
    assert.equal(existsSync(join(out, 'data')), false);
    assert.equal(existsSync(join(out, 'counts.json')), false);
  });

  it('with --on-error skip, goes on and counts what it skipped by reason', async () => {
    const bad = join(dir.path, 'bad2.jsonl');
    writeFileSync(bad, '{"text": "a dog"}\n{"text": 5}\nnot json\n{"other": "x"}\n{"text": "a cat"}\n');
    const summary = await curate({ ...base('skipout'), inputs: [bad], onError: 'skip', t: 10 });
    assert.equal(summary.pool.records, 2);
    assert.equal(summary.kept, 2);
    assert.deepEqual(summary.pool.skipped, { 'non-string-text': 1, 'bad-json': 1, 'missing-text-field': 1 });
  });

  it('handles an empty pool with an empty curation and a clear summary', async () => {
    const empty = join(dir.path, 'empty.jsonl');
    writeFileSync(empty, '');
    const summary = await curate({ ...base('emptyout'), inputs: [empty] });
    assert.equal(summary.pool.records, 0);
    assert.equal(summary.kept, 0);
    assert.equal(readFileSync(join(dir.path, 'emptyout', 'data', 'empty.jsonl'), 'utf8'), '');
  });

  it('rejects empty metadata with a clear message', async () => {
    const emptyMeta = join(dir.path, 'empty-metadata.json');
    writeFileSync(emptyMeta, '[]');
    await assert.rejects(curate({ ...base('x'), metadataPath: emptyMeta }), /metadata is empty/);
  });

  it('places outputs under data/ by path relative to the inputs’ common folder', () => {
    assert.deepEqual(outputPaths(['/p/a/x.jsonl', '/p/b/x.jsonl']), ['a/x.jsonl', 'b/x.jsonl']);
    assert.deepEqual(outputPaths(['/p/a/x.jsonl']), ['x.jsonl']);
  });

  it('countPool gives the same counts as the curation', async () => {
    const { counts } = await countPool({
      metadataPath,
      inputs,
      textFields: ['text'],
      workers: 2,
      cache: false,
    });
    const countsJson = JSON.parse(readFileSync(join(dir.path, 'w1', 'counts.json'), 'utf8'));
    smallMetadata().forEach((e, i) => assert.equal(counts.counts[i], countsJson[e]));
  });
});
