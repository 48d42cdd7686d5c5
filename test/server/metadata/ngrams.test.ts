/**
 * Wikipedia unigram and bigram counts from a generated pages-articles dump (.xml and .xml.bz2),
 * checked against hand-computed numbers, whatever the chunking, spilling and resuming.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../server/engine/src/errors';
import { readChunkArticles, describeDump, planChunks } from '../../../server/src/metadata/dumpChunks';
import { bigramPmi } from '../../../server/src/metadata/ngramTasks';
import {
  countDumpNgrams,
  readCounts,
  selectBigrams,
  selectUnigrams,
  type NgramCountOptions,
} from '../../../server/src/metadata/ngrams';
import { bzip2 } from '../../support/bzip2';
import { dumpXml, type PageSpec } from '../../support/wikiDump';

const PAGES: PageSpec[] = [
  {
    title: 'Alpha Beta',
    text:
      "'''Alpha Beta''' is a [[Greek alphabet|letter pair]].<ref name=\"a\">delta source</ref>{{Infobox thing|name=gamma}}\n" +
      '== History ==\nSee [[alpha]]s and [[File:X.jpg|thumb|epsilon [[eta]]]] zeta-eta.',
  },
  { title: 'AB', redirect: true, text: '#REDIRECT [[Alpha Beta]]' },
  { title: 'Talk:Alpha Beta', ns: 1, text: 'Alpha talk words' },
  {
    title: 'Gamma',
    text:
      '{{cite web|title={{nested|x}}}}Gamma ray &nbsp;burst<!-- hidden comment -->\n' +
      '{| class="wikitable"\n|-\n| cell || omega\n|}\n* Gamma ray burst\n[[Category:Physics]]\n' +
      '[https://example.org Example site] 東京',
  },
  { title: 'Empty' },
];

/**
 * The counted token streams, by hand (punctuation splits a stream):
 *   Alpha Beta | Alpha Beta is a letter pair . History See alphas and zeta - eta .
 *   Gamma | Gamma ray burst | Gamma ray burst | Example site 東 京
 *   Empty
 */
const STREAMS = [
  ['Alpha', 'Beta', 'Alpha', 'Beta', 'is', 'a', 'letter', 'pair'],
  ['History', 'See', 'alphas', 'and', 'zeta'],
  ['eta'],
  ['Gamma', 'Gamma', 'ray', 'burst', 'Gamma', 'ray', 'burst', 'Example', 'site', '東', '京'],
  ['Empty'],
];
const EXPECTED_UNIGRAMS: Record<string, number> = {
  Alpha: 2,
  Beta: 2,
  is: 1,
  a: 1,
  letter: 1,
  pair: 1,
  History: 1,
  See: 1,
  alphas: 1,
  and: 1,
  zeta: 1,
  eta: 1,
  Gamma: 3,
  ray: 2,
  burst: 2,
  Example: 1,
  site: 1,
  東: 1,
  京: 1,
  Empty: 1,
};
const EXPECTED_BIGRAMS: Record<string, number> = {
  'Alpha Beta': 2,
  'Beta Alpha': 1,
  'Beta is': 1,
  'is a': 1,
  'a letter': 1,
  'letter pair': 1,
  'History See': 1,
  'See alphas': 1,
  'alphas and': 1,
  'and zeta': 1,
  'Gamma Gamma': 1,
  'Gamma ray': 2,
  'ray burst': 2,
  'burst Gamma': 1,
  'burst Example': 1,
  'Example site': 1,
  'site 東': 1,
  '東 京': 1,
};
const N = 26;

function sorted(record: Record<string, number>): Array<[string, number]> {
  return Object.entries(record).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Many pages with known counts: page i says "w<i> common w<i+1>". */
function manyPages(n: number): PageSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    title: `P${i}`,
    text: `w${i} common w${i + 1}. ${'filler '.repeat(200)}`,
  }));
}

describe('Wikipedia n-grams', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mc-ngrams-'));
    writeFileSync(join(dir, 'dump.xml'), dumpXml(PAGES));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const count = (opts: Partial<NgramCountOptions> & { dumps: string[]; workDir: string }) =>
    countDumpNgrams({ threads: 2, ...opts });

  it('the hand-written token streams add up to the expected tables', () => {
    const uni: Record<string, number> = {};
    const bi: Record<string, number> = {};
    for (const s of STREAMS) {
      s.forEach((t, i) => {
        uni[t] = (uni[t] ?? 0) + 1;
        if (i > 0) bi[`${s[i - 1]} ${t}`] = (bi[`${s[i - 1]} ${t}`] ?? 0) + 1;
      });
    }
    // Streams 1 and 2 of the first article are one text; "pair" . "History" is broken by the dot.
    assert.deepEqual(sorted(uni), sorted(EXPECTED_UNIGRAMS));
    assert.deepEqual(sorted(bi), sorted(EXPECTED_BIGRAMS));
  });

  describe('reading pages', () => {
    it('counts only namespace-0 pages that are not redirects', () => {
      const dump = describeDump(join(dir, 'dump.xml'));
      const titles: string[] = [];
      const stats = readChunkArticles(planChunks([dump])[0], (p) => titles.push(p.title));
      assert.deepEqual(titles, ['Alpha Beta', 'Gamma', 'Empty']);
      assert.deepEqual(stats, { pages: 5, articles: 3, redirects: 1, otherNamespaces: 1 });
    });

    it('splits the pages exactly between chunks of any size', () => {
      const dump = describeDump(join(dir, 'dump.xml'));
      for (const size of [1, 7, 100, 333, 1000]) {
        const titles: string[] = [];
        for (const c of planChunks([dump], { xml: size })) readChunkArticles(c, (p) => titles.push(p.title));
        assert.deepEqual(titles, ['Alpha Beta', 'Gamma', 'Empty'], `chunk size ${size}`);
      }
    });

    it('reports a dump cut inside a page with the file and offset', () => {
      const xml = dumpXml(PAGES);
      const cut = join(dir, 'cut.xml');
      writeFileSync(cut, xml.slice(0, xml.indexOf('Gamma ray')));
      assert.throws(
        () => readChunkArticles(planChunks([describeDump(cut)])[0], () => undefined),
        (e: InputError) => e instanceof InputError && e.file === cut && e.location.byteOffset !== undefined,
      );
    });

    it('rejects a file that is neither XML nor bzip2', () => {
      const bad = join(dir, 'bad.bin');
      writeFileSync(bad, 'PK\u0003\u0004 zip');
      assert.throws(() => describeDump(bad), InputError);
    });
  });

  describe('counting a .xml dump', () => {
    it('gives the hand-computed unigram and bigram counts and N', async () => {
      const c = await count({ dumps: [join(dir, 'dump.xml')], workDir: join(dir, 'w-xml') });
      assert.deepEqual([...readCounts(c.unigramFile)], sorted(EXPECTED_UNIGRAMS));
      assert.deepEqual([...readCounts(c.bigramFile)], sorted(EXPECTED_BIGRAMS));
      assert.equal(c.totalTokens, N);
      assert.equal(c.distinctUnigrams, 20);
      assert.equal(c.distinctBigrams, 18);
      assert.deepEqual(c.stats, { pages: 5, articles: 3, redirects: 1, otherNamespaces: 1 });
      assert.match(c.dumps[0].sha256, /^[0-9a-f]{64}$/);
    });

    it('gives the same counts with tiny chunks and a spill after every page', async () => {
      const c = await count({
        dumps: [join(dir, 'dump.xml')],
        workDir: join(dir, 'w-tiny'),
        chunkBytes: { xml: 50 },
        spillEntries: 1,
      });
      assert.ok(c.chunks > 40);
      assert.deepEqual([...readCounts(c.unigramFile)], sorted(EXPECTED_UNIGRAMS));
      assert.deepEqual([...readCounts(c.bigramFile)], sorted(EXPECTED_BIGRAMS));
    });

    it('selects unigrams by count', async () => {
      const c = await count({ dumps: [join(dir, 'dump.xml')], workDir: join(dir, 'w-xml') });
      assert.deepEqual(
        selectUnigrams(c, 2).map((e) => [e.entry, e.score]),
        [
          ['Alpha', 2],
          ['Beta', 2],
          ['Gamma', 3],
          ['burst', 2],
          ['ray', 2],
        ],
      );
    });

    it('computes PMI as log2(n12 N) - log2(n1 n2) and keeps bigrams at or above the threshold', async () => {
      assert.equal(bigramPmi(1, 1, 1, N), Math.log2(26));
      assert.equal(bigramPmi(2, 2, 2, N), Math.log2(52) - 2); // "Alpha Beta": log2(13)
      assert.ok(Math.abs(bigramPmi(2, 3, 2, N) - Math.log2(52 / 6)) < 1e-12); // "Gamma ray"
      const c = await count({ dumps: [join(dir, 'dump.xml')], workDir: join(dir, 'w-xml') });
      // 2^4.5 = 22.6: only pairs of words seen once (26 / 1 / 1) pass; "Beta is" has 26 / 2 = 13.
      const sel = await selectBigrams(c, 4.5, join(dir, 'w-xml'), 3);
      const singles = [
        'is a',
        'a letter',
        'letter pair',
        'History See',
        'See alphas',
        'alphas and',
        'and zeta',
        'Example site',
        'site 東',
        '東 京',
      ];
      assert.deepEqual(
        sel.entries.map((e) => e.entry),
        [...singles].sort(),
      );
      for (const e of sel.entries) {
        assert.equal(e.count, 1);
        assert.equal(e.score, Math.log2(26));
      }
      assert.equal(sel.candidates, 10);
      // log2(13) = 3.70: "Alpha Beta" passes at 3.7 but not at 3.71.
      const at37 = await selectBigrams(c, 3.7, join(dir, 'w-xml'));
      assert.ok(at37.entries.some((e) => e.entry === 'Alpha Beta' && e.score === Math.log2(52) - 2));
      const at371 = await selectBigrams(c, 3.71, join(dir, 'w-xml'));
      assert.ok(!at371.entries.some((e) => e.entry === 'Alpha Beta'));
      // With the reference's 30, a 26-token corpus has none.
      assert.deepEqual((await selectBigrams(c, 30, join(dir, 'w-xml'))).entries, []);
    });

    it('reuses finished counts in the work folder', async () => {
      const logs: string[] = [];
      const c = await count({
        dumps: [join(dir, 'dump.xml')],
        workDir: join(dir, 'w-xml'),
        log: (l) => logs.push(l),
      });
      assert.ok(logs.some((l) => l.includes('reusing')));
      assert.equal(c.totalTokens, N);
    });
  });

  describe('counting a .xml.bz2 dump', () => {
    it('gives the same counts as the .xml, in one stream or in several', async function () {
      const xml = Buffer.from(dumpXml(PAGES));
      const bz = bzip2(xml, 9);
      writeFileSync(join(dir, 'dump.xml.bz2'), bz);
      const c = await count({ dumps: [join(dir, 'dump.xml.bz2')], workDir: join(dir, 'w-bz2') });
      assert.deepEqual([...readCounts(c.unigramFile)], sorted(EXPECTED_UNIGRAMS));
      assert.deepEqual([...readCounts(c.bigramFile)], sorted(EXPECTED_BIGRAMS));
      assert.equal(c.dumps[0].format, 'bz2');
      // Multistream: the stream boundary falls inside the first page.
      const cut = xml.indexOf('letter pair');
      const a = bzip2(xml.subarray(0, cut), 9);
      const b = bzip2(xml.subarray(cut), 9);
      writeFileSync(join(dir, 'multi.xml.bz2'), Buffer.concat([a, b]));
      const m = await count({
        dumps: [join(dir, 'multi.xml.bz2')],
        workDir: join(dir, 'w-multi'),
        chunkBytes: { bz2: 64 },
      });
      assert.ok(m.chunks > 1);
      assert.deepEqual([...readCounts(m.bigramFile)], sorted(EXPECTED_BIGRAMS));
    });

    it('splits a many-block dump between chunks without losing or doubling a page', async () => {
      const pages = manyPages(400);
      const xml = Buffer.from(dumpXml(pages));
      const bz = bzip2(xml, 1); // 100k blocks: several blocks, chunks with no block start at all
      writeFileSync(join(dir, 'many.xml.bz2'), bz);
      const c = await count({
        dumps: [join(dir, 'many.xml.bz2')],
        workDir: join(dir, 'w-many'),
        chunkBytes: { bz2: 2000 },
      });
      const uni = readCounts(c.unigramFile);
      assert.equal(uni.get('common'), 400);
      assert.equal(uni.get('filler'), 400 * 200);
      assert.equal(uni.get('w0'), 1);
      assert.equal(uni.get('w1'), 2);
      assert.equal(uni.get('w400'), 1);
      assert.equal(readCounts(c.bigramFile).get('common w7'), 1);
      assert.equal(c.stats.articles, 400);
    });
  });

  describe('bounded memory and resuming', () => {
    it('merges hundreds of spilled runs in several levels to the same counts', async () => {
      writeFileSync(join(dir, 'many.xml'), dumpXml(manyPages(150)));
      const c = await count({
        dumps: [join(dir, 'many.xml')],
        workDir: join(dir, 'w-spill'),
        chunkBytes: { xml: 1500 },
        spillEntries: 2,
      });
      const uni = readCounts(c.unigramFile);
      assert.equal(uni.get('common'), 150);
      assert.equal(uni.get('filler'), 150 * 200);
      assert.equal(c.distinctUnigrams, 150 + 1 + 2 + 150); // w0..w150, common, filler, P0..P149
      assert.equal(readCounts(c.bigramFile).get('filler filler'), 150 * 199);
      assert.equal(existsSync(join(dir, 'w-spill', 'runs')), false);
    });

    it('resumes after a crash: committed chunks are not recounted, uncommitted runs are deleted', async () => {
      const work = join(dir, 'w-resume');
      const opts = {
        dumps: [join(dir, 'many.xml')],
        workDir: work,
        chunkBytes: { xml: 1500 },
        spillEntries: 2,
        threads: 1,
      };
      await assert.rejects(count({ ...opts, stopAfterCommits: 20 }), /stopped after 20 commits/);
      writeFileSync(join(work, 'runs', 'orphan.uni'), 'left by a killed worker');
      const logs: string[] = [];
      const c = await count({ ...opts, log: (l) => logs.push(l) });
      assert.ok(c.resumedChunks >= 20, `resumed ${c.resumedChunks}`);
      assert.ok(logs.some((l) => /resuming, \d+ of \d+ chunks/.test(l)));
      const uni = readCounts(c.unigramFile);
      assert.equal(uni.get('common'), 150);
      assert.equal(uni.get('filler'), 150 * 200);
      assert.equal(c.stats.articles, 150);
    });

    it('starts over when the dump changed', async () => {
      const work = join(dir, 'w-change');
      const path = join(dir, 'change.xml');
      writeFileSync(path, dumpXml(PAGES));
      await count({ dumps: [path], workDir: work });
      writeFileSync(path, dumpXml(PAGES.slice(0, 1)));
      const logs: string[] = [];
      const c = await count({ dumps: [path], workDir: work, log: (l) => logs.push(l) });
      assert.ok(logs.some((l) => l.includes('starting over')));
      assert.equal(readCounts(c.unigramFile).get('Gamma'), undefined);
      assert.deepEqual(readdirSync(work).sort(), ['bigrams.counts', 'manifest.json', 'unigrams.counts']);
    });
  });
});
