/**
 * summary.json of a study, `metacurate experiment mini` or `experiment sweep` (DIR/summary.json):
 * written by the CLI after every finished unit (server/src/experiment/studyReport.ts), read by the
 * entry-balance panel's host for its "Threshold sweep" view (client/src/sweepView.ts checks a
 * file against these types at run time: it may be partial, old or hand-edited).
 */

export type StudyExperiment = 'mini' | 'sweep';
export type Arm = 'raw' | 'curated' | 'online';
export type AugmentMode = 'crop' | 'none';

/** A mean over seeds and its confidence interval (Student t). */
export interface MeanInterval {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); null below two values. */
  sd: number | null;
  /** Half the width of the confidence interval; null below two values. */
  halfWidth: number | null;
  /** [low, high]; null below two values. */
  ci: [number, number] | null;
  level: number;
}

/**
 * The options the study was started with (its plan.json), `t-values` resolved (a sweep's default
 * values, a mini study's one t). Each unit trains `steps` steps of `batch-size` pairs.
 */
export interface StudyPlan {
  experiment: StudyExperiment;
  'pool-seed': number;
  'pool-size': number | null;
  'texts-per-image': number;
  'test-per-class': number;
  'head-to-tail': number;
  arms: Arm[];
  't-values': number[] | null;
  augment: AugmentMode[];
  /** Training seeds 1..seeds of every arm. */
  seeds: number;
  steps: number;
  'batch-size': number;
  lr: number;
  warmup: number;
  'model-config': string;
}

/** The pool's figures: its pairs, those matching the metadata, and its largest entry count. */
export interface StudyPoolFigures {
  /** Pool pairs (image-text records). */
  size: number;
  /** sha256 of the metadata the pool is matched against (DIR/metadata.json; absent in older summaries). */
  metadata_sha256?: string;
  images: number;
  texts_per_image: number;
  matched: number;
  matched_share: number;
  kinds: Record<string, number>;
  head_to_tail: number;
  class_ranks: string[];
  per_class: Record<string, number>;
  /** The largest entry count: a t at or above it balances nothing. */
  largest_entry_count: number;
  test_size: number;
  test_per_class: number;
}

/** One curation of the pool, at one t (DIR/curations/t<T>). */
export interface CurationStats {
  t: number;
  curated_size: number;
  expected_size: number;
  head_entries: number;
  per_class: Record<string, number>;
}

export interface GroupSummary {
  arm: Arm;
  t: number | null;
  augment: AugmentMode;
  n: number;
  seeds: number[];
  top1: MeanInterval;
  top5: MeanInterval;
  mean_per_class_top1: MeanInterval;
  per_class: Record<string, MeanInterval>;
  /** Distinct pairs trained on (online: the matched pool it draws from). */
  train_pairs: number;
  /** Samples seen over distinct pairs (online: over the pairs an epoch draws): how often a pair is seen. */
  times_seen: number;
}

export interface PairedSummary {
  arm: Arm;
  t: number | null;
  augment: AugmentMode;
  against: 'raw';
  seeds: number[];
  top1: MeanInterval;
  top5: MeanInterval;
  mean_per_class_top1: MeanInterval;
}

/** One training's figures, for the per-seed table. */
export interface UnitFigures {
  arm: Arm;
  t: number | null;
  augment: AugmentMode;
  seed: number;
  top1: number;
  top5: number;
  /** The step the training left the loss of chance; null: never; absent: its log is gone. */
  left_chance_at_step?: number | null;
}

export interface StudySummary {
  experiment: StudyExperiment;
  plan: StudyPlan;
  pool: StudyPoolFigures;
  curations: CurationStats[];
  units: { total: number; done: number };
  tail_classes: string[];
  groups: GroupSummary[];
  paired: PairedSummary[];
  /** Every finished training, in the groups' order then by seed. */
  units_by_seed: UnitFigures[];
  figures: string[];
}

/** A fraction as a percentage with one decimal, without the sign: 0.612 → "61.2". */
export function formatPercent(x: number): string {
  return (100 * x).toFixed(1);
}

/** "61.2 ± 3.4" in percent (the ± is the 95% CI's half width), or "61.2" for one seed. */
export function formatInterval(m: Pick<MeanInterval, 'mean' | 'halfWidth'>, signed = false): string {
  const v = formatPercent;
  const sign = signed && m.mean >= 0 ? '+' : '';
  return m.halfWidth === null ? `${sign}${v(m.mean)}` : `${sign}${v(m.mean)} ± ${v(m.halfWidth)}`;
}
