/**
 * Per-language metadata folders (server/src/metadata/folder.ts and `metacurate metadata build
 * --lang --out-dir`): generated dumps in seven languages, the folder index, failures, folder diff.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { EXIT_OK, InputError, UsageError } from '../../../server/engine/src/errors';
import { metadataCommand } from '../../../server/src/cli/commands/metadata';
import type { Provenance } from '../../../server/src/metadata/build';
import {
  buildLanguageIntoFolder,
  readFolderIndex,
  type FolderIndex,
  type LanguageDiff,
} from '../../../server/src/metadata/folder';
import { dumpXml, type PageSpec } from '../../support/wikiDump';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Per language: pages, and the unigrams (count >= 2) and some bigrams the build must give. */
const LANGUAGES: Record<string, { pages: PageSpec[]; unigrams: string[]; bigrams: string[] }> = {
  zh: {
    pages: [
      { title: '北京', text: '北京天安门很大。我爱北京天安门。' },
      { title: '天安门', text: '天安门在北京。' },
    ],
    unigrams: ['北京', '天安门'],
    bigrams: ['北京天安门', '我爱', '天安门很大'],
  },
  th: {
    pages: [{ title: 'ข้าว', text: 'ผมชอบกินข้าว ผมชอบกินข้าวมาก' }],
    unigrams: ['กิน', 'ข้าว', 'ชอบ', 'ผม'],
    bigrams: ['ผมชอบ', 'ชอบกิน', 'กินข้าว', 'ข้าวมาก'],
  },
  ja: {
    pages: [{ title: '東京タワー', text: '東京タワーは赤い。東京タワーに行く。' }],
    unigrams: ['東京タワー'],
    bigrams: ['東京タワーは', 'に行く'],
  },
  ru: {
    pages: [{ title: 'Москва', text: 'Москва столица России. Москва большая.' }],
    unigrams: ['Москва'],
    bigrams: ['Москва столица', 'столица России', 'Москва большая'],
  },
  ar: {
    pages: [{ title: 'القاهرة', text: 'القاهرة عاصمة مصر. القاهرة مدينة كبيرة.' }],
    unigrams: ['القاهرة'],
    bigrams: ['القاهرة عاصمة', 'عاصمة مصر'],
  },
  hi: {
    pages: [{ title: 'दिल्ली', text: 'नई दिल्ली भारत की राजधानी है. नई दिल्ली बड़ी है.' }],
    unigrams: ['दिल्ली', 'नई', 'है'],
    bigrams: ['नई दिल्ली', 'दिल्ली भारत'],
  },
  en: {
    pages: [{ title: 'New York', text: 'New York is a city. New York is big.' }],
    unigrams: ['New', 'York', 'is'],
    bigrams: ['New York', 'York is'],
  },
};

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await metadataCommand.run(argv, { stdout, stderr, stderrIsTTY: false });
  return { code, out, err };
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('metadata folders (per language)', () => {
  let dir = '';
  let wn = '';
  const dump = (lang: string): string => join(dir, `${lang}wiki-pages-articles.xml`);
  const build = (lang: string, outDir: string, wikiDump = dump(lang)) =>
    buildLanguageIntoFolder({
      lang,
      outDir,
      wikiDumps: [wikiDump],
      wordnet: lang === 'en' ? wn : undefined,
      minUnigram: 2,
      minPmi: -100,
      threads: 1,
    });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mc-folder-'));
    wn = join(dir, 'wn');
    mkdirSync(wn);
    for (const [pos, word] of [
      ['noun', 'apple'],
      ['verb', 'run'],
      ['adj', 'red'],
      ['adv', 'fast'],
    ])
      writeFileSync(join(wn, `data.${pos}`), `00000001 03 n 01 ${word} 0 000 | x\n`);
    for (const [lang, { pages }] of Object.entries(LANGUAGES))
      writeFileSync(dump(lang), dumpXml(pages, lang));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [lang, expected] of Object.entries(LANGUAGES)) {
    it(`builds ${lang}: its words as unigrams and its bigrams${lang === 'en' ? ', after WordNet' : ''}`, async () => {
      const out = join(dir, `one-${lang}`);
      const r = await build(lang, out);
      const entries = readJson<string[]>(join(out, `${lang}.json`));
      assert.deepEqual(entries, r.entries);
      const unigrams = r.parts.find((p) => p.name === 'unigrams');
      assert.ok(unigrams);
      assert.deepEqual(
        entries.slice(unigrams.firstId, unigrams.firstId + unigrams.added),
        [...expected.unigrams].sort(),
      );
      for (const b of expected.bigrams)
        assert.ok(entries.includes(b), `${lang}: ${b} in ${entries.join('|')}`);
      assert.deepEqual(
        r.parts.map((p) => p.name),
        lang === 'en' ? ['wordnet', 'unigrams', 'bigrams'] : ['unigrams', 'bigrams'],
      );
      if (lang === 'en') assert.ok(entries.includes('apple') && entries.includes('99'));
    });
  }

  it('never writes a space into Chinese, Japanese or Thai bigrams, nor counts pairs across a space', async () => {
    for (const lang of ['zh', 'ja', 'th']) {
      const r = await build(lang, join(dir, `spaces-${lang}`));
      assert.deepEqual(
        r.entries.filter((e) => e.includes(' ')),
        [],
        lang,
      );
    }
    const th = readJson<string[]>(join(dir, 'spaces-th', 'th.json'));
    assert.ok(!th.includes('ข้าวผม'), 'ข้าว and ผม are separated by a space in the text');
    // The reference tokenizer would have made single characters of these scripts.
    assert.ok(!readJson<string[]>(join(dir, 'spaces-zh', 'zh.json')).includes('京'));
  });

  it('records every language built into one folder, each with its file and sha256', async () => {
    const out = join(dir, 'two');
    await build('zh', out);
    await build('th', out);
    const index = readJson<FolderIndex>(join(out, 'provenance.json'));
    assert.deepEqual(Object.keys(index.languages), ['th', 'zh']);
    for (const lang of ['th', 'zh']) {
      const record: Provenance = index.languages[lang];
      const file = readFileSync(join(out, `${lang}.json`));
      assert.equal(record.output.path, `${lang}.json`);
      assert.equal(record.output.sha256, sha(file));
      assert.equal(record.output.entries, (JSON.parse(file.toString()) as string[]).length);
      assert.equal(record.language, lang);
      assert.equal(record.tokenization.method, 'Intl.Segmenter');
      assert.equal(record.tokenization.bigramJoiner, '');
      assert.equal(record.sources.wikiDumps?.files[0].sha256, sha(readFileSync(dump(lang))));
      assert.equal(record.thresholds.minUnigram, 2);
      assert.equal(record.sources.wordnet, undefined);
    }
    // Rebuilding one language keeps the other's record as it was.
    const before = index.languages.th;
    await build('zh', out);
    assert.deepEqual(readJson<FolderIndex>(join(out, 'provenance.json')).languages.th, before);
  });

  it("leaves the folder's files untouched when a build fails", async () => {
    const out = join(dir, 'failing');
    await build('zh', out);
    const names = ['zh.json', 'provenance.json'];
    const saved = names.map((n) => readFileSync(join(out, n)));
    const xml = dumpXml(LANGUAGES.ja.pages, 'ja');
    const cut = join(dir, 'jawiki-cut.xml');
    writeFileSync(cut, xml.slice(0, xml.indexOf('東京タワーは')));
    await assert.rejects(build('ja', out, cut), InputError);
    assert.ok(!existsSync(join(out, 'ja.json')));
    names.forEach((n, i) => assert.deepEqual(readFileSync(join(out, n)), saved[i], n));
    // A broken index is refused before any counting, naming the file.
    writeFileSync(join(out, 'provenance.json'), '{"format": "something else"}');
    await assert.rejects(
      build('th', out),
      (e: Error) => e instanceof InputError && e.message.includes('provenance.json'),
    );
    assert.ok(!existsSync(join(out, 'th.json')));
  });

  it('refuses a second build into a folder while one is running', async () => {
    const out = join(dir, 'locked');
    mkdirSync(join(out, '.metacurate'), { recursive: true });
    const holder = {
      pid: process.pid,
      host: hostname(),
      started: new Date().toISOString(),
      command: 'metadata build --lang zh',
    };
    writeFileSync(join(out, '.metacurate', 'lock'), JSON.stringify(holder));
    await assert.rejects(
      build('th', out),
      (e: Error) => e instanceof UsageError && e.message.includes('--lang zh'),
    );
    assert.ok(!existsSync(join(out, 'th.json')) && !existsSync(join(out, 'provenance.json')));
    rmSync(join(out, '.metacurate', 'lock'));
    await build('th', out);
    assert.ok(!existsSync(join(out, '.metacurate', 'lock')), 'the lock is released');
  });

  it('refuses an index that points outside the folder', () => {
    const out = join(dir, 'hostile');
    mkdirSync(out);
    writeFileSync(
      join(out, 'provenance.json'),
      JSON.stringify({
        format: 'metacurate-metadata-folder/1',
        languages: { zh: { output: { path: '../x.json' } } },
      }),
    );
    assert.throws(() => readFolderIndex(out), InputError);
  });

  describe('on the command line', () => {
    it('builds --lang into --out-dir, reading page views of that language only', async () => {
      const out = join(dir, 'cli');
      const pv = join(dir, 'pv');
      mkdirSync(pv);
      const { gzipSync } = await import('node:zlib');
      writeFileSync(join(pv, 'pageviews-20240101-000000.gz'), gzipSync('zh 长城 80 0\nen Great_Wall 90 0\n'));
      const r = await run([
        'build',
        '--lang',
        'zh',
        '--out-dir',
        out,
        '--wiki-dump',
        dump('zh'),
        '--pageviews',
        pv,
        '--min-unigram',
        '2',
        '--min-views',
        '70',
        '--min-line-views',
        '50',
        '--threads',
        '1',
      ]);
      assert.equal(r.code, EXIT_OK);
      const entries = readJson<string[]>(join(out, 'zh.json'));
      assert.ok(entries.includes('长城') && !entries.includes('Great Wall'));
      const index = readJson<FolderIndex>(join(out, 'provenance.json'));
      assert.equal(index.languages.zh.sources.pageviews?.project, 'zh');
      assert.match(r.out, /provenance\.json/);
    });

    it('refuses bad --lang values and contradictory options with a usage error', async () => {
      const out = join(dir, 'cli-bad');
      for (const lang of ['EN', '../en', 'en/zh', 'english', 'zh_CN', ''])
        await assert.rejects(
          run(['build', '--lang', lang, '--out-dir', out, '--wiki-dump', dump('zh')]),
          UsageError,
          lang,
        );
      await assert.rejects(run(['build', '--out-dir', out, '--wiki-dump', dump('zh')]), UsageError);
      await assert.rejects(
        run([
          'build',
          '--lang',
          'zh',
          '--out-dir',
          out,
          '--out',
          join(dir, 'x.json'),
          '--wiki-dump',
          dump('zh'),
        ]),
        UsageError,
      );
      await assert.rejects(
        run(['build', '--lang', 'zh', '--out-dir', out, '--wordnet', wn, '--wiki-dump', dump('zh')]),
        UsageError,
      );
      await assert.rejects(
        run(['build', '--lang', 'zh', '--out-dir', out, '--parts', 'wordnet']),
        UsageError,
      );
      assert.ok(!existsSync(out));
    });

    it('keeps the single-file --out mode, now in any language', async () => {
      const out = join(dir, 'single-th.json');
      const r = await run([
        'build',
        '--lang',
        'th',
        '--out',
        out,
        '--wiki-dump',
        dump('th'),
        '--min-unigram',
        '2',
        '--threads',
        '1',
      ]);
      assert.equal(r.code, EXIT_OK);
      assert.ok(readJson<string[]>(out).includes('ข้าว'));
      assert.equal(readJson<Provenance>(join(dir, 'single-th.provenance.json')).language, 'th');
    });

    it('diffs two folders language by language, a language on one side against an empty list', async () => {
      const a = join(dir, 'diff-a');
      const b = join(dir, 'diff-b');
      await build('zh', a);
      await build('th', a);
      const moreZh = join(dir, 'zhwiki-more.xml');
      writeFileSync(
        moreZh,
        dumpXml([...LANGUAGES.zh.pages, { title: '长城', text: '长城很长。长城' }], 'zh'),
      );
      await build('zh', b, moreZh);
      await build('ru', b);
      const r = await run(['diff', a, b, '--json']);
      assert.equal(r.code, EXIT_OK);
      const diffs = JSON.parse(r.out) as LanguageDiff[];
      assert.deepEqual(
        diffs.map((d) => [d.lang, d.in]),
        [
          ['ru', 'B'],
          ['th', 'A'],
          ['zh', 'both'],
        ],
      );
      const [ru, th, zh] = diffs;
      assert.equal(ru.diff.added.length, readJson<string[]>(join(b, 'ru.json')).length);
      assert.equal(th.diff.removed.length, readJson<string[]>(join(a, 'th.json')).length);
      assert.ok(zh.diff.added.some((x) => x.entry === '长城'));
      assert.deepEqual(zh.diff.removed, []);
      const text = await run(['diff', a, b]);
      assert.match(text.out, /^== ru \(only in .*diff-b\)$/m);
      assert.match(text.out, /^\+ \d+\t"长城"$/m);
      await assert.rejects(run(['diff', a, join(a, 'zh.json')]), UsageError);
      await assert.rejects(run(['diff', a, wn]), InputError);
    });
  });
});
