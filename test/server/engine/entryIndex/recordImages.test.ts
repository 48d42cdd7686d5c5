/**
 * Images of browsed records: a WebDataset sample's image member is located by its bytes in the
 * shard; an image field names a local file inside the pool file's folder (relative paths taken
 * from there) or an http(s) URL (a link, never fetched); anything else is refused with a reason,
 * in place of the image, never an error of the page.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntryRecord } from '../../../../contracts/src/entryRecords';
import { curate, type CurateOptions } from '../../../../server/engine/src/curate';
import { CurationEntryBrowser } from '../../../../server/engine/src/entryIndex/curationEntryRecords';
import { fieldImage, imageMimeOf, memberImage } from '../../../../server/engine/src/entryIndex/recordImages';
import { AtomicFileSink } from '../../../../server/engine/src/pool/sink';
import { TarWriter } from '../../../../server/engine/src/pool/tar';
import { tempDir } from '../../../support/fixtures';

describe("record images: where a browsed record's image is", () => {
  describe('fieldImage (the value of an image field)', () => {
    const pool = '/data/pool/part-0.jsonl';

    it("takes a relative path from the pool file's folder", () => {
      assert.deepEqual(fieldImage('img/a.png', pool), {
        kind: 'file',
        path: '/data/pool/img/a.png',
        root: '/data/pool',
        mime: 'image/png',
      });
      assert.deepEqual(fieldImage('/data/pool/b.JPG', pool), {
        kind: 'file',
        path: '/data/pool/b.JPG',
        root: '/data/pool',
        mime: 'image/jpeg',
      });
    });

    it("refuses a path outside the pool file's folder, and says so", () => {
      for (const value of ['../secret.png', '/etc/x.png', 'img/../../x.png', '/data/poolx/a.png']) {
        const image = fieldImage(value, pool);
        assert.equal(image?.kind, 'refused', value);
        assert.match(
          image.kind === 'refused' ? image.reason : '',
          /outside the pool file's folder \/data\/pool/,
        );
      }
    });

    it('refuses names that are not PNG, JPEG, WebP or GIF files (SVG included) and other schemes', () => {
      for (const [value, reason] of [
        ['a.svg', /not a \.png/],
        ['a', /not a \.png/],
        ['file:///data/pool/a.png', /'file:' address/],
        ['javascript:alert(1)', /'javascript:' address/],
        ['data:image/png;base64,AAAA', /'data:' address/],
        ['a\0.png', /NUL/],
      ] as const) {
        const image = fieldImage(value, pool);
        assert.equal(image?.kind, 'refused', value);
        assert.match(image.kind === 'refused' ? image.reason : '', reason, value);
      }
    });

    it('shows an http(s) URL as a URL (normalised), and an empty value as no image', () => {
      assert.deepEqual(fieldImage(' https://example.com/a b.jpg ', pool), {
        kind: 'url',
        url: 'https://example.com/a%20b.jpg',
      });
      assert.deepEqual(fieldImage('HTTP://example.com/x', pool), {
        kind: 'url',
        url: 'http://example.com/x',
      });
      assert.equal(fieldImage('   ', pool), undefined);
    });
  });

  it('knows the image extensions, whatever their case, and nothing else', () => {
    assert.equal(imageMimeOf('PNG'), 'image/png');
    assert.equal(imageMimeOf('jpeg'), 'image/jpeg');
    assert.equal(imageMimeOf('webp'), 'image/webp');
    assert.equal(imageMimeOf('svg'), undefined);
    assert.equal(imageMimeOf('toString'), undefined);
  });

  it("memberImage: a sample's first image member, none when it has no image", () => {
    const member = (name: string, dataOffset: number) => ({ name, size: 10, dataOffset, data: undefined });
    assert.deepEqual(
      memberImage('/s.tar', [member('k.txt', 512), member('k.webp', 1536), member('k.png', 2560)]),
      {
        kind: 'member',
        file: '/s.tar',
        member: 'k.webp',
        offset: 1536,
        size: 10,
        mime: 'image/webp',
      },
    );
    assert.equal(memberImage('/s.tar', [member('k.txt', 512), member('k.json', 1536)]), undefined);
  });

  describe("in a curation's pages", function () {
    this.timeout(120000);
    const dir = tempDir('metacurate-record-images-');
    const metadataPath = join(dir.path, 'metadata.json');
    const options = (inputs: string[], out: string, textFields: string[]): CurateOptions => ({
      metadataPath,
      inputs,
      textFields,
      t: 2,
      seed: 1,
      outDir: join(dir.path, out),
      cache: false,
      workers: 1,
      entryIndex: true,
    });
    before(() => {
      writeFileSync(metadataPath, JSON.stringify(['dog', 'cat']));
      mkdirSync(join(dir.path, 'pool', 'img'), { recursive: true });
    });
    after(() => dir.remove());

    async function page(folder: string, imageField?: string): Promise<EntryRecord[]> {
      const browser = await CurationEntryBrowser.open(folder);
      try {
        return (await browser.page({ entryId: 0, filter: 'all', offset: 0, limit: 100, imageField })).records;
      } finally {
        await browser.close();
      }
    }

    it("locates a WebDataset sample's image member: its bytes in the shard", async () => {
      const shard = join(dir.path, 'pool', 'shard-0.tar');
      const sink = await AtomicFileSink.open(shard);
      const tar = new TarWriter(sink);
      for (let i = 0; i < 6; i++) {
        await tar.addFile(`s${i}.txt`, Buffer.from(`a dog number ${i}`));
        if (i !== 3) await tar.addFile(`s${i}.png`, Buffer.from(`png bytes of sample ${i}`));
      }
      await tar.finish();
      await sink.commit();
      await curate(options([shard], 'wds', []));
      const records = await page(join(dir.path, 'wds'));
      assert.equal(records.length, 6);
      const bytes = readFileSync(shard);
      for (const r of records) {
        if (r.key === 's3') {
          assert.equal(r.image, undefined, 'a sample without an image member has none');
          continue;
        }
        assert.equal(r.image?.kind, 'member');
        if (r.image.kind !== 'member') continue;
        assert.equal(r.image.member, `${r.key}.png`);
        assert.equal(r.image.mime, 'image/png');
        assert.equal(
          bytes.toString('utf8', r.image.offset, r.image.offset + r.image.size),
          `png bytes of sample ${r.key.slice(1)}`,
        );
      }
    });

    it('reads an image field of JSONL records: files in the folder, URLs, refusals, and none where absent', async () => {
      const pool = join(dir.path, 'pool', 'records.jsonl');
      const rows = [
        { text: 'a dog', image: 'img/0.jpg' },
        { text: 'the dog', image: 'https://example.com/1.png' },
        { text: 'dog two', image: '../../outside.png' },
        { text: 'dog three' },
        { text: 'dog four', image: 7 },
      ];
      writeFileSync(pool, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      await curate(options([pool], 'jsonl', ['text']));
      const folder = join(dir.path, 'jsonl');
      const records = await page(folder, 'image');
      assert.deepEqual(
        records.map((r) => r.image),
        [
          {
            kind: 'file',
            path: join(dir.path, 'pool', 'img', '0.jpg'),
            root: join(dir.path, 'pool'),
            mime: 'image/jpeg',
          },
          { kind: 'url', url: 'https://example.com/1.png' },
          {
            kind: 'refused',
            value: '../../outside.png',
            reason: `is outside the pool file's folder ${join(dir.path, 'pool')}; only images inside it are opened`,
          },
          undefined,
          undefined,
        ],
      );
      assert.deepEqual(
        records.map((r) => r.text),
        rows.map((r) => r.text),
        'the texts are still the captions',
      );
      assert.ok(
        (await page(folder)).every((r) => r.image === undefined),
        'no image field: no images',
      );
      assert.ok(
        (await page(folder, '')).every((r) => r.image === undefined),
        "'' is no image field",
      );
    });

    it('reads an image field of CSV rows', async () => {
      const pool = join(dir.path, 'pool', 'rows.csv');
      writeFileSync(pool, 'text,path\n"a dog, sitting",img/a.webp\nthe dog,\n');
      await curate(options([pool], 'csv', ['text']));
      const records = await page(join(dir.path, 'csv'), 'path');
      assert.deepEqual(
        records.map((r) => r.image),
        [
          {
            kind: 'file',
            path: join(dir.path, 'pool', 'img', 'a.webp'),
            root: join(dir.path, 'pool'),
            mime: 'image/webp',
          },
          undefined,
        ],
      );
    });
  });
});
