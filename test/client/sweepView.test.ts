/**
 * A threshold sweep's summary.json read for the panel: what the CLI writes (studyReport.ts's
 * `summarise`) comes back as the panel's SweepView; a partial sweep, a mini study, bad JSON and
 * missing or wrong members are errors naming the file and the member, never a crash.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  miniStudyRefusal,
  parseSweepSummary,
  readSweepView,
  studyKindOf,
  sweepCurationFolder,
} from '../../client/src/sweepView';
import type { StudySummary } from '../../contracts/src/studySummary';
import { summarise, type UnitResult } from '../../server/src/experiment/studyReport';
import { tempDir } from '../support/fixtures';
import { studyPlan, studyPool } from '../support/studySummary';

const SHA = 'a'.repeat(64);

function unit(t: number | null, seed: number, top1: number, arm: UnitResult['arm'] = 'curated'): UnitResult {
  return {
    id: `${arm}-t${t}-crop-s${seed}`,
    arm,
    t,
    augment: 'crop',
    seed,
    wall_seconds: 1,
    training: {
      top1,
      top5: top1 + 0.2,
      mean_per_class_top1: top1 - 0.05,
      per_class: { bag: top1, trousers: top1 / 2 },
      train_pairs: t === 3 ? 102 : 680,
      online_pairs_per_epoch: null,
      samples_seen: 384,
      epochs: 1,
      final_loss: 1,
      samples_per_second: 10,
      train_seconds: 1,
      torch: '2.0',
      parameters: 1,
    },
  };
}

/** The tiny sweep's summary (t = 3 and 40, two seeds) after `results`, as the CLI writes it. */
function sweepSummary(results: UnitResult[], pool = studyPool({ metadata_sha256: SHA })): StudySummary {
  return summarise({
    experiment: 'sweep',
    plan: studyPlan(),
    pool,
    classes: ['bag', 'trousers'],
    tailClasses: ['trousers'],
    curations: [
      { t: 40, curated_size: 680, expected_size: 673.059, head_entries: 7, per_class: {} },
      { t: 3, curated_size: 102, expected_size: 101.763, head_entries: 32, per_class: {} },
    ],
    unitsTotal: 4,
    results,
  });
}

const ALL = [unit(3, 1, 0.3), unit(40, 1, 0.5), unit(3, 2, 0.4), unit(40, 2, 0.6)];

describe('client/sweepView: a threshold sweep for the entry-balance panel', () => {
  const dir = tempDir('metacurate-sweep-view-');
  after(() => dir.remove());
  let n = 0;
  /** A sweep folder holding `summary` (text as is, or JSON) and finished curations at `curated`. */
  function sweepFolder(summary: unknown, curated: number[] = [3, 40], curationSha = 'b'.repeat(64)): string {
    const folder = join(dir.path, `sweep-${++n}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'summary.json'),
      typeof summary === 'string' ? summary : JSON.stringify(summary, null, 2),
    );
    for (const t of curated) {
      mkdirSync(sweepCurationFolder(folder, t), { recursive: true });
      writeFileSync(
        join(sweepCurationFolder(folder, t), 'summary.json'),
        JSON.stringify({
          kept: 1,
          t,
          metadata: { path: join(folder, 'metadata.json'), sha256: curationSha },
        }),
      );
    }
    return folder;
  }

  it('reads a finished sweep: its plan, pool, curations by t and each group over seeds', async () => {
    const folder = sweepFolder(sweepSummary(ALL));
    const view = await readSweepView(folder);
    assert.equal(view.folder, folder);
    assert.equal(view.summaryPath, join(folder, 'summary.json'));
    assert.deepEqual(view.units, { total: 4, done: 4 });
    assert.deepEqual(view.tValues, [3, 40]);
    assert.deepEqual([view.arms, view.augments, view.seeds], [['curated'], ['crop'], 2]);
    assert.deepEqual([view.steps, view.batchSize, view.modelConfig], [12, 32, 'tiny']);
    assert.deepEqual([view.poolPairs, view.matchedPairs, view.largestEntryCount], [1604, 859, 124]);
    assert.equal(view.metadataSha256, SHA, "the summary's own sha256 first");
    assert.deepEqual(view.curations, [
      { t: 3, folder: sweepCurationFolder(folder, 3), pairs: 102, expectedPairs: 101.763, headEntries: 32 },
      { t: 40, folder: sweepCurationFolder(folder, 40), pairs: 680, expectedPairs: 673.059, headEntries: 7 },
    ]);
    const [at3, at40] = view.groups;
    assert.deepEqual([at3.arm, at3.t, at3.augment, at3.seeds], ['curated', 3, 'crop', [1, 2]]);
    assert.ok(Math.abs(at3.top1.mean - 0.35) < 1e-12);
    assert.ok(at3.top1.ci !== null && at3.top1.halfWidth !== null && at3.top1.halfWidth > 0);
    assert.ok(Math.abs(at40.meanPerClassTop1.mean - 0.5) < 1e-12);
    assert.deepEqual([at40.trainPairs, at40.timesSeen], [680, 384 / 680]);
  });

  it('reads a sweep still running: units done below the total, groups of the seeds done, curations not finished without a folder', async () => {
    const folder = sweepFolder(sweepSummary([unit(3, 1, 0.3)]), [3]);
    const view = await readSweepView(folder);
    assert.deepEqual(view.units, { total: 4, done: 1 });
    assert.equal(view.groups.length, 1);
    assert.deepEqual(view.groups[0].seeds, [1]);
    assert.equal(view.groups[0].top1.ci, null, 'one seed: no interval');
    assert.deepEqual(
      view.curations.map((c) => [c.t, c.folder]),
      [
        [3, sweepCurationFolder(folder, 3)],
        [40, undefined],
      ],
    );
  });

  it('takes the metadata sha256 from the curations when the summary does not record it (older sweeps)', async () => {
    const { metadata_sha256: _none, ...older } = studyPool();
    void _none;
    const folder = sweepFolder(sweepSummary(ALL, older), [3, 40], 'c'.repeat(64));
    assert.equal((await readSweepView(folder)).metadataSha256, 'c'.repeat(64));
    const none = sweepFolder(sweepSummary(ALL, older), []);
    assert.equal((await readSweepView(none)).metadataSha256, undefined);
  });

  it('tells a sweep, a mini study (by its summary, or its plan before any summary) and other folders apart', () => {
    const sweep = sweepFolder(sweepSummary(ALL));
    assert.equal(studyKindOf(sweep), 'sweep');
    const mini = sweepFolder({ ...sweepSummary(ALL), experiment: 'mini' });
    assert.equal(studyKindOf(mini), 'mini');
    const starting = join(dir.path, 'starting');
    mkdirSync(starting);
    writeFileSync(join(starting, 'plan.json'), JSON.stringify(studyPlan()));
    assert.equal(studyKindOf(starting), 'sweep');
    // A curation's summary.json names no experiment; an empty folder holds none.
    assert.equal(studyKindOf(sweepCurationFolder(sweep, 3)), undefined);
    assert.equal(studyKindOf(join(dir.path, 'nowhere')), undefined);
  });

  it('refuses a mini study, saying what to open instead', async () => {
    const mini = sweepFolder({ ...sweepSummary(ALL), experiment: 'mini' });
    await assert.rejects(readSweepView(mini), (err: Error) => err.message === miniStudyRefusal(mini));
    assert.match(miniStudyRefusal(mini), /experiment mini.*not a threshold sweep.*results\.md.*curations/);
  });

  it('names the file when summary.json is missing or not JSON', async () => {
    const starting = join(dir.path, 'no-summary');
    mkdirSync(starting);
    await assert.rejects(
      readSweepView(starting),
      (err: Error) =>
        err.message.startsWith(join(starting, 'summary.json')) && /does not exist yet/.test(err.message),
    );
    const broken = sweepFolder('{"experiment": "sweep", "units": ');
    await assert.rejects(readSweepView(broken), (err: Error) =>
      err.message.startsWith(`${join(broken, 'summary.json')} is not valid JSON: `),
    );
    await assert.rejects(readSweepView(sweepFolder('[1, 2]')), /holds no JSON object/);
    await assert.rejects(
      readSweepView(sweepFolder({ kept: 3, t: 5 })),
      /is not a threshold sweep's summary: its experiment is undefined/,
    );
  });

  it('names the member missing or wrong', () => {
    /** The finished sweep's summary with the member at `path` set to `value` (undefined: removed). */
    const edited = (path: (string | number)[], value?: unknown): string => {
      const summary = JSON.parse(JSON.stringify(sweepSummary(ALL))) as Record<string | number, unknown>;
      let at = summary;
      for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
      const last = path[path.length - 1];
      if (value === undefined) delete at[last];
      else at[last] = value;
      return JSON.stringify(summary);
    };
    const fails = (path: (string | number)[], value: unknown, message: RegExp) =>
      assert.throws(
        () => parseSweepSummary(edited(path, value), '/runs/sweep'),
        (err: Error) => err.message.startsWith('/runs/sweep/summary.json: ') && message.test(err.message),
        path.join('.'),
      );
    fails(['units'], undefined, /units is missing/);
    fails(['units', 'done'], 5, /units\.done \(5\) is more than units\.total \(4\)/);
    fails(['plan', 'steps'], undefined, /plan\.steps is missing/);
    fails(['plan', 'batch-size'], 0, /plan\['batch-size'\] must be a number of at least 1, got 0/);
    fails(
      ['plan', 'arms'],
      ['curated', 'rare'],
      /plan\.arms\[1\] must be one of raw, curated, online, got "rare"/,
    );
    fails(['pool', 'largest_entry_count'], undefined, /pool\.largest_entry_count is missing/);
    fails(['curations', 1, 'curated_size'], 'many', /curations\[1\]\.curated_size must be a number/);
    fails(['groups', 0, 'top1', 'mean'], '0.3', /groups\[0\]\.top1\.mean must be a number, got "0\.3"/);
    fails(['groups', 1, 'mean_per_class_top1'], undefined, /groups\[1\]\.mean_per_class_top1 is missing/);
    fails(['groups', 0, 'top1', 'ci'], [0.1], /groups\[0\]\.top1\.ci must be \[low, high\]/);
    fails(['groups'], {}, /groups must be a list/);
  });
});
