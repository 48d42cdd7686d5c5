/** The select pass's decisions from the matches stream: the same as keepRecord and keepProbability. */
import assert from 'node:assert/strict';
import { keepProbability, keepRecord } from '../../../server/engine/src/balance';
import { MatchesCursor, MatchesWriter } from '../../../server/engine/src/matchesFile';
import { ByteRecord } from '../../../server/engine/src/pool/byteRecord';
import type { PoolRecord } from '../../../server/engine/src/pool/types';
import { RecordSelector } from '../../../server/engine/src/selectRecords';

describe('RecordSelector', () => {
  it('keeps, sums and writes what keepRecord, keepProbability and JSON.stringify give, for byte and parsed records', () => {
    let state = 3;
    const next = (n: number): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n;
    const entries = 50;
    const p = Float64Array.from({ length: entries }, (_, e) => (e % 7 === 0 ? 1 : (1 + next(1000)) / 1001));
    const seed = 2 ** 33 + 5;
    const records: { ids: number[]; keyValue?: string; parsed: boolean }[] = [];
    const writer = new MatchesWriter();
    for (let r = 0; r < 3000; r++) {
      const ids = [...new Set(Array.from({ length: next(4) }, () => next(entries)))].sort((a, b) => a - b);
      writer.add(ids);
      records.push({ ids, keyValue: next(4) === 0 ? `key é ${r}` : undefined, parsed: next(5) === 0 });
    }
    const selector = new RecordSelector(
      new MatchesCursor(new Uint32Array(writer.bytes().slice().buffer)),
      seed,
      p,
    );
    const prefix = 'dir/pool "0".jsonl:';
    const byteRecord = new ByteRecord(1, prefix);
    const line = Buffer.from('..{"caption":"x"}\n..');
    const keptLines: number[] = [];
    let expectedKept = 0;
    let expectedSidecar = '';
    const expectedPerEntry = new Uint32Array(entries);
    records.forEach(({ ids, keyValue, parsed }, index) => {
      const key = keyValue ?? prefix + index;
      let kept: boolean;
      if (parsed) {
        const record: PoolRecord = {
          kind: 'record',
          index,
          key,
          texts: ['x'],
          payload: { type: 'line', bytes: line },
          location: {},
        };
        kept = selector.poolRecord(record);
      } else {
        byteRecord.at(line, 2, 18, index, index + 1, 2, 0);
        byteRecord.keyValue = keyValue;
        kept = selector.byteRecord(byteRecord, { addLine: () => keptLines.push(index) });
        assert.equal(keptLines.at(-1) === index, kept);
      }
      assert.equal(kept, keepRecord(seed, key, ids, p), `record ${index}`);
      if (ids.length > 0) expectedKept += keepProbability(ids, p);
      if (kept) {
        for (const id of ids) expectedPerEntry[id]++;
        expectedSidecar += JSON.stringify({ key, entry_ids: ids, p: keepProbability(ids, p) }) + '\n';
      }
    });
    assert.equal(selector.result.records, records.length);
    assert.equal(selector.result.expectedKept, expectedKept);
    assert.deepEqual(selector.keptPerEntry, expectedPerEntry);
    assert.equal(selector.result.kept, expectedSidecar.split('\n').length - 1);
    assert.equal(selector.sidecar.staged.view().toString('utf8'), expectedSidecar);
  });
});
