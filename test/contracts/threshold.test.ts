/** t is a positive integer everywhere: the one definition every layer uses. */
import assert from 'node:assert/strict';
import { isThreshold, parseThreshold } from '../../contracts/src/threshold';

describe('contracts/threshold: t is a positive integer', () => {
  it('accepts safe integers from 1', () => {
    for (const t of [1, 2, 20_000, Number.MAX_SAFE_INTEGER]) assert.equal(isThreshold(t), true, String(t));
  });
  it('refuses fractions, zero, negatives, non-finite values and non-numbers', () => {
    for (const t of [70.1, 0, -5, 0.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, '20000', null, undefined])
      assert.equal(isThreshold(t), false, String(t));
  });
  it('reads digits only', () => {
    assert.equal(parseThreshold('20000'), 20_000);
    assert.equal(parseThreshold('007'), 7);
    for (const text of [
      '70.1',
      '0',
      '-5',
      '+5',
      '1e3',
      '0x10',
      '',
      ' 5',
      '5 ',
      'abc',
      '1.0',
      '99999999999999999999',
    ])
      assert.equal(parseThreshold(text), undefined, JSON.stringify(text));
  });
});
