/** The "All languages" chart's geometry: one log-log curve per language, its t_lang marked. */
import assert from 'node:assert/strict';
import { layoutCurves } from '../../webview/src/languageCurves';

describe('webview/languageCurves', () => {
  const curves = [
    { code: 'en', t: 10, ranks: [1, 10, 100], counts: [1000, 100, 1] },
    { code: 'th', t: 5, ranks: [1, 2], counts: [3, 1] },
  ];
  const layout = layoutCurves(curves, 448 + 12 + 48, 300 + 12 + 32);

  it('spans whole powers of ten: ranks 1..100 across the width, counts 1..1000 up the height', () => {
    assert.deepEqual(
      layout.xTicks.map((t) => [t.value, t.at]),
      [
        [1, 48],
        [10, 272],
        [100, 496],
      ],
    );
    assert.deepEqual(
      layout.yTicks.map((t) => [t.value, t.at]),
      [
        [1, 312],
        [10, 212],
        [100, 112],
        [1000, 12],
      ],
    );
    assert.equal(layout.plots[0].points, '48,12 272,112 496,312');
  });

  it('marks each curve at its last rank above its own t, at the height of t; a language all tail has none', () => {
    assert.deepEqual(layout.plots[0].tMark, { x: 272, y: 212, rank: 10 });
    assert.equal(layout.plots[1].tMark, undefined);
    assert.deepEqual(
      layout.plots.map((p) => [p.code, p.t]),
      [
        ['en', 10],
        ['th', 5],
      ],
    );
  });
});
