/**
 * The entry browser's images as the host reads them: only PNG, JPEG, WebP and GIF bytes become a
 * data: URI, and only when they are the type named; every hostile input (a lying or truncated
 * member, an oversized image, a FIFO, a device, a folder, a link out of the pool's folder) is a
 * message for that image, never a throw or a hang; a page's images stop at the page's cap.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShownImage } from '../../../../contracts/src/entryBrowserMessages';
import type { RecordImage } from '../../../../contracts/src/entryRecords';
import {
  imageFromBytes,
  readPageImages,
  readRecordImage,
  sniffImageMime,
} from '../../../../server/engine/src/entryIndex/recordImageBytes';
import { tempDir } from '../../../support/fixtures';

const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]);
const WEBP = Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1');
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

const message = (shown: ShownImage | undefined) =>
  shown?.kind === 'error' ? shown.message : `not an error: ${shown?.kind}`;

describe('record images read by the host', () => {
  it('sniffs PNG, JPEG, WebP and GIF by their magic bytes, and nothing else (SVG, text, too short)', () => {
    assert.equal(sniffImageMime(PNG), 'image/png');
    assert.equal(sniffImageMime(JPEG), 'image/jpeg');
    assert.equal(sniffImageMime(WEBP), 'image/webp');
    assert.equal(sniffImageMime(GIF), 'image/gif');
    assert.equal(sniffImageMime(SVG), undefined);
    assert.equal(sniffImageMime(Buffer.from('RIFF\x10\x00\x00\x00WAVE', 'latin1')), undefined);
    assert.equal(sniffImageMime(PNG.subarray(0, 7)), undefined);
    assert.equal(sniffImageMime(Buffer.alloc(0)), undefined);
  });

  it('makes a data: URI of bytes that are the type named, and refuses the others, saying what they hold', () => {
    assert.deepEqual(imageFromBytes(PNG, 'image/png', 'a.png'), {
      kind: 'data',
      uri: `data:image/png;base64,${PNG.toString('base64')}`,
    });
    assert.equal(
      message(imageFromBytes(PNG, 'image/jpeg', 'a.jpg')),
      'a.jpg should be a JPEG image but holds a PNG image',
    );
    assert.equal(
      message(imageFromBytes(SVG, 'image/png', 'x.png')),
      'x.png should be a PNG image but holds no PNG, JPEG, WebP or GIF image',
    );
    assert.equal(
      message(imageFromBytes(Buffer.alloc(0), 'image/gif', 'e.gif')),
      'e.gif should be a GIF image but holds no bytes',
    );
  });

  describe('from files', function () {
    const dir = tempDir('metacurate-record-image-files-');
    const pool = join(dir.path, 'pool');
    const shard = join(pool, 'shard.tar');
    // A "shard": 100 bytes of padding, then the PNG at offset 100, then an SVG.
    const shardBytes = Buffer.concat([Buffer.alloc(100), PNG, SVG]);
    const member = (offset: number, size: number): RecordImage => ({
      kind: 'member',
      file: shard,
      member: 'k.png',
      offset,
      size,
      mime: 'image/png',
    });
    const file = (name: string): RecordImage => ({
      kind: 'file',
      path: join(pool, name),
      root: pool,
      mime: 'image/png',
    });
    before(() => {
      mkdirSync(join(pool, 'folder.png'), { recursive: true });
      writeFileSync(shard, shardBytes);
      writeFileSync(join(pool, 'a.png'), PNG);
      writeFileSync(join(dir.path, 'outside.png'), PNG);
      symlinkSync(join(dir.path, 'outside.png'), join(pool, 'link.png'));
      execFileSync('mkfifo', [join(pool, 'fifo.png')]);
    });
    after(() => dir.remove());

    it('reads a member at its place in the shard', async () => {
      assert.deepEqual(await readRecordImage(member(100, PNG.length)), imageFromBytes(PNG, 'image/png', ''));
    });

    it('refuses a member whose size runs past the shard (truncated, or a lying size), one over the cap, one that is not its type', async () => {
      assert.match(
        message(await readRecordImage(member(100, 10_000))),
        /member k\.png runs past the end of .*shard\.tar \(10000 bytes at 100, the file has \d+\)/,
      );
      assert.match(
        message(await readRecordImage(member(0, 3 * 1024 * 1024))),
        /member k\.png has 3\.0 MB; images over 2\.0 MB are not shown/,
      );
      assert.match(
        message(await readRecordImage(member(100, PNG.length), 8)),
        /images over 0\.0 MB are not shown/,
      );
      assert.equal(
        message(await readRecordImage(member(100 + PNG.length, SVG.length))),
        'member k.png should be a PNG image but holds no PNG, JPEG, WebP or GIF image',
      );
    });

    it('reads a file inside the pool folder', async () => {
      assert.equal((await readRecordImage(file('a.png')))?.kind, 'data');
    });

    it('refuses a FIFO (without waiting for a writer), a device, a folder, a link out of the folder, a missing file', async () => {
      assert.match(
        message(await readRecordImage(file('fifo.png'))),
        /fifo\.png is a FIFO, not an image file/,
      );
      assert.match(
        message(await readRecordImage({ kind: 'file', path: '/dev/zero', root: '/dev', mime: 'image/png' })),
        /\/dev\/zero is a device, not an image file/,
      );
      assert.match(message(await readRecordImage(file('folder.png'))), /folder\.png is a folder/);
      assert.match(
        message(await readRecordImage(file('link.png'))),
        /link\.png leads to .*outside\.png, outside the pool file's folder/,
      );
      assert.match(message(await readRecordImage(file('missing.png'))), /cannot read the image: .*ENOENT/);
    });

    it('reads nothing for URLs and refused values (the webview shows those from the record)', async () => {
      assert.equal(await readRecordImage({ kind: 'url', url: 'https://example.com/a.png' }), undefined);
      assert.equal(await readRecordImage({ kind: 'refused', value: 'x', reason: 'r' }), undefined);
    });

    it("hands each of a page's images over, and stops loading them past the page's cap", async () => {
      const shown = new Map<number, ShownImage>();
      const images = [member(100, PNG.length), undefined, member(100, PNG.length), member(100, PNG.length)];
      await readPageImages(
        images,
        (i, image) => shown.set(i, image),
        () => false,
        { image: 1024, page: 2 * PNG.length },
      );
      assert.deepEqual([...shown.keys()].sort(), [0, 2, 3]);
      assert.equal(shown.get(0)?.kind, 'data');
      assert.equal(shown.get(2)?.kind, 'data');
      assert.match(message(shown.get(3)), /not loaded: this page's images passed/);
      const none = new Map<number, ShownImage>();
      await readPageImages(
        images,
        (i, image) => none.set(i, image),
        () => true,
      );
      assert.equal(none.size, 0, 'a cancelled page reads nothing');
    });
  });
});
