/** A record's text as HTML: the entry's matches marked, everything else shown as the text it is. */
import assert from 'node:assert/strict';
import { escapeHtml, highlightHtml, normalizeSpans } from '../../../webview/src/browser/highlight';

describe('browser/highlight', () => {
  it('marks each span', () => {
    assert.equal(
      highlightHtml('a dog and a cat', [
        [2, 5],
        [12, 15],
      ]),
      'a <mark>dog</mark> and a <mark>cat</mark>',
    );
  });

  it('shows a caption holding markup as text, inside and outside the marks', () => {
    const text = '<script>alert("x")</script> & <b>dog</b>';
    const at = text.indexOf('dog');
    const html = highlightHtml(text, [[at, at + 3]]);
    assert.equal(
      html,
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;<mark>dog</mark>&lt;/b&gt;',
    );
    assert.doesNotMatch(html, /<(?!\/?mark>)/);
  });

  it('escapes quotes for attributes', () => {
    assert.equal(escapeHtml(`"it's"`), '&quot;it&#39;s&quot;');
  });

  it('leaves a text without spans as escaped text', () => {
    assert.equal(highlightHtml('a < b', []), 'a &lt; b');
  });

  it('orders, clamps and merges spans a server sent untidy', () => {
    assert.deepEqual(
      normalizeSpans(
        [
          [8, 20],
          [0, 3],
          [2, 5],
          [5, 6],
          [4, 4],
          [-3, 0],
        ],
        10,
      ),
      [
        [0, 6],
        [8, 10],
      ],
    );
    assert.equal(
      highlightHtml('abcdef', [
        [4, 99],
        [0, 2],
        [1, 3],
      ]),
      '<mark>abc</mark>d<mark>ef</mark>',
    );
  });

  it('marks by UTF-16 offsets, as the contract gives them', () => {
    assert.equal(highlightHtml('😀 dog', [[3, 6]]), '😀 <mark>dog</mark>');
  });
});
