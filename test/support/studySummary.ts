/**
 * A study's plan and pool figures as summary.json records them (contracts/src/studySummary.ts):
 * the tiny sweep of test/server/experiment/study.test.ts, for tests that need a whole summary
 * without training.
 */
import type { StudyPlan, StudyPoolFigures } from '../../contracts/src/studySummary';

export function studyPlan(overrides: Partial<StudyPlan> = {}): StudyPlan {
  return {
    experiment: 'sweep',
    'pool-seed': 1,
    'pool-size': 1600,
    'texts-per-image': 2,
    'test-per-class': 20,
    'head-to-tail': 30,
    arms: ['curated'],
    't-values': [3, 40],
    augment: ['crop'],
    seeds: 2,
    steps: 12,
    'batch-size': 32,
    lr: 0.002,
    warmup: 1,
    'model-config': 'tiny',
    ...overrides,
  };
}

export function studyPool(overrides: Partial<StudyPoolFigures> = {}): StudyPoolFigures {
  return {
    size: 1604,
    images: 802,
    texts_per_image: 2,
    matched: 859,
    matched_share: 859 / 1604,
    kinds: { class: 667, misleading: 72, generic: 120, noise: 745 },
    head_to_tail: 30,
    class_ranks: ['bag', 'trousers'],
    per_class: { bag: 516, trousers: 18 },
    largest_entry_count: 124,
    test_size: 200,
    test_per_class: 20,
    ...overrides,
  };
}
