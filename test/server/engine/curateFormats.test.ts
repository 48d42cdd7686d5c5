/**
 * A curation writes kept records in each input's own format: JSONL, gzipped JSONL, CSV, TSV,
 * plain text, Parquet (same schema) and WebDataset shards (every member of a kept sample, plus
 * sizes.json as OpenCLIP reads it).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { curate } from '../../../server/engine/src/curate';
import { readPool } from '../../../server/engine/src/pool/read';
import { AtomicFileSink } from '../../../server/engine/src/pool/sink';
import { TarWriter } from '../../../server/engine/src/pool/tar';
import type { PoolFormat, PoolRecord } from '../../../server/engine/src/pool/types';
import { generateCaptions, smallMetadata, tempDir } from '../../support/fixtures';

async function records(file: string, format: PoolFormat, textFields: string[]): Promise<PoolRecord[]> {
  const out: PoolRecord[] = [];
  for await (const item of readPool(file, format, { textFields, onError: 'fail' }))
    if (item.kind === 'record') out.push(item);
  return out;
}

describe('curate writes each input format back in its own format', function () {
  this.timeout(60000);
  const dir = tempDir();
  const metadata = join(dir.path, 'metadata.json');
  const captions = generateCaptions(400, 21);
  const pool = join(dir.path, 'pool');
  const out = join(dir.path, 'out');
  const files = {
    jsonl: join(pool, 'a.jsonl'),
    gz: join(pool, 'b.jsonl.gz'),
    csv: join(pool, 'c.csv'),
    tsv: join(pool, 'd.tsv'),
    text: join(pool, 'e.txt'),
    parquet: join(pool, 'f.parquet'),
    tar: join(pool, 'shards', 'g-000.tar'),
  };

  before(async () => {
    mkdirSync(join(pool, 'shards'), { recursive: true });
    writeFileSync(metadata, JSON.stringify(smallMetadata()));
    const jsonl = captions.map((c, i) => JSON.stringify({ caption: c, id: i })).join('\n') + '\n';
    writeFileSync(files.jsonl, jsonl);
    writeFileSync(files.gz, gzipSync(jsonl));
    writeFileSync(
      files.csv,
      'id,caption\n' + captions.map((c, i) => `${i},"${c.replace(/"/g, '""')}"`).join('\n') + '\n',
    );
    writeFileSync(files.tsv, 'id\tcaption\n' + captions.map((c, i) => `${i}\t${c}`).join('\n') + '\n');
    writeFileSync(files.text, captions.join('\n') + '\n');
    writeFileSync(
      files.parquet,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'caption', data: captions, type: 'STRING' },
            { name: 'score', data: captions.map((_, i) => i / 7), type: 'DOUBLE' },
          ],
          rowGroupSize: 128,
        }),
      ),
    );
    const sink = await AtomicFileSink.open(files.tar);
    const tar = new TarWriter(sink);
    for (let i = 0; i < captions.length; i++) {
      const key = String(i).padStart(5, '0');
      await tar.addFile(`${key}.jpg`, Buffer.from(`image bytes ${i}`));
      await tar.addFile(`${key}.json`, Buffer.from(JSON.stringify({ caption: captions[i] })));
    }
    await tar.finish();
    await sink.commit();
    await curate({
      metadataPath: metadata,
      inputs: Object.values(files),
      textFields: ['caption'],
      t: 20,
      seed: 5,
      outDir: out,
      workers: 2,
      cache: false,
    });
  });
  after(() => dir.remove());

  const summary = () => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const keptIndexes = (name: string) =>
    readFileSync(join(out, 'data', `${name}.entries.jsonl`), 'utf8')
      .trimEnd()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).key as string);

  it('keeps some but not all records of every file', () => {
    const s = summary();
    assert.equal(s.pool.records, 7 * captions.length);
    for (const o of s.outputs)
      assert.ok(o.kept > 0 && o.kept < o.records, `${o.output}: ${o.kept}/${o.records}`);
  });

  it('JSONL and gzipped JSONL: the kept lines, unchanged', async () => {
    const kept = readFileSync(join(out, 'data', 'a.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    const keys = keptIndexes('a.jsonl').map((k) => Number(k.split(':')[1]));
    assert.deepEqual(
      kept,
      keys.map((i) => JSON.stringify({ caption: captions[i], id: i })),
    );
    const gz = gunzipSync(readFileSync(join(out, 'data', 'b.jsonl.gz')))
      .toString()
      .trimEnd()
      .split('\n');
    assert.equal(gz.length, keptIndexes('b.jsonl.gz').length);
  });

  it('CSV and TSV: the header, then the kept rows', () => {
    const csv = readFileSync(join(out, 'data', 'c.csv'), 'utf8').split('\n');
    assert.equal(csv[0], 'id,caption');
    assert.equal(csv.length - 2, keptIndexes('c.csv').length);
    const tsv = readFileSync(join(out, 'data', 'd.tsv'), 'utf8').split('\n');
    assert.equal(tsv[0], 'id\tcaption');
  });

  it('plain text: the kept lines', () => {
    const kept = readFileSync(join(out, 'data', 'e.txt'), 'utf8')
      .trimEnd()
      .split('\n');
    // In a pool of several files a line's key names its file: `e.txt:<line index>`.
    const keys = keptIndexes('e.txt');
    assert.ok(keys.every((k) => k.startsWith('e.txt:')));
    assert.deepEqual(
      kept,
      keys.map((k) => captions[Number(k.split(':')[1])]),
    );
  });

  it('Parquet: same columns and values for the kept rows', async () => {
    const rows = await records(join(out, 'data', 'f.parquet'), 'parquet', ['caption']);
    const keys = keptIndexes('f.parquet').map((k) => Number(k.split(':')[1]));
    assert.deepEqual(
      rows.map((r) => r.texts[0]),
      keys.map((i) => captions[i]),
    );
    const row = rows[0].payload.type === 'row' ? rows[0].payload.row : {};
    assert.equal(row.score, keys[0] / 7);
  });

  it('WebDataset: shards with every member of the kept samples, and sizes.json', async () => {
    const samples = await records(join(out, 'data', 'shards', 'g-000.tar'), 'webdataset', ['caption']);
    const keys = keptIndexes('shards/g-000.tar');
    assert.deepEqual(
      samples.map((s) => s.key),
      keys,
    );
    for (const s of samples) {
      assert.equal(s.payload.type, 'sample');
      if (s.payload.type === 'sample') {
        assert.deepEqual(
          s.payload.members.map((m) => m.name.split('.').pop()),
          ['jpg', 'json'],
        );
        assert.equal(s.payload.members[0].data?.toString(), `image bytes ${Number(s.key)}`);
      }
    }
    const sizes = JSON.parse(readFileSync(join(out, 'data', 'shards', 'sizes.json'), 'utf8'));
    assert.deepEqual(sizes, { 'g-000.tar': samples.length });
  });
});

describe('curate copies kept JSONL and text lines byte for byte', function () {
  this.timeout(60000);
  const dir = tempDir();
  const out = join(dir.path, 'out');
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
  // 'rare' is a tail entry (4 texts, t = 20): the first and the last line of each file are always
  // kept; 'dog' (80 texts) is kept with p = 1/4.
  // Line ends mix LF and CRLF, one line is not valid UTF-8, and the last line has no newline.
  const lines = (caption: (i: number) => string, invalid: Buffer): Buffer[] => [
    Buffer.concat([BOM, Buffer.from(`${caption(0).replace('#', 'a rare first')}\r\n`)]),
    ...Array.from({ length: 60 }, (_, i) =>
      Buffer.from(`${caption(i + 1).replace('#', i % 3 ? 'a dog' : 'nothing')}${i % 2 ? '\r\n' : '\n'}`),
    ),
    invalid,
    Buffer.from(caption(62).replace('#', 'the rare last')),
  ];
  const jsonlLines = lines(
    (i) => `{"text": "#", "n": ${i}}`,
    Buffer.concat([Buffer.from('{"text": "a dog '), Buffer.from([0xc3]), Buffer.from('"}\r\n')]),
  );
  const textLines = lines(
    () => '#',
    Buffer.concat([Buffer.from('a dog '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\n')]),
  );
  let summary: { pool: { skipped: Record<string, number> }; outputs: { output: string; kept: number }[] };

  before(async () => {
    mkdirSync(join(dir.path, 'pool'), { recursive: true });
    writeFileSync(join(dir.path, 'metadata.json'), JSON.stringify(['dog', 'rare']));
    writeFileSync(join(dir.path, 'pool', 'x.jsonl'), Buffer.concat(jsonlLines));
    writeFileSync(join(dir.path, 'pool', 'y.txt'), Buffer.concat(textLines));
    await curate({
      metadataPath: join(dir.path, 'metadata.json'),
      inputs: [join(dir.path, 'pool', 'x.jsonl'), join(dir.path, 'pool', 'y.txt')],
      textFields: ['text'],
      t: 20,
      seed: 1,
      outDir: out,
      workers: 2,
      onError: 'skip',
      cache: false,
      // Slices of about 300 bytes: the output is assembled from many of them.
      sliceBytes: 300,
    });
    summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  });
  after(() => dir.remove());

  /** The input lines of the kept keys (`<file>:<line index>`), concatenated. */
  const keptLines = (name: string, input: Buffer[]): Buffer => {
    const keys = readFileSync(join(out, 'data', `${name}.entries.jsonl`), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => Number((JSON.parse(l).key as string).split(':')[1]));
    assert.ok(keys.length > 2 && keys.length < input.length - 1, `${keys.length} kept`);
    assert.equal(keys[0], 0);
    assert.equal(keys[keys.length - 1], input.length - 1);
    return Buffer.concat(keys.map((k) => input[k]));
  };

  it('skips the lines that are not valid UTF-8 and reports them by reason', () => {
    assert.deepEqual(summary.pool.skipped, { 'invalid-utf8': 2 });
  });

  it('JSONL: the output is the kept input lines, BOM, CRLF and the unterminated last line included', () => {
    const written = readFileSync(join(out, 'data', 'x.jsonl'));
    assert.ok(written.equals(keptLines('x.jsonl', jsonlLines)));
    assert.ok(written.subarray(0, 3).equals(BOM));
    assert.notEqual(written[written.length - 1], 10);
  });

  it('plain text: the same', () => {
    const written = readFileSync(join(out, 'data', 'y.txt'));
    assert.ok(written.equals(keptLines('y.txt', textLines)));
  });
});
