/**
 * Highlight segments from candidate spans, for both span indexes (spanIndexEnglish.ts over
 * tokens, spanIndexWorldwide.ts over characters).
 */
import { grow } from '../../engine/src/stringTable';

/**
 * Gives positions (tokens or characters) to candidate spans: each position goes to the longest
 * candidate covering it, the lowest id and then the earliest start on ties. When the candidates
 * cover few positions in all (real captions), each is compared at every position it covers;
 * otherwise they are sorted, longest first, and each paints only the positions no earlier one
 * took (union-find over the positions not yet taken): O(positions + c log c) for c candidates.
 */
export class SegmentPainter {
  /** Per position: the id of the candidate it went to (-1: none), and that candidate's start. */
  paintedId = new Int32Array(256);
  paintedFirst = new Int32Array(256);
  private owner = new Int32Array(256);
  private nextUnpainted = new Int32Array(257);
  private first = new Int32Array(64);
  private last = new Int32Array(64);
  private id = new Int32Array(64);
  private length = new Int32Array(64);
  private order = new Int32Array(64);
  private positions = 0;
  private count = 0;
  /** Positions the candidates cover, with repeats. */
  private covered = 0;

  begin(positions: number): void {
    this.positions = positions;
    this.count = 0;
    this.covered = 0;
    if (this.paintedId.length < positions) {
      this.paintedId = new Int32Array(positions * 2);
      this.paintedFirst = new Int32Array(positions * 2);
      this.owner = new Int32Array(positions * 2);
      this.nextUnpainted = new Int32Array(positions * 2 + 1);
    }
  }

  /** A candidate covering positions [first, last], `length` long (in caption characters). */
  add(first: number, last: number, id: number, length: number): void {
    const k = this.count++;
    if (k === this.first.length) {
      this.first = grow(this.first, k + 1);
      this.last = grow(this.last, k + 1);
      this.id = grow(this.id, k + 1);
      this.length = grow(this.length, k + 1);
      this.order = grow(this.order, k + 1);
    }
    this.first[k] = first;
    this.last[k] = last;
    this.id[k] = id;
    this.length[k] = length;
    this.covered += last - first + 1;
  }

  /** Whether candidate x goes before candidate y: longer, then lower id, then earlier. */
  private before(x: number, y: number): boolean {
    const { length, id, first } = this;
    return (length[x] - length[y] || id[y] - id[x] || first[y] - first[x]) > 0;
  }

  /** Paints the candidates added since begin(); false when there were none. */
  paint(): boolean {
    const n = this.count;
    if (n === 0) return false;
    const { first, last, id, owner, paintedId, paintedFirst } = this;
    const positions = this.positions;
    owner.fill(-1, 0, positions);
    if (this.covered <= 4 * positions + 64) {
      for (let k = 0; k < n; k++) {
        for (let p = first[k]; p <= last[k]; p++) {
          if (owner[p] < 0 || this.before(k, owner[p])) owner[p] = k;
        }
      }
    } else this.paintLongestFirst();
    for (let p = 0; p < positions; p++) {
      const k = owner[p];
      paintedId[p] = k < 0 ? -1 : id[k];
      paintedFirst[p] = k < 0 ? -1 : first[k];
    }
    return true;
  }

  private paintLongestFirst(): void {
    const n = this.count;
    const { first, last, order, owner, nextUnpainted } = this;
    for (let k = 0; k < n; k++) order[k] = k;
    order.subarray(0, n).sort((x, y) => (this.before(x, y) ? -1 : this.before(y, x) ? 1 : 0));
    for (let p = 0; p <= this.positions; p++) nextUnpainted[p] = p;
    for (let i = 0; i < n; i++) {
      const k = order[i];
      for (let p = this.firstUnpainted(first[k]); p <= last[k]; p = this.firstUnpainted(p + 1)) {
        owner[p] = k;
        nextUnpainted[p] = p + 1;
      }
    }
  }

  /** The first position at or after p not yet painted (path halving). */
  private firstUnpainted(p: number): number {
    const next = this.nextUnpainted;
    while (next[p] !== p) {
      next[p] = next[next[p]];
      p = next[p];
    }
    return p;
  }
}
