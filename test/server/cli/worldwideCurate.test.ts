/**
 * `metacurate curate --worldwide` and `metacurate stats` of its curation, through the bundled
 * CLI: the options and their usage errors, the end summary per language, the `--progress json`
 * summary event, and a CSV pool's language column. The miniature pool's answers are worked out
 * in test/server/engine/worldwide/worldwideCurate.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCliEvent, type CliCurateSummary } from '../../../contracts/src/cliEvents';
import { tempDir } from '../../support/fixtures';
import { EXPECTED, LISTS, POOL, writeFolder } from '../../support/worldwidePool';

const CLI = resolve(__dirname, '../../../../dist/cli.js');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('metacurate curate --worldwide', function () {
  this.timeout(120000);
  const dir = tempDir('metacurate-worldwide-cli-');
  const folder = join(dir.path, 'metadata');
  const csv = join(dir.path, 'pool', 'pool.csv');
  before(() => {
    writeFolder(folder, LISTS);
    mkdirSync(join(dir.path, 'pool'));
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const rows = POOL.map(([text, lang]) => `${quote(text)},${lang ?? ''}`);
    writeFileSync(csv, ['caption,language', ...rows].join('\n') + '\n');
  });
  after(() => dir.remove());

  const args = (out: string, extra: string[] = []) => [
    'curate',
    '--worldwide',
    '--metadata-dir',
    folder,
    '--t-en',
    '2',
    '--input',
    csv,
    '--text-field',
    'caption',
    '--lang-field',
    'language',
    '--seed',
    '5',
    '--out',
    join(dir.path, out),
    '--no-cache',
    ...extra,
  ];

  it('refuses mixed or missing options with exit 2, naming them', () => {
    const cases: [string[], RegExp][] = [
      [[...args('u1'), '--metadata', join(folder, 'en.json')], /use --metadata-dir, not --metadata/],
      [[...args('u2'), '--t', '5'], /use --t-en, not --t/],
      [args('u3').filter((a, i, all) => a !== '--t-en' && all[i - 1] !== '--t-en'), /--t-en is required/],
      [[...args('u4'), '--padding', 'english'], /implies --padding worldwide/],
      [
        [...args('u5'), '--lid-min-confidence', '0.5'],
        /--lid-min-confidence applies only without --lang-field/,
      ],
      [
        ['curate', '--metadata', join(folder, 'en.json'), '--t', '2', '--lang-field', 'x', '--input', csv],
        /--lang-field applies to --worldwide only/,
      ],
    ];
    for (const [argv, message] of cases) {
      const r = cli(argv);
      assert.equal(r.status, 2, `${argv.join(' ')}\n${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  it('refuses a folder without English with exit 2, naming the folder', () => {
    const noEnglish = join(dir.path, 'no-en');
    writeFolder(noEnglish, { de: LISTS.de });
    const r = cli(args('u6').map((a) => (a === folder ? noEnglish : a)));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${noEnglish}.*English`));
  });

  it('curates a CSV pool by its language column and prints a line per language', () => {
    const r = cli(args('csv'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /Languages: 8 lists, English's t=2 keeps a tail share of 20\.0% in every language/,
    );
    assert.match(r.stderr, /\n {2}ru {6}2 records, 2 matched, t=2, 0 head entries/);
    assert.match(r.stderr, /Without a list \(not matched\): 2 records: (fr 1, und 1|und 1, fr 1)/);
  });

  it('ends --progress json with the summary event carrying `worldwide`', () => {
    const r = cli(args('json', ['--progress', 'json']));
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const last = parseCliEvent(lines[lines.length - 1]);
    assert.equal(last?.type, 'summary');
    const summary = (last as { summary: CliCurateSummary }).summary;
    const w = summary.worldwide!;
    assert.equal(w.tail_proportion, 0.2);
    assert.deepEqual(w.without_metadata, { fr: 1, und: 1 });
    for (const l of w.languages)
      assert.deepEqual(
        [l.records, l.matched_records, l.t, l.head_entries, l.matched_entries, l.expected_kept],
        EXPECTED[l.code],
        l.code,
      );
  });

  it('stats prints a row per language and the records without a list', () => {
    const r = cli(['stats', '--counts', join(dir.path, 'csv', 'counts.json'), '--t', '2']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /language\s+records\s+matched\s+t\s+head entries\s+expected kept\s+kept/);
    assert.match(r.stdout, /\nen\s+9\s+8\s+2\s+1\s+4\.7\s+\d+\n/);
    assert.match(r.stdout, /\nth\s+2\s+2\s+1\s+1\s+1\.5\s+\d+\n/);
    assert.match(r.stdout, /Records without a list \(not matched\): (fr 1, und 1|und 1, fr 1)/);
    const json = cli(['stats', '--counts', join(dir.path, 'csv', 'counts.json'), '--json']);
    assert.equal((JSON.parse(json.stdout) as { worldwide: { t_en: number } }).worldwide.t_en, 2);
  });
});
