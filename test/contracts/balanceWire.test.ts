/** The entry-balance model over JSON-RPC: typed arrays as base64, back exactly. */
import assert from 'node:assert/strict';
import { decodeBalanceModel, encodeBalanceModel } from '../../contracts/src/balanceWire';
import { prepareBalance } from '../../server/engine/src/balanceView';

describe('balanceWire', () => {
  it('carries a prepared model through JSON and back, array for array', () => {
    const model = prepareBalance([3, 0, 1.5, 2], { offsets: [0, 2, 3, 5], ids: [0, 3, 0, 2, 3] });
    const wire = JSON.parse(JSON.stringify(encodeBalanceModel(model))) as ReturnType<
      typeof encodeBalanceModel
    >;
    assert.equal(typeof wire.order, 'object');
    assert.equal(wire.order.type, 'u32');
    assert.equal(wire.counts.type, 'f64');
    const back = decodeBalanceModel(wire);
    assert.deepEqual(Object.keys(back).sort(), Object.keys(model).sort());
    for (const [key, value] of Object.entries(model)) {
      const got = (back as unknown as Record<string, unknown>)[key];
      if (ArrayBuffer.isView(value)) {
        assert.equal(got?.constructor, value.constructor, key);
        assert.deepEqual(Array.from(got as Float64Array), Array.from(value as Float64Array), key);
      } else assert.equal(got, value, key);
    }
  });

  it('decodes a view into a bigger buffer from its own bytes only', () => {
    const big = new Uint32Array([9, 9, 1, 2, 3, 9]);
    const model = prepareBalance([1, 1, 1], { offsets: big.subarray(2, 4), ids: new Uint32Array([0]) });
    const back = decodeBalanceModel(encodeBalanceModel(model));
    assert.deepEqual(Array.from(back.offsets), Array.from(model.offsets));
  });
});
