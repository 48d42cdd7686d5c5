/** bzip2 blocks found by their magic and decoded one by one, as the parallel dump reader does. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAll, findBlockStarts, looksLikeBzip2, readBlocks } from '../../../server/src/metadata/bz2';
import { bzip2 } from '../../support/bzip2';

/** Text that compresses poorly enough to span several 100k blocks at level 1. */
function sampleText(bytes: number): Buffer {
  let seed = 7;
  const words: string[] = [];
  let len = 0;
  while (len < bytes) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const w = seed.toString(36);
    words.push(w);
    len += w.length + 1;
  }
  return Buffer.from(words.join(' ').slice(0, bytes));
}

describe('bzip2 block reader', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mc-bz2-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('recognises the stream header', () => {
    assert.equal(looksLikeBzip2(Buffer.from('BZh91AY&SY')), true);
    assert.equal(looksLikeBzip2(Buffer.from('<mediawiki')), false);
  });

  it('finds the block magic at any bit offset', () => {
    // 0x314159265359 shifted right by 3 bits inside a zero background.
    const magic = 0x314159265359n << 5n; // 53 bits, so the magic starts at bit 3 of byte 2
    const buf = Buffer.alloc(12);
    for (let k = 0; k < 7; k++) buf[2 + k] = Number((magic >> BigInt(8 * (6 - k))) & 0xffn);
    assert.deepEqual(findBlockStarts(buf, 0, buf.length), [2 * 8 + 3]);
    assert.deepEqual(findBlockStarts(buf, 3, buf.length), []);
  });

  it('decodes a multi-block stream block by block into the original bytes', () => {
    const text = sampleText(450_000);
    const bz = bzip2(text, 1);
    const path = join(dir, 'one.bz2');
    writeFileSync(path, bz);
    const blocks = [...readBlocks(path, bz.length, 0)];
    assert.ok(blocks.length >= 4, `expected several blocks, got ${blocks.length}`);
    assert.ok(Buffer.concat(blocks.map((b) => b.data)).equals(text));
    // Starting further in yields exactly the blocks that start from there on.
    const later = [...readBlocks(path, bz.length, Math.floor(blocks[2].startBit / 8))];
    assert.deepEqual(
      later.map((b) => b.startBit),
      blocks.slice(2).map((b) => b.startBit),
    );
    assert.ok(decodeAll(bz).equals(text));
  });

  it('decodes concatenated streams (multistream dumps) the same way', () => {
    const a = sampleText(250_000);
    const b = Buffer.from('second stream\n');
    const bzA = bzip2(a, 1);
    const bzB = bzip2(b, 9);
    const path = join(dir, 'multi.bz2');
    const all = Buffer.concat([bzA, bzB]);
    writeFileSync(path, all);
    const out = Buffer.concat([...readBlocks(path, all.length, 0)].map((x) => x.data));
    assert.ok(out.equals(Buffer.concat([a, b])));
  });
});
