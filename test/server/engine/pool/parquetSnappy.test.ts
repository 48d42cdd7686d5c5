/** The writer's Snappy compressor gives hyparquet-writer's bytes, and they decompress back. */
import assert from 'node:assert/strict';
import { snappyUncompress } from 'hyparquet';
import { snappyCompressPage } from '../../../../server/engine/src/pool/parquetSnappy';

// The writer's own compressor, which its package exports under src/ (its types need node16 resolution).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { snappyCompress } = require('hyparquet-writer/src/snappy.js') as {
  snappyCompress(input: Uint8Array): Uint8Array;
};

/** A deterministic mix of runs, repeats at short and long distances, text and noise. */
function sample(size: number, seed: number): Uint8Array {
  let state = seed;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  const out = new Uint8Array(size);
  let i = 0;
  while (i < size) {
    const kind = next() % 4;
    const len = Math.min(size - i, 1 + (next() % 300));
    if (kind === 0) for (let k = 0; k < len; k++) out[i++] = next() & 0xff;
    else if (kind === 1) out.fill(next() & 0xff, i, (i += len));
    else if (kind === 2 && i > 0) {
      // a repeat from up to 100 KiB back: some beyond Snappy's 64 KiB offsets
      const from = Math.max(0, i - 1 - (next() % 100_000));
      for (let k = 0; k < len; k++, i++) out[i] = out[from + k];
    } else {
      const text = Buffer.from(`caption ${next() % 1000} of a dog on the beach, `);
      for (let k = 0; k < len; k++) out[i++] = text[k % text.length];
    }
  }
  return out;
}

describe('Parquet page Snappy compression', () => {
  it('the same bytes as hyparquet-writer, for sizes around its limits', () => {
    const sizes = [0, 1, 14, 15, 16, 60, 61, 300, 4096, 16_383, 16_384, 70_000, 300_000];
    for (const size of sizes) {
      for (let seed = 1; seed <= 3; seed++) {
        const input = sample(size, seed * 7919 + size);
        const ours = snappyCompressPage(input);
        assert.deepEqual(Buffer.from(ours), Buffer.from(snappyCompress(input)), `size ${size} seed ${seed}`);
        const back = new Uint8Array(size);
        snappyUncompress(ours, back);
        assert.deepEqual(Buffer.from(back), Buffer.from(input));
      }
    }
  });
});
