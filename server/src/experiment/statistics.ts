/**
 * The study's statistics over seeds: mean, sample standard deviation and the 95% confidence
 * interval of the mean with Student's t quantile (few seeds: the normal 1.96 would be far too
 * narrow), and paired differences (same seed, two arms). The t quantile is computed from the t
 * distribution's CDF (the regularized incomplete beta function), not looked up, so any degrees
 * of freedom and level work.
 */

import type { MeanInterval } from '../../../contracts/src/studySummary';

export type { MeanInterval };

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error('the mean of no values');
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function sampleSd(values: readonly number[]): number {
  if (values.length < 2) throw new Error('a sample standard deviation needs two values');
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) * (v - m), 0) / (values.length - 1));
}

/** ln Γ(x), Lanczos (g = 7, 9 terms): about 15 significant digits for x > 0. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast on this side of the mean; else use the symmetry.
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on the CDF). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`a quantile needs 0 < p < 1, got ${p}`);
  if (!(df > 0)) throw new Error(`degrees of freedom must be positive, got ${df}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean with its Student t confidence interval (two-sided, `level` 0.95 by default). */
export function meanInterval(values: readonly number[], level = 0.95): MeanInterval {
  const m = mean(values);
  if (values.length < 2) return { n: values.length, mean: m, sd: null, halfWidth: null, ci: null, level };
  const sd = sampleSd(values);
  const q = studentTQuantile(1 - (1 - level) / 2, values.length - 1);
  const halfWidth = (q * sd) / Math.sqrt(values.length);
  return { n: values.length, mean: m, sd, halfWidth, ci: [m - halfWidth, m + halfWidth], level };
}

/**
 * Paired differences a - b over the keys (seeds) both have, with their interval: the seed's
 * shared pool order and initialisation cancel out, so this is narrower than two separate CIs.
 */
export function pairedDifference(
  a: ReadonlyMap<number, number>,
  b: ReadonlyMap<number, number>,
  level = 0.95,
): (MeanInterval & { keys: number[] }) | null {
  const keys = [...a.keys()].filter((k) => b.has(k)).sort((x, y) => x - y);
  if (keys.length === 0) return null;
  return {
    ...meanInterval(
      keys.map((k) => a.get(k)! - b.get(k)!),
      level,
    ),
    keys,
  };
}
