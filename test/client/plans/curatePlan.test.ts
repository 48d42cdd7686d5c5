/** "Curate Pool…" as a plan: the answers and settings become the CLI's argv, folder and messages. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';
import { parseCliEvent, type CliProgressEvent } from '../../../contracts/src/cliEvents';
import {
  commandLine,
  curateArgv,
  curateProgressStep,
  curationSummaryText,
  executorChoice,
  failureReason,
  isInside,
  needsTextField,
  outDirPrompt,
  outputsOutside,
  POOL_DIALOG_EXTENSIONS,
  POOL_GLOB,
  resolveOutDir,
  seedPrefill,
  textFieldChoices,
  tPrefill,
  validateFieldName,
  validateOutDir,
  validatePoolGlob,
  globMatchMessage,
  GLOB_COUNT_LIMIT,
  validateSeed,
  validateT,
  workersSetting,
  type CurationPlan,
} from '../../../client/src/plans/curatePlan';

const CLI = resolve(__dirname, '../../../../dist/cli.js');

/** A progress event as the CLI writes it, with `fields` changed. */
function progress(fields: Partial<CliProgressEvent>): CliProgressEvent {
  return {
    type: 'progress',
    phase: 'count',
    fraction: 0,
    records: 0,
    recordsPerSecond: 0,
    etaSeconds: null,
    elapsedSeconds: 1,
    ...fields,
  };
}

const PLAN: CurationPlan = {
  metadata: '/ws/metadata.json',
  inputs: ['/ws/pool/a.jsonl', '/ws/pool/b.jsonl'],
  textField: 'caption',
  t: 20000,
  seed: 7,
  outDir: '/ws/curated',
  workers: 0,
};

describe('curatePlan', () => {
  describe('curateArgv', () => {
    it('names the metadata, each input, the text field, t, the seed and the folder, with JSON progress', () => {
      assert.deepEqual(curateArgv(PLAN), [
        'curate',
        '--metadata',
        '/ws/metadata.json',
        '--input',
        '/ws/pool/a.jsonl',
        '--input',
        '/ws/pool/b.jsonl',
        '--text-field',
        'caption',
        '--t',
        '20000',
        '--seed',
        '7',
        '--out',
        '/ws/curated',
        '--progress',
        'json',
      ]);
    });

    it('leaves out the text field of a plain-text pool', () => {
      const argv = curateArgv({ ...PLAN, inputs: ['/ws/pool.txt'], textField: '' });
      assert.ok(!argv.includes('--text-field'), argv.join(' '));
    });

    it('passes the worker count when the setting gives one, and leaves the choice to the engine at 0', () => {
      assert.deepEqual(curateArgv({ ...PLAN, workers: 4 }).slice(-2), ['--workers', '4']);
      assert.ok(!curateArgv({ ...PLAN, workers: 0 }).includes('--workers'));
      assert.ok(!curateArgv({ ...PLAN, workers: 4, executor: 'local' }).includes('--executor'));
    });

    it('submits to Slurm with a one-second poll, and no local workers', () => {
      const argv = curateArgv({ ...PLAN, workers: 4, executor: 'slurm' });
      assert.deepEqual(argv.slice(-4), ['--executor', 'slurm', '--poll-seconds', '1']);
      assert.ok(!argv.includes('--workers'));
    });
  });

  describe('workersSetting', () => {
    it('is the whole part of a positive number, 0 for anything else', () => {
      assert.equal(workersSetting(3), 3);
      assert.equal(workersSetting(2.7), 2);
      assert.equal(workersSetting(-1), 0);
      assert.equal(workersSetting(Number.NaN), 0);
      assert.equal(workersSetting('4'), 0);
    });
  });

  describe('t', () => {
    it('accepts positive integers, spaces around them included', () => {
      for (const ok of ['1', '25', '20000', ' 70 ', '07']) assert.equal(validateT(ok), undefined, ok);
    });

    it('refuses fractions, zero, negatives, words, exponents and the empty answer', () => {
      for (const bad of ['70.1', '0', '00', '-3', 'abc', '1e3', '', '2^10', '9007199254740993']) {
        assert.equal(validateT(bad), 't must be a positive integer (1, 2, 3, …)', bad);
      }
    });

    it("is prefilled with the caller's t, else the panel's, else the setting's", () => {
      assert.equal(tPrefill(25, 40, 20000), 25);
      assert.equal(tPrefill(undefined, 40, 20000), 40);
      assert.equal(tPrefill(undefined, undefined, 20000), 20000);
    });

    it('rounds a fractional t to the integer the box accepts, and skips what is no positive number', () => {
      assert.equal(tPrefill(70.1), 70);
      assert.equal(tPrefill(0.3), 1);
      assert.equal(tPrefill(0, -5, Number.NaN, 300), 300);
      assert.equal(tPrefill(), 1);
      assert.equal(validateT(String(tPrefill(70.6))), undefined);
    });
  });

  describe('the seed', () => {
    it('is a non-negative integer', () => {
      assert.equal(validateSeed('0'), undefined);
      assert.equal(validateSeed(' 42 '), undefined);
      for (const bad of ['-1', '1.5', 'x', ''])
        assert.equal(validateSeed(bad), 'the seed is a non-negative integer');
    });

    it("starts at the setting's seed, or 0 when the setting is no seed", () => {
      assert.equal(seedPrefill(7), 7);
      assert.equal(seedPrefill(-1), 0);
      assert.equal(seedPrefill(1.5), 0);
      assert.equal(seedPrefill(undefined), 0);
    });
  });

  describe('the pool and its text field', () => {
    it('finds every format the engine reads, and the open dialog filters on their last extension', () => {
      assert.equal(POOL_GLOB, '**/*.{jsonl,jsonl.gz,csv,tsv,txt,parquet,tar}');
      assert.deepEqual(POOL_DIALOG_EXTENSIONS, ['jsonl', 'gz', 'csv', 'tsv', 'txt', 'parquet', 'tar']);
    });

    it('says under the glob box how many files match as the user types', () => {
      assert.equal(globMatchMessage(0), 'No file matches');
      assert.equal(globMatchMessage(1), '1 file matches');
      assert.equal(globMatchMessage(12), '12 files match');
      assert.equal(globMatchMessage(2500), '2,500 files match');
      // The count stops at the limit: then there may be more.
      assert.equal(globMatchMessage(GLOB_COUNT_LIMIT), '10,000 or more files match');
    });

    it('asks no text field of a pool made of .txt files only', () => {
      assert.equal(needsTextField(['/p/a.txt', '/p/B.TXT']), false);
      assert.equal(needsTextField(['/p/a.txt', '/p/b.jsonl']), true);
      assert.equal(needsTextField(['/p/a.parquet']), true);
    });

    it('offers the configured field first, then the usual caption field the pool has, then its first field', () => {
      assert.deepEqual(textFieldChoices('alt', ['url', 'caption']), {
        preferred: 'alt',
        ordered: ['alt', 'url', 'caption'],
      });
      assert.deepEqual(textFieldChoices('', ['url', 'caption', 'id']).ordered, ['caption', 'url', 'id']);
      assert.deepEqual(textFieldChoices('', ['url', 'title']).ordered, ['url', 'title']);
      assert.equal(textFieldChoices('', []).preferred, 'text');
    });

    it('refuses an empty glob and an empty field name', () => {
      assert.equal(validatePoolGlob('  '), 'a glob such as pool/*.jsonl');
      assert.equal(validatePoolGlob('pool/*.jsonl'), undefined);
      assert.equal(validateFieldName(''), 'a field name');
      assert.equal(validateFieldName('caption'), undefined);
    });
  });

  describe('the output folder', () => {
    const context = { base: '/ws', inputs: ['/ws/pool/a.jsonl'], metadata: '/ws/metadata.json' };

    it('is relative to the workspace folder, or absolute', () => {
      assert.equal(resolveOutDir('/ws', ' curated '), '/ws/curated');
      assert.equal(resolveOutDir('/ws', '/data/out'), '/data/out');
      assert.equal(resolveOutDir(undefined, '/data/out'), '/data/out');
      assert.equal(validateOutDir('curated', context), undefined);
      assert.equal(validateOutDir('/elsewhere/curated', context), undefined);
    });

    it('must be absolute when no folder is open, and the prompt says so', () => {
      assert.equal(
        validateOutDir('curated', { ...context, base: undefined }),
        'an absolute path (no folder is open)',
      );
      assert.match(outDirPrompt(undefined), /^Absolute path/);
      assert.match(outDirPrompt('/ws'), /relative to the workspace folder, or absolute/);
    });

    it('is refused empty, as the workspace folder itself, or as a file of the curation', () => {
      assert.equal(validateOutDir(' ', context), 'an output folder');
      assert.equal(
        validateOutDir('.', context),
        'choose a folder of its own, not the workspace folder itself',
      );
      assert.equal(
        validateOutDir('metadata.json', context),
        '/ws/metadata.json is a file of the curation, not a folder for its outputs',
      );
      assert.equal(
        validateOutDir('pool/a.jsonl', context),
        '/ws/pool/a.jsonl is a file of the curation, not a folder for its outputs',
      );
    });

    it('is refused when a pool file lies in its data/, where outputs are written', () => {
      assert.equal(
        validateOutDir('out', { ...context, inputs: ['/ws/out/data/pool.jsonl'] }),
        "/ws/out/data/pool.jsonl lies inside the folder's data/: outputs could overwrite it",
      );
      // A pool next to data/ is not overwritten.
      assert.equal(validateOutDir('out', { ...context, inputs: ['/ws/out/pool.jsonl'] }), undefined);
    });
  });

  describe('isInside', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'metacurate-curateplan-'));
      mkdirSync(join(dir, 'real', 'data'), { recursive: true });
      writeFileSync(join(dir, 'real', 'data', 'pool.jsonl'), '{}\n');
      symlinkSync(join(dir, 'real'), join(dir, 'link'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('holds for the folder itself and what is under it, not for a sibling with the same prefix', () => {
      assert.ok(isInside('/a/b', '/a/b'));
      assert.ok(isInside('/a/b', '/a/b/c/d'));
      assert.ok(!isInside('/a/b', '/a/bc'));
      assert.ok(!isInside('/a/b', '/a'));
    });

    it('follows links: a pool reached through a link to the data/ folder is inside it', () => {
      assert.ok(isInside(join(dir, 'link', 'data'), join(dir, 'real', 'data', 'pool.jsonl')));
      assert.equal(
        validateOutDir(join(dir, 'link'), {
          base: dir,
          inputs: [join(dir, 'real', 'data', 'pool.jsonl')],
          metadata: '',
        }),
        `${join(dir, 'real', 'data', 'pool.jsonl')} lies inside the folder's data/: outputs could overwrite it`,
      );
    });
  });

  describe('running and the end', () => {
    it('logs a command line a shell takes, quoting what needs it', () => {
      assert.equal(
        commandLine('/ext/dist/cli.js', ['curate', '--out', "/my curated/it's"]),
        `node /ext/dist/cli.js curate --out '/my curated/it'\\''s'`,
      );
    });

    it('moves the progress bar forward only, and says the phase', () => {
      const first = curateProgressStep(
        0,
        progress({ phase: 'count', fraction: 0.5, records: 1000, recordsPerSecond: 500, etaSeconds: 2 }),
      );
      assert.match(first.message, /^counting 50% · 1,000 records · 500 records\/s · ETA /);
      assert.ok(first.done > 0 && first.increment === first.done, JSON.stringify(first));
      const back = curateProgressStep(first.done, progress({ phase: 'count', fraction: 0.1, records: 10 }));
      assert.equal(back.increment, 0);
      assert.equal(back.done, first.done);
      const unknown = curateProgressStep(first.done, progress({ phase: 'something new', records: 5 }));
      assert.equal(unknown.done, first.done);
    });

    it('says nothing of the time left while the engine does not know it', () => {
      const line =
        '{"type":"progress","phase":"select","fraction":0,"records":0,"recordsPerSecond":0,"etaSeconds":null,"elapsedSeconds":0}';
      const event = parseCliEvent(line);
      assert.ok(event?.type === 'progress', line);
      const step = curateProgressStep(49, event);
      assert.equal(step.message, 'selecting 0% · 0 records · 0 records/s');
      assert.equal(step.done, 50);
    });

    it('sums up a curation in one line, saying when it resumed', () => {
      const summary = {
        pool: {
          files: 1,
          records: 4000,
          texts: 4000,
          matched_texts: 1200,
          matched_records: 1200,
          skipped: {},
        },
        kept: 800,
        expected_kept: 812.4,
        wall_seconds: 3.21,
        resumed: false,
      };
      assert.equal(
        curationSummaryText(summary),
        'Metacurate: curated 4,000 records: 1,200 matched, 800 kept (expected 812) in 3.2 s.',
      );
      assert.match(curationSummaryText({ ...summary, resumed: true }), / \(resumed\)\.$/);
    });

    it('names the outputs the engine put outside the folder', () => {
      const outputs = [
        { input: 'a', output: 'data/a.jsonl', sidecar: 'data/a.entries.jsonl', kept: 1, records: 1 },
        { input: 'b', output: '../b.jsonl', sidecar: 'data/b.entries.jsonl', kept: 1, records: 1 },
        { input: 'c', output: 'data/c.jsonl', sidecar: '/tmp/c.entries.jsonl', kept: 1, records: 1 },
      ];
      assert.deepEqual(outputsOutside(resolve('/ws/curated'), { outputs }), ['../b.jsonl', 'data/c.jsonl']);
    });

    it("gives the engine's last words as the reason of a failure, else its exit code", () => {
      assert.equal(failureReason(['warning', 'error: no such file', '  '], 1), 'error: no such file');
      assert.equal(failureReason([], 3), 'the engine exited with code 3');
    });

    it('runs where the setting says, and asks only when auto finds sbatch', () => {
      assert.equal(executorChoice('local', true), 'local');
      assert.equal(executorChoice('slurm', false), 'slurm');
      assert.equal(executorChoice('auto', true), 'ask');
      assert.equal(executorChoice('auto', false), 'local');
      assert.equal(executorChoice(undefined, true), 'ask');
    });
  });

  describe("reading the CLI's output", function () {
    this.timeout(120_000);
    const dir = tempDir('metacurate-curateplan-cli-');
    after(() => dir.remove());

    it("runs the plan's argv and folds every line the CLI writes into the notification and the summary", () => {
      assert.ok(existsSync(CLI), `${CLI} is built by npm run build`);
      const plan: CurationPlan = {
        metadata: join(dir.path, 'metadata.json'),
        inputs: [join(dir.path, 'pool.jsonl')],
        textField: 'text',
        t: 20,
        seed: 3,
        outDir: join(dir.path, 'curated'),
        workers: 0,
      };
      writeFileSync(plan.metadata, JSON.stringify(smallMetadata()));
      writeJsonl(plan.inputs[0], generateCaptions(2000, 5));
      const r = spawnSync(process.execPath, [CLI, ...curateArgv(plan)], {
        encoding: 'utf8',
        // A progress line at every update, so that some are written for a small pool.
        env: { ...process.env, METACURATE_PROGRESS_MS: '1' },
      });
      assert.equal(r.status, 0, r.stderr);
      const events = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const event = parseCliEvent(line);
          assert.ok(event, `not a CLI event: ${line}`);
          return event;
        });
      let done = 0;
      let steps = 0;
      for (const event of events) {
        if (event.type !== 'progress') continue;
        const step = curateProgressStep(done, event);
        assert.ok(step.done >= done && step.done <= 100, JSON.stringify(step));
        done = step.done;
        steps++;
      }
      assert.ok(steps > 0, 'no progress line');
      const last = events[events.length - 1];
      assert.ok(last.type === 'summary', `the last line is ${last.type}`);
      assert.match(
        curationSummaryText(last.summary),
        /^Metacurate: curated 2,000 records: [\d,]+ matched, [\d,]+ kept/,
      );
      assert.deepEqual(outputsOutside(plan.outDir, last.summary), []);
    });
  });
});
