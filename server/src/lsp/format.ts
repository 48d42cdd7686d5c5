/** Text shown by the language server: counts, probabilities, hover markdown. */
import { formatDelta } from '../../engine/src/runs/compareRuns';

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `1,204` */
export function formatCount(n: number): string {
  return INTEGER.format(n);
}

/** `0.42`; tiny non-zero probabilities keep two significant digits (`0.0031`). */
export function formatProbability(p: number): string {
  if (p >= 0.01 || p === 0) return p.toFixed(2);
  return p.toPrecision(2);
}

/** The inlay hint after an entry: `1,204 · p 0.42`. */
export function inlayLabel(count: number, p: number): string {
  return `${formatCount(count)} · p ${formatProbability(p)}`;
}

/** Markdown inline code that survives backticks inside the value. */
export function inlineCode(value: string): string {
  const shown = value.length > 200 ? value.slice(0, 200) + '…' : value;
  const longest = Math.max(0, ...(shown.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = shown.startsWith('`') || shown.endsWith('`') || shown.trim() !== shown ? ' ' : '';
  return shown.length === 0 ? '`""`' : `${fence}${pad}${shown}${pad}${fence}`;
}

/** Escapes Markdown in caption text; the matched span, when given, is bold. */
export function quoteCaption(caption: string, span?: [number, number]): string {
  const esc = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&').replace(/\s+/g, ' ');
  let text = caption;
  let a = span?.[0] ?? -1;
  let b = span?.[1] ?? -1;
  if (text.length > 240) {
    const from = a > 100 ? a - 100 : 0;
    text = (from > 0 ? '…' : '') + text.slice(from, from + 240) + (from + 240 < caption.length ? '…' : '');
    if (a >= 0) {
      const shift = from - (from > 0 ? 1 : 0);
      a -= shift;
      b = Math.min(b - shift, text.length);
    }
  }
  if (a < 0 || b <= a) return `> ${esc(text)}`;
  return `> ${esc(text.slice(0, a))}**${esc(text.slice(a, b))}**${esc(text.slice(b))}`;
}

/** `zero-shot 72.0%`, then `(+4.2)` points against a baseline run when one is given. */
export function zeroShotLabel(accuracy: number, baseline: number | undefined): string {
  const text = `zero-shot ${(100 * accuracy).toFixed(1)}%`;
  const delta = formatDelta(accuracy, baseline);
  return delta ? `${text} (${delta})` : text;
}
