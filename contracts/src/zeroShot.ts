/**
 * A training run's per-class zero-shot accuracy as it travels to the editor: from the language
 * server to the client (`metacurate/zeroShotResults`) and from the host to the balance panel.
 * server/engine/src/classAccuracy.ts parses it and maps it onto metadata entries.
 */

/** One run's per-class zero-shot accuracy, optionally with a baseline run's, on one dataset. */
export interface ZeroShotOverlay {
  /** The run shown. */
  runId: string;
  /** The evaluation dataset, e.g. 'fashion-mnist'. */
  dataset: string;
  /** Class name -> top-1 accuracy in [0, 1] (null = class absent from the evaluation set). */
  perClass: Record<string, number | null>;
  /**
   * sha256 of the metadata the run's curation was made with: the panel lays the results only over
   * data made with the same metadata (the language server checks the runs it finds itself).
   */
  metadataSha256?: string;
  /** Another run to compare with (drawn as hollow points). */
  baseline?: { runId: string; perClass: Record<string, number | null> };
}
