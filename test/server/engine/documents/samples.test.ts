/**
 * Captions of sample texts with exact source positions: a span of the decoded caption maps back to
 * the characters of the file, through JSON escapes and CSV quoting.
 */
import assert from 'node:assert/strict';
import {
  decodeStringWithOffsets,
  findStringField,
  scanEntryArray,
  scannedValues,
} from '../../../../server/engine/src/documents/jsonScan';
import { GlobSet } from '../../../../server/engine/src/documents/glob';
import { mulberry32 } from '../../../support/fixtures';
import {
  extractCaptions,
  sourceRange,
  type CaptionSite,
} from '../../../../server/engine/src/documents/samples';

const FIELDS = ['caption', 'text', 'TEXT'];

/** The source text that the caption span of `needle` covers. */
function sourceOf(source: string, site: CaptionSite, needle: string): string {
  const a = site.text.indexOf(needle);
  assert.ok(a >= 0, `${JSON.stringify(needle)} not in ${JSON.stringify(site.text)}`);
  const [s, e] = sourceRange(site, a, a + needle.length);
  return source.slice(s, e);
}

describe('lsp sample captions', () => {
  it('JSON Lines: the first caption field present, escapes mapped to their source', () => {
    const src = [
      '{"id": 1, "meta": {"caption": "nested"}, "caption": "a \\"dog\\" in caf\\u00e9 \\ud83d\\ude00 x"}',
      '{"text": "plain text", "TEXT": "ignored"}',
      '{"TEXT": "upper"}',
      'not json',
      '{"caption": 3}',
    ].join('\n');
    const sites = extractCaptions(src, 'jsonl', FIELDS);
    assert.deepEqual(
      sites.map((s) => [s.line, s.text]),
      [
        [0, 'a "dog" in café 😀 x'],
        [1, 'plain text'],
        [2, 'upper'],
      ],
    );
    assert.equal(sourceOf(src, sites[0], '"dog"'), '\\"dog\\"');
    assert.equal(sourceOf(src, sites[0], 'café'), 'caf\\u00e9');
    assert.equal(sourceOf(src, sites[0], '😀'), '\\ud83d\\ude00');
    assert.equal(sourceOf(src, sites[1], 'text'), 'text');
    assert.deepEqual(
      extractCaptions('{"alt": "x", "desc": "y"}', 'jsonl', ['desc']).map((s) => s.text),
      ['y'],
    );
  });

  it('CSV: the header names the column; quoted fields with "" and line breaks map exactly', () => {
    const src = 'id,caption\n1,"a ""red"" car\non a road"\n2,plain dog\r\n';
    const sites = extractCaptions(src, 'csv', FIELDS);
    assert.deepEqual(
      sites.map((s) => [s.line, s.text]),
      [
        [1, 'a "red" car\non a road'],
        [3, 'plain dog'],
      ],
    );
    assert.equal(sourceOf(src, sites[0], '"red" car\non'), '""red"" car\non');
    assert.equal(sourceOf(src, sites[1], 'dog'), 'dog');
  });

  it('TSV: with a header, or CC3M-style caption<TAB>url without one', () => {
    const headed = extractCaptions('url\tTEXT\nhttp://x\ta cat\n', 'tsv', FIELDS);
    assert.deepEqual(
      headed.map((s) => [s.line, s.text, s.start]),
      [[1, 'a cat', 18]],
    );
    const bare = extractCaptions('a dog\thttp://x\nthe sea\thttp://y\n', 'tsv', FIELDS);
    assert.deepEqual(
      bare.map((s) => [s.line, s.text]),
      [
        [0, 'a dog'],
        [1, 'the sea'],
      ],
    );
  });

  it('text: one caption per line', () => {
    assert.deepEqual(
      extractCaptions('a dog\r\n\nthe sea', 'text', FIELDS).map((s) => [s.line, s.text, s.start]),
      [
        [0, 'a dog', 0],
        [1, '', 7],
        [2, 'the sea', 8],
      ],
    );
  });
});

describe('lsp JSON scanning', () => {
  it('gives each string element of an array its token range', () => {
    const text = '[ "a", "b\\nc" ,"" ]';
    const scan = scanEntryArray(text);
    assert.deepEqual(scannedValues(text, scan), ['a', 'b\nc', '']);
    assert.deepEqual(
      [...scan.starts].map((s, i) => text.slice(s, scan.ends[i])),
      ['"a"', '"b\\nc"', '""'],
    );
    assert.deepEqual([...scan.escaped], [0, 1, 0]);
    // Only the escaped element's value is kept; the others are read in the text.
    assert.deepEqual([...scan.decoded], [[1, 'b\nc']]);
    assert.equal(scan.errors.length, 0);
    assert.deepEqual(JSON.parse(text), scannedValues(text, scan));
  });

  it('reads random arrays as JSON.parse does, keeping only the values that are not plain text', () => {
    const rand = mulberry32(29);
    const parts = ['dog', ' ', 'é', '😀', '\\n', '\\"', '\\u00e9', '\\\\', ',', ']', '['];
    for (let round = 0; round < 300; round++) {
      const tokens = Array.from({ length: Math.floor(rand() * 12) }, () => {
        let t = '';
        for (let k = Math.floor(rand() * 4); k > 0; k--) t += parts[Math.floor(rand() * parts.length)];
        return `"${t}"`;
      });
      const text = `[${tokens.join(rand() < 0.5 ? ',' : ',\n  ')}]`;
      const scan = scanEntryArray(text);
      assert.deepEqual(scannedValues(text, scan), JSON.parse(text), text);
      assert.equal(scan.errors.length, 0);
      for (let id = 0; id < scan.count; id++)
        assert.equal(scan.decoded.has(id), scan.escaped[id] === 1, text);
    }
  });

  it('decodes a string with the source offset of every unit', () => {
    const text = '"x\\u00e9\\t\\"y"';
    const { value, map } = decodeStringWithOffsets(text, 0);
    assert.equal(value, 'xé\t"y');
    assert.deepEqual([...map], [1, 2, 8, 10, 12, 13]);
  });

  it('finds a string field of an object line, skipping other values exactly', () => {
    const line = '{"a": [1, {"caption": "no"}], "b": "x\\"caption\\":", "caption": "yes"}';
    const site = findStringField(line, 0, line.length, ['caption']);
    assert.equal(site?.value, 'yes');
    assert.equal(line.slice(site!.start, site!.end), '"yes"');
  });
});

describe('lsp globs', () => {
  it('matches the default metadata and sample globs', () => {
    const meta = new GlobSet(['**/metadata.json', '**/*.metadata.json', '**/*.entries.txt']);
    assert.ok(meta.matches('metadata.json'));
    assert.ok(meta.matches('a/b/metadata.json'));
    assert.ok(meta.matches('x/en.metadata.json'));
    assert.ok(meta.matches('lists/a.entries.txt'));
    assert.ok(!meta.matches('a/metadata.jsonl'));
    assert.ok(!meta.matches('samples.txt'));
    const braces = new GlobSet(['data/**/*.{jsonl,tsv}', 'x?.csv']);
    assert.ok(braces.matches('data/a/b.tsv'));
    assert.ok(braces.matches('data/b.jsonl'));
    assert.ok(braces.matches('x1.csv'));
    assert.ok(!braces.matches('other/b.jsonl'));
  });
});
