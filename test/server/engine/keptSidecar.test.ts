/** Sidecar lines written as bytes: the same bytes as JSON.stringify of { key, entry_ids, p }. */
import assert from 'node:assert/strict';
import { SidecarLines } from '../../../server/engine/src/keptSidecar';

function referenceLine(key: string, ids: number[], p: number): string {
  return JSON.stringify({ key, entry_ids: ids, p }) + '\n';
}

describe('SidecarLines', () => {
  it('writes the bytes of JSON.stringify({ key, entry_ids, p }) for default and given keys', () => {
    let state = 7;
    const next = (n: number): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n;
    const prefixes = ['pool-0.jsonl:', 'dir/é☃ "q"\\:', '\ud83d\ude00:', 'lone\ud83d:', 'ctl\u0001\n:'];
    const keys = ['k', '', 'quote"back\\slash', 'tab\there', 'é☃\ud83d\ude00', 'lone\udc00', '\u2028'];
    const ps = [1, 0.5, 1 / 3, 1e-7, 0.9999999999999999, 2 ** -40];
    const lines = new SidecarLines();
    let expected = '';
    for (let i = 0; i < 2000; i++) {
      const ids: number[] = [];
      for (let k = 0; k < next(5); k++) ids.push(next(k % 2 === 0 ? 10 : 600000));
      // The ids inside a longer stream, as the matches cursor holds them.
      const stream = Uint32Array.from([9, ...ids, 9]);
      const p = ps[next(ps.length)] * (next(2) === 0 ? 1 : next(1000000007) / 1000000007);
      if (next(2) === 0) {
        const prefix = prefixes[next(prefixes.length)];
        const index = [0, 9, 10, 12345, 2 ** 40 + 1, next(1000000)][next(6)];
        lines.addDefaultKey(prefix, index, stream, 1, 1 + ids.length, p);
        expected += referenceLine(prefix + index, ids, p);
      } else {
        const key = keys[next(keys.length)];
        lines.addKey(key, stream, 1, 1 + ids.length, p);
        expected += referenceLine(key, ids, p);
      }
    }
    assert.deepEqual(lines.staged.view(), Buffer.from(expected, 'utf8'));
  });
});
