/**
 * The `--progress json` contract: every stdout line of the built CLI (curate, its Slurm dry run,
 * count, experiment, run start) is a CliEvent that parseCliEvent accepts, and parseCliEvent turns
 * anything else (garbled, unknown, mistyped) into undefined without throwing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCliEvent, type CliEvent } from '../../contracts/src/cliEvents';
import { generateCaptions, smallMetadata, tempDir, writeJsonl } from '../support/fixtures';

const CLI = resolve(__dirname, '../../../dist/cli.js');

/** Runs the built CLI with --progress json and every progress update written (no throttling). */
function cliEvents(args: string[]): CliEvent[] {
  const r = spawnSync(process.execPath, [CLI, ...args, '--progress', 'json'], {
    encoding: 'utf8',
    env: { ...process.env, METACURATE_PROGRESS_MS: '0' },
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines.pop(), '', 'the output ends with a newline');
  return lines.map((line) => {
    const event = parseCliEvent(line);
    assert.ok(event, `not a CliEvent: ${line}`);
    return event;
  });
}

const types = (events: CliEvent[]) => [...new Set(events.map((e) => e.type))].sort();

describe('CLI --progress json events (contracts/src/cliEvents.ts)', function () {
  this.timeout(120000);

  describe('the real CLI', () => {
    const dir = tempDir('metacurate-cli-events-');
    const metadata = join(dir.path, 'metadata.json');
    const pool = join(dir.path, 'pool.jsonl');
    before(() => {
      assert.ok(existsSync(CLI), `${CLI} is built by npm run build`);
      writeFileSync(metadata, JSON.stringify(smallMetadata()));
      writeJsonl(pool, generateCaptions(500, 3));
    });
    after(() => dir.remove());

    const curateArgs = (out: string) => [
      'curate',
      '--metadata',
      metadata,
      '--input',
      pool,
      '--t',
      '20',
      '--seed',
      '1',
      '--workers',
      '1',
      '--out',
      join(dir.path, out),
    ];

    it('curate: info and progress lines, then one summary last', () => {
      const events = cliEvents(curateArgs('curated'));
      assert.deepEqual(types(events), ['info', 'progress', 'summary']);
      const last = events[events.length - 1];
      assert.equal(last.type, 'summary');
      if (last.type === 'summary') {
        assert.equal(last.summary.pool.records, 500);
        assert.equal(last.summary.t, 20);
        assert.ok(!('entries' in last.summary), 'the per-entry table stays in summary.json');
      }
      assert.deepEqual(
        [...new Set(events.flatMap((e) => (e.type === 'progress' ? [e.phase] : [])))],
        ['count', 'select'],
      );
    });

    it('curate --executor slurm --dry-run: the job scripts as one info line', () => {
      const events = cliEvents([...curateArgs('dry'), '--executor', 'slurm', '--dry-run']);
      const info = events.filter((e) => e.type === 'info');
      assert.equal(info.length, 1);
      assert.match(info[0].type === 'info' ? info[0].message : '', /sbatch --parsable/);
    });

    it('count: progress lines only (the report goes to stderr)', () => {
      const events = cliEvents([
        'count',
        '--metadata',
        metadata,
        '--input',
        pool,
        '--workers',
        '1',
        '--out',
        join(dir.path, 'counts', 'counts.json'),
      ]);
      assert.deepEqual(types(events), ['progress']);
    });

    it('experiment mini and run start: the report as info lines, then created, state, done', () => {
      const mini = join(dir.path, 'mini');
      const made = cliEvents([
        'experiment',
        'mini',
        '--out',
        mini,
        '--data-only',
        '--pool-size',
        '200',
        '--test-per-class',
        '2',
        '--t',
        '20',
      ]);
      assert.ok(made.some((e) => e.type === 'info' && /Train on it with:/.test(e.message)));
      const run = cliEvents([
        'run',
        'start',
        '--curation',
        join(mini, 'curated'),
        '--kind',
        'custom',
        '--command',
        'echo trained',
        '--workspace',
        join(dir.path, 'ws'),
      ]);
      assert.equal(run[0].type, 'created');
      assert.ok(run.some((e) => e.type === 'state' && e.status === 'running'));
      const done = run[run.length - 1];
      assert.equal(done.type, 'done');
      if (done.type === 'done') {
        assert.equal(done.status, 'succeeded');
        assert.equal(typeof done.summary.curatedRecords, 'number');
        assert.equal(done.summary.t, 20);
      }
    });
  });

  describe('parseCliEvent', () => {
    const progress = {
      type: 'progress',
      phase: 'count',
      fraction: 0.5,
      records: 10,
      recordsPerSecond: 5,
      etaSeconds: null,
      elapsedSeconds: 2,
    };
    const state = { type: 'state', id: 'r1', status: 'running', updatedAt: '2026-01-01T00:00:00Z' };

    it('accepts each kind of event, with fields a newer writer adds', () => {
      assert.deepEqual(parseCliEvent(JSON.stringify(progress)), progress);
      assert.ok(parseCliEvent(JSON.stringify({ type: 'info', message: 'hello' })));
      assert.ok(parseCliEvent(JSON.stringify({ type: 'created', id: 'r1', runDir: '/w/r1' })));
      assert.ok(parseCliEvent(JSON.stringify({ ...state, progress: { step: 3, percent: 30 } })));
      assert.ok(
        parseCliEvent(
          JSON.stringify({
            type: 'done',
            id: 'r1',
            status: 'failed',
            summary: { id: 'r1', kind: 'custom', status: 'failed' },
          }),
        ),
      );
      assert.ok(parseCliEvent(JSON.stringify({ ...progress, newField: [1, 2] })));
    });

    const garbled: [string, string][] = [
      ['an empty line', ''],
      ['plain text', 'Counted 500 texts'],
      ['a truncated line', JSON.stringify(progress).slice(0, 40)],
      ['null', 'null'],
      ['a number', '42'],
      ['an array', JSON.stringify([progress])],
      ['no type', JSON.stringify({ ...progress, type: undefined })],
      ['an unknown type', JSON.stringify({ ...progress, type: 'progres' })],
      ['a type that is an Object member', JSON.stringify({ type: 'toString' })],
      ['a string fraction', JSON.stringify({ ...progress, fraction: '0.5' })],
      ['a missing phase', JSON.stringify({ ...progress, phase: undefined })],
      ['an info without message', JSON.stringify({ type: 'info' })],
      ['an unknown run status', JSON.stringify({ ...state, status: 'exploded' })],
      ['a state without updatedAt', JSON.stringify({ ...state, updatedAt: undefined })],
      ['a mistyped optional field', JSON.stringify({ ...state, exitCode: '0' })],
      ['a progress that is not an object', JSON.stringify({ ...state, progress: 'half' })],
      ['a summary without its pool', JSON.stringify({ type: 'summary', summary: { kept: 1 } })],
      ['a done without summary', JSON.stringify({ type: 'done', id: 'r1', status: 'succeeded' })],
    ];
    for (const [what, line] of garbled) {
      it(`returns undefined, without throwing, for ${what}`, () => {
        assert.equal(parseCliEvent(line), undefined);
      });
    }
  });
});
