import assert from 'node:assert/strict';
import type { CompareSide } from '../../contracts/src/webview';
import { comparisonFigures } from '../../webview/src/compareFigures';

const side = (over: Partial<CompareSide>): CompareSide => ({
  folder: '/ws/a',
  label: 'A',
  pool: 1_000_000,
  kept: 400_000,
  t: 2000,
  seed: 0,
  keptSource: 'actual',
  keptById: new Float64Array(0),
  headEntries: 120,
  headShare: 0.5,
  matchedEntries: 9000,
  ...over,
});

describe('webview/compareFigures: the two curations side by side', () => {
  const rows = comparisonFigures({
    base: side({}),
    other: side({
      folder: '/ws/b',
      label: 'B',
      kept: 250_000,
      t: 500,
      seed: undefined,
      keptSource: 'expected',
      headEntries: 480,
      headShare: 0.725,
    }),
  });
  const row = (key: string) => rows.find((r) => r.key === key)!;

  it('lists pool, kept, t, seed, head entries, head share and where the kept per entry comes from', () => {
    assert.deepEqual(
      rows.map((r) => r.key),
      ['pool', 'kept', 't', 'seed', 'headEntries', 'headShare', 'perEntry'],
    );
  });

  it('writes each side and the difference other minus this, with its sign', () => {
    assert.deepEqual(row('pool'), {
      key: 'pool',
      label: 'Pool records',
      base: '1,000,000',
      other: '1,000,000',
      delta: '0',
    });
    assert.deepEqual(
      [row('kept').base, row('kept').other, row('kept').delta],
      ['400,000', '250,000', '−150,000'],
    );
    assert.deepEqual([row('t').other, row('t').delta], ['500', '−1,500']);
    assert.equal(row('headEntries').delta, '+360');
  });

  it('the head share differs in percentage points', () => {
    assert.deepEqual(
      [row('headShare').base, row('headShare').other, row('headShare').delta],
      ['50.0%', '72.5%', '+22.5 pt'],
    );
  });

  it('an unknown seed is a dash and has no difference; an expected kept names its t', () => {
    assert.deepEqual([row('seed').base, row('seed').other, row('seed').delta], ['0', '–', '']);
    assert.deepEqual([row('perEntry').base, row('perEntry').other], ['recorded', 'expected at t = 500']);
  });
});
