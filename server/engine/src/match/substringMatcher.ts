/**
 * The worldwide (MetaCLIP 2) matcher: Aho-Corasick over UTF-16 code units, in time linear in
 * the text whatever the metadata.
 *
 * # What it matches
 *
 * Every entry whose worldwide-padded form (spacing.ts) is a substring of the spaced text,
 * overlapping and nested occurrences included. The result is a set: each entry once per text,
 * entries with the same string all together, ids ascending.
 *
 * Worldwide padding leaves CJK, Thai, Lao, Burmese, Khmer, Tibetan and punctuation ends of an
 * entry unpadded, so an entry may match inside a space-delimited token and the token index of
 * the English matcher does not apply. This searches every padded entry in the spaced text at once.
 *
 * # Index
 *
 * Goto edges in one open-addressing table keyed by (node, code unit), the root's edges in a
 * direct 65,536-slot array; failure links; and for each node the nearest node on its failure
 * chain that ends an entry (dictionary link), so reporting walks only nodes that have entries.
 *
 * # Costs
 *
 * For a spaced text of n code units that matches m distinct entries (duplicates counted), and
 * padded entries of total length L:
 *
 * - Matching: O(n + m log m) time. One transition per code unit, failure links at most one per
 *   unit overall. Reporting follows dictionary links from each position, but stops at an entry
 *   already reported in this text (EntryStamps; its own chain was reported with it), so it
 *   follows O(n + m) links in all: without the stamps, entries that are prefixes of each other
 *   (`a`, `a a`, `a a a`, ...) against a long run of `a a a ...` would report a chain as long as
 *   the number of entries at every position. Sorting the ids is O(m log m).
 * - Build: O(L) time with hashing. Memory: about 20 bytes per trie node, roughly one node per
 *   code unit of the entries, so a few times the English index; plus 4 bytes per entry of stamps
 *   per matcher. Worldwide runs are the exception, so it is built only when asked for.
 */
import { pairHash, tableSizeFor } from './hashing';
import { EntryStamps, IdCollector } from './idBuffer';
import { paddedEntry, spacedText } from './spacing';

export interface SubstringIndex {
  numEntries: number;
  rootGoto: Int32Array;
  /** [node, unit, child] per slot; node = -1 marks an empty slot. */
  gotoTable: Int32Array;
  fail: Int32Array;
  dictLink: Int32Array;
  nodeEntry: Int32Array;
  nextEntry: Int32Array;
}

export function buildSubstringIndex(entries: readonly string[]): SubstringIndex {
  const patterns = entries.map((e) => paddedEntry(e, 'worldwide'));
  let total = 1;
  for (const p of patterns) total += p.length;

  // Trie with first-child / next-sibling lists during the build (upper bound: total nodes).
  const rootGoto = new Int32Array(65536);
  const firstChild = new Int32Array(total).fill(-1);
  const nextSibling = new Int32Array(total).fill(-1);
  const label = new Uint16Array(total);
  const nodeEntry = new Int32Array(total).fill(-1);
  const lastEntry = new Int32Array(total).fill(-1);
  const nextEntry = new Int32Array(entries.length).fill(-1);
  const gotoSlots = tableSizeFor(total * 2);
  const gotoTable = new Int32Array(gotoSlots * 3).fill(-1);
  const mask = gotoSlots - 1;
  const findChild = (node: number, unit: number): number => {
    if (node === 0) return rootGoto[unit];
    let slot = pairHash(node, unit) & mask;
    for (;;) {
      const owner = gotoTable[slot * 3];
      if (owner === -1) return 0;
      if (owner === node && gotoTable[slot * 3 + 1] === unit) return gotoTable[slot * 3 + 2];
      slot = (slot + 1) & mask;
    }
  };
  let nodes = 1;
  for (let id = 0; id < patterns.length; id++) {
    const p = patterns[id];
    let node = 0;
    for (let i = 0; i < p.length; i++) {
      const unit = p.charCodeAt(i);
      let child = findChild(node, unit);
      if (child === 0) {
        child = nodes++;
        label[child] = unit;
        nextSibling[child] = firstChild[node];
        firstChild[node] = child;
        if (node === 0) rootGoto[unit] = child;
        else {
          let slot = pairHash(node, unit) & mask;
          while (gotoTable[slot * 3] !== -1) slot = (slot + 1) & mask;
          gotoTable[slot * 3] = node;
          gotoTable[slot * 3 + 1] = unit;
          gotoTable[slot * 3 + 2] = child;
        }
      }
      node = child;
    }
    if (nodeEntry[node] === -1) nodeEntry[node] = id;
    else nextEntry[lastEntry[node]] = id;
    lastEntry[node] = id;
  }

  // Breadth-first failure and dictionary links.
  const fail = new Int32Array(nodes);
  const dictLink = new Int32Array(nodes);
  const queue = new Int32Array(nodes);
  let head = 0;
  let tail = 0;
  for (let c = firstChild[0]; c !== -1; c = nextSibling[c]) queue[tail++] = c;
  while (head < tail) {
    const u = queue[head++];
    for (let v = firstChild[u]; v !== -1; v = nextSibling[v]) {
      const unit = label[v];
      let f = fail[u];
      let target = findChild(f, unit);
      while (target === 0 && f !== 0) {
        f = fail[f];
        target = findChild(f, unit);
      }
      fail[v] = target;
      dictLink[v] = nodeEntry[target] !== -1 ? target : dictLink[target];
      queue[tail++] = v;
    }
  }

  return {
    numEntries: entries.length,
    rootGoto,
    gotoTable,
    fail,
    dictLink,
    nodeEntry: nodeEntry.slice(0, nodes),
    nextEntry,
  };
}

export class SubstringMatcher {
  private readonly collector: IdCollector;
  private readonly entryStamps: EntryStamps;
  private readonly mask: number;
  private steps = 0;

  constructor(readonly index: SubstringIndex) {
    this.collector = new IdCollector();
    this.entryStamps = new EntryStamps(index.numEntries);
    this.mask = index.gotoTable.length / 3 - 1;
  }

  get numEntries(): number {
    return this.index.numEntries;
  }

  /**
   * Automaton steps taken since construction: transitions tried (failure links included) and
   * dictionary links followed. The measure of matching work that the linear bound is stated in.
   */
  get trieSteps(): number {
    return this.steps;
  }

  match(text: string): number[] {
    this.collector.begin();
    this.collect(text);
    return Array.from(this.collector.sorted());
  }

  begin(): void {
    this.collector.begin();
  }

  sorted(): Uint32Array {
    return this.collector.sorted();
  }

  sortInPlace(): number {
    return this.collector.sortInPlace();
  }

  ids(): Uint32Array {
    return this.collector.ids;
  }

  collectLine(bytes: Uint8Array, start: number, limit: number): number {
    const lf = bytes.indexOf(0x0a, start);
    if (lf === -1 || lf >= limit) return -1;
    this.collectUtf8(bytes, start, lf > start && bytes[lf - 1] === 0x0d ? lf - 1 : lf);
    return lf + 1;
  }

  collectUtf8(bytes: Uint8Array, start: number, end: number): void {
    this.collect(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end));
  }

  collect(text: string): void {
    const s = spacedText(text);
    const { rootGoto, gotoTable, fail, dictLink, nodeEntry, nextEntry } = this.index;
    const mask = this.mask;
    const collector = this.collector;
    const stamps = this.entryStamps.stamps;
    const stamp = this.entryStamps.next();
    let steps = 0;
    let node = 0;
    for (let i = 0; i < s.length; i++) {
      const unit = s.charCodeAt(i);
      for (;;) {
        steps++;
        let next = 0;
        if (node === 0) next = rootGoto[unit];
        else {
          let slot = pairHash(node, unit) & mask;
          for (;;) {
            const owner = gotoTable[slot * 3];
            if (owner === -1) break;
            if (owner === node && gotoTable[slot * 3 + 1] === unit) {
              next = gotoTable[slot * 3 + 2];
              break;
            }
            slot = (slot + 1) & mask;
          }
        }
        if (next !== 0 || node === 0) {
          node = next;
          break;
        }
        node = fail[node];
      }
      for (let out = nodeEntry[node] !== -1 ? node : dictLink[node]; out !== 0; out = dictLink[out]) {
        steps++;
        const first = nodeEntry[out];
        // Stamped: it and the rest of its chain were reported earlier in this text.
        if (stamps[first] === stamp) break;
        stamps[first] = stamp;
        for (let e = first; e >= 0; e = nextEntry[e]) collector.add(e);
      }
    }
    this.steps += steps;
  }
}
