/**
 * `metacurate browse` as a user calls it: the page of records behind an entry, as JSON the same
 * the engine's browser (and so the editor) gives, as text with the matches marked, an index built
 * first for an older curation, and usage errors with exit 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EntryRecordsResult } from '../../../contracts/src/entryRecords';
import { curate } from '../../../server/engine/src/curate';
import { CurationEntryBrowser } from '../../../server/engine/src/entryIndex/curationEntryRecords';
import { generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';

const CLI = resolve(__dirname, '../../../../dist/cli.js');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'browse', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('metacurate browse', function () {
  this.timeout(120000);
  const dir = tempDir('metacurate-cli-browse-');
  const out = join(dir.path, 'curated');
  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is built by npm run build`);
    const metadataPath = join(dir.path, 'metadata.json');
    writeFileSync(metadataPath, JSON.stringify(smallMetadata()));
    writeJsonl(join(dir.path, 'pool.jsonl'), generateCaptions(600, 5));
    await curate({
      metadataPath,
      inputs: [join(dir.path, 'pool.jsonl')],
      textFields: ['text'],
      t: 30,
      seed: 3,
      outDir: out,
      cache: false,
      workers: 1,
    });
  });
  after(() => dir.remove());

  it('prints the page as JSON, the same the editor gets, by entry text or id', async () => {
    const r = cli([
      '--curation',
      out,
      '--entry',
      'dog',
      '--filter',
      'dropped',
      '--offset',
      '3',
      '--limit',
      '4',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const page = JSON.parse(r.stdout) as EntryRecordsResult;
    const browser = await CurationEntryBrowser.open(out);
    try {
      assert.deepEqual(page, await browser.page({ entryId: 0, filter: 'dropped', offset: 3, limit: 4 }));
    } finally {
      await browser.close();
    }
    assert.equal(page.records.length, 4);
    const byId = cli([
      '--curation',
      out,
      '--entry-id',
      '0',
      '--filter',
      'dropped',
      '--offset',
      '3',
      '--limit',
      '4',
      '--json',
    ]);
    assert.equal(byId.stdout, r.stdout);
  });

  it('prints a readable page: kept or dropped, key and place, the text with the entry marked', () => {
    const r = cli(['--curation', out, '--entry', 'cat', '--limit', '3']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(
      lines[0],
      /^Entry 'cat' \(id 1\) at t = 30, seed 3: \d+ records match, \d+ kept, \d+ dropped; keep probability 0\.\d{4}$/,
    );
    assert.match(lines[1], /^Records 1–3 of \d+:$/);
    assert.match(lines[3], /^(kept {3}|dropped) {2}pool\.jsonl:\d+ {2}\(.*pool\.jsonl:\d+\)$/);
    assert.match(lines[4], /\[cat\]/);
  });

  it("lists each record's image with --image-field: a file in the pool's folder, a URL not fetched, a refusal", async () => {
    const pool = join(dir.path, 'images', 'pool.jsonl');
    mkdirSync(join(dir.path, 'images'));
    const rows = [
      { text: 'a dog', image: 'img/a.png' },
      { text: 'the dog', image: 'https://example.com/b.jpg' },
      { text: 'dog three', image: '/etc/passwd' },
    ];
    writeFileSync(pool, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const folder = join(dir.path, 'images', 'curated');
    await curate({
      metadataPath: join(dir.path, 'metadata.json'),
      inputs: [pool],
      textFields: ['text'],
      t: 30,
      seed: 3,
      outDir: folder,
      cache: false,
      workers: 1,
    });
    const r = cli(['--curation', folder, '--entry', 'dog', '--image-field', 'image']);
    assert.equal(r.code, 0, r.stderr);
    const images = r.stdout.split('\n').filter((line) => line.trimStart().startsWith('image: '));
    assert.deepEqual(
      images.map((line) => line.trim()),
      [
        `image: ${join(dir.path, 'images', 'img', 'a.png')}`,
        'image: https://example.com/b.jpg (not fetched)',
        `image: '/etc/passwd' refused: it is outside the pool file's folder ${join(dir.path, 'images')}; only images inside it are opened`,
      ],
    );
    const json = JSON.parse(
      cli(['--curation', folder, '--entry', 'dog', '--image-field', 'image', '--json']).stdout,
    ) as EntryRecordsResult;
    assert.deepEqual(json.records[1].image, { kind: 'url', url: 'https://example.com/b.jpg' });
    assert.ok(
      !cli(['--curation', folder, '--entry', 'dog']).stdout.includes('image:'),
      'no field: no images',
    );
  });

  it('builds the index of a curation made before it existed, and says so on stderr', () => {
    rmSync(join(out, 'entries.idx'), { force: true });
    rmSync(join(out, 'records.idx'), { force: true });
    const manifestPath = join(out, '.metacurate', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { current: { files: string[] } };
    manifest.current.files = manifest.current.files.filter((f) => !f.endsWith('.idx'));
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const first = cli(['--curation', out, '--entry', 'dog', '--limit', '1']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /Built the entry index of .*curated/);
    const again = cli(['--curation', out, '--entry', 'dog', '--limit', '1']);
    assert.equal(again.stderr, '');
    assert.equal(again.stdout, first.stdout);
  });

  it('exits 2 naming the problem: no entry or both, an unknown entry, a bad filter or limit, no curation', () => {
    const cases: [string[], RegExp][] = [
      [['--curation', out], /--entry TEXT or --entry-id N/],
      [['--curation', out, '--entry', 'dog', '--entry-id', '0'], /--entry TEXT or --entry-id N/],
      [['--curation', out, '--entry', 'unicorn'], /'unicorn' is not an entry of this curation's metadata/],
      [
        ['--curation', out, '--entry', 'dog', '--filter', 'maybe'],
        /--filter must be one of all, kept, dropped/,
      ],
      [['--curation', out, '--entry', 'dog', '--limit', '0'], /--limit must be an integer from 1 to 1000/],
      [['--curation', out, '--entry-id', '99'], /entry id 99 is not in this curation's metadata/],
      [['--curation', join(dir.path, 'nothing'), '--entry', 'dog'], /holds no finished curation/],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
