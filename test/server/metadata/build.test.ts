/** Assembling the four parts into one metadata file, and its provenance. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UsageError } from '../../../server/engine/src/errors';
import {
  assembleParts,
  buildMetadata,
  type BuildOptions,
  formatMetadataJson,
  partsToBuild,
  provenancePathFor,
  type Provenance,
} from '../../../server/src/metadata/build';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const NUMBERS = Array.from({ length: 100 }, (_, i) => String(i)).sort();

describe('metadata build', () => {
  describe('assembleParts', () => {
    const e = (entry: string, score = 0) => ({ entry, score });

    it('sorts each part by code unit, keeps parts in order and drops entries seen in an earlier part', () => {
      const { entries, summaries } = assembleParts([
        { name: 'wordnet', scored: false, entries: [e('dog'), e('cat')] },
        { name: 'unigrams', scored: true, entries: [e('dog', 5), e('Zebra', 1), e('apple', 9)] },
        { name: 'titles', scored: true, entries: [e('cat', 100), e('New York', 80)] },
      ]);
      assert.deepEqual(entries, ['cat', 'dog', 'Zebra', 'apple', 'New York']);
      assert.deepEqual(summaries, [
        { name: 'wordnet', selected: 2, added: 2, firstId: 0 },
        { name: 'unigrams', selected: 3, added: 2, firstId: 2 },
        { name: 'titles', selected: 2, added: 1, firstId: 4 },
      ]);
    });

    it('applies the reference filter to every part', () => {
      const { entries } = assembleParts([
        { name: 'titles', scored: true, entries: [e(''), e('-'), e('!!'), e('a')] },
      ]);
      assert.deepEqual(entries, ['!!', 'a']);
    });

    it('caps each part to its own number of best-scored entries (WordNet: first in order), then sorts them', () => {
      const { entries } = assembleParts([
        { name: 'wordnet', scored: false, cap: 2, entries: [e('c'), e('a'), e('b')] },
        {
          name: 'bigrams',
          scored: true,
          cap: 3,
          entries: [e('x y', 1), e('p q', 40), e('m n', 35), e('k l', 35)],
        },
        { name: 'titles', scored: true, entries: [e('T', 1), e('S', 2)] },
      ]);
      assert.deepEqual(entries, ['a', 'b', 'k l', 'm n', 'p q', 'S', 'T']);
    });
  });

  it('writes one entry per line, parseable as JSON', () => {
    const text = formatMetadataJson(['a "b"', 'é']);
    assert.equal(text, '[\n"a \\"b\\"",\n"é"\n]\n');
    assert.deepEqual(JSON.parse(text), ['a "b"', 'é']);
    assert.deepEqual(JSON.parse(formatMetadataJson([])), []);
  });

  it('names the provenance after the output', () => {
    assert.equal(provenancePathFor('/x/metadata.json'), '/x/metadata.provenance.json');
    assert.equal(provenancePathFor('/x/meta'), '/x/meta.provenance.json');
  });

  describe('buildMetadata', () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'mc-build-'));
      const wn = join(dir, 'wn');
      mkdirSync(wn);
      const header = '  1 WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved.  \n';
      writeFileSync(
        join(wn, 'data.noun'),
        header + '00000001 03 n 01 Gamma 0 000 | x\n00000002 03 n 01 ray 0 000 | x\n',
      );
      writeFileSync(join(wn, 'data.verb'), header + '00000001 29 v 01 burst 0 000 | x\n');
      writeFileSync(join(wn, 'data.adj'), header + '00000001 00 a 01 able 0 000 | x\n');
      writeFileSync(join(wn, 'data.adv'), header + '00000001 02 r 01 apace 0 000 | x\n');
      const page = (title: string, text: string) =>
        `<page><title>${title}</title><ns>0</ns><revision><text xml:space="preserve">${text}</text></revision></page>\n`;
      writeFileSync(
        join(dir, 'dump.xml'),
        '<mediawiki>\n' +
          page('Gamma', 'Gamma ray burst. Gamma ray burst. Rare pair.') +
          page('Ray', 'Gamma ray') +
          '</mediawiki>\n',
      );
      writeFileSync(
        join(dir, 'pageviews-20240101-000000.gz'),
        gzipSync('en Gamma_ray 90 0\nen Gamma 500 0\nen Rare 20 0\n'),
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('builds all four parts in order, with ids as positions, and leaves no temporary file', async () => {
      const out = join(dir, 'out', 'metadata.json');
      mkdirSync(join(dir, 'out'));
      const r = await buildMetadata({
        out,
        wordnet: join(dir, 'wn'),
        wikiDumps: [join(dir, 'dump.xml')],
        pageviews: [join(dir, 'pageviews-20240101-000000.gz')],
        minUnigram: 3,
        minPmi: 3,
        minViews: 70,
        threads: 1,
      });
      // Tokens (N = 12): Gamma Gamma ray burst | Gamma ray burst | Rare pair | Ray Gamma ray.
      // Unigrams >= 3: Gamma 4, ray 3 (already in WordNet). PMI >= 3 needs count * 12 >= 8 * n1 * n2:
      // only "Rare pair" (12 / 1); "Ray Gamma" has 12 / 4. Titles: "Gamma" (already a unigram), "Gamma ray".
      const wordnet = [...NUMBERS, 'able', 'apace', 'burst', 'gamma', 'ray'];
      assert.deepEqual(r.entries, [...wordnet, 'Gamma', 'Rare pair', 'Gamma ray']);
      assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), r.entries);
      assert.deepEqual(
        r.parts.map((p) => [p.name, p.selected, p.added, p.firstId]),
        [
          ['wordnet', 105, 105, 0],
          ['unigrams', 2, 1, 105],
          ['bigrams', 1, 1, 106],
          ['titles', 2, 1, 107],
        ],
      );
      assert.deepEqual(readdirSync(join(dir, 'out')).sort(), [
        'metadata.json',
        'metadata.json.work',
        'metadata.provenance.json',
      ]);
    });

    it('writes a provenance with input hashes, thresholds, order rule and counts', async () => {
      const out = join(dir, 'prov.json');
      await buildMetadata({
        out,
        wordnet: join(dir, 'wn'),
        wikiDumps: [join(dir, 'dump.xml')],
        pageviews: [join(dir, 'pageviews-20240101-000000.gz')],
        minUnigram: 3,
        minPmi: 3,
        threads: 1,
      });
      const p = JSON.parse(readFileSync(join(dir, 'prov.provenance.json'), 'utf8')) as Provenance;
      assert.equal(p.tool.name, 'metacurate');
      assert.match(p.tool.version, /^\d+\.\d+\.\d+/);
      assert.equal(p.output.sha256, sha(readFileSync(out)));
      assert.equal(p.output.entries, 108);
      assert.match(p.order, /wordnet, unigrams, bigrams, titles/);
      assert.deepEqual(p.thresholds, {
        minUnigram: 3,
        minPmi: 3,
        minViews: 70,
        minLineViews: 50,
        maxPerPart: null,
        maxEntries: { wordnet: null, unigrams: null, bigrams: null, titles: null },
      });
      assert.deepEqual(p.partSelection, {
        parts: ['wordnet', 'unigrams', 'bigrams', 'titles'],
        by: 'inputs given',
      });
      assert.equal(p.sources.wordnet?.version, '3.0');
      assert.equal(p.sources.wordnet?.files[0].sha256, sha(readFileSync(join(dir, 'wn', 'data.noun'))));
      assert.equal(p.sources.wikiDumps?.files[0].sha256, sha(readFileSync(join(dir, 'dump.xml'))));
      assert.equal(p.sources.wikiDumps?.totalTokens, 12);
      assert.equal(p.sources.wikiDumps?.pages.articles, 2);
      assert.equal(
        p.sources.pageviews?.files[0].sha256,
        sha(readFileSync(join(dir, 'pageviews-20240101-000000.gz'))),
      );
      assert.deepEqual(
        p.parts.map((x) => x.name),
        ['wordnet', 'unigrams', 'bigrams', 'titles'],
      );
    });

    it('builds one part on its own, counting page-view files in worker threads', async () => {
      const second = join(dir, 'pageviews-20240101-010000.gz');
      writeFileSync(second, gzipSync('en Rare 60 0\nen Gamma_ray 1 0\n'));
      const r = await buildMetadata({
        out: join(dir, 'titles.json'),
        wordnet: false,
        pageviews: [join(dir, 'pageviews-20240101-000000.gz'), second, second],
        minViews: 60,
        threads: 2,
      });
      assert.deepEqual(r.entries, ['Gamma', 'Gamma ray', 'Rare']);
      assert.deepEqual(
        r.parts.map((p) => p.name),
        ['titles'],
      );
      assert.equal(r.provenance.sources.pageviews?.files.length, 2);
      rmSync(second);
    });

    it('builds the unigram part of a dump without its bigrams, capped on its own, and records it', async () => {
      // Unigram counts: Gamma 4, ray 3, burst 2, Rare 1, pair 1, Ray 1.
      const r = await buildMetadata({
        out: join(dir, 'unigrams.json'),
        parts: ['unigrams'],
        wikiDumps: [join(dir, 'dump.xml')],
        minUnigram: 1,
        maxPerPart: 100,
        maxEntries: { unigrams: 2 },
        threads: 1,
      });
      assert.deepEqual(r.entries, ['Gamma', 'ray']);
      assert.deepEqual(
        r.parts.map((p) => p.name),
        ['unigrams'],
      );
      assert.deepEqual(r.provenance.partSelection, { parts: ['unigrams'], by: 'parts option' });
      assert.deepEqual(r.provenance.thresholds.maxEntries, { unigrams: 2 });
      assert.equal(r.provenance.thresholds.maxPerPart, 100);
      assert.equal(r.provenance.sources.wordnet, undefined, 'the default WordNet is not read');
      assert.equal(r.provenance.sources.wikiDumps?.bigramCandidates, undefined);
    });

    it('builds the bigram part of a dump without its unigrams', async () => {
      const r = await buildMetadata({
        out: join(dir, 'bigrams.json'),
        parts: ['bigrams'],
        wikiDumps: [join(dir, 'dump.xml')],
        minUnigram: 1,
        minPmi: 3,
        threads: 1,
      });
      assert.deepEqual(r.entries, ['Rare pair']);
      assert.deepEqual(
        r.parts.map((p) => p.name),
        ['bigrams'],
      );
      assert.equal(r.provenance.sources.wikiDumps?.bigramCandidates, 2, '"Rare pair" and "Ray Gamma"');
    });

    it('caps every part with --max-per-part unless the part has its own cap', async () => {
      const r = await buildMetadata({
        out: join(dir, 'capped.json'),
        wordnet: join(dir, 'wn'),
        wikiDumps: [join(dir, 'dump.xml')],
        pageviews: [join(dir, 'pageviews-20240101-000000.gz')],
        minUnigram: 1,
        minPmi: 3,
        maxPerPart: 1,
        maxEntries: { wordnet: 3 },
        threads: 1,
      });
      // WordNet: the first 3 in code-unit order; unigrams: Gamma (4); titles: Gamma (500 views), already in.
      assert.deepEqual(r.entries, ['0', '1', '10', 'Gamma', 'Rare pair']);
      assert.deepEqual(
        r.parts.map((p) => [p.name, p.selected, p.added]),
        [
          ['wordnet', 3, 3],
          ['unigrams', 1, 1],
          ['bigrams', 1, 1],
          ['titles', 1, 0],
        ],
      );
      assert.deepEqual(r.provenance.thresholds.maxEntries, {
        wordnet: 3,
        unigrams: 1,
        bigrams: 1,
        titles: 1,
      });
    });

    it('refuses a part without its input, an input or a cap no built part uses, and an empty --parts', () => {
      const dump = [join(dir, 'dump.xml')];
      const views = [join(dir, 'pageviews-20240101-000000.gz')];
      const refuses = (opts: Partial<BuildOptions>, message: RegExp) =>
        assert.throws(
          () => partsToBuild({ out: 'x', ...opts }),
          (err: Error) => err instanceof UsageError && message.test(err.message),
        );
      refuses({ parts: ['unigrams'] }, /--parts unigrams needs --wiki-dump/);
      refuses({ parts: ['titles'], wikiDumps: dump }, /--parts titles needs --pageviews/);
      refuses({ parts: ['wordnet'], wordnet: false }, /--parts wordnet and --no-wordnet exclude each other/);
      refuses({ parts: ['titles'], wordnet: 'wn', pageviews: views }, /--wordnet is given but --parts/);
      refuses({ parts: ['wordnet'], wikiDumps: dump }, /--wiki-dump is given but --parts/);
      refuses({ parts: ['unigrams'], wikiDumps: dump, pageviews: views }, /--pageviews is given but --parts/);
      refuses({ wordnet: false, pageviews: views, maxEntries: { bigrams: 5 } }, /--max-bigrams is given/);
      refuses({ parts: [] }, /--parts names no part/);
      assert.deepEqual([...partsToBuild({ out: 'x', wikiDumps: dump })], ['wordnet', 'unigrams', 'bigrams']);
      assert.deepEqual([...partsToBuild({ out: 'x', parts: ['titles'], pageviews: views })], ['titles']);
    });

    it('refuses to build nothing', async () => {
      await assert.rejects(buildMetadata({ out: join(dir, 'none.json'), wordnet: false }), UsageError);
    });
  });
});
