/**
 * Collects the distinct entry ids of one text (or one record's texts) without allocating:
 * a generation stamp per entry marks "already seen in this text", so dedup is O(1) and the
 * stamp array is never cleared between texts.
 */
export class IdCollector {
  private stamp: Uint32Array;
  private generation = 0;
  /** Ids collected since the last `begin()`, in discovery order until `sorted()` is called. */
  ids = new Uint32Array(64);
  count = 0;

  constructor(numEntries: number) {
    this.stamp = new Uint32Array(Math.max(1, numEntries));
  }

  begin(): void {
    this.count = 0;
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
  }

  add(id: number): void {
    if (this.stamp[id] === this.generation) return;
    this.stamp[id] = this.generation;
    if (this.count === this.ids.length) {
      const grown = new Uint32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.count++] = id;
  }

  /** The collected ids, ascending. The view is valid until the next `begin()`. */
  sorted(): Uint32Array {
    const view = this.ids.subarray(0, this.count);
    if (this.count > 24) view.sort();
    else {
      // Insertion sort: captions match a handful of entries, and a native sort call costs more.
      const ids = this.ids;
      for (let i = 1; i < this.count; i++) {
        const v = ids[i];
        let j = i - 1;
        while (j >= 0 && ids[j] > v) {
          ids[j + 1] = ids[j];
          j--;
        }
        ids[j + 1] = v;
      }
    }
    return view;
  }
}
