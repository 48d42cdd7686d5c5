/**
 * The `metacurate` command line as users and the editor call it: help, exit codes, error
 * messages, the match/count/stats contracts, and a curation killed with SIGKILL that resumes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ReferenceMatcher } from '../../../server/engine/src/match/referenceMatcher';
import { AtomicFileSink } from '../../../server/engine/src/pool/sink';
import { readTar, tarHeader, TarWriter } from '../../../server/engine/src/pool/tar';
import { END, member, padded, paxHeader, paxRecord } from '../engine/pool/tarFixtures';
import { curatedTree, generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';

const CLI = resolve(__dirname, '../../../../dist/cli.js');

function cli(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('metacurate CLI', function () {
  this.timeout(120000);
  const dir = tempDir();
  const metadata = join(dir.path, 'metadata.json');
  const pool = join(dir.path, 'pool.jsonl');
  const captions = generateCaptions(2000, 11);
  before(() => {
    assert.ok(existsSync(CLI), `${CLI} is built by npm run build`);
    writeFileSync(metadata, JSON.stringify(smallMetadata()));
    writeJsonl(pool, captions);
  });
  after(() => dir.remove());

  describe('usage', () => {
    const commands = [
      'match',
      'count',
      'curate',
      'stats',
      'browse',
      'curate-task',
      'generate-pool',
      'metadata',
      'lsp',
      'run',
      'experiment',
    ];
    it('lists every command with --help and exits 0', () => {
      const r = cli(['--help']);
      assert.equal(r.code, 0);
      for (const name of commands) assert.match(r.stdout, new RegExp(`\\n  ${name} +\\S`));
      const listed = [...r.stdout.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1]);
      assert.deepEqual(listed.sort(), [...commands].sort(), 'the test covers every command');
    });
    for (const name of commands) {
      it(`${name} --help prints its usage and exits 0`, () => {
        for (const flag of ['--help', '-h']) {
          const r = cli([name, flag]);
          assert.equal(r.code, 0);
          assert.match(r.stdout, new RegExp(`^Usage: metacurate ${name}`));
        }
      });
    }
    it("the README's CLI reference lists every option of every command", () => {
      const readme = readFileSync(resolve(__dirname, '../../../../README.md'), 'utf8');
      const reference = readme.slice(
        readme.indexOf('## CLI reference'),
        readme.indexOf('\n## ', readme.indexOf('## CLI reference') + 1),
      );
      for (const name of commands) {
        const options = [...cli([name, '--help']).stdout.matchAll(/^\s{2,}(--[a-z][a-z-]*)/gm)].map(
          (m) => m[1],
        );
        const missing = [...new Set(options)].filter((o) => !reference.includes(o));
        assert.deepEqual(missing, [], `${name} options missing from the README`);
      }
    });
    it('the pool commands document their text-field defaults, key and exit codes', () => {
      for (const name of ['match', 'count', 'curate']) {
        const help = cli([name, '--help']).stdout;
        assert.match(help, /default: text; WebDataset: the \.txt member/, name);
        assert.match(help, /empty pool or empty metadata/, name);
      }
      assert.match(cli(['curate', '--help']).stdout, /path relative to the\s+inputs' common folder/);
      assert.match(cli(['count', '--help']).stdout, /matches\.bin/);
    });
    it('exits 2 on an unknown command, an unknown option, or a missing required option', () => {
      assert.equal(cli(['frobnicate']).code, 2);
      const unknown = cli(['count', '--bogus']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /bogus/);
      const missing = cli(['curate', '--metadata', metadata, '--input', pool, '--t', '10', '--seed', '1']);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--out is required/);
    });
    it('exits 2 on a file type it cannot read', () => {
      const r = cli(['match', '--metadata', metadata, '--input', join(dir.path, 'x.doc'), '--out', '-']);
      assert.equal(r.code, 2);
    });
  });

  describe('empty input exits 1 with a clear message', () => {
    it('an empty pool, from match, count and curate', () => {
      const empty = join(dir.path, 'empty-pool.jsonl');
      writeFileSync(empty, '\n\n');
      const runs = {
        match: ['match', '--metadata', metadata, '--input', empty, '--out', join(dir.path, 'empty-m.jsonl')],
        count: [
          'count',
          '--metadata',
          metadata,
          '--input',
          empty,
          '--out',
          join(dir.path, 'empty-c', 'c.json'),
        ],
        curate: [
          'curate',
          '--metadata',
          metadata,
          '--input',
          empty,
          '--t',
          '5',
          '--seed',
          '1',
          '--out',
          join(dir.path, 'empty-out'),
        ],
      };
      for (const [name, args] of Object.entries(runs)) {
        const r = cli(args);
        assert.equal(r.code, 1, name);
        assert.equal(r.stderr, `metacurate ${name}: error: the pool is empty: no records in ${empty}\n`);
      }
      assert.equal(existsSync(join(dir.path, 'empty-m.jsonl')), false);
      assert.equal(existsSync(join(dir.path, 'empty-out')), false);
    });
    it('empty metadata, from match, count and curate', () => {
      const emptyMeta = join(dir.path, 'empty-meta.json');
      writeFileSync(emptyMeta, '[]');
      for (const args of [
        ['match', '--out', '-'],
        ['count', '--out', join(dir.path, 'em', 'c.json')],
        ['curate', '--t', '5', '--seed', '1', '--out', join(dir.path, 'em-out')],
      ]) {
        const r = cli([...args, '--metadata', emptyMeta, '--input', pool]);
        assert.equal(r.code, 1, args[0]);
        assert.match(r.stderr, /empty-meta\.json: metadata is empty: it must list at least one entry\n$/);
      }
    });
  });

  describe('bad input exits 1 naming the file, the place and the problem', () => {
    it('metadata that is not JSON', () => {
      const bad = join(dir.path, 'bad-meta.json');
      writeFileSync(bad, '[\n  "dog",\n  "cat"\n  "bird"\n]');
      const r = cli(['match', '--metadata', bad, '--input', pool, '--out', '-']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /bad-meta\.json:line 4: metadata is not valid JSON/);
    });
    it('metadata that is not an array of strings', () => {
      const bad = join(dir.path, 'bad-meta2.json');
      writeFileSync(bad, '[\n  "dog",\n  "cat",\n  7\n]');
      const r = cli(['match', '--metadata', bad, '--input', pool, '--out', '-']);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /bad-meta2\.json:line 4, record 2: entry 2 is a number \(7\), expected a string/,
      );
    });
    it('a record without the text field', () => {
      const bad = join(dir.path, 'bad-pool.jsonl');
      writeFileSync(bad, '{"text": "a dog"}\n{"caption": "a cat"}\n');
      const r = cli([
        'curate',
        '--metadata',
        metadata,
        '--input',
        bad,
        '--t',
        '5',
        '--seed',
        '1',
        '--out',
        join(dir.path, 'bad-out'),
      ]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /bad-pool\.jsonl:line 2, record 1: .*text/);
      assert.equal(existsSync(join(dir.path, 'bad-out', 'data')), false);
    });
    describe('hostile WebDataset shards', () => {
      const good = (i: number) => [member(`s/00${i}.jpg`, 'jpeg'), member(`s/00${i}.txt`, captions[i])];
      const lyingSize = Buffer.concat([
        paxHeader(paxRecord('size', '4294967296')),
        tarHeader('s/003.txt', 5),
      ]);
      const curate = (shard: string, out: string, ...extra: string[]) =>
        cli([
          'curate',
          '--metadata',
          metadata,
          '--input',
          shard,
          '--t',
          '1000000',
          '--seed',
          '1',
          '--out',
          out,
          ...extra,
        ]);
      const write = (name: string, parts: Buffer[]) => {
        const path = join(dir.path, name);
        writeFileSync(path, Buffer.concat([...parts, END]));
        return path;
      };

      it('a header that lies about its size: exit 1, one line naming the shard, member and offset', () => {
        const shard = write('lying.tar', [
          ...good(0),
          member('s/003.jpg', 'jpeg'),
          lyingSize,
          padded('hello'),
        ]);
        const r = curate(shard, join(dir.path, 'lying-out'));
        assert.equal(r.code, 1, r.stderr);
        assert.equal(
          r.stderr
            .split('\n')
            .filter((l) => l.includes('error'))
            .join('\n'),
          `metacurate curate: error: ${shard}:member s/003.txt, byte 4096: truncated: member 's/003.txt' needs 4294967296 bytes, the file ends after 1536`,
        );
        assert.doesNotMatch(r.stderr, /internal error|RangeError/);
      });

      it('a member named ../../x.txt: exit 1, one line', () => {
        const shard = write('escape.tar', [...good(0), member('../../x.txt', captions[1])]);
        const r = curate(shard, join(dir.path, 'escape-out'));
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          r.stderr,
          /escape\.tar:record 1, member \.\.\/\.\.\/x\.txt, byte 2048: sample '\.\.\/\.\.\/x': member name '\.\.\/\.\.\/x\.txt' has a '\.\.' path segment/,
        );
      });

      it('with --on-error skip: counted by reason, the other samples curated, no unsafe name copied', async () => {
        const shard = write('hostile.tar', [
          ...good(0),
          member('/etc/x.txt', captions[1]),
          member('x\n.txt', captions[1]),
          ...good(2),
          member('s/003.jpg', 'jpeg'),
          lyingSize,
          padded('hello'),
          ...good(4),
        ]);
        const out = join(dir.path, 'hostile-out');
        const r = curate(shard, out, '--on-error', 'skip');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout + r.stderr, /Skipped: .*unsafe-name: 2/);
        assert.match(r.stdout + r.stderr, /Skipped: .*truncated-tar: 1/);
        const names: string[] = [];
        for await (const entry of readTar(join(out, 'data', 'hostile.tar'))) names.push(entry.name);
        assert.deepEqual(names, ['s/000.jpg', 's/000.txt', 's/002.jpg', 's/002.txt']);
      });
    });
    it('a caption that is not valid UTF-8, in match (plain text and JSONL), count and curate; skipped by reason with --on-error skip', () => {
      const text = join(dir.path, 'latin1.txt');
      writeFileSync(text, Buffer.from('a dog\ncaf\xe9 cat\na cat\n', 'latin1'));
      const jsonl = join(dir.path, 'latin1.jsonl');
      writeFileSync(jsonl, Buffer.from('{"text": "a dog"}\n{"text": "caf\xe9 cat"}\n', 'latin1'));
      const runs: [string, string, string[]][] = [
        ['match', text, ['--out', '-']],
        ['match', jsonl, ['--out', '-']],
        ['count', text, ['--out', join(dir.path, 'latin1-counts', 'counts.json')]],
        ['curate', jsonl, ['--t', '5', '--seed', '1', '--out', join(dir.path, 'latin1-out')]],
      ];
      for (const [command, input, rest] of runs) {
        const failed = cli([command, '--metadata', metadata, '--input', input, ...rest]);
        assert.equal(failed.code, 1, `${command} ${input}: ${failed.stderr}`);
        assert.match(
          failed.stderr,
          /latin1\.(txt|jsonl):line 2, record 1: invalid UTF-8 at byte offset \d+ \(byte \d+ of the line\): 0xe9/,
        );
        const skipped = cli([
          command,
          '--metadata',
          metadata,
          '--input',
          input,
          ...rest,
          '--on-error',
          'skip',
        ]);
        assert.equal(skipped.code, 0, `${command} ${input}: ${skipped.stderr}`);
        assert.match(skipped.stdout + skipped.stderr, /invalid-utf8: 1\b/, `${command} ${input}`);
      }
    });
  });

  describe('match', () => {
    it('writes one line per record, in input order, with the ascending ids of the reference matcher', () => {
      const out = join(dir.path, 'matches.jsonl');
      const r = cli(['match', '--metadata', metadata, '--input', pool, '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      const lines = readFileSync(out, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      const reference = new ReferenceMatcher(smallMetadata());
      assert.equal(lines.length, captions.length);
      lines.forEach((line, i) => {
        assert.equal(line.key, `pool.jsonl:${i}`);
        assert.deepEqual(line.entry_ids, reference.match(captions[i]));
      });
    });
    it('with --on-error skip, leaves bad records out and reports them by reason on stderr', () => {
      const bad = join(dir.path, 'skip-pool.jsonl');
      writeFileSync(bad, '{"text": "a dog"}\nnot json\n{"caption": "x"}\n{"text": 3}\n{"text": "a cat"}\n');
      const r = cli(['match', '--metadata', metadata, '--input', bad, '--out', '-', '--on-error', 'skip']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        r.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l).key),
        ['skip-pool.jsonl:0', 'skip-pool.jsonl:4'],
      );
      assert.equal(
        r.stderr,
        'metacurate match: skipped bad-json: 1, missing-text-field: 1, non-string-text: 1\n',
      );
    });
    it('names each file of several by its path from their common folder in default keys', () => {
      mkdirSync(join(dir.path, 'm1', 'sub'), { recursive: true });
      mkdirSync(join(dir.path, 'm2'), { recursive: true });
      for (const p of [join(dir.path, 'm1', 'sub', 'p.jsonl'), join(dir.path, 'm2', 'p.jsonl')])
        writeJsonl(p, ['a dog']);
      const r = cli([
        'match',
        '--metadata',
        metadata,
        '--input',
        join(dir.path, 'm2', 'p.jsonl'),
        join(dir.path, 'm1', 'sub', 'p.jsonl'),
        '--out',
        '-',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        '{"key":"m2/p.jsonl:0","entry_ids":[0]}\n{"key":"m1/sub/p.jsonl:0","entry_ids":[0]}\n',
      );
    });
    it('matches with worldwide padding when asked', () => {
      const meta = join(dir.path, 'cjk.json');
      const txt = join(dir.path, 'cjk.txt');
      writeFileSync(meta, JSON.stringify(['東京', 'タワー']));
      writeFileSync(txt, '東京タワー\n東京 タワー\n');
      const english = cli(['match', '--metadata', meta, '--input', txt, '--out', '-']);
      const worldwide = cli([
        'match',
        '--metadata',
        meta,
        '--input',
        txt,
        '--out',
        '-',
        '--padding',
        'worldwide',
      ]);
      assert.equal(english.stdout, '{"key":"0","entry_ids":[]}\n{"key":"1","entry_ids":[0,1]}\n');
      assert.equal(worldwide.stdout, '{"key":"0","entry_ids":[0]}\n{"key":"1","entry_ids":[0,1]}\n');
    });
  });

  describe('count and stats', () => {
    it('count writes {entry: count} and the compact counts.bin', () => {
      const out = join(dir.path, 'counts', 'counts.json');
      const r = cli(['count', '--metadata', metadata, '--input', pool, '--out', out, '--workers', '2']);
      assert.equal(r.code, 0, r.stderr);
      const counts = JSON.parse(readFileSync(out, 'utf8'));
      const reference = new ReferenceMatcher(smallMetadata());
      const expected: Record<string, number> = Object.fromEntries(smallMetadata().map((e) => [e, 0]));
      for (const c of captions) for (const id of reference.match(c)) expected[smallMetadata()[id]]++;
      assert.deepEqual(counts, expected);
      assert.ok(existsSync(join(dir.path, 'counts', 'counts.bin')));
    });
    it('takes several files after one --input, as a shell glob gives them', () => {
      const second = join(dir.path, 'pool2.jsonl');
      writeJsonl(second, captions.slice(0, 100));
      const out = join(dir.path, 'counts-two', 'counts.json');
      const r = cli(['count', '--metadata', metadata, '--input', pool, second, '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /in 2,100 records/);
    });
    it('count writes matches.bin beside its output, so stats gives the expected-size curve', () => {
      const countDir = join(dir.path, 'count-stats');
      const out = join(countDir, 'counts.json');
      const counted = cli(['count', '--metadata', metadata, '--input', pool, '--out', out]);
      assert.equal(counted.code, 0, counted.stderr);
      assert.ok(existsSync(join(countDir, 'matches.bin')));
      const r = cli(['stats', '--counts', out, '--t', '100', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.ok(report.expected_size_curve.length > 3);
      // The same expected size a curation of the pool computes.
      const curated = join(dir.path, 'count-stats-curated');
      const c = cli([
        'curate',
        '--metadata',
        metadata,
        '--input',
        pool,
        '--t',
        '100',
        '--seed',
        '3',
        '--out',
        curated,
      ]);
      assert.equal(c.code, 0, c.stderr);
      const summary = JSON.parse(readFileSync(join(curated, 'summary.json'), 'utf8'));
      assert.ok(Math.abs(report.expected_curated_size - summary.expected_kept) < 0.01);
      assert.doesNotMatch(cli(['stats', '--counts', out, '--t', '100']).stdout, /needs matches\.bin/);
    });
    it('stats summarises head and tail, and gives the exact expected size from a curation', () => {
      const out = join(dir.path, 'stats-run');
      assert.equal(
        cli(['curate', '--metadata', metadata, '--input', pool, '--t', '100', '--seed', '3', '--out', out])
          .code,
        0,
      );
      const r = cli(['stats', '--counts', join(out, 'counts.json'), '--t', '100', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      assert.equal(report.head_entries, summary.head_entries);
      assert.ok(Math.abs(report.expected_curated_size - summary.expected_kept) < 0.01);
      assert.ok(report.expected_size_curve.length > 3);
      const table = cli(['stats', '--counts', join(out, 'counts.json'), '--t', '100']);
      assert.match(table.stdout, /head entries hold/);
      assert.match(table.stdout, /<- t/);
    });
  });

  describe('WebDataset shards without --text-field take the .txt member', () => {
    const shardDir = join(dir.path, 'wds');
    const shardPath = join(shardDir, 'shard-000.tar');
    before(async () => {
      mkdirSync(shardDir);
      const sink = await AtomicFileSink.open(shardPath);
      const tar = new TarWriter(sink);
      for (let i = 0; i < 50; i++) {
        const key = String(i).padStart(4, '0');
        await tar.addFile(`${key}.jpg`, Buffer.from(`jpeg ${i}`));
        await tar.addFile(`${key}.txt`, Buffer.from(captions[i]));
        await tar.addFile(
          `${key}.json`,
          Buffer.from(JSON.stringify({ alt: `alt ${captions[i]}`, uid: `u${i}` })),
        );
      }
      await tar.finish();
      await sink.commit();
    });
    it('match, count and curate read a standard shard with no options, and --text-field .txt or txt', () => {
      const reference = new ReferenceMatcher(smallMetadata());
      const expected = captions
        .slice(0, 50)
        .map((c, i) => JSON.stringify({ key: String(i).padStart(4, '0'), entry_ids: reference.match(c) }))
        .join('\n');
      for (const extra of [[], ['--text-field', '.txt'], ['--text-field', 'txt']]) {
        const r = cli(['match', '--metadata', metadata, '--input', shardPath, '--out', '-', ...extra]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, expected + '\n');
      }
      const counted = cli([
        'count',
        '--metadata',
        metadata,
        '--input',
        shardPath,
        '--out',
        join(dir.path, 'wds-c', 'c.json'),
      ]);
      assert.equal(counted.code, 0, counted.stderr);
      assert.match(counted.stderr, /Counted 50 texts in 50 records/);
      const out = join(dir.path, 'wds-out');
      const curated = cli([
        'curate',
        '--metadata',
        metadata,
        '--input',
        shardPath,
        '--t',
        '5',
        '--seed',
        '1',
        '--out',
        out,
      ]);
      assert.equal(curated.code, 0, curated.stderr);
      assert.ok(existsSync(join(out, 'data', 'shard-000.tar')));
      assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(out, 'data', 'sizes.json'), 'utf8'))), [
        'shard-000.tar',
      ]);
    });
    it('a missing text field lists the names a shard accepts', () => {
      const r = cli([
        'match',
        '--metadata',
        metadata,
        '--input',
        shardPath,
        '--out',
        '-',
        '--text-field',
        'caption',
      ]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /shard-000\.tar:record 0, member 0000\.jpg, byte 0: sample '0000': missing text field 'caption' \(fields: \.jpg, \.txt, \.json, alt, uid\); --text-field names a member by extension \(\.txt or txt, \.caption\) or a field of the \.json member/,
      );
    });
    it('curate takes repeated --text-field and a --key-field from the .json member', () => {
      const out = join(dir.path, 'wds-fields');
      const r = cli([
        'curate',
        '--metadata',
        metadata,
        '--input',
        shardPath,
        '--text-field',
        'alt',
        '--text-field',
        '.txt',
        '--key-field',
        'uid',
        '--t',
        '5',
        '--seed',
        '1',
        '--out',
        out,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      assert.equal(summary.pool.records, 50);
      assert.equal(summary.pool.texts, 100);
      const sidecar = readFileSync(join(out, 'data', 'shard-000.tar.entries.jsonl'), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.ok(sidecar.length > 0);
      const reference = new ReferenceMatcher(smallMetadata());
      for (const line of sidecar) {
        const i = Number(line.key.slice(1));
        assert.equal(line.key, `u${i}`);
        const union = [
          ...new Set([...reference.match(`alt ${captions[i]}`), ...reference.match(captions[i])]),
        ];
        assert.deepEqual(
          line.entry_ids,
          union.sort((a, b) => a - b),
        );
      }
    });
  });

  describe('curate', () => {
    it('prints progress as JSON lines and a summary line for programs', () => {
      const out = join(dir.path, 'json-run');
      const r = cli([
        'curate',
        '--metadata',
        metadata,
        '--input',
        pool,
        '--t',
        '100',
        '--seed',
        '3',
        '--out',
        out,
        '--progress',
        'json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.ok(lines.some((l) => l.type === 'progress' && l.phase === 'count'));
      assert.ok(lines.some((l) => l.type === 'progress' && l.phase === 'select'));
      const summary = lines.find((l) => l.type === 'summary');
      assert.equal(summary.summary.pool.records, 2000);
    });

    it('resumes a run killed with SIGKILL to exactly the data of an uninterrupted run', async () => {
      const big = join(dir.path, 'big');
      mkdirSync(big);
      writeJsonl(join(big, 'a.jsonl'), generateCaptions(150000, 5));
      writeJsonl(join(big, 'b.jsonl'), generateCaptions(150000, 6));
      const args = (out: string) => [
        'curate',
        '--metadata',
        metadata,
        '--input',
        join(big, 'a.jsonl'),
        '--input',
        join(big, 'b.jsonl'),
        '--t',
        '2000',
        '--seed',
        '9',
        '--out',
        out,
        '--workers',
        '1',
        '--slice-mb',
        '0.5',
        '--progress',
        'json',
      ];
      const clean = join(dir.path, 'clean');
      assert.equal(cli(args(clean)).code, 0);

      for (const phase of ['count', 'select']) {
        const killed = join(dir.path, `killed-${phase}`);
        const child = spawn(process.execPath, [CLI, ...args(killed)], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, METACURATE_PROGRESS_MS: '5' },
        });
        let buffered = '';
        const killedAt = await new Promise<string>((res, rej) => {
          child.stdout.on('data', (chunk: Buffer) => {
            buffered += chunk.toString();
            for (const line of buffered.split('\n').slice(0, -1)) {
              const msg = JSON.parse(line);
              if (
                msg.type === 'progress' &&
                msg.phase === phase &&
                msg.fraction > 0.2 &&
                msg.fraction < 0.9
              ) {
                child.kill('SIGKILL');
                res(`${phase} ${msg.fraction}`);
              }
            }
            buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
          });
          child.on('exit', (code) => rej(new Error(`finished (code ${code}) before it could be killed`)));
        });
        await new Promise((r) => child.once('exit', r));
        assert.ok(killedAt.startsWith(phase));
        assert.equal(existsSync(join(killed, 'summary.json')), false, 'the killed run did not finish');
        const resumed = cli(args(killed));
        assert.equal(resumed.code, 0, resumed.stderr);
        const summary = JSON.parse(readFileSync(join(killed, 'summary.json'), 'utf8'));
        assert.equal(summary.resumed, true);
        const leftovers = (readdirSync(killed, { recursive: true }) as string[]).filter((f) =>
          /\.tmp-\d+/.test(f),
        );
        assert.deepEqual(leftovers, [], 'the resume removed the temporary files of the killed run');
        assert.deepEqual(curatedTree(killed), curatedTree(clean), `killed in the ${phase} pass`);
      }
    });
  });
});
