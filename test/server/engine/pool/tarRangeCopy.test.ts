/**
 * Range copies of tar members (the select pass's WebDataset writer) against TarWriter.addFile
 * member by member: the same bytes on generated shards with random keep patterns, with source
 * headers unlike the writer's, members that break a run (pax and GNU long names, members
 * larger than the range buffer), and a source that changed under the copy.
 */
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicFileSink } from '../../../../server/engine/src/pool/sink';
import { readTar, TarWriter } from '../../../../server/engine/src/pool/tar';
import { TarRangeCopier, type SourceMember } from '../../../../server/engine/src/pool/tarRangeCopy';
import type { PoolRecord } from '../../../../server/engine/src/pool/types';
import { readWebDataset } from '../../../../server/engine/src/pool/webdataset';
import { assertInputError, useTempDir, writeAll } from './helpers';
import { BLOCK, END, gnuLongName, member, padded, paxHeader, paxRecord, withChecksum } from './tarFixtures';

/** A small deterministic generator (mulberry32), so a failing case can be replayed by its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A member as other writers leave it: mode, owner, mtime and device fields set, and garbage in
 * the padding, so a copy that kept any source header or padding byte would differ.
 */
function foreignMember(name: string, data: Buffer, rand: () => number): Buffer {
  const header = member(name, data).subarray(0, BLOCK);
  header.write('0000755\0', 100);
  header.write('0001750\0', 108);
  header.write(
    `${Math.floor(rand() * 0o7777777)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
  );
  header.write('someone', 265);
  header.fill(0x20, 329, 345);
  const padding = padded(data).subarray(data.length);
  for (let i = 0; i < padding.length; i++) padding[i] = 1 + Math.floor(rand() * 255);
  return Buffer.concat([withChecksum(header), data, padding]);
}

async function viaAddFile(path: string, members: [string, Buffer][]): Promise<Buffer> {
  const sink = await AtomicFileSink.open(path);
  const tar = new TarWriter(sink);
  for (const [name, data] of members) await tar.addFile(name, data);
  await tar.finish();
  await sink.commit();
  return readFileSync(path);
}

async function viaCopier(
  path: string,
  source: string,
  members: SourceMember[],
  rangeBytes?: number,
): Promise<Buffer> {
  const sink = await AtomicFileSink.open(path);
  const tar = new TarWriter(sink);
  const copier = new TarRangeCopier(tar, rangeBytes);
  try {
    for (const m of members) await copier.add(source, m);
    await copier.finish();
  } catch (err) {
    await copier.close();
    await sink.abort();
    throw err;
  }
  await tar.finish();
  await sink.commit();
  assert.equal(tar.memberCount, members.length);
  return readFileSync(path);
}

/** The file members of a tar with their contents, as the reader finds them. */
async function sourceMembers(path: string): Promise<(SourceMember & { data: Buffer })[]> {
  const all: (SourceMember & { data: Buffer })[] = [];
  for await (const entry of readTar(path, { reads: () => true }))
    if (entry.type === 'file')
      all.push({
        name: entry.name,
        size: entry.size,
        dataOffset: entry.dataOffset,
        data: entry.data as Buffer,
      });
  return all;
}

describe('tar range copies', () => {
  const dir = useTempDir();

  for (let seed = 1; seed <= 12; seed++) {
    it(`random shard and keep pattern ${seed}: the same bytes as addFile member by member`, async () => {
      const rand = random(seed);
      const parts: Buffer[] = [];
      const samples = 5 + Math.floor(rand() * 40);
      for (let s = 0; s < samples; s++) {
        const key = `part/${String(s).padStart(5, '0')}`;
        const image = Buffer.alloc(Math.floor(rand() * 5000));
        for (let i = 0; i < image.length; i++) image[i] = Math.floor(rand() * 256);
        const caption = Buffer.from(`caption ${s} ${'x'.repeat(Math.floor(rand() * 700))}`);
        // Some members other writers put between samples, which break a run of ranges.
        if (rand() < 0.1) parts.push(paxHeader(paxRecord('mtime', '1700000000.5')));
        if (rand() < 0.05) parts.push(member(`part/README`, 'no extension: in no sample'));
        parts.push(foreignMember(`${key}.jpg`, image, rand));
        if (rand() < 0.1) parts.push(gnuLongName(`${key}.txt`));
        parts.push(foreignMember(`${key}.txt`, caption, rand));
      }
      const source = join(dir(), `random-${seed}.tar`);
      writeFileSync(source, Buffer.concat([...parts, END]));
      const all = await sourceMembers(source);
      const keepRate = rand();
      const kept = all.filter(() => rand() < keepRate);
      // A small range buffer too, so that runs are cut by size as well.
      const rangeBytes = rand() < 0.5 ? 8 * 1024 : undefined;
      const expected = await viaAddFile(
        join(dir(), `expected-${seed}.tar`),
        kept.map((m) => [m.name, m.data]),
      );
      const copied = await viaCopier(join(dir(), `copied-${seed}.tar`), source, kept, rangeBytes);
      assert.ok(copied.equals(expected), `seed ${seed}: ${kept.length} of ${all.length} members`);
    });
  }

  it('the WebDataset writer gives the same shard whether the reader held the contents or not', async () => {
    const rand = random(99);
    const parts: Buffer[] = [];
    for (let s = 0; s < 30; s++) {
      const image = Buffer.alloc(1000 + s * 37, s);
      parts.push(
        foreignMember(`w/${s}.jpg`, image, rand),
        foreignMember(`w/${s}.txt`, Buffer.from(`c ${s}`), rand),
      );
    }
    const source = join(dir(), 'wds.tar');
    writeFileSync(source, Buffer.concat([...parts, END]));
    const outputs: Buffer[] = [];
    for (const withPayload of [true, false]) {
      const records: PoolRecord[] = [];
      for await (const item of readWebDataset(source, { textFields: [], onError: 'fail', withPayload }))
        if (item.kind === 'record' && item.index % 3 !== 1) records.push(item);
      const out = join(dir(), `wds-${withPayload}.tar`);
      assert.equal(await writeAll('webdataset', out, records), 20);
      outputs.push(readFileSync(out));
    }
    assert.ok(outputs[0].equals(outputs[1]));
    const expected = (await sourceMembers(source)).filter((_, i) => Math.floor(i / 2) % 3 !== 1);
    const byAddFile = await viaAddFile(
      join(dir(), 'wds-expected.tar'),
      expected.map((m) => [m.name, m.data]),
    );
    assert.ok(outputs[0].equals(byAddFile));
  });

  it('names the writer gives a pax header (over 100 bytes, no ustar split) are streamed, same bytes', async () => {
    const long = `${'d'.repeat(120)}.jpg`;
    const source = join(dir(), 'long.tar');
    writeFileSync(
      source,
      Buffer.concat([
        member('a.jpg', 'one'),
        gnuLongName(long),
        member(long.slice(0, 100), 'two'),
        member('b.jpg', 'three'),
        END,
      ]),
    );
    const all = await sourceMembers(source);
    assert.deepEqual(
      all.map((m) => m.name),
      ['a.jpg', long, 'b.jpg'],
    );
    const expected = await viaAddFile(
      join(dir(), 'long-expected.tar'),
      all.map((m) => [m.name, m.data]),
    );
    assert.ok((await viaCopier(join(dir(), 'long-copied.tar'), source, all)).equals(expected));
  });

  it('a source cut short since it was read is "unreadable" naming the file and the member', async () => {
    const source = join(dir(), 'cut.tar');
    writeFileSync(
      source,
      Buffer.concat([member('c/0.jpg', Buffer.alloc(3000, 7)), member('c/0.txt', 'a cat'), END]),
    );
    const all = await sourceMembers(source);
    truncateSync(source, 2000);
    const err = await assertInputError(
      viaCopier(join(dir(), 'cut-out.tar'), source, all),
      'unreadable',
      source,
      "'c/0.jpg'",
      'changed since it was read',
    );
    assert.equal(err.location.member, 'c/0.jpg');
  });

  it('an unsafe member name is refused before any byte is copied', async () => {
    const source = join(dir(), 'unsafe.tar');
    writeFileSync(source, Buffer.concat([member('../evil.jpg', 'x'), END]));
    await assert.rejects(
      viaCopier(join(dir(), 'unsafe-out.tar'), source, [{ name: '../evil.jpg', size: 1, dataOffset: BLOCK }]),
      /'\.\.' path segment/,
    );
  });
});
