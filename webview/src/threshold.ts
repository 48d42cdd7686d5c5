/**
 * The balancing threshold t in the panel: a positive integer everywhere (issue 10). What the
 * number box accepts, and the slider's log scale in integer steps. Pure: no DOM.
 */
import { isThreshold } from '../../contracts/src/threshold';

/** Positions of the slider's log scale before equal integers are merged (its resolution). */
export const SLIDER_RESOLUTION = 1000;

/** A t the panel accepts: a positive safe integer (the one definition, contracts/src/threshold.ts). */
export const isValidT = isThreshold;

export type ParsedT = { ok: true; t: number } | { ok: false; reason: string };

/** The number box's text as a t, or why it is not one (shown beside the box; nothing is sent). */
export function parseT(text: string): ParsedT {
  const s = text.trim();
  if (s === '') return { ok: false, reason: 't must be a positive integer (the box is empty)' };
  const n = Number(s);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) || !Number.isFinite(n))
    return { ok: false, reason: `t must be a positive integer, not "${s}"` };
  if (!Number.isInteger(n)) return { ok: false, reason: `t must be a whole number, not ${s}` };
  if (n < 1) return { ok: false, reason: `t must be at least 1, not ${s}` };
  if (!Number.isSafeInteger(n)) return { ok: false, reason: `t = ${s} is too large` };
  return { ok: true, t: n };
}

/**
 * The top of the slider for counts whose largest is `maxCount`: a little above it (at and past
 * the largest count every entry is kept whole), at least 10, and never below the t shown.
 */
export function sliderTop(maxCount: number, t = 1): number {
  const top = Math.ceil(Math.max(10, maxCount * 1.25));
  return isValidT(t) && t > top ? t : top;
}

/**
 * The slider's log scale from 1 to `top` in integer steps: position i is the i-th of the distinct
 * integers round(top^(k / SLIDER_RESOLUTION)), so every position is a different t, t grows with
 * the position, and below about SLIDER_RESOLUTION / ln(top) every integer has its own position.
 */
export class TScale {
  /** The t at each position, increasing; the first is 1 and the last `top`. */
  readonly values: readonly number[];

  constructor(readonly top: number) {
    if (!isValidT(top)) throw new RangeError(`the slider's top must be a positive integer, not ${top}`);
    const values = [1];
    for (let k = 1; k <= SLIDER_RESOLUTION; k++) {
      const t = Math.min(top, Math.max(1, Math.round(top ** (k / SLIDER_RESOLUTION))));
      if (t > values[values.length - 1]) values.push(t);
    }
    if (values[values.length - 1] !== top) values.push(top);
    this.values = values;
  }

  /** The slider's last position (its `max`; the first is 0). */
  get maxPosition(): number {
    return this.values.length - 1;
  }

  /** The t at a position (clamped to the scale, rounded to a whole position). */
  toT(position: number): number {
    const p = Number.isFinite(position) ? Math.round(position) : 0;
    return this.values[Math.max(0, Math.min(this.maxPosition, p))];
  }

  /** The position whose t is nearest to `t` on the log scale (the ends past them). */
  toPosition(t: number): number {
    const v = this.values;
    if (!(t > 1)) return 0;
    if (t >= this.top) return this.maxPosition;
    let lo = 0;
    let hi = v.length - 1;
    // The first value >= t.
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    if (v[lo] === t) return lo;
    return Math.log(t / v[lo - 1]) <= Math.log(v[lo] / t) ? lo - 1 : lo;
  }
}
