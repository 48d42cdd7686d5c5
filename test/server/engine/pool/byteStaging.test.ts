/** ByteStaging: appends give the bytes Buffer.from / String() give, across growth and clears. */
import assert from 'node:assert/strict';
import { ByteStaging } from '../../../../server/engine/src/pool/byteStaging';

describe('ByteStaging', () => {
  it('appends bytes, ASCII, UTF-8 and integers as Buffer.from and String() write them, growing as needed', () => {
    const staging = new ByteStaging(4);
    const parts: Buffer[] = [];
    const numbers = [
      0,
      1,
      9,
      10,
      99,
      100,
      65535,
      999999999,
      1e9,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 + 7,
      2 ** 53 - 1,
    ];
    for (let i = 0; i < 500; i++) {
      const n = numbers[i % numbers.length] + (i > numbers.length ? i : 0);
      staging.appendUint(n);
      parts.push(Buffer.from(String(n)));
      staging.appendAscii(',x:');
      parts.push(Buffer.from(',x:'));
      const text = ['é', '☃', '\ud83d\ude00', 'plain', ''][i % 5].repeat(i % 7);
      staging.appendUtf8(text);
      parts.push(Buffer.from(text, 'utf8'));
      const bytes = Buffer.from([1, 2, 3, 4, 5, 6]);
      staging.appendBytes(bytes, 1, 1 + (i % 5));
      parts.push(bytes.subarray(1, 1 + (i % 5)));
      staging.appendByte(10);
      parts.push(Buffer.from([10]));
    }
    assert.deepEqual(staging.view(), Buffer.concat(parts));
    staging.clear();
    assert.equal(staging.view().length, 0);
    staging.appendAscii('again');
    assert.equal(staging.view().toString(), 'again');
  });
});
