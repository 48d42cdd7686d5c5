/** Wikipedia titles from hourly page-view files, with the reference's filters. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../../server/engine/src/errors';
import { countPageviews, expandPageviewPaths, selectTitles } from '../../../server/src/metadata/pageviews';

const HOUR_0 = [
  'en Main_Page 120 0',
  'en Alpha_Beta 60 0',
  'en Special:Search 500 0', // a namespace: dropped
  'en Gamma 49 0', // under 50 in the hour: does not count
  'en.m Alpha_Beta 1000 0', // mobile site: not MetaCLIP 1's project
  'de Alpha_Beta 900 0',
  'aa en 70 0', // project "aa", title "en"
  'en Delta 50 0',
  'en broken line', // three fields
  'en Epsilon 30 0',
  'en Zeta x 0', // views not a number
].join('\n');
// The last line has no newline.
const HOUR_1 = ['en Alpha_Beta 55 0', 'en Gamma 49 0', 'en Delta 10 0', 'en Epsilon 80 0'].join('\n');

describe('page-view titles', () => {
  let dir = '';
  let files: string[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mc-pv-'));
    mkdirSync(join(dir, 'pv'));
    files = [
      join(dir, 'pv', 'pageviews-20240101-000000.gz'),
      join(dir, 'pv', 'pageviews-20240101-010000.gz'),
    ];
    writeFileSync(files[0], gzipSync(HOUR_0 + '\n'));
    writeFileSync(files[1], gzipSync(HOUR_1));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sums views of `en` lines with at least 50 views in the hour, titles without `:`, `_` as space', async () => {
    const { titles } = await countPageviews(files);
    assert.deepEqual(Object.fromEntries(titles), {
      'Main Page': 120,
      'Alpha Beta': 115,
      Delta: 50,
      Epsilon: 80,
    });
  });

  it('keeps titles with at least 70 summed views', async () => {
    const { titles } = await countPageviews(files);
    assert.deepEqual(
      selectTitles(titles, 70)
        .map((t) => t.entry)
        .sort(),
      ['Alpha Beta', 'Epsilon', 'Main Page'],
    );
  });

  it('records each file with its sha256 and line tallies', async () => {
    const { files: recs } = await countPageviews(files);
    const bytes = gzipSync(HOUR_0 + '\n');
    assert.equal(recs[0].sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(recs[0].bytes, bytes.length);
    assert.deepEqual([recs[0].projectLines, recs[0].countedLines, recs[0].malformedLines], [8, 3, 2]);
    assert.deepEqual([recs[1].projectLines, recs[1].countedLines, recs[1].malformedLines], [4, 2, 0]);
  });

  it('can lower the hourly floor and read another project', async () => {
    const { titles } = await countPageviews(files, { minLineViews: 1, project: 'de' });
    assert.deepEqual(Object.fromEntries(titles), { 'Alpha Beta': 900 });
  });

  it('reads uncompressed files too, and a folder as its pageviews-* files in name order', async () => {
    const plain = join(dir, 'plain.txt');
    writeFileSync(plain, HOUR_1);
    assert.deepEqual(Object.fromEntries((await countPageviews([plain])).titles), {
      'Alpha Beta': 55,
      Epsilon: 80,
    });
    assert.deepEqual(await expandPageviewPaths([join(dir, 'pv')]), files);
  });

  it('names the file of a damaged gzip', async () => {
    const bad = join(dir, 'bad.gz');
    const gz = gzipSync(HOUR_0);
    writeFileSync(bad, Buffer.concat([gz.subarray(0, 12), Buffer.from('garbage garbage garbage')]));
    await assert.rejects(
      countPageviews([bad]),
      (e: InputError) => e instanceof InputError && e.file === bad && e.reason === 'bad-gzip',
    );
    await assert.rejects(expandPageviewPaths([join(dir, 'missing.gz')]), InputError);
  });
});
