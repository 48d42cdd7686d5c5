/**
 * "Start Training Run…" refuses or explains before anything starts: text-only curations are
 * listed with their reason and refused, the zero-shot pick offers the miniature experiment's set
 * when the workspace has one (or the user's images, or none), and a launch that did not start
 * says the CLI's own reason, not a pointer to --help.
 */
import assert from 'node:assert/strict';
import {
  asksZeroShot,
  curationPick,
  curationRefusal,
  launchFailureMessage,
  miniZeroShotSets,
  validateClassnames,
  zeroShotItems,
  type CurationCandidate,
} from '../../../client/src/plans/runChoices';
import { TEXT_ONLY } from '../../../server/engine/src/runs/trainingData';

const textOnly = { label: TEXT_ONLY, detail: 'its outputs (pool.jsonl) are .jsonl files, without images' };

describe('Start Training Run: the curation, the zero-shot data, a failed launch', () => {
  describe('the curation pick', () => {
    const mini: CurationCandidate = {
      dir: '/ws/mini/curated',
      label: 'mini/curated',
      description: 't=20 · kept 90 of 800',
    };
    const demo: CurationCandidate = {
      dir: '/ws/demo/curated',
      label: 'demo/curated',
      description: 't=2000 · kept 10 of 100',
      problem: textOnly,
    };

    it('lists text-only curations after the trainable ones, marked with their reason', () => {
      const { only, items } = curationPick([demo, mini]);
      assert.equal(only, undefined);
      assert.deepEqual(
        items.map((i) => [i.label, i.description]),
        [
          ['mini/curated', 't=20 · kept 90 of 800'],
          ['$(circle-slash) demo/curated', 'text only: the trainer needs images · t=2000 · kept 10 of 100'],
        ],
      );
      assert.equal(items[1].detail, textOnly.detail);
      assert.equal(items[1].problem, textOnly);
    });

    it('takes the only curation without asking when it is trainable, and lists a lone text-only one', () => {
      assert.equal(curationPick([mini]).only, '/ws/mini/curated');
      const lone = curationPick([demo]);
      assert.equal(lone.only, undefined);
      assert.equal(lone.items.length, 1);
    });

    it('refuses a text-only curation with the reason', () => {
      assert.equal(
        curationRefusal('demo/curated', textOnly),
        'Metacurate: cannot train on demo/curated: text only: the trainer needs images ' +
          '(its outputs (pool.jsonl) are .jsonl files, without images).',
      );
    });
  });

  describe('the zero-shot evaluation', () => {
    const files = new Set(['/ws/mini/classnames.txt', '/ws/mini/templates.txt', '/ws/other/classnames.txt']);
    const exists = (p: string) => files.has(p);

    it('finds the miniature experiment sets by their test shards, with class names and templates beside', () => {
      const sets = miniZeroShotSets(
        [
          '/ws/mini/test/fashion-mnist-test-000000.tar',
          '/ws/mini/test/fashion-mnist-test-000001.tar',
          '/ws/other/test/fashion-mnist-test-000000.tar',
          '/ws/lost/test/fashion-mnist-test-000000.tar',
        ],
        exists,
      );
      assert.deepEqual(sets, [
        {
          data: '/ws/mini/test',
          classnames: '/ws/mini/classnames.txt',
          templates: '/ws/mini/templates.txt',
          name: 'fashion-mnist',
        },
        {
          data: '/ws/other/test',
          classnames: '/ws/other/classnames.txt',
          templates: undefined,
          name: 'fashion-mnist',
        },
      ]);
    });

    it("offers the sets (the curation's own experiment first), the user's images, or no evaluation", () => {
      const sets = miniZeroShotSets(
        ['/ws/other/test/fashion-mnist-test-000000.tar', '/ws/mini/test/fashion-mnist-test-000000.tar'],
        exists,
      );
      const items = zeroShotItems(sets, '/ws/mini/curated', (p) => p.replace('/ws/', ''));
      assert.deepEqual(
        items.map((i) => [i.label, i.description]),
        [
          ['Fashion-MNIST test set (miniature experiment)', 'mini/test · 10 classes · its prompt templates'],
          ['Fashion-MNIST test set (miniature experiment)', 'other/test · 10 classes'],
          ['Choose labelled images…', 'WebDataset shards with .cls, a CSV, or a folder of class folders'],
          ['Skip zero-shot evaluation', 'train only: no top-1'],
        ],
      );
      assert.deepEqual(
        zeroShotItems([], '/ws/c', (p) => p).map((i) => i.choice),
        ['choose', 'skip'],
      );
    });

    it('asks only when the settings name no data, and not for OpenCLIP (ImageNet, from the settings)', () => {
      assert.equal(asksZeroShot('builtin', ''), true);
      assert.equal(asksZeroShot('custom', '  '), true);
      assert.equal(asksZeroShot('builtin', 'mini/test'), false);
      assert.equal(asksZeroShot('openclip', ''), false);
    });

    it('needs class names unless the data is a folder of class folders', () => {
      assert.match(validateClassnames('', false)!, /class names are needed/);
      assert.equal(validateClassnames('', true), undefined);
      assert.equal(validateClassnames('cat,dog', false), undefined);
    });
  });

  describe('a launch that did not start', () => {
    it("says the CLI's usage error without the pointer to --help", () => {
      assert.equal(
        launchFailureMessage(2, [
          'metacurate run: /ws/demo: text only: the trainer needs images: its outputs (pool.jsonl) are .jsonl files',
          "Run 'metacurate run --help' for usage.",
        ]),
        'Metacurate: the run did not start: /ws/demo: text only: the trainer needs images: its outputs (pool.jsonl) are .jsonl files',
      );
    });

    it('says an input or environment error without its "error:" prefix', () => {
      assert.equal(
        launchFailureMessage(1, ['metacurate run: error: /ws/c/a.tar: bad-tar at byte 0', '']),
        'Metacurate: the run did not start: /ws/c/a.tar: bad-tar at byte 0',
      );
    });

    it('falls back to the last line on stderr, then to the exit code', () => {
      assert.equal(
        launchFailureMessage(1, ['node: bad option', '']),
        'Metacurate: the run did not start: node: bad option',
      );
      assert.equal(launchFailureMessage(1, []), 'Metacurate: the run did not start (exit 1).');
      assert.equal(launchFailureMessage(null, []), 'Metacurate: the run did not start (killed).');
    });
  });
});
