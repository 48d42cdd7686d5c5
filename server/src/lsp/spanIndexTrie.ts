/**
 * The editable trie of the English span index (spanIndexEnglish.ts) over entry token ids. Token
 * strings get ids through one StringTable; the root's edges are an array indexed by token id,
 * other edges an open-addressing table keyed by (node, token). Entries sharing a string hang off
 * one node in an ascending chain. Adding and removing an entry touch only its own path.
 * The searches read the arrays directly; they are reallocated as the trie grows.
 */
import { grow, StringTable } from '../../engine/src/stringTable';

function mix(node: number, token: number): number {
  let h = Math.imul(node, 0x9e3779b1) ^ token;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class EntryTokenTrie {
  readonly vocab = new StringTable();
  rootChild = new Int32Array(1024);
  /** Per node: the first (lowest) entry id ending there, or -1. */
  nodeEntry = new Int32Array(1024).fill(-1);
  nodeHasChildren = new Uint8Array(1024);
  nodeCount = 1;
  /** Per entry: the next entry with the same string, or -1. */
  nextEntry: Int32Array;
  edgeNode = new Int32Array(2048).fill(-1);
  edgeToken = new Int32Array(2048);
  edgeChild = new Int32Array(2048);
  private edgeCount = 0;
  /** Entries in the list (ids below it). */
  size: number;

  constructor(size: number) {
    this.size = size;
    this.nextEntry = new Int32Array(Math.max(16, size)).fill(-1);
  }

  private tokenOf(s: string, start: number, end: number): number {
    const t = this.vocab.intern(s, start, end);
    if (t >= this.rootChild.length) this.rootChild = grow(this.rootChild, t + 1);
    return t;
  }

  private edgeSlot(node: number, token: number): number {
    const mask = this.edgeNode.length - 1;
    let slot = mix(node, token) & mask;
    for (;;) {
      const n = this.edgeNode[slot];
      if (n === -1 || (n === node && this.edgeToken[slot] === token)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** The child of `node` along `token`, or 0. */
  child(node: number, token: number): number {
    if (node === 0) return this.rootChild[token];
    const slot = this.edgeSlot(node, token);
    return this.edgeNode[slot] === -1 ? 0 : this.edgeChild[slot];
  }

  private newNode(): number {
    const node = this.nodeCount++;
    if (node >= this.nodeEntry.length) {
      this.nodeEntry = grow(this.nodeEntry, node + 1, -1);
      this.nodeHasChildren = grow(this.nodeHasChildren, node + 1);
    }
    return node;
  }

  private addChild(node: number, token: number): number {
    const child = this.newNode();
    this.nodeHasChildren[node] = 1;
    if (node === 0) {
      this.rootChild[token] = child;
      return child;
    }
    if ((this.edgeCount + 1) * 2 > this.edgeNode.length) this.rehash();
    const slot = this.edgeSlot(node, token);
    this.edgeNode[slot] = node;
    this.edgeToken[slot] = token;
    this.edgeChild[slot] = child;
    this.edgeCount++;
    return child;
  }

  private rehash(): void {
    const { edgeNode, edgeToken, edgeChild } = this;
    const size = edgeNode.length * 2;
    this.edgeNode = new Int32Array(size).fill(-1);
    this.edgeToken = new Int32Array(size);
    this.edgeChild = new Int32Array(size);
    for (let i = 0; i < edgeNode.length; i++) {
      if (edgeNode[i] === -1) continue;
      const slot = this.edgeSlot(edgeNode[i], edgeToken[i]);
      this.edgeNode[slot] = edgeNode[i];
      this.edgeToken[slot] = edgeToken[i];
      this.edgeChild[slot] = edgeChild[i];
    }
  }

  /** Adds entry `id` along the path of its tokens (its node's chain stays ascending). */
  add(id: number, entry: string): void {
    let node = 0;
    let from = 0;
    for (;;) {
      const sp = entry.indexOf(' ', from);
      const token = this.tokenOf(entry, from, sp === -1 ? entry.length : sp);
      let next = this.child(node, token);
      if (next === 0) next = this.addChild(node, token);
      node = next;
      if (sp === -1) break;
      from = sp + 1;
    }
    if (id >= this.nextEntry.length) this.nextEntry = grow(this.nextEntry, id + 1, -1);
    if (id >= this.size) this.size = id + 1;
    // Insert into the node's ascending chain.
    let prev = -1;
    let cur = this.nodeEntry[node];
    while (cur !== -1 && cur < id) {
      prev = cur;
      cur = this.nextEntry[cur];
    }
    this.nextEntry[id] = cur;
    if (prev === -1) this.nodeEntry[node] = id;
    else this.nextEntry[prev] = id;
  }

  /** Takes entry `id` off its node's chain. */
  remove(id: number, entry: string): void {
    let node = 0;
    for (let from = 0; ;) {
      const sp = entry.indexOf(' ', from);
      const token = this.vocab.lookup(entry, from, sp === -1 ? entry.length : sp);
      if (token < 0) return;
      node = this.child(node, token);
      if (node === 0) return;
      if (sp === -1) break;
      from = sp + 1;
    }
    let prev = -1;
    let cur = this.nodeEntry[node];
    while (cur !== -1 && cur !== id) {
      prev = cur;
      cur = this.nextEntry[cur];
    }
    if (cur === -1) return;
    if (prev === -1) this.nodeEntry[node] = this.nextEntry[id];
    else this.nextEntry[prev] = this.nextEntry[id];
    this.nextEntry[id] = -1;
  }
}
