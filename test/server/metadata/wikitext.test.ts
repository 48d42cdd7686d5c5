/** From a pages-articles <page> to the plain text the n-gram counts see. */
import assert from 'node:assert/strict';
import {
  articleText,
  decodeHtmlEntities,
  decodeXml,
  parsePage,
  removeBraces,
  replaceLinks,
  wikiToText,
} from '../../../server/src/metadata/wikitext';

describe('wikitext', () => {
  describe('parsePage', () => {
    it('reads title, namespace, redirect and the XML-decoded text', () => {
      const page = parsePage(
        '<page>\n<title>AT&amp;T</title>\n<ns>0</ns>\n<id>1</id>\n<redirect title="X" />\n' +
          '<revision><text bytes="9" xml:space="preserve">a &lt;b&gt; &amp;amp;</text></revision>\n</page>',
      );
      assert.deepEqual(page, { title: 'AT&T', ns: 0, redirect: true, text: 'a <b> &amp;' });
    });
    it('reads an empty self-closing <text/> as empty text', () => {
      const page = parsePage(
        '<page><title>E</title><ns>4</ns><revision><text bytes="0" /></revision></page>',
      );
      assert.deepEqual(page, { title: 'E', ns: 4, redirect: false, text: '' });
    });
  });

  describe('entities', () => {
    it('decodes XML entities and numeric references', () => {
      assert.equal(decodeXml('&lt;&#65;&#x42;&quot;&apos;&amp;'), '<AB"\'&');
    });
    it('decodes the HTML entities wikitext writes, and leaves unknown ones', () => {
      assert.equal(decodeHtmlEntities('a&nbsp;b&ndash;c&#8212;d&foo;'), 'a\u00a0b\u2013c\u2014d&foo;');
    });
  });

  describe('removeBraces', () => {
    it('removes nested templates and tables', () => {
      assert.equal(removeBraces('a{{x|{{y}}|z}}b'), 'ab');
      assert.equal(removeBraces('a\n{| class=t\n| c {{t}}\n|}\nb'), 'a\n\nb');
    });
    it('keeps an opener that never closes as text', () => {
      assert.equal(removeBraces('a {{ b'), 'a {{ b');
      assert.equal(removeBraces('{{ a {{b}} c'), '{{ a  c');
    });
  });

  describe('replaceLinks', () => {
    it('shows the label, the target, or the target with its link trail', () => {
      assert.equal(replaceLinks('[[Paris|the city]] [[Rome]] [[dog]]s'), 'the city Rome dogs');
    });
    it('drops files, categories and language links, including links inside captions', () => {
      assert.equal(replaceLinks('a[[File:x.jpg|thumb|a [[cat]] b]]b[[Category:X]][[fr:Paris]]'), 'ab');
    });
    it('shows colon links and applies the pipe trick', () => {
      assert.equal(replaceLinks('[[:Category:Cats]] [[Paris (band)|]]'), 'Category:Cats Paris');
    });
  });

  describe('wikiToText', () => {
    it('strips refs, comments, formatting, headings, lists, external links and tags', () => {
      const text = wikiToText(
        "'''Bold''' ''it''<ref name=\"a\">cite</ref><ref name=\"b\"/><!-- note -->\n" +
          '== Head ==\n* item one\n# two\n[https://x.org Site name] [https://y.org]\n<small>tiny</small> a&nbsp;b',
      );
      assert.equal(text, 'Bold it\nHead\nitem one\ntwo\nSite name \ntiny a\u00a0b');
    });
    it('drops what lies between < and > on one line, as the reference does', () => {
      assert.equal(wikiToText('a &lt; b and c &gt; d'.replace(/&lt;/, '<').replace(/&gt;/, '>')), 'a  d');
    });
  });

  describe('articleText', () => {
    it('puts the title line first, then a blank line and the text (as WikiExtractor does)', () => {
      assert.equal(articleText({ title: 'T', ns: 0, redirect: false, text: "''x''" }), 'T\n\nx');
    });
  });
});
