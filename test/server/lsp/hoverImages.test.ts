/**
 * Thumbnails in an entry's hover: up to three of the curation's records' images, kept ones first,
 * each read with the entry browser's checks (a URL, a refused value, bytes that are not the type
 * named or an image over the hover cap are skipped), as sized markdown images with `data:` URIs;
 * a hover that cannot have them in time shows none.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntryRecord, EntryRecordsResult, RecordImage } from '../../../contracts/src/entryRecords';
import { HoverRequest, type MarkupContent } from 'vscode-languageserver-protocol';
import type { StatusParams } from '../../../contracts/src/lsp';
import { curate } from '../../../server/engine/src/curate';
import type { EntryPage } from '../../../server/engine/src/entryIndex/curationEntryRecords';
import { describeEntry, type EntryFacts } from '../../../server/src/lsp/entryText';
import {
  hoverThumbnails,
  thumbnailsMarkdown,
  withinBudget,
  type HoverThumbnail,
} from '../../../server/src/lsp/hoverImages';
import { tempDir } from '../../support/fixtures';
import { fileUri, startClient } from './client';
import { positionOf } from './fixtures';

const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);
const PNG_URI = `data:image/png;base64,${PNG.toString('base64')}`;
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

const record = (key: string, image: RecordImage | undefined, kept: boolean): EntryRecord => ({
  key,
  file: '/pool/pool.jsonl',
  recordIndex: 0,
  text: 'a dog',
  spans: [[2, 5]],
  kept,
  probability: 0.5,
  otherEntries: [],
  ...(image ? { image } : {}),
});

/** A curation's pages: `kept` and `dropped` records, and the queries asked. */
function fakePages(kept: EntryRecord[], dropped: EntryRecord[]) {
  const asked: EntryPage[] = [];
  const page = (q: EntryPage): Promise<EntryRecordsResult> => {
    asked.push(q);
    const records = (q.filter === 'kept' ? kept : dropped).slice(q.offset, q.offset + q.limit);
    const result: EntryRecordsResult = {
      entry: 'dog',
      entryId: q.entryId,
      total: records.length,
      totalAll: kept.length + dropped.length,
      kept: kept.length,
      dropped: dropped.length,
      records,
    };
    return Promise.resolve(result);
  };
  return { page, asked };
}

const facts = (over: Partial<EntryFacts>): EntryFacts => ({
  entry: 'dog',
  id: 0,
  heading: true,
  sampleCount: 10,
  records: 100,
  sampleFiles: ['pool.jsonl'],
  curation: { count: 40, folder: 'curated', t: 20 },
  t: 20,
  count: 40,
  p: 0.5,
  examples: [],
  ...over,
});

describe('hoverImages', () => {
  const dir = tempDir('metacurate-hover-images-');
  const file = (name: string, bytes: Buffer): RecordImage => {
    writeFileSync(join(dir.path, name), bytes);
    return { kind: 'file', path: join(dir.path, name), root: dir.path, mime: 'image/png' };
  };
  after(() => dir.remove());

  it("reads the kept records' images first, then the dropped ones', three at most", async () => {
    const { page, asked } = fakePages(
      [record('k1', file('k1.png', PNG), true)],
      ['d1', 'd2', 'd3'].map((key) => record(key, file(`${key}.png`, PNG), false)),
    );
    const thumbnails = await hoverThumbnails(page, { entryId: 4, imageField: 'image' });
    assert.deepEqual(
      thumbnails.map((t) => [t.key, t.kept]),
      [
        ['k1', true],
        ['d1', false],
        ['d2', false],
      ],
    );
    assert.equal(thumbnails[0].uri, PNG_URI);
    assert.deepEqual(
      asked.map((q) => [q.filter, q.entryId, q.offset, q.imageField]),
      [
        ['kept', 4, 0, 'image'],
        ['dropped', 4, 0, 'image'],
      ],
    );
  });

  it('does not ask for dropped records once the kept ones gave three images', async () => {
    const { page, asked } = fakePages(
      ['k1', 'k2', 'k3', 'k4'].map((key) => record(key, file(`${key}.png`, PNG), true)),
      [record('d1', file('d1.png', PNG), false)],
    );
    const thumbnails = await hoverThumbnails(page, { entryId: 0, imageField: '' });
    assert.deepEqual(
      thumbnails.map((t) => t.key),
      ['k1', 'k2', 'k3'],
    );
    assert.deepEqual(
      asked.map((q) => q.filter),
      ['kept'],
    );
    assert.equal(asked[0].imageField, undefined, "'' asks for WebDataset members, no field");
  });

  it('skips records without an image, URLs (never fetched), refused values, wrong bytes and images over the cap', async () => {
    const { page } = fakePages(
      [
        record('none', undefined, true),
        record('url', { kind: 'url', url: 'https://example.com/dog.png' }, true),
        record('refused', { kind: 'refused', value: '../x.png', reason: 'outside the folder' }, true),
        record('svg', file('svg.png', SVG), true),
        record('big', file('big.png', Buffer.concat([PNG, Buffer.alloc(64)])), true),
        record('good', file('good.png', PNG), true),
      ],
      [],
    );
    const thumbnails = await hoverThumbnails(page, { entryId: 0, imageField: 'image' }, PNG.length);
    assert.deepEqual(
      thumbnails.map((t) => t.key),
      ['good'],
    );
  });

  it('writes each thumbnail as a 64-pixel markdown image with its data URI, saying kept or dropped', () => {
    const kept: HoverThumbnail = { key: 'k1', kept: true, uri: PNG_URI };
    const dropped: HoverThumbnail = { key: 'shard-0/[x]', kept: false, uri: PNG_URI };
    assert.equal(thumbnailsMarkdown([kept]), `Images (kept): ![kept: k1](${PNG_URI}|width=64,height=64)`);
    assert.equal(
      thumbnailsMarkdown([kept, dropped]),
      `Images (1 kept, 1 dropped): ![kept: k1](${PNG_URI}|width=64,height=64) ![dropped: shard-0/\\[x\\]](${PNG_URI}|width=64,height=64)`,
    );
    assert.equal(thumbnailsMarkdown([]), '');
  });

  it('shows no thumbnails when they are not ready within the budget, or fail', async () => {
    const never = new Promise<HoverThumbnail[]>(() => undefined);
    assert.deepEqual(await withinBudget(never, 0), []);
    assert.deepEqual(await withinBudget(Promise.reject(new Error('index unreadable')), 1000), []);
    const ready = [{ key: 'k1', kept: true, uri: PNG_URI }];
    assert.deepEqual(await withinBudget(Promise.resolve(ready), 1000), ready);
  });

  describe("the entry's hover text", () => {
    it('carries the thumbnails after the curation lines', () => {
      const text = describeEntry(facts({ thumbnails: [{ key: 'k1', kept: true, uri: PNG_URI }] }));
      assert.match(
        text,
        /- Curation: \*\*40\*\*[^\n]*\n[^\n]*\n\nImages \(kept\): !\[kept: k1\]\(data:image\/png;base64,/,
      );
    });

    it('has no images line without thumbnails (no client support, no images, all refused)', () => {
      for (const thumbnails of [undefined, []]) {
        const text = describeEntry(facts({ thumbnails }));
        assert.doesNotMatch(text, /Images|data:/);
      }
    });
  });
});

describe('lsp protocol: thumbnails in the hover of an entry with a curation', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-hover-images-');
  const root = dir.path;
  const LIST = '["dog", "cat"]\n';
  const listUri = fileUri(join(root, 'list.metadata.json'));

  before(async () => {
    writeFileSync(join(root, 'list.metadata.json'), LIST);
    mkdirSync(join(root, 'pool', 'img'), { recursive: true });
    const lines: string[] = [];
    for (let i = 0; i < 6; i++) {
      writeFileSync(join(root, 'pool', 'img', `${i}.png`), PNG);
      lines.push(JSON.stringify({ caption: `a dog number ${i}`, image: `img/${i}.png` }));
    }
    writeFileSync(join(root, 'pool', 'pool.jsonl'), lines.join('\n') + '\n');
    await curate({
      metadataPath: join(root, 'list.metadata.json'),
      inputs: [join(root, 'pool', 'pool.jsonl')],
      textFields: ['caption'],
      t: 2,
      seed: 1,
      outDir: join(root, 'curated'),
      cache: false,
      workers: 1,
      entryIndex: true,
    });
  });
  after(() => dir.remove());

  /**
   * The hovers of "dog" in the list from a server started with `hoverImages`, `tries` of them or
   * until one has images: a hover does not wait past its time budget for images on a busy
   * machine, a later one finds the curation's browser open.
   */
  async function hoversOfDog(hoverImages: boolean | undefined, tries: number): Promise<string[]> {
    const client = await startClient({ root, settings: { imageField: 'image' }, hoverImages });
    try {
      await client.open(listUri, 'json', LIST);
      await client.waitFor('the curation shown', () => {
        const s: StatusParams | undefined = client.statuses[client.statuses.length - 1];
        return !!s && !s.busy && s.entries === 2 && !!s.curation;
      });
      const texts: string[] = [];
      while (texts.length < tries && !texts.some((t) => t.includes('data:'))) {
        const hover = await client.connection.sendRequest(HoverRequest.type, {
          textDocument: { uri: listUri },
          position: positionOf(LIST, '"dog"', 1),
        });
        texts.push(hover ? (hover.contents as MarkupContent).value : '');
      }
      return texts;
    } finally {
      await client.stop();
    }
  }

  it('shows three images of the records the curation kept, for a client that announces hoverImages', async () => {
    const text = (await hoversOfDog(true, 10)).pop() ?? '';
    assert.match(text, /- Curation: \*\*6\*\*/);
    const images =
      text.match(/!\[(kept|dropped): [^\]]+\]\(data:image\/png;base64,[^|)]+\|width=64,height=64\)/g) ?? [];
    assert.equal(images.length, 3, text);
    const fates = images.map((image) => (image.startsWith('![kept') ? 'kept' : 'dropped'));
    assert.deepEqual(
      fates,
      [...fates].sort((a, b) => (a === b ? 0 : a === 'kept' ? -1 : 1)),
      'kept ones first',
    );
  });

  it('shows none to a client that does not announce them (Neovim, Helix, Emacs)', async () => {
    const texts = await hoversOfDog(undefined, 3);
    assert.equal(texts.length, 3);
    for (const text of texts) {
      assert.match(text, /- Curation: \*\*6\*\*/);
      assert.doesNotMatch(text, /Images|data:/);
    }
  });
});
