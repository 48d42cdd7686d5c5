/**
 * The data shown, per source: the model and entry names from the host, with what the table
 * derives from them (rank of each entry, the name order and lower-case names for sorting and
 * search, the zero-shot accuracy by entry id). Pure: no DOM.
 */
import type { BalanceModel } from '../../server/engine/src/balanceView';
import type { AccuracyOverlay, BalancePayload, Comparison, PanelState } from '../../contracts/src/webview';

export class EntryData {
  readonly model: BalanceModel;
  readonly names: string[];
  /** rankOf[id]: the 0-based rank of entry `id` by count. */
  readonly rankOf: Uint32Array;
  /** Top-1 accuracy by entry id (NaN: none), of the overlay's run and its baseline. */
  accuracyById: Float64Array | undefined;
  baselineById: Float64Array | undefined;
  /** With "Compare with…": the other curation's kept by entry id, and it minus the shown curation's. */
  compareKept: Float64Array | undefined;
  deltaKept: Float64Array | undefined;
  private nameOrder: Uint32Array | undefined;
  private lowerNames: string[] | undefined;

  constructor(readonly payload: BalancePayload) {
    this.model = payload.model;
    this.names = payload.names;
    const m = this.model;
    this.rankOf = new Uint32Array(m.numEntries);
    for (let i = 0; i < m.numEntries; i++) this.rankOf[m.order[i]] = i;
  }

  /** Takes an accuracy overlay already checked to belong to this data (undefined: none). */
  setAccuracy(a: AccuracyOverlay | undefined): void {
    const m = this.model;
    this.accuracyById = undefined;
    this.baselineById = undefined;
    if (!a) return;
    const byId = (byRank: Float64Array) => {
      const out = new Float64Array(m.numEntries);
      for (let r = 0; r < m.numEntries; r++) out[m.order[r]] = byRank[r];
      return out;
    };
    this.accuracyById = byId(a.ranked);
    if (a.baselineRanked?.length === m.numEntries) this.baselineById = byId(a.baselineRanked);
  }

  /** Takes a comparison already checked to belong to this data (undefined: none). */
  setComparison(c: Comparison | undefined): void {
    this.compareKept = c?.other.keptById;
    this.deltaKept = c && Float64Array.from(c.other.keptById, (k, id) => k - c.base.keptById[id]);
  }

  /** Entry ids in the table's order; `kept` gives the per-entry expected kept at t when sorting by it. */
  sortedIds(sort: PanelState['sort'], kept: () => Float64Array): Uint32Array {
    const m = this.model;
    const n = m.numEntries;
    const { key, descending } = sort;
    let asc: Uint32Array;
    switch (key) {
      case 'rank':
      case 'count':
      case 'probability': {
        // By count descending is rank order; p ascending is the same order.
        const countDescending = key === 'count' ? descending : !descending;
        return countDescending ? m.order : m.order.slice().reverse();
      }
      case 'id':
        asc = Uint32Array.from({ length: n }, (_, i) => i);
        break;
      case 'entry': {
        if (!this.nameOrder) {
          const names = this.names;
          this.nameOrder = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) =>
            names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b,
          );
        }
        asc = this.nameOrder;
        break;
      }
      case 'accuracy': {
        // By accuracy (equal ones by rank), entries without one last either way; by count without an overlay.
        const acc = this.accuracyById;
        if (!acc) return descending ? m.order : m.order.slice().reverse();
        const valid: number[] = [];
        const rest: number[] = [];
        for (const id of m.order) (Number.isFinite(acc[id]) ? valid : rest).push(id);
        valid.sort(descending ? (a, b) => acc[b] - acc[a] : (a, b) => acc[a] - acc[b]);
        return Uint32Array.from([...valid, ...rest]);
      }
      case 'kept':
      case 'actualKept':
      case 'compareKept':
      case 'deltaKept': {
        // The actual kept of a curation (by count without one: the samples), the compared one's and the difference.
        const k =
          key === 'kept'
            ? kept()
            : key === 'actualKept'
              ? m.actualKept
              : key === 'compareKept'
                ? this.compareKept
                : this.deltaKept;
        if (!k) return descending ? m.order : m.order.slice().reverse();
        asc = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => k[a] - k[b] || a - b);
        break;
      }
    }
    return descending ? asc.slice().reverse() : asc;
  }

  /**
   * The ids among `ids` that a search finds: "#12" is entry 12, anything else the entries whose
   * name contains it, ignoring case, best first: the name itself, then names that start with it,
   * then names with a word that starts with it ("hot dog"), then the rest ("endogenous"); in
   * `ids`' order within each. An empty search finds all, in their order.
   */
  search(ids: Uint32Array, query: string): Uint32Array {
    const q = query.trim();
    if (!q) return ids;
    const idQuery = /^#(\d+)$/.exec(q);
    if (idQuery) {
      const id = Number(idQuery[1]);
      return id < this.model.numEntries ? Uint32Array.of(id) : new Uint32Array(0);
    }
    if (!this.lowerNames) this.lowerNames = this.names.map((s) => s.toLowerCase());
    const needle = q.toLowerCase();
    const names = this.lowerNames;
    const found: number[][] = [[], [], [], []];
    for (let i = 0; i < ids.length; i++) {
      const name = names[ids[i]] ?? '';
      const tier = searchTier(name, needle);
      if (tier >= 0) found[tier].push(ids[i]);
    }
    return Uint32Array.from(found.flat());
  }
}

/**
 * How well `name` matches `needle` (both lower case): 0 the same, 1 a prefix, 2 the start of a
 * word (after a character that is not a letter or digit), 3 elsewhere inside; -1 not at all.
 */
export function searchTier(name: string, needle: string): number {
  let at = name.indexOf(needle);
  if (at < 0) return -1;
  if (at === 0) return name.length === needle.length ? 0 : 1;
  for (; at >= 0; at = name.indexOf(needle, at + 1)) if (!/[\p{L}\p{N}]/u.test(name[at - 1])) return 2;
  return 3;
}

/**
 * A curation's actual kept of the entry at each rank drawn (null where it kept none: the log axis
 * has no 0); undefined without one (the samples).
 */
export function actualKeptByRank(
  model: { order: Uint32Array; actualKept?: Float64Array },
  ranks: Uint32Array,
): (number | null)[] | undefined {
  const actual = model.actualKept;
  if (!actual) return undefined;
  return Array.from(ranks, (r) => {
    const k = actual[model.order[r]];
    return k > 0 ? k : null;
  });
}
