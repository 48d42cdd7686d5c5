/**
 * "Preview matches" for samples that are not text: the first N records of a Parquet file or a
 * WebDataset tar as a read-only virtual document, highlighted and hoverable like a JSONL sample.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { HoverRequest, SemanticTokensRequest, type MarkupContent } from 'vscode-languageserver-protocol';
import { AtomicFileSink } from '../../../server/engine/src/pool/sink';
import { tarHeader, TarWriter } from '../../../server/engine/src/pool/tar';
import { PREVIEW_SCHEME, PreviewContentRequest, PreviewMatchesRequest } from '../../../contracts/src/lsp';
import { renderPreview } from '../../../server/src/lsp/preview';
import { assertInputError } from '../engine/pool/helpers';
import { END, member, padded, paxHeader, paxRecord } from '../engine/pool/tarFixtures';
import { tempDir } from '../../support/fixtures';
import { fileUri, startClient, type TestClient } from './client';
import { positionOf, tokenTexts, writeTree } from './fixtures';

const TAIL = 2;

describe('lsp protocol: previews of Parquet and WebDataset samples', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-preview-');
  let client: TestClient;

  before(async () => {
    writeTree(dir.path, { 'metadata.json': '["dog", "red car", "東京"]' });
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'url', data: ['u0', 'u1', 'u2', 'u3'], type: 'STRING' },
        {
          name: 'TEXT',
          data: ['a "dog" and a dog', 'a red car\tin 東京', null, 'nothing'],
          type: 'STRING',
        },
      ],
    });
    writeFileSync(join(dir.path, 'pool.parquet'), Buffer.from(parquet));
    const sink = await AtomicFileSink.open(join(dir.path, 'shard-000.tar'));
    const tar = new TarWriter(sink);
    for (const [name, data] of [
      ['s/000.jpg', 'jpeg'],
      ['s/000.txt', 'a red car by the dog'],
      ['s/001.jpg', 'jpeg'],
      ['s/001.json', '{"caption": "dog days"}'],
      ['s/002.txt', 'no match'],
    ])
      await tar.addFile(name, Buffer.from(data));
    await tar.finish();
    await sink.commit();
    client = await startClient({ root: dir.path });
    await client.waitFor('the index', () => client.statuses.some((s) => !s.busy && s.entries === 3));
  });

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  async function preview(file: string, limit?: number) {
    const result = await client.connection.sendRequest(PreviewMatchesRequest, {
      uri: fileUri(join(dir.path, file)),
      limit,
    });
    assert.ok(result.previewUri.startsWith(`${PREVIEW_SCHEME}:`));
    await client.open(result.previewUri, 'jsonl', result.content);
    const tokens = await client.connection.sendRequest(SemanticTokensRequest.type, {
      textDocument: { uri: result.previewUri },
    });
    return { ...result, tokens: tokenTexts(result.content, tokens!.data) };
  }

  it('previews the first records of a Parquet file with the same highlights', async () => {
    const p = await preview('pool.parquet', 2);
    assert.deepEqual(
      p.content
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
      [
        { index: 0, key: 'pool.parquet:0', text: 'a "dog" and a dog' },
        { index: 1, key: 'pool.parquet:1', text: 'a red car\tin 東京' },
      ],
    );
    // Exact inside the JSON strings: `\"dog\"` is one token with its quotes (no match), the
    // second dog matches; the tab is the escape `\t`.
    assert.deepEqual(p.tokens, [
      ['dog', TAIL],
      ['red car', TAIL],
      ['東京', TAIL],
    ]);
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: p.previewUri },
      position: positionOf(p.content, 'red car', 2),
    });
    assert.match((hover!.contents as MarkupContent).value, /`red car` · id 1/);
    const again = await client.connection.sendRequest(PreviewContentRequest, { uri: p.previewUri });
    assert.equal(again.content, p.content);
  });

  it('previews a WebDataset shard: the .txt member, or the caption of the .json member', async () => {
    const p = await preview('shard-000.tar');
    assert.deepEqual(
      p.content
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).text),
      ['a red car by the dog', 'dog days', 'no match'],
    );
    assert.deepEqual(p.tokens, [
      ['red car', TAIL],
      ['dog', TAIL],
      ['dog', TAIL],
    ]);
  });

  it('uses the previewRecords setting by default', async () => {
    const p = await preview('pool.parquet');
    // 4 rows, one without a caption: 3 records (the default limit is 50).
    assert.equal(p.content.trimEnd().split('\n').length, 3);
  });
});

describe('renderPreview of a hostile shard: an error, never a crash', () => {
  const dir = tempDir('metacurate-preview-hostile-');
  after(() => dir.remove());
  const lyingSize = Buffer.concat([
    paxHeader(paxRecord('size', 'NaN')),
    tarHeader('s/001.txt', 5),
    padded('hello'),
  ]);
  const write = (name: string, parts: Buffer[]) => {
    const path = join(dir.path, name);
    writeFileSync(path, Buffer.concat([...parts, END]));
    return path;
  };

  it('a shard with nothing to show rejects with the first problem, naming member and offset', async () => {
    const lying = write('lying.tar', [member('s/001.jpg', 'jpeg'), lyingSize]);
    await assertInputError(
      renderPreview(lying, 10, ''),
      'bad-tar',
      `${lying}:member s/001.txt, byte 2048`,
      "pax size 'NaN' is not a decimal number of bytes",
    );
    const unsafe = write('unsafe.tar', [member('../../x.txt', 'a dog')]);
    await assertInputError(
      renderPreview(unsafe, 10, ''),
      'unsafe-name',
      `${unsafe}:record 0, member ../../x.txt`,
    );
  });

  it('the samples before the damage are shown', async () => {
    const path = write('partly.tar', [
      member('s/000.txt', 'a dog'),
      member('../../x.txt', 'a cat'),
      member('s/001.jpg', 'jpeg'),
      lyingSize,
    ]);
    const preview = await renderPreview(path, 10, '');
    assert.deepEqual(
      preview.content
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).key),
      ['s/000'],
    );
    assert.equal(preview.skipped, 2);
  });
});
