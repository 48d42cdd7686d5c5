/**
 * Tar reading and writing: ustar, pax and GNU long names, truncation, deterministic output,
 * hostile headers and names, and members too large to hold.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicFileSink } from '../../../../server/engine/src/pool/sink';
import {
  readMemberData,
  readTar,
  tarHeader,
  TarWriter,
  unsafeNameProblem,
  type TarEntry,
  type TarReadOptions,
} from '../../../../server/engine/src/pool/tar';
import { assertInputError, useTempDir } from './helpers';
import {
  base256,
  END,
  gnuLongName,
  headerWithSizeField,
  HOSTILE_SIZES,
  member,
  padded,
  paxHeader,
  paxRecord,
  writeSparse,
} from './tarFixtures';

/** The byte source the reading tests use (TarReadOptions.positionedReads); set per suite. */
let positionedReads: boolean | undefined;

async function collect(file: string, options?: TarReadOptions): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  for await (const entry of readTar(file, { positionedReads, ...options })) entries.push(entry);
  return entries;
}

async function writeTar(path: string, members: [string, string | Buffer][]): Promise<void> {
  const sink = await AtomicFileSink.open(path);
  const tar = new TarWriter(sink);
  for (const [name, data] of members) await tar.addFile(name, Buffer.from(data));
  await tar.finish();
  await sink.commit();
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

  // Both byte sources of the reader: streamed on the main thread, positioned in worker threads.
  for (const positioned of [false, true]) {
    describe(positioned ? 'positioned reads (worker threads)' : 'streamed reads (main thread)', () => {
      before(() => {
        positionedReads = positioned;
      });
      after(() => {
        positionedReads = undefined;
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
            entries.map((e) => [e.name, e.type, e.data?.toString()]),
            [
              ['dir/', 'directory', undefined],
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
          await assertInputError(
            collect(cut),
            'truncated-tar',
            cut,
            "inside a header after member '000.txt'",
          );
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
          assert.equal(entries[0].data?.length, big.length);
          assert.ok(entries[0].data?.equals(big));
          assert.equal(entries[1].data?.toString(), 'after');
        });

        it('reads only the members asked for; the others give their size and offset, not their bytes', async () => {
          const path = join(dir(), 'asked.tar');
          await writeTar(path, [
            ['a.jpg', Buffer.alloc(3000, 1)],
            ['a.txt', 'caption'],
          ]);
          const entries = await collect(path, { reads: (name) => name.endsWith('.txt') });
          assert.deepEqual(
            entries.map((e) => [e.name, e.size, e.headerOffset, e.dataOffset, e.data?.toString()]),
            [
              ['a.jpg', 3000, 0, 512, undefined],
              ['a.txt', 7, 512 + 3072, 1024 + 3072, 'caption'],
            ],
          );
          const copied = [];
          for await (const chunk of readMemberData(path, 'a.jpg', 512, 3000)) copied.push(chunk);
          assert.deepEqual(Buffer.concat(copied), Buffer.alloc(3000, 1));
        });

        it('skips over a sparse member of 9 GiB (a base-256 size) without reading it', async () => {
          const size = 9 * 2 ** 30;
          const path = join(dir(), 'sparse.tar');
          writeSparse(
            path,
            headerWithSizeField('huge.bin', base256(BigInt(size))),
            size,
            Buffer.concat([member('after.txt', 'after'), END]),
          );
          const entries = await collect(path, { reads: (name) => name === 'after.txt' });
          assert.deepEqual(
            entries.map((e) => [e.name, e.size, e.data?.toString()]),
            [
              ['huge.bin', size, undefined],
              ['after.txt', 5, 'after'],
            ],
          );
          // By default, members over 16 MiB are not read either.
          assert.equal((await collect(path))[0].data, undefined);
        });

        it('copying a member from a file that no longer holds it is "unreadable"', async () => {
          const path = join(dir(), 'short.bin');
          writeFileSync(path, Buffer.alloc(100));
          const copy = async () => {
            for await (const chunk of readMemberData(path, 'x.jpg', 50, 200)) assert.ok(chunk.length > 0);
          };
          await assertInputError(
            copy(),
            'unreadable',
            path,
            'member x.jpg',
            'ends after 50 of its 200 bytes',
          );
        });
      });

      describe('hostile headers: an InputError naming file, member and byte offset, never a crash', () => {
        /** `good.txt`, then `bad.txt` behind a hostile header, then `after.txt`. */
        function shardAround(hostileHeader: Buffer): { bytes: Buffer; badOffset: number } {
          const good = member('good.txt', 'good');
          return {
            bytes: Buffer.concat([good, hostileHeader, padded('hello'), member('after.txt', 'after'), END]),
            badOffset: good.length,
          };
        }

        for (const hostile of HOSTILE_SIZES) {
          it(`size: ${hostile.what} is "${hostile.reason}"`, async () => {
            const { bytes } = shardAround(hostile.header('bad.txt'));
            const path = join(dir(), 'size.tar');
            writeFileSync(path, bytes);
            // The header of bad.txt itself comes after the pax header, if there is one.
            const headerAt = bytes.indexOf('bad.txt');
            const seen: string[] = [];
            const read = async () => {
              for await (const entry of readTar(path, { positionedReads })) seen.push(entry.name);
            };
            await assertInputError(
              read(),
              hostile.reason,
              `${path}:member bad.txt, byte ${headerAt}`,
              hostile.says,
            );
            assert.deepEqual(seen, ['good.txt']);
          });
        }

        it('a bad checksum is "bad-tar" naming the member before it and the offset', async () => {
          const header = tarHeader('bad.txt', 5);
          header[0] = 'c'.charCodeAt(0);
          const { bytes, badOffset } = shardAround(header);
          const path = join(dir(), 'checksum.tar');
          writeFileSync(path, bytes);
          await assertInputError(
            collect(path),
            'bad-tar',
            `${path}:member good.txt, byte ${badOffset}`,
            `not a tar header after member 'good.txt' (bad header checksum at byte ${badOffset})`,
          );
        });

        const malformedPax: [string, string, string][] = [
          ['without a length', 'path=x.txt\n', 'does not start with a decimal length'],
          ['with a length that is not digits', '1a path=x.txt\n', 'does not start with a decimal length'],
          ['whose length runs past the header', '99 path=x.txt\n', 'claims 99 bytes'],
          ['that does not end in a newline', '12 path=abcd', 'claims 12 bytes'],
          ['that is not key=value', '8 pathx\n', 'is not key=value'],
          ['followed by garbage', `${paxRecord('path', 'x.txt')}garbage`, 'at byte 14'],
        ];
        for (const [what, records, says] of malformedPax) {
          it(`a pax record ${what} is "bad-tar"`, async () => {
            const { bytes, badOffset } = shardAround(
              Buffer.concat([paxHeader(records), tarHeader('bad.txt', 5)]),
            );
            const path = join(dir(), 'pax.tar');
            writeFileSync(path, bytes);
            await assertInputError(
              collect(path),
              'bad-tar',
              `${path}:member PaxHeader, byte ${badOffset}`,
              `bad tar header of member 'PaxHeader': pax record`,
              says,
            );
          });
        }

        it('an extended header (pax or GNU long name) over 1 MiB is "bad-tar", not read', async () => {
          const huge = 'n'.repeat(1024 * 1024);
          for (const header of [paxHeader(paxRecord('path', huge)), gnuLongName(huge)]) {
            const path = join(dir(), 'extended.tar');
            writeFileSync(path, Buffer.concat([header, member('x.txt', 'x'), END]));
            await assertInputError(collect(path), 'bad-tar', path, 'byte 0', 'an extended header of 10485');
          }
        });

        it('a header cut by the end of the file after a pax header is "truncated-tar"', async () => {
          const path = join(dir(), 'cut-after-pax.tar');
          writeFileSync(path, Buffer.concat([paxHeader(paxRecord('path', 'x.txt')), Buffer.alloc(100, 1)]));
          await assertInputError(collect(path), 'truncated-tar', path, 'the file ends inside a header');
        });

        it('names come back verbatim, from ustar, pax path and GNU long names: judging them is the caller’s', async () => {
          const path = join(dir(), 'names.tar');
          writeFileSync(
            path,
            Buffer.concat([
              member('../../x.txt', 'a'),
              paxHeader(paxRecord('path', '/etc/x.txt')),
              member('PaxHeader-named', 'b'),
              gnuLongName('x\n.txt'),
              member('L-named', 'c'),
              END,
            ]),
          );
          assert.deepEqual(
            (await collect(path)).map((e) => e.name),
            ['../../x.txt', '/etc/x.txt', 'x\n.txt'],
          );
        });
      });
    });
  }

  describe('unsafeNameProblem', () => {
    it('refuses absolute paths, ".." segments and control characters (C0, DEL, C1)', () => {
      const unsafe: [string, string][] = [
        ['../../x.txt', "has a '..' path segment"],
        ['a/../b.txt', "has a '..' path segment"],
        ['..\\x.txt', "has a '..' path segment"],
        ['..', "has a '..' path segment"],
        ['/etc/x.txt', 'is an absolute path'],
        ['\\server\\x.txt', 'is an absolute path'],
        ['C:/x.txt', 'is an absolute path'],
        ['x\u0001.txt', 'has the control character U+0001'],
        ['x\n.txt', 'has the control character U+000A'],
        ['x\u0000.txt', 'has the control character U+0000'],
        ['x\u007f.txt', 'has the control character U+007F'],
        ['x\u0085.txt', 'has the control character U+0085'],
      ];
      assert.deepEqual(
        unsafe.map(([name]) => [name, unsafeNameProblem(name)]),
        unsafe,
      );
    });

    it('accepts relative names, dots inside names and any printable Unicode', () => {
      for (const name of [
        'a/b.txt',
        'a..b.txt',
        '..x/y.txt',
        'x../y.txt',
        './a.txt',
        'ünï/名前.txt',
        'a b.txt',
      ])
        assert.equal(unsafeNameProblem(name), undefined, name);
    });

    it('the writer refuses an unsafe name: readers must have skipped the sample', async () => {
      const sink = await AtomicFileSink.open(join(dir(), 'refused.tar'));
      const tar = new TarWriter(sink);
      await assert.rejects(
        tar.addFile('../x.txt', Buffer.from('x')),
        /tar member name '..\/x.txt' has a '..' path segment/,
      );
      await assert.rejects(
        tar.addFile('x\n.txt', Buffer.from('x')),
        /'x\\u000a.txt' has the control character/,
      );
      await sink.abort();
    });
  });

  describe('streamed members', () => {
    it('addFileFrom writes the same bytes as addFile, from chunks', async () => {
      const data = Buffer.alloc(5000);
      for (let i = 0; i < data.length; i++) data[i] = i % 251;
      await writeTar(join(dir(), 'whole.tar'), [['m.bin', data]]);
      const sink = await AtomicFileSink.open(join(dir(), 'chunks.tar'));
      const tar = new TarWriter(sink);
      await tar.addFileFrom('m.bin', data.length, chunksOf(data, 1000));
      await tar.finish();
      await sink.commit();
      assert.deepEqual(readFileSync(join(dir(), 'chunks.tar')), readFileSync(join(dir(), 'whole.tar')));
    });

    it('addFileFrom refuses chunks that do not add up to the size', async () => {
      const sink = await AtomicFileSink.open(join(dir(), 'wrong.tar'));
      const tar = new TarWriter(sink);
      await assert.rejects(
        tar.addFileFrom('m.bin', 10, chunksOf(Buffer.alloc(9), 3)),
        /fewer than its 10 bytes/,
      );
      await assert.rejects(tar.addFileFrom('n.bin', 10, chunksOf(Buffer.alloc(12), 4)), /more or fewer/);
      await sink.abort();
    });

    it('a member past the 8 GiB of an octal size field gets a pax size record', async () => {
      const size = 8 * 2 ** 30 + 1;
      const headers: Buffer[] = [];
      let bytes = 0;
      // A sink that keeps the headers and counts the rest: 8 GiB are never stored.
      const sink = {
        async write(chunk: Uint8Array) {
          if (bytes < 3 * 512) headers.push(Buffer.from(chunk));
          bytes += chunk.length;
        },
      };
      const zeros = Buffer.alloc(1024 * 1024);
      async function* contents() {
        for (let left = size; left > 0; left -= zeros.length)
          yield zeros.subarray(0, Math.min(left, zeros.length));
      }
      await new TarWriter(sink).addFileFrom('big.bin', size, contents());
      const head = Buffer.concat(headers).subarray(0, 3 * 512);
      assert.equal(head[156], 'x'.charCodeAt(0));
      assert.equal(head.toString('utf8', 512, 512 + 21), '19 size=8589934593\n\0\0');
      assert.equal(head.toString('latin1', 1024, 1031), 'big.bin');
      assert.equal(bytes, 3 * 512 + size + 511);
      // The pax header and the member header read back as one member of that size.
      const path = join(dir(), 'pax-size.tar');
      writeSparse(path, head, size, END);
      assert.deepEqual(
        (await collect(path)).map((e) => [e.name, e.size]),
        [['big.bin', size]],
      );
    });
  });
});

async function* chunksOf(data: Buffer, chunk: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += chunk) yield data.subarray(at, at + chunk);
}
