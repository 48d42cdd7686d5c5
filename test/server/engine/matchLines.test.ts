/**
 * The match command's lines are exactly JSON.stringify of {key, entry_ids}, whatever the key;
 * and its one-pass reading of plain text files gives what reading the records does, lines that
 * are not valid UTF-8 included (an error, or left out with --on-error skip).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../../server/engine/src/errors';
import { createMatcher, type EntryMatcher } from '../../../server/engine/src/match/matcher';
import { MatchLineEncoder, matchTextFile } from '../../../server/engine/src/matchLines';
import { readPool } from '../../../server/engine/src/pool/read';
import { mulberry32, tempDir } from '../../support/fixtures';

describe('MatchLineEncoder', () => {
  it('writes the same bytes as JSON.stringify for plain, escaped and non-ASCII keys', () => {
    const cases: [string, number[]][] = [
      ['0', []],
      ['pool.jsonl:12', [0, 9, 10, 99, 100, 123456, 2147483646]],
      [
        'digit counts',
        [
          999, 1000, 9999, 10000, 99999, 100000, 999999, 1000000, 9999999, 10000000, 99999999, 100000000,
          999999999, 1000000000, 2147483647,
        ],
      ],
      ['quote " and \\ backslash', [7]],
      ['tab\tnew\nline', [1, 2]],
      ['caf\u00e9 東京 \u{1F600}', [3]],
    ];
    const encoder = new MatchLineEncoder();
    for (const [key, ids] of cases) encoder.add(key, Uint32Array.from(ids));
    const expected = cases.map(([key, ids]) => JSON.stringify({ key, entry_ids: ids }) + '\n').join('');
    assert.equal(encoder.take().toString('utf8'), expected);
    assert.equal(encoder.pending, 0);
  });
  it('grows past its buffer for many ids', () => {
    const encoder = new MatchLineEncoder();
    const ids = Array.from({ length: 200000 }, (_, i) => i);
    encoder.add('k', ids);
    assert.equal(encoder.take().toString(), JSON.stringify({ key: 'k', entry_ids: ids }) + '\n');
  });
  it('fills a recycled buffer again only after it was handed back', () => {
    const encoder = new MatchLineEncoder();
    encoder.add('a', [1]);
    const first = encoder.take();
    encoder.add('b', [2]);
    const second = encoder.take();
    assert.equal(first.toString(), '{"key":"a","entry_ids":[1]}\n');
    encoder.recycle(first);
    encoder.add('c', [3]);
    assert.equal(second.toString(), '{"key":"b","entry_ids":[2]}\n');
    assert.equal(encoder.take().toString(), '{"key":"c","entry_ids":[3]}\n');
  });
  it('addIndexed writes what add does with the index as the key', () => {
    const encoder = new MatchLineEncoder();
    encoder.addIndexed(0, Uint32Array.from([5, 7, 9]), 2);
    encoder.addIndexed(1234567, new Uint32Array(0), 0);
    assert.equal(
      encoder.take().toString(),
      '{"key":"0","entry_ids":[5,7]}\n{"key":"1234567","entry_ids":[]}\n',
    );
  });
});

/**
 * What `match` wrote before the one-pass path: readText's records, each text matched (lines
 * that are not valid UTF-8 left out, as with --on-error skip).
 */
async function matchedByRecords(file: string, matcher: EntryMatcher): Promise<string> {
  const encoder = new MatchLineEncoder();
  for await (const item of readPool(file, 'text', { textFields: [], onError: 'skip', withPayload: false })) {
    if (item.kind === 'skipped') continue;
    matcher.begin();
    for (const text of item.texts) matcher.collect(text);
    encoder.add(item.key, matcher.sorted());
  }
  return encoder.take().toString();
}

async function matchedInOnePass(
  file: string,
  matcher: EntryMatcher,
  onError: 'fail' | 'skip' = 'skip',
): Promise<string> {
  const encoder = new MatchLineEncoder();
  const chunks: Buffer[] = [];
  const read = await matchTextFile(
    file,
    matcher,
    encoder,
    async () => {
      chunks.push(encoder.take());
    },
    onError,
  );
  chunks.push(encoder.take());
  const out = Buffer.concat(chunks).toString();
  assert.equal(read.records, out === '' ? 0 : out.split('\n').length - 1);
  return out;
}

describe('matchTextFile', () => {
  const dir = tempDir();
  after(() => dir.remove());
  const entries = ['', 'a', 'b', 'a b', 'caf\u00e9', '\ufffd', 'a\ufffd', 'x,', ','];
  const cases: [string, Buffer][] = [
    ['empty file', Buffer.alloc(0)],
    ['LF, CRLF, a lone CR, empty lines', Buffer.from('a b\r\n\nb\ra\r\n\r\n\n a \n')],
    ['no final newline', Buffer.from('a\nb a')],
    ['a final CR without LF', Buffer.from('a\nb a\r')],
    ['a byte-order mark', Buffer.from('\ufeffa b\n\ufeffa\n')],
    [
      'non-ASCII and broken UTF-8',
      Buffer.from('caf\u00e9 a\nca\xff a\xc3\n\xe6\x9d\r\na\xed\xa0\x80', 'latin1'),
    ],
  ];
  for (const [name, bytes] of cases) {
    for (const padding of ['english', 'worldwide'] as const) {
      it(`${name} (${padding}): the same lines as matching readText's records`, async () => {
        const file = join(dir.path, `case-${cases.findIndex((c) => c[0] === name)}.txt`);
        writeFileSync(file, bytes);
        const matcher = createMatcher(entries, padding);
        assert.equal(await matchedInOnePass(file, matcher), await matchedByRecords(file, matcher));
      });
    }
  }
  it('a line that is not valid UTF-8 fails with the file, line, record and byte offset', async () => {
    const file = join(dir.path, 'invalid.txt');
    writeFileSync(file, Buffer.from('a b\r\ncaf\u00e9\nb \xe9 a\n', 'latin1'));
    await assert.rejects(
      matchedInOnePass(file, createMatcher(entries, 'english'), 'fail'),
      (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.equal(err.reason, 'invalid-utf8');
        assert.equal(
          err.message,
          `${file}:line 2, record 1: invalid UTF-8 at byte offset 8 (byte 3 of the line): 0xe9`,
        );
        return true;
      },
    );
  });
  it("with --on-error skip, leaves such lines out, counts them, and keeps the others' line-index keys", async () => {
    const file = join(dir.path, 'invalid-skip.txt');
    // The last line, without a newline, is bad too.
    writeFileSync(file, Buffer.from('a\n\xff\nb\r\n\xc3', 'latin1'));
    const encoder = new MatchLineEncoder();
    const read = await matchTextFile(
      file,
      createMatcher(entries, 'english'),
      encoder,
      async () => {},
      'skip',
    );
    assert.deepEqual(read, { records: 2, invalidUtf8: 2 });
    assert.deepEqual(
      encoder
        .take()
        .toString()
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).key),
      ['0', '2'],
    );
  });
  it('random lines over several read buffers (5 MB, lines across buffer ends)', async () => {
    const rnd = mulberry32(17);
    const words = ['a', 'b', 'a b', 'caf\u00e9', 'x,', '\r', '\t', ' ', '\u00e9', '\ufffd'];
    const parts: Buffer[] = [];
    let size = 0;
    while (size < 5_000_000) {
      let line = '';
      const n = Math.floor(rnd() * 8);
      for (let i = 0; i < n; i++) line += words[Math.floor(rnd() * words.length)] + (rnd() < 0.7 ? ' ' : '');
      const bytes = Buffer.from(line + (rnd() < 0.1 ? '\r\n' : '\n'));
      parts.push(rnd() < 0.01 ? Buffer.concat([bytes.subarray(0, 1), Buffer.from([0xc3]), bytes]) : bytes);
      size += bytes.length;
    }
    const file = join(dir.path, 'random.txt');
    writeFileSync(file, Buffer.concat(parts));
    const matcher = createMatcher(entries, 'english');
    assert.equal(await matchedInOnePass(file, matcher), await matchedByRecords(file, matcher));
  });
});
