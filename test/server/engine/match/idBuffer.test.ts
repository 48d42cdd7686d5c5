/**
 * EntryStamps (idBuffer.ts): each text gets a stamp no entry carries yet, also after the
 * counter has gone round.
 */
import assert from 'node:assert/strict';
import { EntryStamps } from '../../../../server/engine/src/match/idBuffer';

describe('EntryStamps', () => {
  it('gives each text a stamp that no entry carries', () => {
    const entryStamps = new EntryStamps(3);
    const first = entryStamps.next();
    entryStamps.stamps[1] = first;
    const second = entryStamps.next();
    assert.notEqual(second, first);
    assert.ok(!entryStamps.stamps.includes(second));
  });

  it('clears the stamps when the counter wraps, so an old stamp is never taken for new', () => {
    const entryStamps = new EntryStamps(2);
    // Skip to the last stamp an Int32Array holds (2^31 texts would take minutes).
    (entryStamps as unknown as { current: number }).current = 0x7fffffff - 1;
    const last = entryStamps.next();
    assert.equal(last, 0x7fffffff);
    entryStamps.stamps[0] = last;
    entryStamps.stamps[1] = 1;
    const wrapped = entryStamps.next();
    assert.equal(wrapped, 1);
    assert.deepEqual(Array.from(entryStamps.stamps), [0, 0]);
  });
});
