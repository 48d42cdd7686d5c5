/**
 * Collects the distinct entry ids of one text (or one record's texts) without allocating.
 * Ids are appended as found and deduplicated when sorted: a text matches a handful of entries,
 * so this is cheaper than marking each id as seen in a per-entry array (a cache miss per match
 * at 500k entries).
 */
export class IdCollector {
  /** Ids collected since the last `begin()`, in discovery order (repeats included) until sorted. */
  ids = new Uint32Array(64);
  count = 0;

  begin(): void {
    this.count = 0;
  }

  add(id: number): void {
    if (this.count === this.ids.length) {
      const grown = new Uint32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.count++] = id;
  }

  /** The collected ids, ascending. The view is valid until the next `begin()`. */
  sorted(): Uint32Array {
    this.sortInPlace();
    return this.ids.subarray(0, this.count);
  }

  /**
   * sorted() without making a view (which costs more than sorting a handful of ids): sorts
   * ids[0, count) in place and returns count.
   */
  sortInPlace(): number {
    const ids = this.ids;
    const n = this.count;
    if (n > 24) ids.subarray(0, n).sort();
    else {
      // Insertion sort: captions match a handful of entries, and a native sort call costs more.
      for (let i = 1; i < n; i++) {
        const v = ids[i];
        let j = i - 1;
        while (j >= 0 && ids[j] > v) {
          ids[j + 1] = ids[j];
          j--;
        }
        ids[j + 1] = v;
      }
    }
    let distinct = n > 0 ? 1 : 0;
    for (let i = 1; i < n; i++) if (ids[i] !== ids[distinct - 1]) ids[distinct++] = ids[i];
    this.count = distinct;
    return distinct;
  }
}

/**
 * A stamp per entry id saying which text last reported it. The linear-time paths report an
 * entry's dictionary chain once per text and stop at the first entry already stamped (its
 * chain was reported with it), which bounds output enumeration by the distinct matches.
 */
export class EntryStamps {
  readonly stamps: Int32Array;
  private current = 0;

  constructor(numEntries: number) {
    this.stamps = new Int32Array(numEntries);
  }

  /** A stamp no entry carries yet: one per text. */
  next(): number {
    if (this.current === 0x7fffffff) {
      this.stamps.fill(0);
      this.current = 0;
    }
    return ++this.current;
  }
}
