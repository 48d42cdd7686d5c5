/**
 * The per-entry expected kept at t (O(ids): about 10M for a million texts), for the ranked
 * chart's "after" curve, the table and the CSV. Computed after the frame that shows the figures
 * and in slices, so that neither the figures' paint nor the next move of t waits for it.
 */
import {
  addKeptOfTexts,
  keptPerEntryAt,
  matchedTextCount,
  type BalanceModel,
} from '../../server/engine/src/balanceView';

/** Texts per slice: input is answered between slices. */
const KEPT_SLICE_TEXTS = 125_000;

export class KeptJob {
  /** The values, and the t and model they are at. */
  private values: Float64Array | undefined;
  private t = NaN;
  private model: BalanceModel | undefined;
  /** Bumped by each request: a computation for an older one stops at its next slice. */
  private job = 0;
  /** The array the next computation fills (the one before last, reused). */
  private spare: Float64Array | undefined;

  constructor(private readonly onDone: (t: number) => void) {}

  /** Forgets the values (new data). */
  reset(): void {
    this.job++;
    this.values = undefined;
    this.spare = undefined;
    this.t = NaN;
    this.model = undefined;
  }

  /** The values when they are at `t` for `model`, else undefined. */
  at(model: BalanceModel, t: number): Float64Array | undefined {
    return this.model === model && this.t === t ? this.values : undefined;
  }

  /** The values at `t`, computed now if they are not. */
  now(model: BalanceModel, t: number): Float64Array {
    const ready = this.at(model, t);
    if (ready) return ready;
    this.values = keptPerEntryAt(
      model,
      t,
      this.values?.length === model.numEntries ? this.values : undefined,
    );
    this.t = t;
    this.model = model;
    return this.values;
  }

  /** Computes the values at `t` in slices after the next frame; `onDone(t)` when they are in. */
  schedule(model: BalanceModel, t: number): void {
    const job = ++this.job;
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (job !== this.job) return;
        // Already computed for a sort or an export: shown now.
        if (this.at(model, t)) return this.onDone(t);
        const out =
          this.spare && this.spare.length === model.numEntries
            ? this.spare
            : new Float64Array(model.numEntries);
        this.spare = undefined;
        out.fill(0);
        const texts = matchedTextCount(model);
        const slice = (from: number) => {
          if (job !== this.job) {
            this.spare = out;
            return;
          }
          const to = Math.min(texts, from + KEPT_SLICE_TEXTS);
          addKeptOfTexts(model, t, out, from, to);
          if (to < texts) setTimeout(() => slice(to), 0);
          else {
            this.spare = this.values;
            this.values = out;
            this.t = t;
            this.model = model;
            this.onDone(t);
          }
        };
        slice(0);
      }, 0),
    );
  }
}
