/** The caption under a position of a sample document, in plain and in escaped (JSON) captions. */
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { siteAt, sitesOf } from '../../../server/src/lsp/sampleSites';
import { ServerState } from '../../../server/src/lsp/serverState';

describe('lsp sample sites', () => {
  const kind = { format: 'jsonl' as const, fields: ['caption'] };
  const text = '{"caption": "a red dog"}\n{"caption": "caf\\u00e9 \\"noir\\""}\n';
  const doc = TextDocument.create('file:///ws/a.jsonl', 'jsonl', 1, text);

  it('finds the caption and the offset inside it of a plain caption', () => {
    const sites = sitesOf(new ServerState(), doc, kind);
    const dog = text.indexOf('dog');
    const hit = siteAt(sites, dog);
    assert.equal(hit?.site.text, 'a red dog');
    assert.equal(hit?.site.text.slice(hit.at), 'dog');
  });

  it('maps a source offset through escapes to the decoded caption', () => {
    const sites = sitesOf(new ServerState(), doc, kind);
    const noir = text.indexOf('noir');
    const hit = siteAt(sites, noir);
    assert.equal(hit?.site.text, 'café "noir"');
    assert.equal(hit?.site.text.slice(hit.at), 'noir"');
  });

  it("finds no caption before the first one nor past a caption's end", () => {
    const sites = sitesOf(new ServerState(), doc, kind);
    assert.equal(siteAt(sites, 0), undefined);
    assert.equal(siteAt(sites, text.indexOf('}') + 1), undefined);
  });

  it("extracts a document's sites once per version", () => {
    const state = new ServerState();
    const first = sitesOf(state, doc, kind);
    assert.equal(sitesOf(state, doc, kind), first);
    const edited = TextDocument.update(doc, [{ text: '{"caption": "cat"}\n' }], 2);
    assert.deepEqual(
      sitesOf(state, edited, kind).map((s) => s.text),
      ['cat'],
    );
  });
});
