/** WebDataset shards: samples from consecutive members, captions from .txt or .json, shard writing. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitSampleName } from '../../../../server/src/engine/pool/read';
import { AtomicFileSink } from '../../../../server/src/engine/pool/sink';
import { TarWriter } from '../../../../server/src/engine/pool/tar';
import { readSizesJson, writeSizesJson } from '../../../../server/src/engine/pool/write';
import { assertInputError, readAll, readRecords, skipped, summary, useTempDir, writeAll } from './helpers';

async function shard(path: string, members: [string, string][]): Promise<string> {
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
      first.payload.members.map((m) => [m.name, m.data.toString()]),
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
    assert.deepEqual(
      back.map((r) => r.payload),
      kept.map((r) => r.payload),
    );
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
