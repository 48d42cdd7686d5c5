import assert from 'node:assert/strict';
import { isValidT, parseT, SLIDER_RESOLUTION, sliderTop, TScale } from '../../webview/src/threshold';

describe('webview/threshold: t is a positive integer', () => {
  describe('parseT (the number box)', () => {
    it('takes a positive integer, with blanks around it', () => {
      assert.deepEqual(parseT('25'), { ok: true, t: 25 });
      assert.deepEqual(parseT(' 1 '), { ok: true, t: 1 });
      assert.deepEqual(parseT('20000'), { ok: true, t: 20000 });
    });

    it('refuses a fraction, zero, a negative number, text and an empty box, saying why', () => {
      const cases: [string, RegExp][] = [
        ['70.1', /whole number, not 70\.1/],
        ['0', /at least 1, not 0/],
        ['-3', /at least 1/],
        ['abc', /positive integer, not "abc"/],
        ['0x10', /positive integer, not "0x10"/],
        ['', /empty/],
        ['   ', /empty/],
        ['1e400', /positive integer/],
        ['9007199254740993', /too large/],
      ];
      for (const [text, reason] of cases) {
        const parsed = parseT(text);
        assert.equal(parsed.ok, false, `${JSON.stringify(text)} was taken`);
        if (!parsed.ok) assert.match(parsed.reason, reason, `the reason for ${JSON.stringify(text)}`);
      }
    });

    it('isValidT holds for exactly the positive safe integers', () => {
      for (const t of [1, 2, 25, 20000, Number.MAX_SAFE_INTEGER]) assert.equal(isValidT(t), true, String(t));
      for (const t of [0, -1, 70.1, 0.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, '25', undefined, null])
        assert.equal(isValidT(t), false, String(t));
    });
  });

  describe('sliderTop', () => {
    it('is an integer a quarter above the largest count, at least 10, and never below t', () => {
      assert.equal(sliderTop(156), 195);
      assert.equal(sliderTop(157), 197);
      assert.equal(sliderTop(3), 10);
      assert.equal(sliderTop(0), 10);
      assert.equal(sliderTop(156, 40), 195);
      assert.equal(sliderTop(156, 20000), 20000);
      assert.equal(sliderTop(156, 70.1), 195, 'a t that is not valid does not raise the top');
    });
  });

  describe('TScale (the log slider in integer steps)', () => {
    const tops = [1, 2, 10, 195, 2000, 20_000, 1_000_000, 123_456_789];

    it('has integer values, strictly increasing from 1 to the top', () => {
      for (const top of tops) {
        const { values } = new TScale(top);
        assert.equal(values[0], 1, `top ${top}: first`);
        assert.equal(values[values.length - 1], top, `top ${top}: last`);
        assert.ok(values.length <= SLIDER_RESOLUTION + 1, `top ${top}: ${values.length} positions`);
        for (let i = 1; i < values.length; i++) {
          assert.ok(Number.isInteger(values[i]), `top ${top}: position ${i} is ${values[i]}`);
          assert.ok(values[i] > values[i - 1], `top ${top}: position ${i} does not grow`);
        }
      }
    });

    it('gives every integer its own position below SLIDER_RESOLUTION / ln(top)', () => {
      for (const top of [195, 1_000_000]) {
        const scale = new TScale(top);
        const dense = Math.min(top, Math.floor(SLIDER_RESOLUTION / Math.log(top)));
        for (let t = 1; t <= dense; t++) assert.equal(scale.toT(t - 1), t, `top ${top}: position ${t - 1}`);
      }
    });

    it('is a log scale above the integers: each step multiplies t by top^(1 / SLIDER_RESOLUTION)', () => {
      const top = 1_000_000;
      const { values } = new TScale(top);
      const q = top ** (1 / SLIDER_RESOLUTION);
      for (let i = 1; i < values.length; i++) {
        if (values[i - 1] < 1000) continue;
        const ratio = values[i] / values[i - 1];
        assert.ok(
          Math.abs(ratio / q - 1) < 0.002,
          `step ${values[i - 1]} -> ${values[i]}: ${ratio}, not ${q}`,
        );
      }
    });

    it('round-trips: position -> t -> position, and t -> position -> t for the values', () => {
      for (const top of tops) {
        const scale = new TScale(top);
        for (let p = 0; p <= scale.maxPosition; p++)
          assert.equal(scale.toPosition(scale.toT(p)), p, `top ${top}: position ${p}`);
        for (const v of scale.values) assert.equal(scale.toT(scale.toPosition(v)), v, `top ${top}: t ${v}`);
      }
    });

    it('maps any t to a position monotonically, the nearest on the log scale', () => {
      const scale = new TScale(20_000);
      let last = 0;
      for (let t = 1; t <= 25_000; t++) {
        const p = scale.toPosition(t);
        assert.ok(p >= last, `t ${t}: position ${p} after ${last}`);
        last = p;
      }
      // Between two values, the one nearer in log t.
      const i = scale.values.findIndex((v, k) => k > 0 && v - scale.values[k - 1] >= 4);
      const [lo, hi] = [scale.values[i - 1], scale.values[i]];
      assert.equal(scale.toPosition(lo + 1), i - 1);
      assert.equal(scale.toPosition(hi - 1), i);
    });

    it('clamps at the ends and rounds a position between two', () => {
      const scale = new TScale(195);
      assert.equal(scale.toT(-5), 1);
      assert.equal(scale.toT(NaN), 1);
      assert.equal(scale.toT(scale.maxPosition + 10), 195);
      assert.equal(scale.toT(2.4), scale.toT(2));
      assert.equal(scale.toPosition(0.5), 0);
      assert.equal(scale.toPosition(1), 0);
      assert.equal(scale.toPosition(195), scale.maxPosition);
      assert.equal(scale.toPosition(1e9), scale.maxPosition);
    });

    it('refuses a top that is not a positive integer', () => {
      assert.throws(() => new TScale(70.1), /positive integer, not 70\.1/);
      assert.throws(() => new TScale(0), /positive integer/);
    });
  });
});
