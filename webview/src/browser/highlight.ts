/**
 * A record's text as HTML with the entry's matched spans in `<mark>`: everything else escaped, so
 * a caption holding markup (`<script>`, `&`, quotes) shows as the text it is. Pure: no DOM.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe to place in HTML content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * The spans as the text allows them: each clamped to the text, empty and reversed ones left out,
 * sorted, overlapping or touching ones merged (a server that sent them out of order or past the
 * end must not break the page).
 */
export function normalizeSpans(
  spans: readonly (readonly [number, number])[],
  length: number,
): [number, number][] {
  const clean = spans
    .map(([s, e]): [number, number] => [Math.max(0, Math.floor(s)), Math.min(length, Math.floor(e))])
    .filter(([s, e]) => Number.isFinite(s) && Number.isFinite(e) && e > s)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const span of clean) {
    const last = out[out.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else out.push([span[0], span[1]]);
  }
  return out;
}

/** `text` as escaped HTML with each span (UTF-16 [start, end)) in a `<mark>`. */
export function highlightHtml(text: string, spans: readonly (readonly [number, number])[]): string {
  let html = '';
  let at = 0;
  for (const [s, e] of normalizeSpans(spans, text.length)) {
    html += `${escapeHtml(text.slice(at, s))}<mark>${escapeHtml(text.slice(s, e))}</mark>`;
    at = e;
  }
  return html + escapeHtml(text.slice(at));
}
