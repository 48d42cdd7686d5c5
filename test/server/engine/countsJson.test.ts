/**
 * counts.json made from the metadata file's bytes is byte for byte countsToJson's, whatever the
 * file's spacing and escapes (escaped and plain spellings of one entry are one entry), and the
 * fast path declines what it cannot read as it is.
 */
import assert from 'node:assert/strict';
import { countsToJson } from '../../../server/engine/src/counts';
import { countsJsonFromMetadata } from '../../../server/engine/src/countsJson';
import { buildPackedIndex, sameStringChains } from '../../../server/engine/src/match/matcher';
import { mulberry32 } from '../../support/fixtures';

/** JSON with every non-ASCII character escaped, as Python's json.dump writes by default. */
function asciiJson(entries: string[], space?: number): string {
  return JSON.stringify(entries, null, space).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const pieces = ['a', 'cat', ' ', 'é', '中', '😀', '"', '\\', '\n', '\u0001', '\u2028', '\u007f', '/', 'dog'];

function randomEntries(rnd: () => number, n: number): string[] {
  const pool: string[] = [];
  for (let i = 0; i < Math.max(1, n / 3); i++) {
    let s = '';
    const len = Math.floor(rnd() * 5);
    for (let k = 0; k < len; k++) s += pieces[Math.floor(rnd() * pieces.length)];
    pool.push(s);
  }
  // Drawn from a smaller pool: duplicates at several ids.
  return Array.from({ length: n }, () => pool[Math.floor(rnd() * pool.length)]);
}

function randomCounts(rnd: () => number, n: number): Float64Array {
  const values = [0, 1, 7, 10, 99, 1000, 123456789, 2 ** 40];
  return Float64Array.from({ length: n }, () => values[Math.floor(rnd() * values.length)]);
}

describe('counts.json from the metadata bytes', () => {
  it("equals countsToJson's bytes for random entries in every spelling of the file", () => {
    const rnd = mulberry32(11);
    for (let round = 0; round < 200; round++) {
      const entries = randomEntries(rnd, 1 + Math.floor(rnd() * 40));
      // Duplicates share a count (the count pass gives them the same).
      const byName = new Map<string, number>();
      const drawn = randomCounts(rnd, entries.length);
      const counts = Float64Array.from(entries, (e, id) => {
        if (!byName.has(e)) byName.set(e, drawn[id]);
        return byName.get(e)!;
      });
      const expected = Buffer.from(countsToJson(entries, counts), 'utf8');
      for (const text of [
        JSON.stringify(entries),
        JSON.stringify(entries, null, 2),
        asciiJson(entries),
        ` ${asciiJson(entries, 1)}\r\n`,
      ]) {
        const made = countsJsonFromMetadata(Buffer.from(text, 'utf8'), () => entries, counts);
        assert.ok(made, `made for ${text}`);
        assert.equal(made.toString('utf8'), expected.toString('utf8'), text);
        assert.ok(made.equals(expected));
      }
    }
  });

  it("finds repeated entries by the English index's chains as by their bytes", () => {
    const rnd = mulberry32(5);
    const plain = ['a', 'cat', ' ', 'é', '中', '😀', '/', 'dog'];
    for (let round = 0; round < 100; round++) {
      const pool = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () =>
        Array.from({ length: Math.floor(rnd() * 4) }, () => plain[Math.floor(rnd() * plain.length)]).join(''),
      );
      const entries = Array.from(
        { length: 1 + Math.floor(rnd() * 30) },
        () => pool[Math.floor(rnd() * pool.length)],
      );
      const byName = new Map<string, number>();
      const counts = Float64Array.from(entries, (e, id) => {
        if (!byName.has(e)) byName.set(e, id + 1);
        return byName.get(e)!;
      });
      const chains = sameStringChains(buildPackedIndex(entries, 'english'))!;
      assert.ok(chains, 'the English index has chains');
      const made = countsJsonFromMetadata(
        Buffer.from(JSON.stringify(entries)),
        () => entries,
        counts,
        chains,
      );
      assert.equal(made?.toString(), countsToJson(entries, counts), JSON.stringify(entries));
    }
  });

  it('takes an escaped and a plain spelling of one entry for one entry', () => {
    const entries = ['café', 'tea', 'café', 'say "hi"'];
    const counts = Float64Array.from([3, 1, 3, 5]);
    const text = '["caf\\u00e9", "tea", "café", "say \\"hi\\""]';
    assert.deepEqual(JSON.parse(text), entries);
    const made = countsJsonFromMetadata(Buffer.from(text), () => entries, counts);
    assert.equal(made?.toString(), countsToJson(entries, counts));
    assert.equal(made?.toString(), '{"café":3,\n"tea":1,\n"say \\"hi\\"":5}\n');
  });

  it('reads the entries only when a literal has an escape', () => {
    const entries = ['cat', 'dog', 'cat'];
    const counts = Float64Array.from([2, 1, 2]);
    const made = countsJsonFromMetadata(
      Buffer.from(JSON.stringify(entries)),
      () => assert.fail('entries read'),
      counts,
    );
    assert.equal(made?.toString(), countsToJson(entries, counts));
  });

  it('declines bytes that are not a JSON array of as many strings in UTF-8', () => {
    const counts = Float64Array.from([1, 2]);
    const entries = () => ['a', 'b'];
    for (const bytes of [
      Buffer.from('["a"]'),
      Buffer.from('["a","b","c"]'),
      Buffer.from('["a",2]'),
      Buffer.from('["a","b"] x'),
      Buffer.from('{"a":"b"}'),
      Buffer.from('["a","b'),
      Buffer.from('["a","\u0001"]'),
      Buffer.concat([Buffer.from('["a","'), Buffer.from([0xff]), Buffer.from('"]')]),
    ])
      assert.equal(countsJsonFromMetadata(bytes, entries, counts), undefined, bytes.toString('latin1'));
  });
});
