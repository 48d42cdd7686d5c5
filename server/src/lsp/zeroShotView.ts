/**
 * The per-class zero-shot accuracy of a training run (and a baseline run) as the active metadata
 * list shows it: only runs trained on a curation made with that list (`madeWithActive`); mapped
 * onto the list's entries once per list and overlay.
 */
import { accuracyByEntry, type ZeroShotOverlay } from '../../engine/src/classAccuracy';
import { chanceLevel, formatDelta } from '../../engine/src/runs/compareRuns';
import { inlineCode, zeroShotLabel } from './format';

export interface EntryAccuracy {
  run: number;
  baseline?: number;
}

export class ZeroShotView {
  private overlay: ZeroShotOverlay | undefined;
  private mapped:
    | { entries: readonly string[]; shown: ZeroShotOverlay; run: Float64Array; baseline?: Float64Array }
    | undefined;
  /** The last shown overlay, per overlay sent and whether its baseline may be shown. */
  private shownCache:
    { overlay: ZeroShotOverlay; run: boolean; baseline: boolean; shown: ZeroShotOverlay } | undefined;

  /** `madeWithActive(runId)`: whether the run trained on a curation made with the active list. */
  constructor(private readonly madeWithActive: (runId: string) => boolean) {}

  /** What the client sent last (undefined: none, or cleared). */
  get sent(): ZeroShotOverlay | undefined {
    return this.overlay;
  }

  set(overlay: ZeroShotOverlay | undefined): void {
    this.overlay = overlay;
    this.mapped = undefined;
    this.shownCache = undefined;
  }

  /** The overlay the active list may show: its run's, with the baseline only when it is the list's too. */
  shown(): ZeroShotOverlay | undefined {
    const overlay = this.overlay;
    if (!overlay) return undefined;
    const run = this.madeWithActive(overlay.runId);
    const baseline = !!overlay.baseline && this.madeWithActive(overlay.baseline.runId);
    const c = this.shownCache;
    if (c?.overlay === overlay && c.run === run && c.baseline === baseline) return run ? c.shown : undefined;
    const shown = baseline || !overlay.baseline ? overlay : { ...overlay, baseline: undefined };
    this.shownCache = { overlay, run, baseline, shown };
    return run ? shown : undefined;
  }

  /** The accuracy of the class entry `id` names (run and baseline), if it names one. */
  of(entries: readonly string[], id: number): EntryAccuracy | undefined {
    const shown = this.shown();
    if (!shown) return undefined;
    if (this.mapped?.entries !== entries || this.mapped.shown !== shown) {
      this.mapped = {
        entries,
        shown,
        run: accuracyByEntry(entries, shown.perClass),
        baseline: shown.baseline ? accuracyByEntry(entries, shown.baseline.perClass) : undefined,
      };
    }
    const run = this.mapped.run[id];
    if (!Number.isFinite(run)) return undefined;
    const baseline = this.mapped.baseline?.[id];
    return { run, baseline: baseline !== undefined && Number.isFinite(baseline) ? baseline : undefined };
  }

  /** The hover line of entry `id`'s accuracy. */
  sentence(entries: readonly string[], id: number): string | undefined {
    const z = this.of(entries, id);
    const shown = this.shown();
    if (!z || !shown) return undefined;
    const base = shown.baseline;
    // A class's accuracy by guessing is 1 / classes, as for the whole top-1.
    const level = chanceLevel(z.run, Object.keys(shown.perClass).length);
    const chance = level ? ` (chance ${(100 * level.chance).toFixed(1)}% for ${level.classes} classes)` : '';
    return (
      `- Zero-shot top-1 on ${inlineCode(shown.dataset)} (run ${inlineCode(shown.runId)}): **${(100 * z.run).toFixed(1)}%**${chance}` +
      (base && z.baseline !== undefined
        ? `, ${formatDelta(z.run, z.baseline)} points against ${inlineCode(base.runId)} (${(100 * z.baseline).toFixed(1)}%)`
        : '')
    );
  }

  /** The inlay hint's part and tooltip for entry `id`, if its class has an accuracy. */
  hint(entries: readonly string[], id: number): { label: string; tooltip: string } | undefined {
    const z = this.of(entries, id);
    if (!z) return undefined;
    return {
      label: ` · ${zeroShotLabel(z.run, z.baseline)}`,
      tooltip: this.sentence(entries, id)!.replace(/^- /, ''),
    };
  }
}
