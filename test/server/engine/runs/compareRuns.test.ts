/**
 * What a run achieved (its results.jsonl, either trainer's keys) and runs side by side: the
 * figures of the issue (t, pool and curated sizes, steps, top-1, top-5, mean per-class top-1),
 * then per class, with changes in points against the first run.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  comparisonRows,
  formatDelta,
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

  it('writes changes with a sign, and nothing when one side is missing', () => {
    assert.equal(formatDelta(0.5, 0.42), '+8.0');
    assert.equal(formatDelta(0.4, 0.42), '−2.0');
    assert.equal(formatDelta(0.42, 0.42), '±0.0');
    assert.equal(formatDelta(undefined, 0.42), '');
    assert.equal(formatDelta(0.5, null), '');
  });
});
