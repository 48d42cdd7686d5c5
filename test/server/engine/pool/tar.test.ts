/** Tar reading and writing: ustar, pax and GNU long names, truncation, deterministic output. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicFileSink } from '../../../../server/src/engine/pool/sink';
import { readTar, tarHeader, TarWriter, type TarEntry } from '../../../../server/src/engine/pool/tar';
import { assertInputError, useTempDir } from './helpers';

async function collect(file: string): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  for await (const entry of readTar(file)) entries.push(entry);
  return entries;
}

async function writeTar(path: string, members: [string, string | Buffer][]): Promise<void> {
  const sink = await AtomicFileSink.open(path);
  const tar = new TarWriter(sink);
  for (const [name, data] of members) await tar.addFile(name, Buffer.from(data));
  await tar.finish();
  await sink.commit();
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

describe('tar', () => {
  const dir = useTempDir();

  describe('writing', () => {
    it('writes 512-byte blocks: header, padded data, two zero blocks at the end', async () => {
      const path = join(dir(), 'one.tar');
      await writeTar(path, [['a.txt', 'hello']]);
      const bytes = readFileSync(path);
      assert.equal(bytes.length, 512 * 4);
      assert.equal(bytes.toString('latin1', 0, 5), 'a.txt');
      assert.equal(bytes.toString('latin1', 512, 517), 'hello');
      assert.ok(bytes.subarray(1024).every((b) => b === 0));
    });

    it('headers carry no machine state: mode 0644, uid/gid 0, mtime 0, no user or group names', () => {
      const h = tarHeader('x.jpg', 10);
      assert.equal(h.toString('latin1', 100, 107), '0000644');
      assert.equal(h.toString('latin1', 108, 115), '0000000');
      assert.equal(h.toString('latin1', 116, 123), '0000000');
      assert.equal(h.toString('latin1', 124, 135), '00000000012');
      assert.equal(h.toString('latin1', 136, 147), '00000000000');
      assert.equal(h.toString('latin1', 257, 265), 'ustar\u000000');
      assert.ok(
        h.subarray(265, 329).every((b) => b === 0),
        'uname and gname are empty',
      );
    });

    it('the same members give the same bytes', async () => {
      const members: [string, string][] = [
        ['s/000.jpg', 'jpeg bytes'],
        ['s/000.txt', 'a caption'],
      ];
      await writeTar(join(dir(), 'd1.tar'), members);
      await writeTar(join(dir(), 'd2.tar'), members);
      assert.deepEqual(readFileSync(join(dir(), 'd1.tar')), readFileSync(join(dir(), 'd2.tar')));
    });

    it('round trip: names up to any length (ustar prefix, then pax) and contents come back', async () => {
      const members: [string, Buffer][] = [
        ['short.txt', Buffer.from('s')],
        [`${'d'.repeat(120)}/file.txt`, Buffer.from('prefix split')],
        [`${'n'.repeat(150)}.json`, Buffer.from('{"pax":true}')],
        ['empty.bin', Buffer.alloc(0)],
        ['block.bin', Buffer.alloc(1024, 7)],
        ['ünïcode/名前.txt', Buffer.from('utf8 names')],
      ];
      const path = join(dir(), 'names.tar');
      await writeTar(path, members);
      const entries = await collect(path);
      assert.deepEqual(
        entries.map((e) => [e.name, e.type, e.data]),
        members.map(([name, data]) => [name, 'file', data]),
      );
    });
  });

  describe('reading', () => {
    it('applies GNU long names (L) and skips directories and global pax headers', async () => {
      const long = `${'g'.repeat(200)}.txt`;
      const longData = Buffer.from(`${long}\0`);
      const bytes = Buffer.concat([
        tarHeader('dir/', 0, '5'),
        tarHeader('pax_global_header', 0, 'g'),
        tarHeader('././@LongLink', longData.length, 'L'),
        padded(longData),
        tarHeader(long.slice(0, 100), 3),
        padded(Buffer.from('abc')),
        Buffer.alloc(1024),
      ]);
      const path = join(dir(), 'gnu.tar');
      writeFileSync(path, bytes);
      const entries = await collect(path);
      assert.deepEqual(
        entries.map((e) => [e.name, e.type, e.data.toString()]),
        [
          ['dir/', 'directory', ''],
          [long, 'file', 'abc'],
        ],
      );
    });

    it('accepts an archive that ends right after a member, without the zero blocks', async () => {
      const path = join(dir(), 'noeof.tar');
      writeFileSync(path, Buffer.concat([tarHeader('a.txt', 1), padded(Buffer.from('a'))]));
      assert.deepEqual(
        (await collect(path)).map((e) => e.name),
        ['a.txt'],
      );
    });

    it('a file cut inside a member is "truncated-tar" naming the file and the member', async () => {
      const full = join(dir(), 'full.tar');
      await writeTar(full, [
        ['000.txt', 'first'],
        ['001.jpg', Buffer.alloc(3000, 1)],
      ]);
      const cut = join(dir(), 'cut-member.tar');
      writeFileSync(cut, readFileSync(full).subarray(0, 1024 + 512 + 1000));
      await assertInputError(
        collect(cut),
        'truncated-tar',
        cut,
        'member 001.jpg',
        'needs 3000 bytes, the file ends after 1000',
      );
    });

    it('a file cut inside a header is "truncated-tar" naming the member before it', async () => {
      const full = join(dir(), 'full2.tar');
      await writeTar(full, [
        ['000.txt', 'first'],
        ['001.txt', 'second'],
      ]);
      const cut = join(dir(), 'cut-header.tar');
      writeFileSync(cut, readFileSync(full).subarray(0, 1024 + 100));
      await assertInputError(collect(cut), 'truncated-tar', cut, "inside a header after member '000.txt'");
    });

    it('a file that is not a tar is "bad-tar"', async () => {
      const path = join(dir(), 'not.tar');
      writeFileSync(path, Buffer.alloc(2048, 'x'));
      await assertInputError(collect(path), 'bad-tar', path, 'not a tar file');
    });

    it('reads members larger than the read buffer', async () => {
      const big = Buffer.alloc(9 * 1024 * 1024 + 3, 5);
      const path = join(dir(), 'big.tar');
      await writeTar(path, [
        ['big.bin', big],
        ['after.txt', 'after'],
      ]);
      const entries = await collect(path);
      assert.equal(entries[0].data.length, big.length);
      assert.ok(entries[0].data.equals(big));
      assert.equal(entries[1].data.toString(), 'after');
    });
  });
});
