/** `metacurate metadata build|diff` on the command line (server/src/cli/commands/metadata.ts). */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { metadataCommand, partList, spreadMultiValued } from '../../../server/src/cli/commands/metadata';
import type { Provenance } from '../../../server/src/metadata/build';
import { EXIT_OK, InputError, UsageError } from '../../../server/engine/src/errors';

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

describe('metacurate metadata', () => {
  let dir = '';
  let wn = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mc-cmd-'));
    wn = join(dir, 'wn');
    mkdirSync(wn);
    for (const [pos, word] of [
      ['noun', 'dog'],
      ['verb', 'run'],
      ['adj', 'red'],
      ['adv', 'fast'],
    ]) {
      writeFileSync(join(wn, `data.${pos}`), `00000001 03 n 01 ${word} 0 000 | x\n`);
    }
    for (const h of ['00', '01']) {
      writeFileSync(
        join(dir, `pageviews-20240101-${h}0000.gz`),
        gzipSync(`en Red_Fox ${h === '00' ? 60 : 50} 0\n`),
      );
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is named metadata and documents both subcommands', () => {
    assert.equal(metadataCommand.name, 'metadata');
    assert.match(metadataCommand.help, /metacurate metadata build --out/);
    assert.match(metadataCommand.help, /metacurate metadata diff A B/);
  });

  it('prints the help of each subcommand', async () => {
    assert.match((await run(['build', '--help'])).out, /--wiki-dump FILE/);
    assert.match((await run(['diff', '--help'])).out, /--json/);
    assert.match((await run([])).out, /build\|diff/);
  });

  it('lets one option take several files, as a shell glob gives them', () => {
    assert.deepEqual(spreadMultiValued(['--pageviews', 'a', 'b', '--out', 'o', 'x'], ['--pageviews']), [
      '--pageviews',
      'a',
      '--pageviews',
      'b',
      '--out',
      'o',
      'x',
    ]);
  });

  it('builds WordNet and titles into --out and reports the parts on stdout', async () => {
    const out = join(dir, 'm.json');
    const r = await run([
      'build',
      '--out',
      out,
      '--wordnet',
      wn,
      '--pageviews',
      join(dir, 'pageviews-20240101-000000.gz'),
      join(dir, 'pageviews-20240101-010000.gz'),
    ]);
    assert.equal(r.code, EXIT_OK);
    const entries = JSON.parse(readFileSync(out, 'utf8')) as string[];
    assert.equal(entries.length, 105);
    assert.equal(entries[104], 'Red Fox');
    assert.match(r.out, /wrote 105 entries .*wordnet 104 \(ids 0\.\.103\), titles 1 \(ids 104\.\.104\)/);
    assert.match(r.out, /provenance: .*m\.provenance\.json/);
    assert.match(r.err, /titles: 1 with >= 70 views/);
  });

  it('builds only the parts --parts names, each with its own cap, and records both in the provenance', async () => {
    const out = join(dir, 'titles.json');
    const r = await run([
      'build',
      '--out',
      out,
      '--parts',
      'titles',
      '--min-views',
      '50',
      '--max-per-part',
      '7',
      '--max-titles',
      '1',
      '--pageviews',
      join(dir, 'pageviews-20240101-000000.gz'),
    ]);
    assert.equal(r.code, EXIT_OK);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), ['Red Fox']);
    const p = JSON.parse(readFileSync(join(dir, 'titles.provenance.json'), 'utf8')) as Provenance;
    assert.deepEqual(p.partSelection, { parts: ['titles'], by: 'parts option' });
    assert.deepEqual(p.thresholds.maxEntries, { titles: 1 });
    assert.equal(p.thresholds.maxPerPart, 7);
  });

  it('reads --parts as a comma-separated list of known parts', () => {
    assert.deepEqual(partList('wordnet, titles,wordnet'), ['wordnet', 'titles']);
    assert.throws(() => partList('wordnet,nouns'), /unknown part 'nouns'/);
    assert.throws(() => partList(','), /names no part/);
  });

  it('rejects contradictory or missing options with a usage error', async () => {
    await assert.rejects(
      run(['build', '--out', join(dir, 'x.json'), '--wordnet', wn, '--no-wordnet']),
      UsageError,
    );
    await assert.rejects(run(['build', '--wordnet', wn]), UsageError);
    await assert.rejects(run(['build', '--out', join(dir, 'x.json'), '--no-wordnet']), UsageError);
    await assert.rejects(run(['build', '--out', join(dir, 'x.json'), '--max-per-part', '0']), UsageError);
    await assert.rejects(run(['build', '--out', join(dir, 'x.json'), '--bogus']), UsageError);
    await assert.rejects(run(['build', '--out', join(dir, 'x.json'), '--parts', 'nouns']), UsageError);
    await assert.rejects(run(['build', '--out', join(dir, 'x.json'), '--parts', 'bigrams']), UsageError);
    await assert.rejects(run(['build', '--out', join(dir, 'x.json'), '--max-bigrams', '0']), UsageError);
    await assert.rejects(run(['frobnicate']), UsageError);
  });

  it('reports an unreadable source as an input error', async () => {
    await assert.rejects(
      run(['build', '--out', join(dir, 'x.json'), '--wordnet', join(dir, 'nope')]),
      InputError,
    );
  });

  it('diffs two files as text or JSON and exits 0', async () => {
    writeFileSync(join(dir, 'a.json'), JSON.stringify(['x', 'y']));
    writeFileSync(join(dir, 'b.txt'), 'y\nz\n');
    const text = await run(['diff', join(dir, 'a.json'), join(dir, 'b.txt')]);
    assert.equal(text.code, EXIT_OK);
    assert.match(text.out, /1 added, 1 removed, 1 changed id, 0 unchanged/);
    const json = await run(['diff', join(dir, 'a.json'), join(dir, 'b.txt'), '--json']);
    assert.deepEqual(JSON.parse(json.out).moved, [{ entry: 'y', from: 1, to: 0 }]);
    await assert.rejects(run(['diff', join(dir, 'a.json')]), UsageError);
  });
});
