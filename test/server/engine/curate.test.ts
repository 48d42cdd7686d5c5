/**
 * A local curation end to end: the same bytes whatever the worker count and slicing, decisions
 * that follow the spec's rule from independently computed counts, resumption, re-selection,
 * bad input and empty input.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { balanceProbabilities, keepRecord } from '../../../server/engine/src/balance';
import { curate, countPool, outputPaths, type CurateOptions } from '../../../server/engine/src/curate';
import { EmptyPoolError, InputError, UsageError } from '../../../server/engine/src/errors';
import { ReferenceMatcher } from '../../../server/engine/src/match/referenceMatcher';
import { AtomicFileSink } from '../../../server/engine/src/pool/sink';
import { TarWriter } from '../../../server/engine/src/pool/tar';
import { curatedTree, generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';

/** A WebDataset shard of [key, caption] samples, each a .jpg and a .txt member. */
async function writeShard(path: string, samples: [string, string][]): Promise<void> {
  const sink = await AtomicFileSink.open(path);
  const tar = new TarWriter(sink);
  for (const [key, caption] of samples) {
    await tar.addFile(`${key}.jpg`, Buffer.from(`jpeg of ${key}`));
    await tar.addFile(`${key}.txt`, Buffer.from(caption));
  }
  await tar.finish();
  await sink.commit();
}

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
    // The entry browser's index is written with these curations (--entry-index), so every
    // comparison below covers it too.
    entryIndex: true,
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
      'entries.idx',
      'matches.bin',
      'records.idx',
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
    // The state a crash during counting leaves: some slices counted, nothing selected yet, and
    // no curation in the folder (the manifest's `current` is set only by the final swap).
    const manifestPath = join(dir.path, 'resume', '.metacurate', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.next = { selectKey: manifest.current.selectKey, finalizedFiles: [] };
    delete manifest.current;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const work = join(dir.path, 'resume', '.metacurate', 'work');
    for (const id of [0, 2, 5]) rmSync(join(work, `count-${id}.done.json`));
    for (const f of readdirSync(work)) if (f.startsWith('select-')) rmSync(join(work, f));
    for (const name of [
      'data',
      'summary.json',
      'matches.bin',
      'counts.json',
      'counts.bin',
      'entries.idx',
      'records.idx',
    ])
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

  it('refuses a t that is not a positive integer before writing anything', async () => {
    for (const t of [70.1, 0, -5, Number.NaN, Infinity]) {
      await assert.rejects(
        curate({ ...base(`bad-t-${t}`), t }),
        new UsageError(`--t must be a positive integer, got ${t}`),
      );
      assert.ok(!existsSync(join(dir.path, `bad-t-${t}`)), `no folder for t = ${t}`);
    }
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

  it('refuses an empty pool as bad input, naming its files, and leaves nothing behind', async () => {
    const empty = join(dir.path, 'empty.jsonl');
    writeFileSync(empty, '');
    await assert.rejects(curate({ ...base('emptyout'), inputs: [empty] }), (err: unknown) => {
      assert.ok(err instanceof EmptyPoolError);
      assert.equal(err.message, `the pool is empty: no records in ${empty}`);
      return true;
    });
    assert.equal(existsSync(join(dir.path, 'emptyout')), false);
    // All records skipped is an empty pool too, and the message says why.
    const allBad = join(dir.path, 'all-bad.jsonl');
    writeFileSync(allBad, 'not json\n{"other": 1}\n');
    await assert.rejects(
      curate({ ...base('allbadout'), inputs: [allBad], onError: 'skip' }),
      /the pool is empty: no records in .*all-bad\.jsonl \(skipped bad-json: 1, missing-text-field: 1\)/,
    );
  });

  it('summary.json names pool size, matched texts, kept, per-entry counts and expected kept, t, seed, timings', () => {
    const summary = JSON.parse(readFileSync(join(dir.path, 'w1', 'summary.json'), 'utf8'));
    assert.deepEqual(summary.pool, {
      files: 2,
      records: 5000,
      texts: 5000,
      matched_texts: summary.pool.matched_texts,
      matched_records: summary.pool.matched_texts,
      skipped: {},
    });
    assert.ok(summary.pool.matched_texts > 0 && summary.pool.matched_texts < 5000);
    assert.equal(typeof summary.kept, 'number');
    assert.equal(typeof summary.expected_kept, 'number');
    assert.equal(summary.t, 150);
    assert.equal(summary.seed, 42);
    const countsJson = JSON.parse(readFileSync(join(dir.path, 'w1', 'counts.json'), 'utf8'));
    for (const e of summary.entries) {
      assert.deepEqual(Object.keys(e), ['id', 'entry', 'count', 'expected_kept', 'kept']);
      assert.equal(e.count, countsJson[e.entry]);
      assert.ok(e.expected_kept <= e.count + 1e-9);
    }
    assert.ok(summary.wall_seconds > 0);
    assert.deepEqual(Object.keys(summary.pass_seconds), ['index', 'count', 'select', 'finalize']);
    assert.ok(
      Math.abs(summary.records_per_second - 5000 / summary.wall_seconds) <
        0.01 * summary.records_per_second + 1,
    );
    assert.ok(summary.expected_size_curve.some((c: { t: number }) => c.t === 150));
  });

  it('summary.json gives each entry its actual kept: the kept records matching it, whatever the worker count', () => {
    const actual = (out: string): Map<number, number> => {
      const kept = new Map<number, number>();
      for (const name of ['a', 'b']) {
        const sidecar = readFileSync(join(dir.path, out, 'data', `${name}.jsonl.entries.jsonl`), 'utf8');
        for (const line of sidecar.trimEnd().split('\n'))
          for (const id of (JSON.parse(line) as { entry_ids: number[] }).entry_ids)
            kept.set(id, (kept.get(id) ?? 0) + 1);
      }
      return kept;
    };
    for (const out of ['w1', 'w3']) {
      const summary = JSON.parse(readFileSync(join(dir.path, out, 'summary.json'), 'utf8'));
      const fromSidecars = actual(out);
      let head = 0;
      for (const e of summary.entries as { id: number; count: number; kept: number }[]) {
        assert.equal(e.kept, fromSidecars.get(e.id) ?? 0, `${out}: entry ${e.id}`);
        if (e.count <= 150) assert.equal(e.kept, e.count, 'a tail entry keeps all its matches');
        else if (e.kept < e.count) head++;
      }
      assert.ok(head > 0, 'some head entry lost matches');
    }
  });

  it('gives the same curated data whatever the order of the inputs', async () => {
    await curate({ ...base('reversed'), inputs: [...inputs].reverse(), workers: 2 });
    const withoutMatches = (tree: Record<string, string>) => {
      // matches.bin and the entry index list records in input order; every other output is per file.
      const { 'matches.bin': _, 'entries.idx': _e, 'records.idx': _r, ...rest } = tree;
      return rest;
    };
    assert.deepEqual(
      withoutMatches(curatedTree(join(dir.path, 'reversed'))),
      withoutMatches(curatedTree(join(dir.path, 'w1'))),
    );
  });

  it('names files in default keys by their path in the pool, so same-named files do not share fates', async () => {
    mkdirSync(join(dir.path, 'twins', 'd1', 'sub'), { recursive: true });
    mkdirSync(join(dir.path, 'twins', 'd2'), { recursive: true });
    const twins = [join(dir.path, 'twins', 'd1', 'sub', 'p.jsonl'), join(dir.path, 'twins', 'd2', 'p.jsonl')];
    for (const p of twins) writeJsonl(p, captions[0]);
    await curate({ ...base('twinsout'), inputs: twins, t: 20, workers: 2 });
    const sidecarKeys = (name: string) =>
      readFileSync(join(dir.path, 'twinsout', 'data', name), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).key as string);
    const a = sidecarKeys('d1/sub/p.jsonl.entries.jsonl');
    const b = sidecarKeys('d2/p.jsonl.entries.jsonl');
    assert.ok(a.every((k) => k.startsWith('d1/sub/p.jsonl:')));
    assert.ok(b.every((k) => k.startsWith('d2/p.jsonl:')));
    const indexes = (keys: string[]) => keys.map((k) => k.slice(k.lastIndexOf(':') + 1)).join(',');
    assert.notEqual(indexes(a), indexes(b), 'the same records in two files are decided independently');
    // The keys are those of keepRecord with the path-named key: the same rule as any other pair.
    const reference = new ReferenceMatcher(smallMetadata());
    const counts = new Array(smallMetadata().length).fill(0);
    for (const c of captions[0]) for (const id of reference.match(c)) counts[id] += 2;
    const p = balanceProbabilities(counts, 20);
    const expected = captions[0]
      .map((c, r) => ({ ids: reference.match(c), r }))
      .filter(({ ids, r }) => keepRecord(42, `d2/p.jsonl:${r}`, ids, p))
      .map(({ r }) => `d2/p.jsonl:${r}`);
    assert.deepEqual(b, expected);
  });

  it('places outputs of inputs given with ".." by their resolved path, inside data/', async () => {
    mkdirSync(join(dir.path, 'dots', 'x'), { recursive: true });
    mkdirSync(join(dir.path, 'dots', 'y'), { recursive: true });
    writeJsonl(join(dir.path, 'dots', 'y', 'q.jsonl'), captions[1].slice(0, 200));
    writeJsonl(join(dir.path, 'dots', 'x', '..r.jsonl'), captions[1].slice(0, 200));
    const summary = await curate({
      ...base('dotsout'),
      inputs: [join(dir.path, 'dots', 'x', '..', 'y', 'q.jsonl'), join(dir.path, 'dots', 'x', '..r.jsonl')],
      workers: 1,
    });
    assert.deepEqual(
      summary.outputs.map((o) => o.output),
      [join('data', 'y', 'q.jsonl'), join('data', 'x', '..r.jsonl')],
    );
    assert.deepEqual(outputPaths(['/p/a/../b/x.jsonl', '/p/c/y.jsonl']), [
      join('b', 'x.jsonl'),
      join('c', 'y.jsonl'),
    ]);
  });

  it('refuses to write through a symlinked data/ folder that leads outside the output folder', async () => {
    const out = join(dir.path, 'linkout');
    const elsewhere = join(dir.path, 'elsewhere');
    mkdirSync(out);
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(out, 'data'));
    await assert.rejects(curate({ ...base('linkout'), inputs: [inputs[1]], workers: 1 }), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.match(
        err.message,
        /refusing to write outside the output folder: .*data resolves to .*elsewhere/,
      );
      return true;
    });
    assert.deepEqual(readdirSync(elsewhere), []);
    // A symlinked .metacurate is refused before anything is planned.
    const out2 = join(dir.path, 'linkout2');
    mkdirSync(out2);
    symlinkSync(elsewhere, join(out2, '.metacurate'));
    await assert.rejects(curate({ ...base('linkout2'), inputs: [inputs[1]] }), /refusing to write outside/);
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  it('with --on-error skip, skips an unreadable Parquet file and the rest of a truncated shard, by reason', async () => {
    const folder = join(dir.path, 'damaged');
    mkdirSync(folder);
    const good = join(folder, 'good.jsonl');
    writeJsonl(good, captions[0].slice(0, 300));
    const badParquet = join(folder, 'bad.parquet');
    writeFileSync(badParquet, 'definitely not parquet');
    const whole = join(folder, 'whole.tar');
    await writeShard(
      whole,
      [0, 1, 2, 3].map((i) => [`s/${i}`, 'a dog on a beach']),
    );
    const cut = join(folder, 'cut.tar');
    // Samples are two members of 1024 bytes each: cut inside the third sample's .txt.
    writeFileSync(cut, readFileSync(whole).subarray(0, 2048 * 2 + 1024 + 600));
    const options = { ...base('damagedout'), inputs: [good, badParquet, cut], textFields: [], t: 1000 };
    await assert.rejects(
      curate(options),
      // Whichever damaged file a worker reaches first stops the run.
      (err: unknown) =>
        err instanceof InputError && (err.reason === 'bad-parquet' || err.reason === 'truncated-tar'),
    );
    assert.equal(existsSync(join(dir.path, 'damagedout')), false);
    const summary = await curate({ ...options, onError: 'skip' });
    assert.deepEqual(summary.pool.skipped, { 'bad-parquet': 1, 'truncated-tar': 1 });
    assert.equal(summary.pool.records, 300 + 2);
    // The unreadable file has no output; the shard keeps its two whole samples.
    assert.deepEqual(
      summary.outputs.map((o) => [o.output, o.records]),
      [
        [join('data', 'good.jsonl'), 300],
        [join('data', 'cut.tar'), 2],
      ],
    );
    const kept = readdirSync(join(dir.path, 'damagedout', 'data')).sort();
    assert.deepEqual(kept, [
      'cut.tar',
      'cut.tar.entries.jsonl',
      'good.jsonl',
      'good.jsonl.entries.jsonl',
      'sizes.json',
    ]);
  });

  it('refuses WebDataset shards that repeat a sample key, naming both shards', async () => {
    const folder = join(dir.path, 'dupkeys');
    mkdirSync(folder);
    const shards = [join(folder, 'a.tar'), join(folder, 'b.tar')];
    await writeShard(shards[0], [
      ['000', 'a dog'],
      ['001', 'a cat'],
    ]);
    await writeShard(shards[1], [
      ['002', 'a bird'],
      ['001', 'a red car'],
    ]);
    await assert.rejects(curate({ ...base('dupout'), inputs: shards, textFields: [] }), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.reason, 'duplicate-key');
      assert.match(
        err.message,
        /b\.tar:record 1, member 001\.jpg.*: sample key '001' is also the key of a sample in .*a\.tar/,
      );
      return true;
    });
    await assert.rejects(
      countPool({ metadataPath, inputs: shards, textFields: [], cache: false }),
      /sample key '001'/,
    );
  });

  it('reads a header-less TSV with --columns, and writes it back without a header', async () => {
    const tsv = join(dir.path, 'noheader.tsv');
    writeFileSync(
      tsv,
      captions[1]
        .slice(0, 300)
        .map((c, i) => `${c}\thttp://example.com/${i}.jpg`)
        .join('\n') + '\n',
    );
    const summary = await curate({
      ...base('tsvout'),
      inputs: [tsv],
      textFields: ['caption'],
      columns: ['caption', 'url'],
      t: 1000,
    });
    assert.equal(summary.pool.records, 300);
    const kept = readFileSync(join(dir.path, 'tsvout', 'data', 'noheader.tsv'), 'utf8')
      .trimEnd()
      .split('\n');
    assert.equal(kept.length, summary.kept);
    assert.ok(
      kept.every((line) => /\thttp:\/\/example\.com\/\d+\.jpg$/.test(line)),
      'rows as they were, no header',
    );
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
