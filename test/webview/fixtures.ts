/** Data for the webview's unit suites: a payload as the host sends it, from matched texts. */
import type { MeanInterval } from '../../contracts/src/studySummary';
import type {
  AccuracyOverlay,
  BalancePayload,
  SourceSpec,
  SweepGroup,
  SweepView,
} from '../../contracts/src/webview';
import { prepareBalance } from '../../server/engine/src/balanceView';

/**
 * A payload over `names`, whose texts matched the entry ids in `texts` (one list per text);
 * counts are the matches of each entry.
 */
export function payloadOf(
  names: string[],
  texts: number[][],
  spec: SourceSpec = { kind: 'samples' },
  t?: number,
): BalancePayload {
  const counts = new Float64Array(names.length);
  const offsets = [0];
  const ids: number[] = [];
  for (const text of texts) {
    for (const id of text) {
      counts[id]++;
      ids.push(id);
    }
    offsets.push(ids.length);
  }
  const model = prepareBalance(counts, { offsets, ids });
  return {
    info: {
      spec,
      label: spec.kind === 'samples' ? 'Workspace samples (1 file)' : `Curation ${spec.folder}`,
      metadataPath: '/ws/metadata.json',
      texts: texts.length,
      files: 1,
      t,
      millis: 1,
    },
    names,
    model,
  };
}

/** Entries "dog" (id 0, 5 matches), "cat" (1, 3), "Golden Retriever" (2, 1) and "snow" (3, none). */
export function smallPayload(spec?: SourceSpec, t?: number): BalancePayload {
  return payloadOf(
    ['dog', 'cat', 'Golden Retriever', 'snow'],
    [[0], [0, 1], [0], [0, 2], [0], [1], [1], []],
    spec,
    t,
  );
}

/** An overlay for `payload` with `byRank` top-1 accuracies (NaN: none). */
export function overlayFor(payload: BalancePayload, byRank: number[], runId = 'run-1'): AccuracyOverlay {
  const spec = payload.info.spec;
  return {
    overlay: { runId, dataset: 'fashion-mnist', perClass: {} },
    source: spec.kind === 'samples' ? 'samples' : `curation:${spec.folder}`,
    ranked: Float64Array.from(byRank),
    unmatched: [],
  };
}

/**
 * The small payload as a finished curation in `folder` made with metadata `sha` at its own `t`
 * (seed 0, `kept` records), with its recorded kept per entry when `actualKept` is given.
 */
export function curationPayload(
  folder: string,
  sha: string | undefined,
  t: number,
  actualKept?: number[],
  kept = 4,
): BalancePayload {
  const payload = smallPayload({ kind: 'curation', folder }, t);
  payload.info = {
    ...payload.info,
    label: `Curation ${folder} (t = ${t})`,
    metadataSha256: sha,
    seed: 0,
    kept,
  };
  if (actualKept) payload.model = { ...payload.model, actualKept: Float64Array.from(actualKept) };
  return payload;
}

/** A mean over seeds in [0, 1] with the half width of its CI (null: one seed). */
export function interval(
  mean: number,
  halfWidth: number | null,
  n = halfWidth === null ? 1 : 2,
): MeanInterval {
  return {
    n,
    mean,
    sd: halfWidth === null ? null : halfWidth / 4,
    halfWidth,
    ci: halfWidth === null ? null : [mean - halfWidth, mean + halfWidth],
    level: 0.95,
  };
}

/**
 * The tiny sweep of test/server/experiment/study.test.ts as the host sends it: t = 3 and 40 of a
 * pool whose largest entry count is 124, two seeds planned; at t = 3 both done, at 40 one.
 */
export function sweepViewOf(overrides: Partial<SweepView> = {}): SweepView {
  const group = (t: number, seeds: number[], top1: MeanInterval, perClass: MeanInterval): SweepGroup => ({
    arm: 'curated',
    t,
    augment: 'crop',
    seeds,
    top1,
    meanPerClassTop1: perClass,
    trainPairs: t === 3 ? 102 : 680,
    timesSeen: 384 / (t === 3 ? 102 : 680),
  });
  return {
    folder: '/ws/sweep',
    summaryPath: '/ws/sweep/summary.json',
    units: { total: 4, done: 3 },
    tValues: [3, 40],
    arms: ['curated'],
    augments: ['crop'],
    seeds: 2,
    steps: 12,
    batchSize: 32,
    modelConfig: 'tiny',
    poolPairs: 1604,
    matchedPairs: 859,
    largestEntryCount: 124,
    metadataSha256: '84a3fde77ed21efae098e471aa4c898ab2bac31d2365960ae8eaf23ee4859e07',
    curations: [
      { t: 3, folder: '/ws/sweep/curations/t3', pairs: 102, expectedPairs: 101.763, headEntries: 32 },
      { t: 40, folder: '/ws/sweep/curations/t40', pairs: 680, expectedPairs: 673.059, headEntries: 7 },
    ],
    groups: [
      group(3, [1, 2], interval(0.3, 0.05), interval(0.25, 0.04)),
      group(40, [1], interval(0.5, null), interval(0.45, null)),
    ],
    ...overrides,
  };
}
