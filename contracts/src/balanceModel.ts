/**
 * The entry-balance model as it travels from the extension host to the panel (typed arrays, whose
 * buffers VS Code transfers without JSON). server/engine/src/balanceView.ts builds it
 * (`prepareBalance`) and answers every t from it (`balanceStats`); see there for the sums.
 */

/** Prepared once per source; POLY_MAX_IDS (balanceView.ts) bounds the ids of a polynomial text. */
export interface BalanceModel {
  /** Entries of the metadata (ids 0 .. numEntries-1). */
  numEntries: number;
  /** Count of each entry, by id. */
  counts: Float64Array;
  /** Entry ids by count, descending; equal counts by id ascending. */
  order: Uint32Array;
  /** counts[order[i]]: the count of the entry at rank i (0-based). */
  ranked: Float64Array;
  /** cumulative[i] = ranked[0] + ... + ranked[i]. */
  cumulative: Float64Array;
  /** Sum of all counts (matches). */
  totalMatches: number;
  /** Entries with a count above 0. */
  matchedEntries: number;
  /** Texts with at least one matched id. */
  matchedTexts: number;
  /** Per matched text, its ids: text r has ids[offsets[r] .. offsets[r+1]). */
  offsets: Uint32Array;
  ids: Uint32Array;
  /** Distinct smallest counts of the texts with at most POLY_MAX_IDS ids, ascending. */
  levels: Float64Array;
  /** suffixTexts[i]: those texts whose smallest count is >= levels[i] (length levels + 1). */
  suffixTexts: Float64Array;
  /** Suffix sums of e_j(1/count) over the same texts: e_j at [(j - 1) * (levels + 1) + i]. */
  suffixSums: Float64Array;
  /** Texts in the polynomial groups. */
  polyTexts: number;
  /** Texts with more ids: smallest count ascending, and their counts in one flat array. */
  bigMin: Float64Array;
  bigOffsets: Uint32Array;
  bigCounts: Float64Array;
  /**
   * A finished curation's kept records per entry, by id (its summary.json `entries[].kept`): the
   * actual kept at the curation's own t and seed. Absent for the samples and for curations made
   * before it was recorded.
   */
  actualKept?: Float64Array;
}
