/**
 * Duplicate entries are found by value, whether the text holds a value as is or with escapes,
 * and each one points at the first entry with its value.
 */
import assert from 'node:assert/strict';
import { firstOccurrences, valueSpans } from '../../../server/src/lsp/duplicates';
import { parseMetadata, type MetadataKind } from '../../../server/engine/src/documents/metadataModel';
import { mulberry32 } from '../../support/fixtures';

function firsts(text: string, kind: MetadataKind = 'json'): number[] {
  return [...firstOccurrences(valueSpans(parseMetadata(text, kind), text))];
}

describe('lsp duplicate entries', () => {
  it('gives each entry the id of the first entry with its value', () => {
    assert.deepEqual(firsts('["dog", "cat", "dog", "hot dog", "cat", "dog"]'), [0, 1, 0, 3, 1, 0]);
  });

  it('compares decoded values: an escaped entry equals the same value written plainly', () => {
    assert.deepEqual(firsts('["café", "caf\\u00e9", "a\\"b", "a\\u0022b"]'), [0, 0, 2, 2]);
  });

  it('tells apart values that share a prefix or differ in length only', () => {
    assert.deepEqual(firsts('["new", "new york", "new yor", "new york ", "new york"]'), [0, 1, 2, 3, 1]);
  });

  it('reads an unterminated last string by its value, not past it', () => {
    // The value of an unterminated token ends before its line break (and a CR before it).
    assert.deepEqual(firsts('["dog", "dog\r\n'), [0, 0]);
  });

  it('works on text lists (one entry per line) too', () => {
    assert.deepEqual(firsts('dog\ncat\r\ndog\ncat\n', 'lines'), [0, 1, 0, 1]);
  });

  it('finds every duplicate in a list larger than the first table size', () => {
    const values = Array.from({ length: 5000 }, (_, i) => `entry ${i % 1500}`);
    assert.deepEqual(
      firsts(JSON.stringify(values)),
      values.map((_, i) => i % 1500),
    );
  });

  it('agrees with a Map of the decoded values on random lists, escapes and hash groups included', () => {
    const rand = mulberry32(23);
    // JSON string contents, some with escapes that decode to another word's value.
    const words = ['dog', 'cat', 'é', 'caf\\u00e9', 'café', 'a\\"b', 'a\\u0022b', '', ' ', 'new york'];
    for (let round = 0; round < 50; round++) {
      const length = 1 + Math.floor(rand() * (round < 45 ? 20 : 20_000));
      const tokens = Array.from({ length }, () => {
        const a = words[Math.floor(rand() * words.length)];
        return rand() < 0.5 ? a : `${a} ${Math.floor(rand() * length)}`;
      });
      const text = `[${tokens.map((t) => `"${t}"`).join(', ')}]`;
      const values = JSON.parse(text) as string[];
      const firstOf = new Map<string, number>();
      const expected = values.map((v, i) => {
        if (!firstOf.has(v)) firstOf.set(v, i);
        return firstOf.get(v)!;
      });
      assert.deepEqual(firsts(text), expected);
    }
  });
});
