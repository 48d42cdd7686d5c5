/**
 * From a `pages-articles` XML page to the plain text the reference counts n-grams on. The reference
 * runs WikiExtractor and then strips anything that looks like a tag (metaclip/metadata/build_ngram.py
 * `remove_html_tags`); this is a compact stand-in for WikiExtractor: it keeps the title as the first
 * line and the running text, and drops templates, tables, references, files, categories, comments
 * and formatting.
 */

export interface WikiPage {
  title: string;
  ns: number;
  redirect: boolean;
  /** The wikitext of the (first) revision, XML entities decoded. */
  text: string;
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references. */
export function decodeXml(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, body: string) => {
    if (body[0] === '#')
      return fromCodePoint(body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10), m);
    return XML_ENTITIES[body] ?? m;
  });
}

function fromCodePoint(cp: number, fallback: string): string {
  // Controls become a space: they never belong to a token (see tokenize.ts).
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return ' ';
  return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : fallback;
}

/** Parses one `<page>…</page>` element of a MediaWiki export; null if it has no title. */
export function parsePage(xml: string): WikiPage | null {
  const title = /<title>([^<]*)<\/title>/.exec(xml);
  if (!title) return null;
  const ns = /<ns>(-?[0-9]+)<\/ns>/.exec(xml);
  const redirect = /<redirect[\s/>]/.test(xml);
  let text = '';
  const open = xml.indexOf('<text');
  if (open >= 0) {
    const gt = xml.indexOf('>', open);
    if (gt >= 0 && xml[gt - 1] !== '/') {
      const close = xml.indexOf('</text>', gt);
      text = xml.slice(gt + 1, close >= 0 ? close : xml.length);
    }
  }
  return { title: decodeXml(title[1]), ns: ns ? Number(ns[1]) : 0, redirect, text: decodeXml(text) };
}

/** Elements dropped with their content, as WikiExtractor drops them. */
const DROPPED_ELEMENTS = [
  'ref',
  'references',
  'gallery',
  'timeline',
  'math',
  'chem',
  'ce',
  'score',
  'syntaxhighlight',
  'source',
  'pre',
  'imagemap',
  'noinclude',
  'graph',
  'mapframe',
  'maplink',
  'templatedata',
  'templatestyles',
  'hiero',
  'inputbox',
  'categorytree',
].join('|');
const DROPPED_PAIRED = new RegExp(`<(${DROPPED_ELEMENTS})\\b[^>]*?(?<!/)>[\\s\\S]*?</\\1\\s*>`, 'gi');
const DROPPED_SELF_CLOSING = new RegExp(`<(?:${DROPPED_ELEMENTS})\\b[^>]*/>`, 'gi');

/** Link namespaces whose links show nothing in the text. */
const HIDDEN_LINK_PREFIX =
  /^\s*(file|image|category|media|template|help|portal|special|module|draft|wp|wikt?|wiktionary)\s*:/i;
/** Interlanguage links ("fr:Paris") are shown in the side bar, not in the text. */
const LANGUAGE_LINK = /^\s*[a-z]{2,3}(-[a-z]{2,8})*\s*:/;

const HTML_ENTITIES: Record<string, string> = {
  nbsp: '\u00a0',
  ensp: '\u2002',
  emsp: '\u2003',
  thinsp: '\u2009',
  ndash: '\u2013',
  mdash: '\u2014',
  minus: '\u2212',
  hellip: '\u2026',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  laquo: '\u00ab',
  raquo: '\u00bb',
  times: '\u00d7',
  divide: '\u00f7',
  deg: '\u00b0',
  plusmn: '\u00b1',
  middot: '\u00b7',
  bull: '\u2022',
  prime: '\u2032',
  Prime: '\u2033',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  sect: '\u00a7',
  para: '\u00b6',
  euro: '\u20ac',
  pound: '\u00a3',
  yen: '\u00a5',
  cent: '\u00a2',
  frac12: '\u00bd',
  frac14: '\u00bc',
  frac34: '\u00be',
  sup2: '\u00b2',
  sup3: '\u00b3',
  micro: '\u00b5',
  larr: '\u2190',
  rarr: '\u2192',
  harr: '\u2194',
  zwj: '\u200d',
  zwnj: '\u200c',
  shy: '',
  lrm: '',
  rlm: '',
  ...XML_ENTITIES,
};

/** Decodes HTML entities that wikitext writes literally (`&nbsp;`, `&ndash;`, numeric ones). */
export function decodeHtmlEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z][a-zA-Z0-9]*);/g, (m, body: string) => {
    if (body[0] === '#') {
      const hex = body[1] === 'x' || body[1] === 'X';
      return fromCodePoint(parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10), m);
    }
    return HTML_ENTITIES[body] ?? m;
  });
}

/**
 * Removes `{{…}}` (templates, parser functions, `{{{parameters}}}`) and `{|…|}` tables, nested.
 * An opener without its closer is kept as text, so one stray `{{` does not swallow an article.
 */
export function removeBraces(s: string): string {
  if (s.indexOf('{') < 0) return s;
  const spans: Array<[number, number]> = [];
  const stack: Array<{ kind: 'tpl' | 'table'; at: number }> = [];
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x7b /* { */ && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d === 0x7b) {
        stack.push({ kind: 'tpl', at: i });
        i++;
      } else if (d === 0x7c /* | */ && atLineStart(s, i)) {
        stack.push({ kind: 'table', at: i });
        i++;
      }
    } else if (c === 0x7d /* } */ && i + 1 < n && s.charCodeAt(i + 1) === 0x7d) {
      const top = popKind(stack, 'tpl');
      if (top !== undefined) {
        spans.push([top, i + 2]);
        i++;
      }
    } else if (c === 0x7c /* | */ && i + 1 < n && s.charCodeAt(i + 1) === 0x7d && atLineStart(s, i)) {
      const top = popKind(stack, 'table');
      if (top !== undefined) {
        spans.push([top, i + 2]);
        i++;
      }
    }
  }
  if (spans.length === 0) return s;
  // Matched spans nest or are disjoint; the outermost ones cover the rest.
  spans.sort((x, y) => x[0] - y[0]);
  let out = '';
  let from = 0;
  for (const [a, b] of spans) {
    if (a < from) continue;
    out += s.slice(from, a);
    from = b;
  }
  return out + s.slice(from);
}

function atLineStart(s: string, i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const c = s.charCodeAt(j);
    if (c === 0x0a) return true;
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/** Pops the innermost open of `kind`, discarding opens above it that never closed. */
function popKind(
  stack: Array<{ kind: 'tpl' | 'table'; at: number }>,
  kind: 'tpl' | 'table',
): number | undefined {
  for (let k = stack.length - 1; k >= 0; k--) {
    if (stack[k].kind === kind) {
      const at = stack[k].at;
      stack.length = k;
      return at;
    }
  }
  return undefined;
}

/** Replaces `[[target|label]]trail` links by their shown text, innermost first. */
export function replaceLinks(s: string): string {
  const inner = /\[\[([^[\]]*)\]\]([a-z]*)/g;
  for (let round = 0; round < 8 && s.indexOf('[[') >= 0; round++) {
    const next = s.replace(inner, (_m, body: string, trail: string) => linkText(body) + trail);
    if (next === s) break;
    s = next;
  }
  return s;
}

function linkText(body: string): string {
  let target = body;
  let label: string | undefined;
  const bar = body.indexOf('|');
  if (bar >= 0) {
    target = body.slice(0, bar);
    label = body.slice(bar + 1);
  }
  const colonLink = target.startsWith(':');
  if (!colonLink && (HIDDEN_LINK_PREFIX.test(target) || LANGUAGE_LINK.test(target))) return '';
  if (colonLink) target = target.slice(1);
  if (label === undefined) return target;
  // The pipe trick: [[Paris (band)|]] shows "Paris".
  if (label === '') return target.replace(/\s*\([^)]*\)\s*$/, '');
  return label;
}

/** Wikitext to plain text (see the file comment). */
export function wikiToText(wikitext: string): string {
  let s = wikitext.replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  s = s.replace(DROPPED_SELF_CLOSING, '').replace(DROPPED_PAIRED, '');
  s = removeBraces(s);
  s = replaceLinks(s);
  // [http://x label] shows the label; a bare bracketed URL shows nothing.
  s = s.replace(
    /\[(?:https?:|ftp:|\/\/)[^\s\]]*(?:\s+([^\]]*))?\]/g,
    (_m, label: string | undefined) => label ?? '',
  );
  s = s.replace(/'{2,}/g, '');
  s = s.replace(/^(=+)\s*(.*?)\s*\1\s*$/gm, '$2');
  s = s.replace(/__[A-Z]+__/g, '');
  s = s.replace(/^[*#:;]+\s*/gm, '').replace(/^-{4,}/gm, '');
  s = s.replace(/<\/?[a-zA-Z][^>]*>/g, '');
  s = decodeHtmlEntities(s);
  // The reference's remove_html_tags: anything between < and > on one line goes.
  return s.replace(/<.*?>/g, '');
}

/** The text the n-gram counts see for one article: its title line, a blank line, the body. */
export function articleText(page: WikiPage): string {
  return page.title + '\n\n' + wikiToText(page.text);
}
