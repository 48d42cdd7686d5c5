/** Data for the webview's unit suites: a payload as the host sends it, from matched texts. */
import type { AccuracyOverlay, BalancePayload, SourceSpec } from '../../contracts/src/webview';
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
