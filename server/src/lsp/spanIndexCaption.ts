/**
 * A caption as the span indexes read it: its inner tokens with their ranges (English), or its
 * spaced text with where each character came from (worldwide).
 */
import { WRAPPED_PUNCTUATION } from '../../engine/src/match/spacing';

const SEP = new Uint8Array(128);
SEP[0x20] = 1;
SEP[0x09] = 1;
SEP[0x0a] = 1;
SEP[0x0d] = 1;
for (const p of WRAPPED_PUNCTUATION) SEP[p.charCodeAt(0)] = 2;

/** Inner tokens of the spaced caption, with their ranges in the caption. */
export interface CaptionTokens {
  count: number;
  texts: string[];
  starts: number[];
  ends: number[];
}

/** `withTexts` false leaves `texts` alone (only the ranges are needed). */
export function captionTokens(caption: string, out?: CaptionTokens, withTexts = true): CaptionTokens {
  const t = out ?? { count: 0, texts: [], starts: [], ends: [] };
  let k = 0;
  const push = (s: number, e: number) => {
    if (withTexts) t.texts[k] = s === e ? '' : caption.slice(s, e);
    t.starts[k] = s;
    t.ends[k] = e;
    k++;
  };
  let start = 0;
  const n = caption.length;
  for (let i = 0; i < n; i++) {
    const c = caption.charCodeAt(i);
    if (c >= 128) continue;
    const kind = SEP[c];
    if (kind === 0) continue;
    push(start, i);
    if (kind === 2) push(i, i + 1);
    start = i + 1;
  }
  push(start, n);
  t.count = k;
  return t;
}

/** The spaced text (docs/spec.md section 2) with, per character, the caption range it stands for. */
export interface SpacedCaption {
  text: string;
  /** Per character of `text`: where its caption range starts and ends (a padding space: empty). */
  lo: Int32Array;
  hi: Int32Array;
}

export function spacedWithOrigins(caption: string): SpacedCaption {
  const chars: string[] = [' '];
  let wrapped = 0;
  for (let i = 0; i < caption.length; i++) {
    const c = caption.charCodeAt(i);
    if (c < 128 && SEP[c] === 2) wrapped++;
  }
  const lo = new Int32Array(caption.length + 2 * wrapped + 2);
  const hi = new Int32Array(lo.length);
  let k = 1;
  for (let i = 0; i < caption.length; i++) {
    const c = caption.charCodeAt(i);
    const kind = c < 128 ? SEP[c] : 0;
    if (kind === 2) {
      chars.push(' ', caption[i], ' ');
      lo[k] = i;
      hi[k++] = i;
      lo[k] = i;
      hi[k++] = i + 1;
      lo[k] = i + 1;
      hi[k++] = i + 1;
    } else {
      chars.push(kind === 1 ? ' ' : caption[i]);
      lo[k] = i;
      hi[k++] = i + 1;
    }
  }
  chars.push(' ');
  lo[k] = caption.length;
  hi[k] = caption.length;
  return { text: chars.join(''), lo, hi };
}

/** The caption range of the spaced characters [a, b), or undefined when that is empty. */
export function originRange(spaced: SpacedCaption, a: number, b: number): [number, number] | undefined {
  if (b <= a) return undefined;
  return [spaced.lo[a], spaced.hi[b - 1]];
}

/** A space, tab, LF or CR. */
export function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
