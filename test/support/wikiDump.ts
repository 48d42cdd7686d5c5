/** Generated MediaWiki `pages-articles` dumps for the metadata builder's tests. */
const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface PageSpec {
  title: string;
  ns?: number;
  redirect?: boolean;
  /** Wikitext; undefined writes an empty self-closing <text/>. */
  text?: string;
}

/** A MediaWiki export in the real format: siteinfo, then <page> elements. */
export function dumpXml(pages: PageSpec[], lang = 'en'): string {
  const head =
    `<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="${lang}">\n` +
    '  <siteinfo>\n    <sitename>Wikipedia</sitename>\n    <namespaces>\n' +
    '      <namespace key="0" case="first-letter" />\n      <namespace key="1" case="first-letter">Talk</namespace>\n' +
    '    </namespaces>\n  </siteinfo>\n';
  const body = pages
    .map(
      (p, i) =>
        `  <page>\n    <title>${esc(p.title)}</title>\n    <ns>${p.ns ?? 0}</ns>\n    <id>${i + 1}</id>\n` +
        (p.redirect ? `    <redirect title="${esc('Alpha Beta')}" />\n` : '') +
        `    <revision>\n      <id>${100 + i}</id>\n      <timestamp>2024-01-01T00:00:00Z</timestamp>\n` +
        (p.text === undefined
          ? '      <text bytes="0" xml:space="preserve" />\n'
          : `      <text bytes="${p.text.length}" xml:space="preserve">${esc(p.text)}</text>\n`) +
        '      <sha1>x</sha1>\n    </revision>\n  </page>\n',
    )
    .join('');
  return head + body + '</mediawiki>\n';
}
