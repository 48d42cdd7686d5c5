/**
 * "Compare with…" in the entry-balance panel, host side: the curation shown beside another made
 * with the same metadata. Both are read as the panel reads any curation (`metacurate/balance`,
 * through the panel's cache); each side's kept per entry is its summary's `entries[].kept`, else
 * the expected kept at its own t, and its figures are at its own t. The webview gets both sides
 * (`compare` message) and draws the "Kept (other)" and "Δ kept" columns and the chart series.
 */
import { keptPerEntryAt, statsAt } from '../../server/engine/src/balanceView';
import type {
  BalancePayload,
  Comparison,
  CompareSide,
  HostMessage,
  PanelState,
  SourceSpec,
} from '../../contracts/src/webview';

/** One side of a comparison from a curation's data; undefined for data that are not a finished curation. */
export function compareSide(payload: BalancePayload): CompareSide | undefined {
  const { info, model } = payload;
  if (info.spec.kind !== 'curation' || info.t === undefined) return undefined;
  const stats = statsAt(model, info.t);
  return {
    folder: info.spec.folder,
    label: info.label,
    metadataSha256: info.metadataSha256,
    pool: info.texts,
    kept: info.kept,
    t: info.t,
    seed: info.seed,
    keptSource: model.actualKept ? 'actual' : 'expected',
    // A copy: the webview gets the buffers transferred, the payload stays in the host's cache.
    keptById: model.actualKept ? model.actualKept.slice() : keptPerEntryAt(model, info.t),
    headEntries: stats.headEntries,
    headShare: stats.headShare,
    matchedEntries: model.matchedEntries,
  };
}

/**
 * Why two data cannot be compared (undefined: they can): both must be finished curations, in two
 * folders, made with the same metadata (recorded sha256) and so the same entry ids.
 */
export function compareRefusal(base: BalancePayload, other: BalancePayload): string | undefined {
  const a = base.info;
  const b = other.info;
  if (a.spec.kind !== 'curation') return 'the panel shows the workspace samples, not a curation';
  if (b.spec.kind !== 'curation') return 'only a finished curation can be compared';
  if (a.spec.folder === b.spec.folder) return `${a.spec.folder} is the curation shown`;
  if (!a.metadataSha256 || !b.metadataSha256) return 'a curation does not record the sha256 of its metadata';
  if (a.metadataSha256 !== b.metadataSha256) return `${b.label} was made with other metadata than ${a.label}`;
  if (a.t === undefined || b.t === undefined) return 'a curation does not record its t';
  if (base.model.numEntries !== other.model.numEntries)
    return `${b.label} has ${other.model.numEntries} entries, ${a.label} ${base.model.numEntries}`;
  return undefined;
}

/** The comparison of two curations' data, or why there is none. */
export function comparisonOf(base: BalancePayload, other: BalancePayload): Comparison | string {
  const refusal = compareRefusal(base, other);
  if (refusal) return refusal;
  return { base: compareSide(base)!, other: compareSide(other)! };
}

/**
 * The curation compared with the one shown: chosen from the panel, kept while the panel shows
 * curations of the same metadata, dropped when it shows other data that cannot be compared.
 */
export class CompareSource {
  /** The compared curation's folder (undefined: none). */
  private folder: string | undefined;
  /** Bumped by each request: an older one's answer is not posted. */
  private request = 0;

  constructor(
    private readonly load: (source: SourceSpec) => Promise<BalancePayload>,
    private readonly post: (message: HostMessage) => void,
  ) {}

  /** The comparison the webview kept (after a window reload or hiding the panel). */
  adopt(state: PanelState | undefined): void {
    if (state?.compare !== undefined) this.folder = state.compare;
  }

  /** The user chose a curation to compare with (undefined: none); `shown` is the data on display. */
  async select(folder: string | undefined, shown: BalancePayload | undefined): Promise<void> {
    this.folder = folder;
    this.request++;
    if (folder && shown) await this.follow(shown);
  }

  /** New data are on display: the comparison with them, or none when they cannot be compared. */
  async follow(shown: BalancePayload): Promise<void> {
    const request = ++this.request;
    const folder = this.folder;
    if (!folder) return;
    let result: Comparison | string;
    try {
      result = comparisonOf(shown, await this.load({ kind: 'curation', folder }));
    } catch (err) {
      result = err instanceof Error ? err.message : String(err);
    }
    if (request !== this.request) return;
    if (typeof result === 'string') {
      // The panel says why in its status line.
      this.folder = undefined;
      this.post({ type: 'compareDropped', folder, reason: result });
      return;
    }
    this.post({ type: 'compare', comparison: result });
  }
}
