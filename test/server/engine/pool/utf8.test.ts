/** UTF-8 validity of record bytes: what counts as invalid, where the first bad byte is, the message. */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { firstInvalidUtf8, invalidUtf8Detail, isValidUtf8 } from '../../../../server/engine/src/pool/utf8';
import { mulberry32 } from '../../../support/fixtures';

/** Sequences that decoding would replace with U+FFFD. */
const INVALID = [
  [0x80], // lone continuation byte
  [0xc0, 0x80], // overlong NUL
  [0xc1, 0xbf],
  [0xc3, 0x28], // 2-byte lead before ASCII
  [0xe0, 0x80, 0xaf], // overlong
  [0xe6, 0x9d], // cut 3-byte sequence
  [0xed, 0xa0, 0x80], // a surrogate
  [0xf0, 0x8f, 0xbf, 0xbf], // overlong
  [0xf0, 0x9f, 0x98], // cut 4-byte sequence
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xf5, 0x80, 0x80, 0x80],
  [0xff],
];

describe('UTF-8 validity of record bytes', () => {
  it('accepts every scalar value, at the edges of each sequence length', () => {
    const text = 'a \u007f \u0080 \u07ff \u0800 \ud7ff \ue000 \uffff \u{10000} \u{10ffff} 東京 😀';
    const bytes = Buffer.from(text);
    assert.equal(firstInvalidUtf8(bytes, 0, bytes.length), -1);
    assert.equal(isValidUtf8(bytes, 0, bytes.length), true);
  });

  it('finds the first byte of each invalid sequence, after valid text, within the range asked', () => {
    for (const sequence of INVALID) {
      const bytes = Buffer.concat([Buffer.from('xé '), Buffer.from(sequence), Buffer.from(' ok')]);
      const hex = Buffer.from(sequence).toString('hex');
      assert.equal(firstInvalidUtf8(bytes, 0, bytes.length), 4, hex);
      assert.equal(isValidUtf8(bytes, 0, bytes.length), false, hex);
      // The range ends before the bad bytes: nothing to find.
      assert.equal(firstInvalidUtf8(bytes, 0, 4), -1, hex);
      assert.equal(isValidUtf8(bytes, 0, 4), true, hex);
    }
  });

  it('a sequence cut by the end of the range is invalid, though the bytes after it would complete it', () => {
    const bytes = Buffer.from('ab東');
    assert.equal(firstInvalidUtf8(bytes, 0, bytes.length - 1), 2);
    assert.equal(isValidUtf8(bytes, 0, bytes.length - 1), false);
    assert.equal(isValidUtf8(bytes, 2, 2), true, 'an empty range is valid');
  });

  it('agrees with Node on 20,000 random byte strings, and finds a position whose prefix is valid', () => {
    const rnd = mulberry32(7);
    const pieces = [...INVALID, [0x61], [0x20], [0xc3, 0xa9], [0xe6, 0x9d, 0xb1], [0xf0, 0x9f, 0x98, 0x80]];
    for (let n = 0; n < 20000; n++) {
      const parts: number[] = [];
      const length = Math.floor(rnd() * 6);
      for (let i = 0; i < length; i++) {
        if (rnd() < 0.2) parts.push(Math.floor(rnd() * 256));
        else parts.push(...pieces[Math.floor(rnd() * pieces.length)]);
      }
      const bytes = Buffer.from(parts);
      const bad = firstInvalidUtf8(bytes, 0, bytes.length);
      assert.equal(bad === -1, isUtf8(bytes), bytes.toString('hex'));
      if (bad >= 0) {
        assert.ok(isUtf8(bytes.subarray(0, bad)), `prefix of ${bytes.toString('hex')}`);
        assert.equal(firstInvalidUtf8(bytes, bad, bytes.length), bad);
      }
    }
  });

  it('words the message with the byte in the record, the file offset when known, and the bytes there', () => {
    const line = Buffer.from('{"t":"caf\xe9 au lait"}', 'latin1');
    const bad = firstInvalidUtf8(line, 0, line.length);
    assert.equal(
      invalidUtf8Detail(line, 0, line.length, bad, 'line', 100),
      'invalid UTF-8 at byte offset 109 (byte 9 of the line): 0xe9 0x20 0x61 0x75',
    );
    assert.equal(
      invalidUtf8Detail(line, 0, 11, bad, 'row', undefined),
      'invalid UTF-8 at byte 9 of the row: 0xe9 0x20',
    );
  });
});
