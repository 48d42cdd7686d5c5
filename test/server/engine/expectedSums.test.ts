/**
 * The summary's expected sizes, summed record by record while matches.bin is written, are the
 * very floats the in-memory computation over the whole stream gives (the sums stay in pool
 * order), and the chunked stream reader hands over every byte and every record whatever the
 * chunk size.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  balanceProbabilities,
  countHead,
  expectedCuratedSize,
  expectedKeptPerEntry,
  logSpacedThresholds,
} from '../../../server/engine/src/balance';
import { readCounts } from '../../../server/engine/src/counts';
import { curate } from '../../../server/engine/src/curate';
import { ExpectedSums, readMatchesStream } from '../../../server/engine/src/expectedSums';
import { matchedIdLists, readMatchesFile } from '../../../server/engine/src/matchesFile';
import { generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

describe('expected sums (streamed summary)', function () {
  this.timeout(120000);
  const dir = tempDir();
  const metadataPath = join(dir.path, 'metadata.json');
  const inputs = [join(dir.path, 'pool', 'a.jsonl'), join(dir.path, 'pool', 'b.jsonl')];
  const t = 150;
  before(async () => {
    writeFileSync(metadataPath, JSON.stringify(smallMetadata()));
    mkdirSync(join(dir.path, 'pool'));
    writeJsonl(inputs[0], generateCaptions(6000, 7));
    writeJsonl(inputs[1], generateCaptions(4000, 8));
    // Small slices: the matches stream comes from many task files, in pool order.
    await curate({
      metadataPath,
      inputs,
      textFields: ['text'],
      t,
      seed: 3,
      outDir: join(dir.path, 'out'),
      cache: false,
      workers: 2,
      sliceBytes: 50000,
    });
  });
  after(() => dir.remove());

  /** What the summary held when it was computed from the whole stream in memory. */
  async function inMemorySummary() {
    const { stream } = await readMatchesFile(join(dir.path, 'out', 'matches.bin'));
    const entries = smallMetadata();
    const { counts } = await readCounts(join(dir.path, 'out', 'counts.bin'), entries);
    const lists = matchedIdLists(stream);
    const p = balanceProbabilities(counts, t);
    const perEntry = expectedKeptPerEntry(lists, p);
    let total = 0;
    for (let r = 0; r + 1 < lists.offsets.length; r++) {
      let dropAll = 1;
      for (let k = lists.offsets[r]; k < lists.offsets[r + 1]; k++) dropAll *= 1 - p[lists.ids[k]];
      total += 1 - dropAll;
    }
    const thresholds = logSpacedThresholds(1, Math.max(1, ...counts), 24);
    if (!thresholds.includes(t)) thresholds.push(t);
    thresholds.sort((x, y) => x - y);
    return {
      stream,
      counts,
      p,
      thresholds,
      perEntry,
      total,
      curve: thresholds.map((u) => ({
        t: u,
        expectedSize: round3(expectedCuratedSize(lists, counts, u)),
        headEntries: countHead(counts, u),
      })),
    };
  }

  it('writes summary.json numbers equal to the in-memory computation over matches.bin', async () => {
    const old = await inMemorySummary();
    const summary = JSON.parse(readFileSync(join(dir.path, 'out', 'summary.json'), 'utf8'));
    assert.ok(summary.pool.matched_records > 1000, 'the pool matches enough records to mean something');
    assert.equal(summary.expected_kept, round3(old.total));
    const expectedEntries = [...old.counts]
      .map((count, id) => ({ id, count }))
      .filter((e) => e.count > 0)
      .map((e) => ({ id: e.id, count: e.count, expected_kept: round3(old.perEntry[e.id]) }));
    assert.deepEqual(
      summary.entries.map((e: { id: number; count: number; expected_kept: number }) => ({
        id: e.id,
        count: e.count,
        expected_kept: e.expected_kept,
      })),
      expectedEntries,
    );
    assert.deepEqual(summary.expected_size_curve, old.curve);
  });

  it('adds the same floats in the same order as the in-memory sums, bit for bit', async () => {
    const old = await inMemorySummary();
    const sums = new ExpectedSums(old.p, old.counts, old.thresholds);
    sums.addStream(old.stream);
    assert.equal(sums.total, old.total);
    assert.deepEqual(sums.keptPerEntry, old.perEntry);
    const lists = matchedIdLists(old.stream);
    assert.deepEqual(
      [...sums.sizes],
      old.thresholds.map((u) => expectedCuratedSize(lists, old.counts, u)),
    );
  });

  it('reads a stream in chunks smaller than a record: every byte once, every matched record in order', async () => {
    // Records of 0, 1, 3 and 9 ids: with 8-byte chunks most of them span several reads.
    const records = [[], [4], [1, 2, 3], [], [0, 1, 2, 3, 4, 5, 6, 7, 8], [2]];
    const words = records.flatMap((ids) => [ids.length, ...ids]);
    const path = join(dir.path, 'stream.bin');
    const bytes = new Uint8Array(new Uint32Array(words).buffer);
    writeFileSync(path, bytes);
    for (const chunkBytes of [8, 12, 64, 1 << 20]) {
      const seenBytes: number[] = [];
      const seen: number[][] = [];
      await readMatchesStream(
        path,
        async (b) => {
          seenBytes.push(...b);
        },
        (words, start, end) => seen.push([...words.subarray(start, end)]),
        chunkBytes,
      );
      assert.deepEqual(seenBytes, [...bytes], `bytes with ${chunkBytes}-byte chunks`);
      assert.deepEqual(
        seen,
        records.filter((r) => r.length > 0),
        `records with ${chunkBytes}-byte chunks`,
      );
    }
  });

  it('rejects a stream that ends inside a record, naming the file', async () => {
    const path = join(dir.path, 'truncated.bin');
    writeFileSync(path, new Uint8Array(new Uint32Array([1, 5, 3, 1]).buffer));
    await assert.rejects(
      readMatchesStream(
        path,
        async () => {},
        () => {},
      ),
      (err: Error) => err.message.includes(path) && /ends inside a record/.test(err.message),
    );
  });
});
