/**
 * The `metacurate` command line as users and the editor call it: help, exit codes, error
 * messages, the match/count/stats contracts, and a curation killed with SIGKILL that resumes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ReferenceMatcher } from '../../../server/src/engine/match/referenceMatcher';
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
    it('lists the commands with --help and exits 0', () => {
      const r = cli(['--help']);
      assert.equal(r.code, 0);
      for (const name of ['match', 'count', 'curate', 'stats'])
        assert.match(r.stdout, new RegExp(`\\n  ${name} `));
    });
    for (const name of ['match', 'count', 'curate', 'stats', 'curate-task']) {
      it(`${name} --help prints its usage and exits 0`, () => {
        const r = cli([name, '--help']);
        assert.equal(r.code, 0);
        assert.match(r.stdout, new RegExp(`Usage: metacurate ${name}`));
      });
    }
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
        assert.deepEqual(curatedTree(killed), curatedTree(clean), `killed in the ${phase} pass`);
      }
    });
  });
});
