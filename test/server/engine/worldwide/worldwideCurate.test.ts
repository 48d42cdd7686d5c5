/**
 * Worldwide curation (docs/spec.md section 2, "Worldwide thresholds"): a miniature pool in eight
 * languages with lists, one without a list and one record of no language, worked out by hand.
 *
 * The folder's lists in sorted code order give the global ids:
 *   ar 0-1 [قطة, كلب]   de 2-3 [Hund, Katze]   en 4-7 [dog, cat, red car, sunset]
 *   hi 8-9 [कुत्ता, बिल्ली]   ja 10-11 [犬, 猫]   ru 12-13 [собака, кошка]
 *   th 14-15 [แมว, หมา]   zh 16-17 [狗, 猫]
 *
 * English counts: dog 6, cat 2, red car 1, sunset 1 (10 matches; "hotdog" matches nothing: a
 * Latin entry is space-padded). At t_en = 2 the tail (counts < 2) holds 2 of 10: p = 0.2.
 * p_to_t(counts, 0.2) per language (sorted counts, cumulative shares, nearest to 0.2):
 *   de [1,3] -> [.25,1] -> t 1      zh [1,3] -> t 1 (Thai and CJK entries are unpadded)
 *   th [1,2] -> [.33,1] -> t 1      ar [1,1] -> [.5,1] -> t 1      ja [1,1] -> t 1
 *   ru [0,2] -> [0,1]   -> 0: the smallest matched count, 2    hi [0,1] -> 0: 1
 * Expected kept, sum over records of 1 - prod(1 - t/max(count,t)):
 *   en: five dog-only records 1/3 each, three with a tail entry 1 each: 5/3 + 3 = 4.667
 *   de: two Hund-only 1/3 each, one with Katze: 1.667     zh: 1/3 + 1 + 1/3 = 1.667
 *   th: แมว alone 1/2, with หมา 1: 1.5    ar 2, ja 2, ru 2, hi 1.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliWorldwideLanguage } from '../../../../contracts/src/cliEvents';
import { curate, type CurateOptions, type CurateSummary } from '../../../../server/engine/src/curate';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { UsageError } from '../../../../server/engine/src/errors';
import { AtomicFileSink } from '../../../../server/engine/src/pool/sink';
import { TarWriter } from '../../../../server/engine/src/pool/tar';
import { loadLanguageIdentifier } from '../../../../server/engine/src/worldwide/languageId';
import { silentProgress, type ProgressSink } from '../../../../server/engine/src/progress';
import { curatedTree, tempDir } from '../../../support/fixtures';
import { EXPECTED, LISTS, POOL, writeFolder } from '../../../support/worldwidePool';

function perLanguage(summary: CurateSummary): Record<string, CliWorldwideLanguage> {
  return Object.fromEntries(summary.worldwide!.languages.map((l) => [l.code, l]));
}

describe('curate --worldwide (a miniature pool in eight scripts)', function () {
  this.timeout(180000);
  const dir = tempDir('metacurate-worldwide-');
  const folder = join(dir.path, 'metadata');
  const pool = join(dir.path, 'pool', 'pool.jsonl');
  let byField: CurateSummary;

  before(() => {
    writeFolder(folder, LISTS);
    mkdirSync(join(dir.path, 'pool'));
    // Padding records of no language make several slices of the pool.
    const lines = POOL.map(([text, lang]) => JSON.stringify(lang ? { text, lang } : { text }));
    writeFileSync(pool, lines.join('\n') + '\n');
  });
  after(() => dir.remove());

  const options = (out: string, extra: Partial<CurateOptions> = {}): CurateOptions => ({
    metadataPath: folder,
    inputs: [pool],
    textFields: ['text'],
    t: 2,
    seed: 5,
    outDir: join(dir.path, out),
    cache: false,
    workers: 1,
    worldwide: { languageField: 'lang' },
    ...extra,
  });

  it("matches each record against its language, with per-language t from English's tail share", async () => {
    byField = await curate(options('field'));
    const w = byField.worldwide!;
    assert.equal(w.tail_proportion, 0.2);
    assert.equal(w.t_en, 2);
    assert.deepEqual(w.language_source, { kind: 'field', field: 'lang' });
    assert.deepEqual(w.without_metadata, { fr: 1, und: 1 });
    const offsets = { ar: 0, de: 2, en: 4, hi: 8, ja: 10, ru: 12, th: 14, zh: 16 };
    for (const [code, [records, matched, t, head, matchedEntries, expected]] of Object.entries(EXPECTED)) {
      const l = perLanguage(byField)[code];
      assert.deepEqual(
        [l.records, l.matched_records, l.t, l.head_entries, l.matched_entries, l.expected_kept, l.offset],
        [records, matched, t, head, matchedEntries, expected, offsets[code as keyof typeof offsets]],
        code,
      );
      assert.equal(l.entries, LISTS[code].length);
      assert.equal(l.file, `${code}.json`);
      assert.ok(l.kept <= l.matched_records);
      // Languages whose every matched record holds an entry kept whole keep all of them.
      if (['ar', 'ja', 'ru', 'hi'].includes(code)) assert.equal(l.kept, matched, code);
    }
    assert.equal(byField.pool.records, POOL.length);
    assert.equal(byField.pool.matched_records, 23);
    assert.equal(
      byField.kept,
      Object.values(perLanguage(byField)).reduce((s, l) => s + l.kept, 0),
    );
    assert.equal(byField.padding, 'worldwide');
    assert.equal(byField.head_entries, 4);
    assert.equal(byField.metadata.entries, 18);
    // The curve is over t_en (1 to English's largest count, 6), each language at its own t.
    assert.equal(byField.expected_kept, 16.5);
    assert.deepEqual(
      byField.expected_size_curve.map((c) => c.t),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(byField.expected_size_curve[1], { t: 2, expectedSize: 16.5, headEntries: 4 });
  });

  it('writes global ids: matches.bin per record, and the sidecar of each kept record', () => {
    const bytes = readFileSync(join(dir.path, 'field', 'matches.bin'));
    const words = new Uint32Array(
      bytes.buffer.slice(bytes.byteOffset + 16, bytes.byteOffset + bytes.byteLength),
    );
    const perRecord: number[][] = [];
    for (let at = 0; at < words.length; at += words[at] + 1)
      perRecord.push([...words.subarray(at + 1, at + 1 + words[at])]);
    assert.deepEqual(
      perRecord,
      POOL.map(([, , ids]) => ids),
    );
    const sidecar = readFileSync(join(dir.path, 'field', 'data', 'pool.jsonl.entries.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; entry_ids: number[] });
    for (const line of sidecar) {
      const index = Number(line.key.split(':').pop());
      assert.deepEqual(line.entry_ids, POOL[index][2]);
    }
    const counts = readFileSync(join(dir.path, 'field', 'summary.json'), 'utf8');
    const entries = (JSON.parse(counts) as CurateSummary).entries;
    assert.deepEqual(
      entries.map((e) => [e.id, e.count]),
      [
        [0, 1],
        [1, 1],
        [2, 3],
        [3, 1],
        [4, 6],
        [5, 2],
        [6, 1],
        [7, 1],
        [8, 1],
        [10, 1],
        [11, 1],
        [12, 2],
        [14, 2],
        [15, 1],
        [16, 3],
        [17, 1],
      ],
    );
  });

  it("identifies each record's language from its text without a field, to the same counts", async () => {
    const lid = await loadLanguageIdentifier();
    assert.deepEqual(
      POOL.map(([text]) => lid.identify(text)),
      POOL.map(([, lang]) => lang ?? 'und'),
    );
    const byLid = await curate(options('lid', { worldwide: {} }));
    assert.deepEqual(byLid.worldwide!.language_source, {
      kind: 'lid',
      model: 'fastText lid.176.ftz',
      min_confidence: 0.15,
    });
    assert.deepEqual(byLid.worldwide!.languages, byField.worldwide!.languages);
    assert.deepEqual(byLid.worldwide!.without_metadata, { fr: 1, und: 1 });
    assert.deepEqual(curatedTree(join(dir.path, 'lid')), curatedTree(join(dir.path, 'field')));
  });

  it('reads the language field of Parquet rows and of WebDataset .json members alike', async () => {
    const parquet = join(dir.path, 'pool-formats', 'pool.parquet');
    const shard = join(dir.path, 'pool-formats', 'pool.tar');
    mkdirSync(join(dir.path, 'pool-formats'));
    writeFileSync(
      parquet,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'text', data: POOL.map(([text]) => text), type: 'STRING' },
            { name: 'lang', data: POOL.map(([, lang]) => lang ?? null), type: 'STRING' },
          ],
        }),
      ),
    );
    const sink = await AtomicFileSink.open(shard);
    const tar = new TarWriter(sink);
    for (const [i, [text, lang]] of POOL.entries()) {
      const key = `s${String(i).padStart(3, '0')}`;
      await tar.addFile(`${key}.txt`, Buffer.from(text));
      await tar.addFile(`${key}.json`, Buffer.from(JSON.stringify(lang ? { lang } : {})));
    }
    await tar.finish();
    await sink.commit();
    const fromParquet = await curate(options('parquet', { inputs: [parquet] }));
    const fromShard = await curate(options('shard', { inputs: [shard], textFields: [] }));
    // Everything but `kept`: the keys (and so the draws) are the files' own.
    const withoutKept = (s: CurateSummary) => s.worldwide!.languages.map(({ kept: _kept, ...l }) => l);
    for (const summary of [fromParquet, fromShard]) {
      assert.deepEqual(withoutKept(summary), withoutKept(byField));
      assert.deepEqual(summary.worldwide!.without_metadata, { fr: 1, und: 1 });
    }
  });

  it('gives byte-identical outputs with 1 or 2 workers and several slices', async () => {
    await curate(options('w2', { workers: 2, sliceBytes: 200 }));
    assert.deepEqual(curatedTree(join(dir.path, 'w2')), curatedTree(join(dir.path, 'field')));
  });

  it('resumes a run interrupted in the count pass to the same bytes and summary', async () => {
    const out = join(dir.path, 'resume');
    await curate(options('resume', { workers: 2, sliceBytes: 200 }));
    // What a crash during counting leaves: some slices counted, nothing selected, no curation.
    const manifestPath = join(out, '.metacurate', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.next = { selectKey: manifest.current.selectKey, finalizedFiles: [] };
    delete manifest.current;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const work = join(out, '.metacurate', 'work');
    for (const id of [0, 2]) rmSync(join(work, `count-${id}.done.json`));
    for (const f of readdirSync(work)) if (f.startsWith('select-')) rmSync(join(work, f));
    for (const name of ['data', 'summary.json', 'matches.bin', 'counts.json', 'counts.bin'])
      rmSync(join(out, name), { recursive: true, force: true });
    const summary = await curate(options('resume', { workers: 2, sliceBytes: 200 }));
    assert.equal(summary.resumed, true);
    assert.deepEqual(curatedTree(out), curatedTree(join(dir.path, 'field')));
    assert.deepEqual(summary.worldwide, byField.worldwide);
  });

  it('counts again, naming the list, when a list changed since the earlier run', async () => {
    const changed = join(dir.path, 'metadata-changed');
    writeFolder(changed, { ...LISTS, de: ['Hund', 'Katze', 'Garten'] });
    await curate(options('changed', { metadataPath: changed }));
    writeFolder(changed, { ...LISTS, de: ['Hund', 'Katze', 'Park'] });
    const messages: string[] = [];
    const progress: ProgressSink = { ...silentProgress, info: (m) => messages.push(m) };
    const summary = await curate(options('changed', { metadataPath: changed }), progress);
    assert.ok(
      messages.some((m) => m.includes(`The list ${join(changed, 'de.json')} changed since the earlier run`)),
      messages.join('\n'),
    );
    const de = perLanguage(summary).de;
    // "Park" matches "zwei Hunde laufen im Park"; "Garten" is gone.
    assert.deepEqual([de.records, de.matched_records, de.matched_entries], [4, 4, 3]);
  });

  it('stops with a usage error naming the English list when no record matches it', async () => {
    const german = join(dir.path, 'pool', 'german.jsonl');
    writeFileSync(german, JSON.stringify({ text: 'ein Hund im Garten', lang: 'de' }) + '\n');
    await assert.rejects(
      curate(options('no-en-match', { inputs: [german] })),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message.includes(join(folder, 'en.json')) &&
        err.message.includes('tail share'),
    );
  });

  it('refuses a folder without an English list, naming the folder', async () => {
    const noEnglish = join(dir.path, 'metadata-no-en');
    writeFolder(noEnglish, { de: LISTS.de, zh: LISTS.zh });
    await assert.rejects(
      curate(options('no-en', { metadataPath: noEnglish })),
      (err: unknown) =>
        err instanceof UsageError && err.message.includes(noEnglish) && /English/.test(err.message),
    );
  });
});
