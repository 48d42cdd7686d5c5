/**
 * WebDataset shards: samples from consecutive members, captions from .txt or .json, shard
 * writing, members too large to hold, and hostile shards (lying headers, unsafe names).
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitSampleName } from '../../../../server/engine/src/pool/read';
import { AtomicFileSink } from '../../../../server/engine/src/pool/sink';
import { tarHeader, TarWriter } from '../../../../server/engine/src/pool/tar';
import type { PoolItem, PoolRecord } from '../../../../server/engine/src/pool/types';
import { readWebDataset } from '../../../../server/engine/src/pool/webdataset';
import { readSizesJson, writeSizesJson } from '../../../../server/engine/src/pool/write';
import { assertInputError, readAll, readRecords, skipped, summary, useTempDir, writeAll } from './helpers';
import {
  END,
  gnuLongName,
  HOSTILE_SIZES,
  member,
  padded,
  paxHeader,
  paxRecord,
  writeSparse,
} from './tarFixtures';

async function collect(items: AsyncIterable<PoolItem>): Promise<PoolItem[]> {
  const all: PoolItem[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** A sample's member names and contents, wherever the contents are (memory or the shard). */
function memberContents(record: PoolRecord): [string, string | undefined][] {
  return record.payload.type === 'sample'
    ? record.payload.members.map((m) => [m.name, m.data?.toString()])
    : [];
}

async function shard(path: string, members: [string, string | Buffer][]): Promise<string> {
  const sink = await AtomicFileSink.open(path);
  const tar = new TarWriter(sink);
  for (const [name, data] of members) await tar.addFile(name, Buffer.from(data));
  await tar.finish();
  await sink.commit();
  return path;
}

const members: [string, string][] = [
  ['part/000.jpg', 'jpeg 0'],
  ['part/000.txt', 'a dog on a beach'],
  ['part/000.json', '{"caption":"json dog","id":"k0"}'],
  ['part/001.jpg', 'jpeg 1'],
  ['part/001.txt', 'a red car'],
  ['part/001.json', '{"caption":"json car","id":17}'],
  ['part/002.jpg', 'jpeg 2'],
  ['part/002.json', '{"id":"k2"}'],
];

describe('WebDataset shards', () => {
  const dir = useTempDir();

  it('splitSampleName: the key runs to the first dot of the last path component', () => {
    assert.deepEqual(splitSampleName('a/b.c/000123.seg.jpg'), { key: 'a/b.c/000123', ext: 'seg.jpg' });
    assert.deepEqual(splitSampleName('000.txt'), { key: '000', ext: 'txt' });
    assert.equal(splitSampleName('dir/README'), undefined);
    assert.equal(splitSampleName('dir/.hidden'), undefined);
  });

  it('groups consecutive members into samples keyed by dir + prefix; caption from .txt by default', async () => {
    const path = await shard(join(dir(), 's1.tar'), members);
    const items = await readAll(path, 'webdataset', { onError: 'skip' });
    const records = items.filter((i) => i.kind === 'record');
    assert.deepEqual(summary(records.map((r) => (r.kind === 'record' ? r : assert.fail()))), [
      { index: 0, key: 'part/000', texts: ['a dog on a beach'] },
      { index: 1, key: 'part/001', texts: ['a red car'] },
    ]);
    const first = records[0];
    assert.ok(first.kind === 'record' && first.payload.type === 'sample');
    assert.deepEqual(
      first.payload.members.map((m) => [m.name, m.data?.toString()]),
      members.slice(0, 3),
    );
    assert.deepEqual(first.location, { record: 0, member: 'part/000.jpg', byteOffset: 0 });
    // The third sample has no .txt member.
    const [missing] = skipped(items);
    assert.equal(missing.reason, 'missing-text-field');
    assert.equal(missing.location.member, 'part/002.jpg');
    assert.match(
      missing.detail,
      /sample 'part\/002': missing text field '\.txt' \(fields: \.jpg, \.json, id\)/,
    );
    assert.match(
      missing.detail,
      /names a member by extension \(\.txt or txt, \.caption\) or a field of the \.json/,
    );
  });

  it('".txt" and "txt" both name the .txt member; ".ext" names any member', async () => {
    const path = await shard(join(dir(), 's1b.tar'), [
      ['p/0.jpg', 'jpeg'],
      ['p/0.txt', 'a dog'],
      ['p/0.caption', 'a long caption'],
    ]);
    for (const field of ['.txt', 'txt'])
      assert.deepEqual(summary(await readRecords(path, 'webdataset', { textFields: [field] })), [
        { index: 0, key: 'p/0', texts: ['a dog'] },
      ]);
    assert.deepEqual((await readRecords(path, 'webdataset', { textFields: ['.caption', '.txt'] }))[0].texts, [
      'a long caption',
      'a dog',
    ]);
  });

  it('takes captions from .json fields, "txt" naming the .txt member, and keys from a .json field', async () => {
    const path = await shard(join(dir(), 's2.tar'), members.slice(0, 6));
    const records = await readRecords(path, 'webdataset', { textFields: ['caption', 'txt'], keyField: 'id' });
    assert.deepEqual(summary(records), [
      { index: 0, key: 'k0', texts: ['json dog', 'a dog on a beach'] },
      { index: 1, key: '17', texts: ['json car', 'a red car'] },
    ]);
  });

  it('a broken .json member is "bad-json" naming that member', async () => {
    const path = await shard(join(dir(), 's3.tar'), [
      ['x/0.jpg', 'j'],
      ['x/0.json', '{broken'],
    ]);
    await assertInputError(
      readAll(path, 'webdataset', { textFields: ['caption'] }),
      'bad-json',
      path,
      'member x/0.json',
    );
  });

  it('a truncated shard is "truncated-tar" naming the file and the member', async () => {
    const path = await shard(join(dir(), 's4.tar'), members);
    const cut = join(dir(), 's4-cut.tar');
    const bytes = readFileSync(path);
    // Headers and data of part/000.jpg, the header of part/000.txt and 10 of its 16 bytes.
    writeFileSync(cut, bytes.subarray(0, 512 * 3 + 10));
    await assertInputError(
      readAll(cut, 'webdataset', { onError: 'fail' }),
      'truncated-tar',
      `${cut}:member part/000.txt`,
      'needs 16 bytes, the file ends after 10',
    );
  });

  it('with --on-error skip, a truncated shard gives its whole samples, then one skip for the rest', async () => {
    const path = await shard(join(dir(), 's4b.tar'), members);
    const cut = join(dir(), 's4b-cut.tar');
    // Cut inside part/001.txt (the 5th member): sample part/000 is whole, part/001 is not.
    const at = 512 * 2 * 4 + 512 + 3;
    writeFileSync(cut, readFileSync(path).subarray(0, at));
    const items = await readAll(cut, 'webdataset', { onError: 'skip' });
    assert.deepEqual(
      items.map((i) => (i.kind === 'record' ? i.key : i.reason)),
      ['part/000', 'truncated-tar'],
    );
    const [rest] = skipped(items);
    assert.equal(rest.location.member, 'part/001.txt');
    assert.match(rest.detail, /the rest of the shard \(from sample 'part\/001', record 1, on\) is skipped/);
    // A file that is no tar at all is skipped whole as "bad-tar".
    const notTar = join(dir(), 'not-a-tar.tar');
    writeFileSync(notTar, Buffer.alloc(2048, 'x'));
    assert.deepEqual(
      (await readAll(notTar, 'webdataset', { onError: 'skip' })).map((i) => i.kind === 'skipped' && i.reason),
      ['bad-tar'],
    );
  });

  it('round trip: kept samples are written whole, byte-identical on every run; finish counts samples', async () => {
    const path = await shard(join(dir(), 's5.tar'), members);
    const items = await readAll(path, 'webdataset', { onError: 'skip' });
    const kept = items.flatMap((i) => (i.kind === 'record' ? [i] : []));
    const out1 = join(dir(), 'out', 'shard-000.tar');
    const out2 = join(dir(), 'out', 'shard-001.tar');
    assert.equal(await writeAll('webdataset', out1, kept), 2);
    assert.equal(await writeAll('webdataset', out2, kept), 2);
    assert.deepEqual(readFileSync(out1), readFileSync(out2));
    const back = await readRecords(out1, 'webdataset');
    assert.deepEqual(summary(back), summary(kept));
    assert.deepEqual(back.map(memberContents), kept.map(memberContents));
  });

  it('a member past the in-memory budget is copied from the input shard by byte range', async () => {
    const image = Buffer.alloc(3000);
    for (let i = 0; i < image.length; i++) image[i] = i % 253;
    const input: [string, string | Buffer][] = [
      ['big/000.jpg', image],
      ['big/000.txt', 'a dog'],
      ['big/001.jpg', Buffer.alloc(500, 1)],
      ['big/001.png', Buffer.alloc(600, 2)],
      ['big/001.txt', 'a cat'],
    ];
    const path = join(dir(), 'budget.tar');
    writeFileSync(path, Buffer.concat([...input.map(([n, d]) => member(n, d)), END]));
    const limits = { sampleBytesInMemory: 1024, captionMemberBytes: 64 };
    const items = await collect(readWebDataset(path, { textFields: [], onError: 'fail' }, limits));
    const records = items.flatMap((i) => (i.kind === 'record' ? [i] : []));
    // Held: the captions, and 001.jpg (500 bytes); 000.jpg and 001.png are past the budget.
    assert.deepEqual(
      records.flatMap((r) =>
        r.payload.type === 'sample'
          ? r.payload.members.map((m) => [m.name, m.size, m.data !== undefined])
          : [],
      ),
      [
        ['big/000.jpg', 3000, false],
        ['big/000.txt', 5, true],
        ['big/001.jpg', 500, true],
        ['big/001.png', 600, false],
        ['big/001.txt', 5, true],
      ],
    );
    const out = join(dir(), 'budget-out.tar');
    assert.equal(await writeAll('webdataset', out, records), 2);
    const expected = join(dir(), 'budget-expected.tar');
    await shard(expected, input);
    assert.deepEqual(readFileSync(out), readFileSync(expected), 'the same bytes as a copy from memory');
  });

  it('a caption member over its limit is "bad-tar" for its sample alone', async () => {
    const path = join(dir(), 'long-caption.tar');
    writeFileSync(
      path,
      Buffer.concat([
        member('c/000.txt', 'x'.repeat(65)),
        member('c/000.jpg', 'j'),
        member('c/001.txt', 'a dog'),
        END,
      ]),
    );
    const limits = { sampleBytesInMemory: 1024, captionMemberBytes: 64 };
    const read = (onError: 'fail' | 'skip') =>
      collect(readWebDataset(path, { textFields: [], onError }, limits));
    await assertInputError(
      read('fail'),
      'bad-tar',
      `${path}:record 0, member c/000.txt, byte 0`,
      "sample 'c/000': member 'c/000.txt' has 65 bytes; a caption member may have at most 64 bytes",
    );
    assert.deepEqual(
      (await read('skip')).map((i) => (i.kind === 'record' ? i.key : i.reason)),
      ['bad-tar', 'c/001'],
    );
  });

  it('a sparse member of over 2 GiB is skipped over when reading and streamed when copying', async function () {
    this.timeout(120_000);
    const size = 2 ** 31 + 5;
    const path = join(dir(), 'sparse.tar');
    writeSparse(
      path,
      tarHeader('huge/000.bin', size),
      size,
      Buffer.concat([member('huge/000.txt', 'a huge dog'), member('huge/001.txt', 'a cat'), END]),
    );
    const records = await readRecords(path, 'webdataset');
    assert.deepEqual(summary(records), [
      { index: 0, key: 'huge/000', texts: ['a huge dog'] },
      { index: 1, key: 'huge/001', texts: ['a cat'] },
    ]);
    const [huge] = records;
    assert.ok(huge.payload.type === 'sample');
    assert.deepEqual(
      huge.payload.members.map((m) => [m.name, m.size, m.dataOffset, m.data?.length]),
      [
        ['huge/000.bin', size, 512, undefined],
        ['huge/000.txt', 10, 512 + size + 507 + 512, 10],
      ],
    );
    const out = join(dir(), 'sparse-out.tar');
    try {
      assert.equal(await writeAll('webdataset', out, records.slice(0, 1)), 1);
      assert.equal(statSync(out).size, 512 + size + 507 + 512 + 512 + 1024);
      const copied = await readRecords(out, 'webdataset');
      assert.deepEqual(summary(copied), [{ index: 0, key: 'huge/000', texts: ['a huge dog'] }]);
    } finally {
      rmSync(out, { force: true });
    }
  });

  describe('hostile shards', () => {
    /** Sample s/000, then s/001.jpg and s/001.txt behind `hostile`, then sample s/002. */
    function hostileShard(name: string, hostile: Buffer): string {
      const path = join(dir(), name);
      writeFileSync(
        path,
        Buffer.concat([
          member('s/000.jpg', 'jpeg'),
          member('s/000.txt', 'a dog'),
          member('s/001.jpg', 'jpeg'),
          hostile,
          padded('hello'),
          member('s/002.txt', 'a cat'),
          END,
        ]),
      );
      return path;
    }

    for (const hostile of HOSTILE_SIZES) {
      it(`size ${hostile.what}: "${hostile.reason}" under fail; under skip the samples before it are read`, async () => {
        const header = hostile.header('s/001.txt');
        const path = hostileShard('size.tar', header);
        const headerAt = 3072 + header.length - 512;
        await assertInputError(
          readAll(path, 'webdataset', { onError: 'fail' }),
          hostile.reason,
          `${path}:member s/001.txt, byte ${headerAt}`,
          hostile.says,
        );
        const items = await readAll(path, 'webdataset', { onError: 'skip' });
        assert.deepEqual(
          items.map((i) => (i.kind === 'record' ? i.key : i.reason)),
          ['s/000', hostile.reason],
        );
        assert.match(
          skipped(items)[0].detail,
          /; the rest of the shard \(from sample 's\/001', record 1, on\) is skipped$/,
        );
      });
    }

    it('a bad checksum: "bad-tar" naming the member before it; under skip the rest is skipped', async () => {
      const header = tarHeader('s/001.txt', 5);
      header[148] ^= 1;
      const path = hostileShard('checksum.tar', header);
      await assertInputError(
        readAll(path, 'webdataset'),
        'bad-tar',
        `${path}:member s/001.jpg, byte 3072`,
        "not a tar header after member 's/001.jpg' (bad header checksum at byte 3072)",
      );
      assert.deepEqual(
        (await readAll(path, 'webdataset', { onError: 'skip' })).map((i) =>
          i.kind === 'record' ? i.key : i.reason,
        ),
        ['s/000', 'bad-tar'],
      );
    });

    it('a malformed pax record: "bad-tar"; under skip the samples before it are read', async () => {
      const path = hostileShard(
        'pax.tar',
        Buffer.concat([paxHeader('99 path=x.txt\n'), tarHeader('s/001.txt', 5)]),
      );
      await assertInputError(
        readAll(path, 'webdataset'),
        'bad-tar',
        path,
        'member PaxHeader, byte 3072',
        'claims 99 bytes',
      );
      assert.deepEqual(
        (await readAll(path, 'webdataset', { onError: 'skip' })).map((i) =>
          i.kind === 'record' ? i.key : i.reason,
        ),
        ['s/000', 'bad-tar'],
      );
    });

    const unsafeNames: [string, string, string][] = [
      ['../../x.txt', '../../x.txt', "has a '..' path segment"],
      ['/etc/x.txt', '/etc/x.txt', 'is an absolute path'],
      ['a/../b.txt', 'a/../b.txt', "has a '..' path segment"],
      ['x\u0001.txt', 'x\\u0001.txt', 'has the control character U+0001'],
      ['x\n.txt', 'x\\u000a.txt', 'has the control character U+000A'],
      ['x\u009b.txt', 'x\\u009b.txt', 'has the control character U+009B'],
    ];
    const spellings: [string, (name: string) => Buffer][] = [
      ['a ustar name', (name) => member(name, 'a bad dog')],
      [
        'a pax path',
        (name) => Buffer.concat([paxHeader(paxRecord('path', name)), member('innocent.txt', 'a bad dog')]),
      ],
      ['a GNU long name', (name) => Buffer.concat([gnuLongName(name), member('innocent.txt', 'a bad dog')])],
    ];
    for (const [name, shown, problem] of unsafeNames) {
      for (const [how, spell] of spellings) {
        it(`member name ${JSON.stringify(name)} as ${how}: "unsafe-name", and never copied`, async () => {
          const path = join(dir(), 'unsafe.tar');
          writeFileSync(
            path,
            Buffer.concat([member('s/000.txt', 'a dog'), spell(name), member('s/002.txt', 'a cat'), END]),
          );
          const error = await assertInputError(
            readAll(path, 'webdataset'),
            'unsafe-name',
            `${path}:record 1, member ${shown}`,
            `member name '${shown}' ${problem}`,
          );
          assert.ok(!error.message.includes('\n'), 'the message is one line');
          const items = await readAll(path, 'webdataset', { onError: 'skip' });
          assert.deepEqual(
            items.map((i) => (i.kind === 'record' ? i.key : i.reason)),
            ['s/000', 'unsafe-name', 's/002'],
          );
          assert.equal(skipped(items)[0].location.member, name);
          const out = join(dir(), 'unsafe-out.tar');
          await writeAll(
            'webdataset',
            out,
            items.flatMap((i) => (i.kind === 'record' ? [i] : [])),
          );
          assert.deepEqual(
            (await readRecords(out, 'webdataset')).map((r) => r.key),
            ['s/000', 's/002'],
          );
        });
      }
    }

    it('an unsafe member makes its whole sample unsafe, even when the caption member is fine', async () => {
      const path = join(dir(), 'unsafe-member.tar');
      writeFileSync(
        path,
        Buffer.concat([
          member('s/001.txt', 'a dog'),
          member('s/001.j\u0001pg', 'jpeg'),
          member('s/002.txt', 'a cat'),
          END,
        ]),
      );
      const items = await readAll(path, 'webdataset', { onError: 'skip' });
      assert.deepEqual(
        items.map((i) => (i.kind === 'record' ? i.key : `${i.reason} ${i.location.member}`)),
        ['unsafe-name s/001.j\u0001pg', 's/002'],
      );
    });
  });

  it('sizes.json records the sample count per shard, as OpenCLIP reads it', async () => {
    const folder = join(dir(), 'sizes');
    assert.deepEqual(await readSizesJson(folder), {});
    await writeSizesJson(folder, { 'shard-001.tar': 5, 'shard-000.tar': 7 });
    assert.equal(
      readFileSync(join(folder, 'sizes.json'), 'utf8'),
      '{\n  "shard-000.tar": 7,\n  "shard-001.tar": 5\n}\n',
    );
    assert.deepEqual(await readSizesJson(folder), { 'shard-000.tar': 7, 'shard-001.tar': 5 });
  });
});
