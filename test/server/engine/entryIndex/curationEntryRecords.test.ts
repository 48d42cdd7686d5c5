/**
 * The entry browser over a finished curation: the index written with the curation answers, for
 * every entry, exactly the records a brute-force scan of matches.bin finds, each kept exactly
 * when it is in the curated output; pages and filters partition those records; a record reads
 * back with its text, line and highlighted matches; a curation without an index gets one on
 * first use, and a run that did not finish has none to give.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntryRecord, EntryRecordsFilter } from '../../../../contracts/src/entryRecords';
import { curate, type CurateOptions } from '../../../../server/engine/src/curate';
import {
  CurationEntryBrowser,
  hasEntryIndex,
} from '../../../../server/engine/src/entryIndex/curationEntryRecords';
import { ensureEntryIndex } from '../../../../server/engine/src/entryIndex/ensureEntryIndex';
import { UsageError } from '../../../../server/engine/src/errors';
import { readMatchesFile } from '../../../../server/engine/src/matchesFile';
import { AtomicFileSink } from '../../../../server/engine/src/pool/sink';
import { TarWriter } from '../../../../server/engine/src/pool/tar';
import { generateCaptions, mulberry32, smallMetadata, tempDir, writeJsonl } from '../../../support/fixtures';

/** Per entry, the ordinals of the records whose matched ids hold it (a scan of matches.bin). */
async function bruteForce(folder: string, entries: number): Promise<number[][]> {
  const { stream } = await readMatchesFile(join(folder, 'matches.bin'));
  const byEntry: number[][] = Array.from({ length: entries }, () => []);
  let r = 0;
  for (let at = 0; at < stream.length; at += stream[at] + 1, r++)
    for (let k = at + 1; k <= at + stream[at]; k++) byEntry[stream[k]].push(r);
  return byEntry;
}

/** The keys of the records the curation wrote out (its sidecar lines). */
function keptKeys(folder: string): Set<string> {
  const keys = new Set<string>();
  for (const name of readdirSync(join(folder, 'data'), { recursive: true, encoding: 'utf8' }))
    if (name.endsWith('.entries.jsonl'))
      for (const line of readFileSync(join(folder, 'data', name), 'utf8')
        .split('\n')
        .filter(Boolean))
        keys.add((JSON.parse(line) as { key: string }).key);
  return keys;
}

async function allPages(
  browser: CurationEntryBrowser,
  entryId: number,
  filter: EntryRecordsFilter,
  limit: number,
): Promise<EntryRecord[]> {
  const out: EntryRecord[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = await browser.page({ entryId, filter, offset, limit });
    out.push(...page.records);
    if (page.records.length < limit) {
      assert.equal(out.length, page.total);
      return out;
    }
  }
}

describe('entry browser over a curation (entries.idx, records.idx)', function () {
  this.timeout(120000);
  const dir = tempDir('metacurate-entry-index-');
  const metadataPath = join(dir.path, 'metadata.json');
  const entries = smallMetadata();
  const inputs = [join(dir.path, 'pool', 'a.jsonl'), join(dir.path, 'pool', 'sub', 'b.jsonl')];
  const captions = [generateCaptions(1500, 7), generateCaptions(900, 8)];
  before(() => {
    writeFileSync(metadataPath, JSON.stringify(entries));
    mkdirSync(join(dir.path, 'pool', 'sub'), { recursive: true });
    inputs.forEach((p, i) => writeJsonl(p, captions[i]));
  });
  after(() => dir.remove());

  const options = (out: string, t: number, seed: number): CurateOptions => ({
    metadataPath,
    inputs,
    textFields: ['text'],
    t,
    seed,
    outDir: join(dir.path, out),
    cache: false,
    workers: 2,
    sliceBytes: 30000,
    entryIndex: true,
  });

  for (const [t, seed] of [
    [40, 1],
    [150, 99],
    [1000, 5],
  ])
    it(`lists each entry's records as a scan of matches.bin does, kept exactly when in the output (t = ${t}, seed ${seed})`, async () => {
      const out = `random-${t}-${seed}`;
      await curate(options(out, t, seed));
      const folder = join(dir.path, out);
      assert.ok(await hasEntryIndex(folder), 'the curation wrote its index');
      const expected = await bruteForce(folder, entries.length);
      const kept = keptKeys(folder);
      const browser = await CurationEntryBrowser.open(folder);
      try {
        for (let e = 0; e < entries.length; e++) {
          const all = await allPages(browser, e, 'all', 1000);
          assert.deepEqual(
            all.map((r) => r.recordIndex),
            expected[e],
            `entry ${e} (${entries[e]})`,
          );
          for (const r of all)
            assert.equal(r.kept, kept.has(r.key), `record ${r.key} of entry ${entries[e]}`);
          const page = await browser.page({ entryId: e, filter: 'all', offset: 0, limit: 1 });
          assert.equal(page.totalAll, expected[e].length);
          assert.equal(page.kept, all.filter((r) => r.kept).length);
          assert.equal(page.dropped, page.totalAll - page.kept);
          assert.equal(page.entry, entries[e]);
        }
      } finally {
        await browser.close();
      }
    });

  it('pages through kept, dropped and all: pages of any size make up the whole list, in record order', async () => {
    const folder = join(dir.path, 'random-40-1');
    const browser = await CurationEntryBrowser.open(folder);
    const rnd = mulberry32(3);
    try {
      for (const e of [0, 1, 2, 9]) {
        const all = await allPages(browser, e, 'all', 1000);
        assert.ok(all.some((r) => r.kept) && all.some((r) => !r.kept), `entry ${entries[e]} is a head entry`);
        for (const filter of ['all', 'kept', 'dropped'] as const) {
          const whole = all.filter((r) => filter === 'all' || r.kept === (filter === 'kept'));
          const limit = 1 + Math.floor(rnd() * 40);
          const paged = await allPages(browser, e, filter, limit);
          assert.deepEqual(
            paged.map((r) => [r.recordIndex, r.kept]),
            whole.map((r) => [r.recordIndex, r.kept]),
            `${entries[e]} ${filter} in pages of ${limit}`,
          );
          const offset = Math.floor(whole.length / 2);
          const middle = await browser.page({ entryId: e, filter, offset, limit: 5 });
          assert.deepEqual(
            middle.records.map((r) => r.recordIndex),
            whole.slice(offset, offset + 5).map((r) => r.recordIndex),
          );
        }
        const past = await browser.page({ entryId: e, filter: 'kept', offset: 10 ** 6, limit: 10 });
        assert.deepEqual(past.records, []);
      }
    } finally {
      await browser.close();
    }
  });

  it('reads each record back: its text at its line of its file, the entry highlighted, the other entries named', async () => {
    const folder = join(dir.path, 'random-150-99');
    const browser = await CurationEntryBrowser.open(folder);
    try {
      const page = await browser.page({ entryId: 0, filter: 'all', offset: 0, limit: 60 });
      const second = (await browser.page({ entryId: 0, filter: 'all', offset: page.total - 20, limit: 20 }))
        .records;
      for (const r of [...page.records, ...second]) {
        const f = inputs.indexOf(r.file);
        assert.ok(f >= 0, r.file);
        const line = readFileSync(r.file, 'utf8').split('\n')[r.line! - 1];
        assert.equal(r.text, (JSON.parse(line) as { text: string }).text);
        assert.equal(r.key, `${f === 0 ? 'a.jsonl' : 'sub/b.jsonl'}:${r.line! - 1}`);
        assert.ok(r.spans.length > 0);
        for (const [s, e] of r.spans) assert.equal(r.text.slice(s, e), 'dog');
        assert.equal(r.probability, Math.min(1, 150 / page.totalAll));
        for (const other of r.otherEntries) {
          assert.notEqual(other.id, 0);
          assert.equal(other.entry, entries[other.id]);
        }
      }
    } finally {
      await browser.close();
    }
  });

  it('reads WebDataset samples back by their place in the shard, with their own keys and no line', async () => {
    const shard = join(dir.path, 'shards', 'part-0.tar');
    mkdirSync(join(dir.path, 'shards'));
    const texts = generateCaptions(80, 21);
    const sink = await AtomicFileSink.open(shard);
    const tar = new TarWriter(sink);
    for (let i = 0; i < texts.length; i++) {
      await tar.addFile(`s${i}.jpg`, Buffer.from(`jpeg ${i}`));
      await tar.addFile(`s${i}.txt`, Buffer.from(texts[i]));
    }
    await tar.finish();
    await sink.commit();
    await curate({ ...options('wds', 5, 4), inputs: [shard], textFields: [] });
    const folder = join(dir.path, 'wds');
    const kept = keptKeys(folder);
    const browser = await CurationEntryBrowser.open(folder);
    try {
      const all = await allPages(browser, 0, 'all', 7);
      assert.ok(all.length > 10);
      for (const r of all) {
        assert.equal(r.file, shard);
        assert.equal(r.line, undefined);
        assert.equal(r.text, texts[Number(r.key.slice(1))]);
        assert.equal(r.kept, kept.has(r.key), r.key);
      }
    } finally {
      await browser.close();
    }
  });

  it('refuses an entry id outside the metadata', async () => {
    const browser = await CurationEntryBrowser.open(join(dir.path, 'random-40-1'));
    try {
      await assert.rejects(
        browser.page({ entryId: entries.length, filter: 'all', offset: 0, limit: 1 }),
        (err: Error) =>
          err instanceof UsageError && /entry id 24 is not in this curation's metadata/.test(err.message),
      );
    } finally {
      await browser.close();
    }
  });

  it('builds the index of a curation made without one on first use, the same, and a later run replaces it', async () => {
    const folder = join(dir.path, 'old');
    await curate(options('old', 40, 1));
    const fresh = await CurationEntryBrowser.open(folder);
    const before = await allPages(fresh, 1, 'all', 1000);
    await fresh.close();
    // A curation from before the index: neither file, and its manifest does not list them.
    rmSync(join(folder, 'entries.idx'));
    rmSync(join(folder, 'records.idx'));
    const manifestPath = join(folder, '.metacurate', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { current: { files: string[] } };
    manifest.current.files = manifest.current.files.filter((f) => !f.endsWith('.idx'));
    writeFileSync(manifestPath, JSON.stringify(manifest));

    assert.equal(await hasEntryIndex(folder), false);
    assert.equal(await ensureEntryIndex(folder), true, 'built');
    assert.equal(await ensureEntryIndex(folder), false, 'already there');
    const rebuilt = await CurationEntryBrowser.open(folder);
    assert.deepEqual(await allPages(rebuilt, 1, 'all', 1000), before);
    await rebuilt.close();
    // The built files are the curation's: a new selection replaces them without complaint.
    await curate(options('old', 80, 2));
    const reselected = await CurationEntryBrowser.open(folder);
    assert.equal((await reselected.page({ entryId: 1, filter: 'all', offset: 0, limit: 1 })).t, 80);
    await reselected.close();
  });

  it('has no index to give for a run that did not finish, and says so', async () => {
    const folder = join(dir.path, 'killed');
    await curate(options('killed', 40, 1));
    const manifestPath = join(folder, '.metacurate', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { current?: unknown };
    delete manifest.current;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    rmSync(join(folder, 'entries.idx'));
    await assert.rejects(
      ensureEntryIndex(folder),
      (err: Error) => err instanceof UsageError && /holds no finished curation/.test(err.message),
    );
    assert.equal(await hasEntryIndex(folder), false);
  });
});
