/** The match command's lines are exactly JSON.stringify of {key, entry_ids}, whatever the key. */
import assert from 'node:assert/strict';
import { MatchLineEncoder } from '../../../server/src/engine/matchLines';

describe('MatchLineEncoder', () => {
  it('writes the same bytes as JSON.stringify for plain, escaped and non-ASCII keys', () => {
    const cases: [string, number[]][] = [
      ['0', []],
      ['pool.jsonl:12', [0, 9, 10, 99, 100, 123456, 2147483646]],
      ['quote " and \\ backslash', [7]],
      ['tab\tnew\nline', [1, 2]],
      ['caf\u00e9 東京 \u{1F600}', [3]],
    ];
    const encoder = new MatchLineEncoder();
    for (const [key, ids] of cases) encoder.add(key, Uint32Array.from(ids));
    const expected = cases.map(([key, ids]) => JSON.stringify({ key, entry_ids: ids }) + '\n').join('');
    assert.equal(encoder.take().toString('utf8'), expected);
    assert.equal(encoder.pending, 0);
  });
  it('grows past its buffer for many ids', () => {
    const encoder = new MatchLineEncoder();
    const ids = Array.from({ length: 200000 }, (_, i) => i);
    encoder.add('k', ids);
    assert.equal(encoder.take().toString(), JSON.stringify({ key: 'k', entry_ids: ids }) + '\n');
  });
});
