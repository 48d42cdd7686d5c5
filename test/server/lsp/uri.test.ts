/** One spelling per document: every client's percent-encoding of a path gives the same URI. */
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { canonicalUri, pathToUri, uriToPath } from '../../../server/src/lsp/uri';

describe('lsp URIs: canonical spelling', () => {
  const paths = [
    '/work/my data/metadata.json',
    '/work/data #2/samples/a.jsonl',
    '/work/100% done/metadata.json',
    '/home/jürgen/Café/métadonnées.json',
    '/srv/東京/captions.tsv',
    "/work/(copy) [1]/a&b=c;d@e+f,g$h!i~j'k.txt",
  ];

  for (const path of paths) {
    it(`gives one URI for ${JSON.stringify(path)} however the client encodes it`, () => {
      const canonical = pathToUri(path);
      assert.equal(canonical, pathToFileURL(path).href);
      assert.equal(uriToPath(canonical), path);
      const lowerHex = (uri: string) => uri.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
      // VS Code encodes every reserved character (( ) [ ] & = ; @ + , $ ! ' as %XX), Neovim fewer.
      const everything = `file://${path
        .split('/')
        .map((seg) => encodeURIComponent(seg).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16)}`))
        .join('/')}`;
      const spellings = [
        canonical,
        lowerHex(canonical),
        everything,
        lowerHex(everything),
        `FILE${everything.slice(4)}`,
      ];
      for (const spelling of spellings) assert.equal(canonicalUri(spelling), canonical, spelling);
    });
  }

  it('keeps `#` and `%` in a name apart from a fragment and an escape', () => {
    assert.equal(pathToUri('/a/#b'), 'file:///a/%23b');
    assert.equal(pathToUri('/a/%41'), 'file:///a/%2541');
    assert.equal(canonicalUri('file:///a/%2541'), 'file:///a/%2541');
    assert.equal(uriToPath('file:///a/%2541'), '/a/%41');
  });

  it('normalises the percent-encodings of other schemes: upper-case hex, unreserved characters decoded', () => {
    assert.equal(canonicalUri('untitled:Untitled-1'), 'untitled:Untitled-1');
    assert.equal(
      canonicalUri('metacurate-preview:/d/caf%c3%a9%2dx%7e.parquet.preview.jsonl'),
      'metacurate-preview:/d/caf%C3%A9-x~.parquet.preview.jsonl',
    );
  });

  it('leaves a file URI it cannot read as a path alone, but for its hex case', () => {
    // An encoded slash cannot be a path on POSIX; a remote host is no local path.
    assert.equal(canonicalUri('file:///a%2fb'), 'file:///a%2Fb');
    assert.equal(uriToPath('file://server/share/a'), undefined);
    assert.equal(uriToPath('untitled:x'), undefined);
  });
});
