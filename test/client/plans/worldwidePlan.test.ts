/** "Curate Pool…" of a worldwide folder: which metadata is one, its argv, its language field and its end line. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../../support/fixtures';
import { LISTS, POOL, writeFolder as writeWorldwideFolder } from '../../support/worldwidePool';
import { curateArgv, type CurationPlan } from '../../../client/src/plans/curatePlan';
import {
  languageFieldChoices,
  languageFieldSetting,
  languageFieldToOffer,
  tEnPrefill,
  worldwideFolderOf,
  worldwideSummaryText,
} from '../../../client/src/plans/worldwidePlan';
import { parseCliEvent, type CliWorldwideLanguage } from '../../../contracts/src/cliEvents';

const CLI = resolve(__dirname, '../../../../dist/cli.js');

const WORLDWIDE: CurationPlan = {
  metadata: '/ws/meta',
  inputs: ['/ws/pool/a.jsonl', '/ws/pool/b.jsonl'],
  textField: 'caption',
  t: 5,
  seed: 7,
  outDir: '/ws/ww-curated',
  workers: 2,
  worldwide: { languageField: 'lang' },
};

/** A metadata folder whose provenance.json names `named` (code -> file); every file is written. */
function writeFolder(dir: string, named: Record<string, string>, alsoWritten: string[] = []): void {
  mkdirSync(dir, { recursive: true });
  const languages = Object.fromEntries(
    Object.entries(named).map(([code, file]) => [code, { file, entries: 1 }]),
  );
  for (const file of [...Object.values(named), ...alsoWritten]) writeFileSync(join(dir, file), '["x"]');
  writeFileSync(join(dir, 'provenance.json'), JSON.stringify({ languages }));
}

describe('worldwidePlan', () => {
  describe('curateArgv of a worldwide plan', () => {
    it("names the folder with --worldwide --metadata-dir, the language field, and English's t as --t-en", () => {
      assert.deepEqual(curateArgv(WORLDWIDE), [
        'curate',
        '--worldwide',
        '--metadata-dir',
        '/ws/meta',
        '--input',
        '/ws/pool/a.jsonl',
        '--input',
        '/ws/pool/b.jsonl',
        '--text-field',
        'caption',
        '--lang-field',
        'lang',
        '--t-en',
        '5',
        '--seed',
        '7',
        '--out',
        '/ws/ww-curated',
        '--progress',
        'json',
        '--workers',
        '2',
      ]);
    });

    it('identifies languages (no --lang-field) when the plan names no field', () => {
      const argv = curateArgv({ ...WORLDWIDE, worldwide: {}, workers: 0 });
      assert.deepEqual(argv, [
        'curate',
        '--worldwide',
        '--metadata-dir',
        '/ws/meta',
        '--input',
        '/ws/pool/a.jsonl',
        '--input',
        '/ws/pool/b.jsonl',
        '--text-field',
        'caption',
        '--t-en',
        '5',
        '--seed',
        '7',
        '--out',
        '/ws/ww-curated',
        '--progress',
        'json',
      ]);
    });

    it('runs on Slurm as the English flow does', () => {
      const argv = curateArgv({ ...WORLDWIDE, executor: 'slurm' });
      assert.deepEqual(argv.slice(-4), ['--executor', 'slurm', '--poll-seconds', '1']);
      assert.ok(!argv.includes('--workers') && !argv.includes('--t') && !argv.includes('--metadata'));
    });
  });

  describe('worldwideFolderOf', () => {
    const dir = tempDir('metacurate-worldwideplan-');
    after(() => dir.remove());
    const meta = join(dir.path, 'meta');
    writeFolder(meta, { en: 'en.json', zh: 'zh.json', th: 'th.json' }, ['notes.json']);
    const plain = join(dir.path, 'plain');
    mkdirSync(plain);
    writeFileSync(join(plain, 'zh.json'), '["x"]');
    const escaping = join(dir.path, 'escaping');
    mkdirSync(escaping);
    writeFileSync(
      join(escaping, 'provenance.json'),
      JSON.stringify({ languages: { zh: { file: '../plain/zh.json' } } }),
    );

    it('a folder whose provenance.json names lists is worldwide, its lists by sorted code', () => {
      const folder = worldwideFolderOf(meta);
      assert.ok(folder);
      assert.equal(folder.dir, meta);
      assert.deepEqual(
        [...folder.lists],
        [
          ['en', join(meta, 'en.json')],
          ['th', join(meta, 'th.json')],
          ['zh', join(meta, 'zh.json')],
        ],
      );
      assert.equal(folder.chosenList, undefined);
    });

    it('a CODE.json the sibling provenance.json names is a language list of that folder', () => {
      const folder = worldwideFolderOf(join(meta, 'zh.json'));
      assert.equal(folder?.dir, meta);
      assert.equal(folder?.chosenList, 'zh');
    });

    it('a JSON file the provenance does not name, or a zh.json with no provenance, is an ordinary list', () => {
      assert.equal(worldwideFolderOf(join(meta, 'notes.json')), undefined);
      assert.equal(worldwideFolderOf(join(meta, 'provenance.json')), undefined);
      assert.equal(worldwideFolderOf(join(plain, 'zh.json')), undefined);
      assert.equal(worldwideFolderOf(plain), undefined);
    });

    it('a provenance naming a list outside its folder names nothing, and a missing path is no folder', () => {
      assert.equal(worldwideFolderOf(escaping), undefined);
      assert.equal(worldwideFolderOf(join(dir.path, 'missing')), undefined);
    });
  });

  describe('the language field', () => {
    it('the setting is used when it names a field; empty or not a string means ask', () => {
      assert.equal(languageFieldSetting(' lang '), 'lang');
      assert.equal(languageFieldSetting(''), undefined);
      assert.equal(languageFieldSetting('   '), undefined);
      assert.equal(languageFieldSetting(undefined), undefined);
      assert.equal(languageFieldSetting(3), undefined);
    });

    it('after a curation by a field, that field is offered as the setting unless the setting names it already', () => {
      assert.equal(languageFieldToOffer('', 'lang'), 'lang');
      assert.equal(languageFieldToOffer(undefined, 'lang'), 'lang');
      assert.equal(languageFieldToOffer('language', 'lang'), 'lang');
      assert.equal(languageFieldToOffer(' lang ', 'lang'), undefined);
      // Identified by the curation: the editor identifies too, nothing to offer.
      assert.equal(languageFieldToOffer('', undefined), undefined);
    });

    it('a field named like a language comes first, then identification, then the other fields but the caption', () => {
      assert.deepEqual(languageFieldChoices(['caption', 'url', 'language', 'lang'], 'caption'), [
        'lang',
        undefined,
        'url',
        'language',
      ]);
    });

    it('with no such field, identification comes first', () => {
      assert.deepEqual(languageFieldChoices(['text', 'url'], 'text'), [undefined, 'url']);
      assert.deepEqual(languageFieldChoices([], 'text'), [undefined]);
    });
  });

  describe('worldwideSummaryText', () => {
    const language = (code: string, t: number, records: number): CliWorldwideLanguage => ({
      code,
      file: `${code}.json`,
      sha256: '0'.repeat(64),
      entries: 2,
      offset: 0,
      records,
      matched_records: records,
      t,
      head_entries: 0,
      matched_entries: 1,
      expected_kept: records,
      kept: records,
    });

    it('names each language seen with its t, and the records of languages without a list', () => {
      assert.equal(
        worldwideSummaryText({
          languages: [
            language('en', 5000, 10),
            language('th', 2, 3),
            language('ja', 1, 0),
            language('zh', 3, 4),
          ],
          without_metadata: { und: 2, fr: 1 },
        }),
        't per language: en 5,000, th 2, zh 3; 3 records of a language without a list.',
      );
    });

    it('says so when no record had a language with a list', () => {
      assert.equal(
        worldwideSummaryText({ languages: [language('en', 5, 0)], without_metadata: {} }),
        't per language: no language seen.',
      );
    });
  });

  describe("tEnPrefill: English's t", () => {
    it("takes the panel's t while it shows English or all languages", () => {
      assert.equal(tEnPrefill({ t: 20, language: 'en' }, 7, 5), 20);
      assert.equal(tEnPrefill({ t: 20, language: '*' }, 7, 5), 20);
    });

    it("never another language's t_lang: the English list's active curation's, else the setting's", () => {
      assert.equal(tEnPrefill({ t: 10, language: 'zh' }, 7, 5), 7);
      assert.equal(tEnPrefill({ t: 10, language: 'zh' }, undefined, 5), 5);
      assert.equal(tEnPrefill({ t: 10, language: undefined }, undefined, 5), 5);
      assert.equal(tEnPrefill({ t: undefined, language: 'en' }, undefined, undefined), 1);
    });
  });

  describe("the CLI runs a worldwide plan's argv", function () {
    this.timeout(120_000);
    const dir = tempDir('metacurate-worldwideplan-cli-');
    after(() => dir.remove());

    it('with the language field: the summary is worldwide at t_en, languages from the field, and the end line names each t', () => {
      assert.ok(existsSync(CLI), `${CLI} is built by npm run build`);
      const plan: CurationPlan = {
        metadata: join(dir.path, 'meta'),
        inputs: [join(dir.path, 'pool.jsonl')],
        textField: 'text',
        t: 2,
        seed: 1,
        outDir: join(dir.path, 'curated'),
        workers: 1,
        worldwide: { languageField: 'lang' },
      };
      writeWorldwideFolder(plan.metadata, LISTS);
      writeFileSync(
        plan.inputs[0],
        POOL.map(([text, lang]) => JSON.stringify(lang ? { text, lang } : { text })).join('\n') + '\n',
      );
      const r = spawnSync(process.execPath, [CLI, ...curateArgv(plan)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.split('\n').filter(Boolean);
      const last = parseCliEvent(lines[lines.length - 1]);
      assert.ok(last?.type === 'summary', `the last line is ${lines[lines.length - 1]}`);
      const w = last.summary.worldwide;
      assert.ok(w, 'the summary is not worldwide');
      assert.equal(w.t_en, 2);
      assert.deepEqual(w.language_source, { kind: 'field', field: 'lang' });
      assert.deepEqual(
        w.languages.map((l) => l.code),
        Object.keys(LISTS).sort(),
      );
      assert.match(
        worldwideSummaryText(w),
        /^t per language: ar 1, de 1, en 2, hi 1, ja 1, ru 2, th 1, zh 1; 2 records/,
      );
    });
  });
});
