/**
 * What a run achieved (its results.jsonl, either trainer's keys) and runs side by side: the
 * figures of the issue (t, pool and curated sizes, steps, top-1, top-5, mean per-class top-1),
 * then per class, with changes in points against the first run.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chanceLevel,
  comparisonRows,
  formatDelta,
  formatTop1,
  zeroShotClasses,
  markdownTable,
  summarizeRun,
  textTable,
  type RunSummary,
} from '../../../../server/engine/src/runs/compareRuns';
import {
  createRunFolder,
  runsDirOf,
  writeRunState,
  type RunParams,
} from '../../../../server/engine/src/runs/runFolder';
import { parseResultsJsonl } from '../../../../server/engine/src/trainResults';
import { tempDir } from '../../../support/fixtures';

const base: RunParams = {
  kind: 'builtin',
  executor: 'local',
  curation: { dir: '/c', t: 20, poolRecords: 1000, curatedRecords: 150 },
  trainData: ['/c/data/a.tar'],
  datasetType: 'webdataset',
  steps: 40,
  batchSize: 8,
  seed: 0,
  python: 'python3',
};

describe('comparing runs', () => {
  const dir = tempDir('metacurate-compare-');
  after(() => dir.remove());

  it('summarizes a run from its spec, state and last zero-shot results', async () => {
    const { runDir, spec } = await createRunFolder(runsDirOf(dir.path), base, () => ({
      command: ['x'],
      env: {},
      cwd: '/',
      results: 'train/results.jsonl',
    }));
    mkdirSync(join(runDir, 'train'));
    writeFileSync(
      join(runDir, 'train', 'results.jsonl'),
      [
        '{"step": 20, "num_samples": 160, "pets-zeroshot-val-top1": 0.3, "pets-zeroshot-val-top5": 0.8}',
        '{"step": 40, "num_samples": 320, "pets-zeroshot-val-top1": 0.5, "pets-zeroshot-val-top5": 0.9, ' +
          '"pets-zeroshot-val-mean-per-class-top1": 0.45, "pets-zeroshot-val-per-class-top1": {"cat": 0.4, "dog": 0.5}}',
        '',
      ].join('\n'),
    );
    const state = await writeRunState(runDir, {
      status: 'succeeded',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: '2026-01-01T00:00:42Z',
    });
    assert.deepEqual(summarizeRun({ runDir, spec, state }), {
      id: spec.id,
      kind: 'builtin',
      status: 'succeeded',
      t: 20,
      poolRecords: 1000,
      curatedRecords: 150,
      steps: 40,
      samplesSeen: 320,
      seconds: 42,
      dataset: 'pets',
      top1: 0.5,
      top5: 0.9,
      meanPerClassTop1: 0.45,
      perClass: { cat: 0.4, dog: 0.5 },
      classes: 2,
      evalImages: undefined,
    });
    // No results yet: the figures of the run, nothing measured.
    const empty = summarizeRun({ runDir, spec, state }, []);
    assert.equal(empty.top1, undefined);
    assert.equal(empty.steps, 40);
  });

  it('sets runs side by side with changes in points against the first', () => {
    const a: RunSummary = {
      id: 'raw',
      kind: 'builtin',
      status: 'succeeded',
      t: 1e9,
      poolRecords: 1000,
      curatedRecords: 1000,
      steps: 40,
      seconds: 61.4,
      top1: 0.42,
      top5: 0.9,
      meanPerClassTop1: 0.4,
      perClass: { cat: 0.3, dog: 0.5 },
    };
    const b: RunSummary = {
      ...a,
      id: 'curated',
      t: 20,
      curatedRecords: 150,
      top1: 0.5,
      top5: 0.9,
      meanPerClassTop1: 0.49,
      perClass: { cat: 0.45, dog: 0.499, bird: 0.2 },
    };
    const rows = comparisonRows([a, b]);
    assert.deepEqual(rows, [
      ['', 'raw', 'curated'],
      ['kind', 'builtin', 'builtin'],
      ['status', 'succeeded', 'succeeded'],
      ['t', '1000000000', '20'],
      ['pool', '1,000', '1,000'],
      ['curated', '1,000', '150'],
      ['steps', '40', '40'],
      ['time', '61 s', '61 s'],
      ['top-1', '42.0%', '50.0% (+8.0)'],
      ['top-5', '90.0%', '90.0% (±0.0)'],
      ['mean per-class top-1', '40.0%', '49.0% (+9.0)'],
      ['  cat', '30.0%', '45.0% (+15.0)'],
      ['  dog', '50.0%', '49.9% (−0.1)'],
      ['  bird', '–', '20.0%'],
    ]);
    assert.equal(
      markdownTable(rows.slice(0, 3)),
      '|  | raw | curated |\n| --- | ---: | ---: |\n| kind | builtin | builtin |\n| status | succeeded | succeeded |',
    );
    assert.equal(
      textTable([
        ['', 'a', 'bb'],
        ['top-1', '1%', '2%'],
      ]),
      '        a  bb\ntop-1  1%  2%',
    );
  });

  it('reads the training samples and the zero-shot images of the built-in trainer apart', () => {
    const spec = {
      ...base,
      version: 1 as const,
      id: 'r',
      createdAt: '',
      command: [],
      env: {},
      cwd: '/',
      results: 'r.jsonl',
    };
    const state = { status: 'succeeded' as const, updatedAt: '' };
    const line =
      '{"step": 40, "samples_seen": 1280, "num_samples": 100, "fashion-zeroshot-val-top1": 0.1, ' +
      '"fashion-zeroshot-val-per-class-top1": {"a": 0.1, "b": 0.1, "c": 0.1, "d": 0.1, "e": 0.1, ' +
      '"f": 0.1, "g": 0.1, "h": 0.1, "i": 0.1, "j": 0.1}}\n';
    const summary = summarizeRun({ runDir: '/r', spec, state }, parseResultsJsonl(line));
    assert.equal(summary.samplesSeen, 1280);
    assert.equal(summary.evalImages, 100);
    assert.equal(summary.classes, 10);
    assert.equal(formatTop1(summary), '10.0% (chance 10.0% for 10 classes: at chance)');
  });

  it('counts the classes of a zero-shot evaluation from its results, its class names, or ImageNet', () => {
    const dir2 = tempDir('metacurate-classes-');
    try {
      const file = join(dir2.path, 'classes.txt');
      writeFileSync(file, 'cat\ndog\n\nbird\n');
      const z = (classnames: string) => ({ data: '/z', classnames });
      assert.equal(zeroShotClasses({ kind: 'builtin', zeroshot: z('x') }, 'd', { a: 1, b: 0 }), 2);
      assert.equal(zeroShotClasses({ kind: 'custom', zeroshot: z('cat, dog,bird,') }, 'd'), 3);
      assert.equal(zeroShotClasses({ kind: 'builtin', zeroshot: z(file) }, 'd'), 3);
      assert.equal(
        zeroShotClasses({ kind: 'builtin', zeroshot: z(join(dir2.path, 'gone')) }, 'd'),
        undefined,
      );
      assert.equal(zeroShotClasses({ kind: 'openclip', zeroshot: { data: '/val' } }, 'imagenet-val'), 1000);
      assert.equal(zeroShotClasses({ kind: 'custom' }, 'imagenet'), undefined);
    } finally {
      dir2.remove();
    }
  });

  it('marks top-1 at chance within two standard errors of a guess over the evaluation images', () => {
    // 10 classes, 100 images: a guess has standard error 3 points, so up to 16.0% is chance.
    assert.equal(chanceLevel(0.16, 10, 100)?.nearChance, true);
    assert.equal(chanceLevel(0.17, 10, 100)?.nearChance, false);
    assert.equal(chanceLevel(0.05, 10, 100)?.nearChance, true, 'below chance is chance');
    // Without the image count: within half a point.
    assert.equal(chanceLevel(0.104, 10)?.nearChance, true);
    assert.equal(chanceLevel(0.11, 10)?.nearChance, false);
    assert.equal(chanceLevel(0.5, 1), undefined, 'one class has no chance level');
    assert.equal(chanceLevel(undefined, 10), undefined);
    assert.equal(
      formatTop1({ top1: 0.42, classes: 10, evalImages: 100 }),
      '42.0% (chance 10.0% for 10 classes)',
    );
    assert.equal(formatTop1({ top1: 0.42 }), '42.0%');
    assert.equal(formatTop1({}), '–');
  });

  it('adds a chance row to the comparison when a run knows its classes', () => {
    const a: RunSummary = {
      id: 'a',
      kind: 'builtin',
      status: 'succeeded',
      top1: 0.1,
      classes: 10,
      evalImages: 100,
    };
    const b: RunSummary = {
      id: 'b',
      kind: 'builtin',
      status: 'succeeded',
      top1: 0.5,
      classes: 10,
      evalImages: 100,
    };
    const c: RunSummary = { id: 'c', kind: 'custom', status: 'succeeded', top1: 0.5 };
    const rows = comparisonRows([a, b, c]);
    assert.deepEqual(
      rows.find((r) => r[0] === 'chance top-1'),
      ['chance top-1', '10.0% (10 classes) at chance', '10.0% (10 classes)', '–'],
    );
    assert.equal(
      comparisonRows([c]).find((r) => r[0] === 'chance top-1'),
      undefined,
      'no row when no run knows its classes',
    );
  });

  it('writes changes with a sign, and nothing when one side is missing', () => {
    assert.equal(formatDelta(0.5, 0.42), '+8.0');
    assert.equal(formatDelta(0.4, 0.42), '−2.0');
    assert.equal(formatDelta(0.42, 0.42), '±0.0');
    assert.equal(formatDelta(undefined, 0.42), '');
    assert.equal(formatDelta(0.5, null), '');
  });
});
