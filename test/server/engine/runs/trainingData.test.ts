/**
 * Which curations the trainers can train on: WebDataset shards whose samples have an image member
 * beside the .txt caption, or CSV/TSV files with the 'filepath' and 'title' columns. Anything
 * else (JSONL, text, shards of captions only, a CSV without image paths) is text only, refused
 * with a reason naming the file and what it holds.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  outputKindProblem,
  TEXT_ONLY,
  trainingDataProblem,
} from '../../../../server/engine/src/runs/trainingData';
import { tempDir } from '../../../support/fixtures';
import { END, member } from '../pool/tarFixtures';

describe('training data of a curation', () => {
  const dir = tempDir('metacurate-trainingdata-');
  after(() => dir.remove());
  mkdirSync(dir.path, { recursive: true });
  const file = (name: string, data: string | Buffer) => {
    const path = join(dir.path, name);
    writeFileSync(path, data);
    return path;
  };
  const shard = (name: string, members: [string, string][]) =>
    file(name, Buffer.concat([...members.map(([n, d]) => member(n, d)), END]));

  it('accepts shards whose samples pair an image with a caption', async () => {
    const images = shard('images.tar', [
      ['0001.txt', 'a dog'],
      ['0001.jpg', 'JPEG'],
      ['0002.txt', 'a cat'],
      ['0002.png', 'PNG'],
    ]);
    assert.equal(await trainingDataProblem([images]), undefined);
  });

  it('passes over empty shards to the first one with samples', async () => {
    const empty = shard('empty.tar', []);
    const images = shard('later.tar', [
      ['k.txt', 'a dog'],
      ['k.webp', 'WEBP'],
    ]);
    assert.equal(await trainingDataProblem([empty, images]), undefined);
    const problem = await trainingDataProblem([empty]);
    assert.equal(problem?.label, 'empty');
  });

  it('refuses shards of captions only, naming the shard and a sample', async () => {
    const text = shard('captions.tar', [
      ['0001.txt', 'a dog'],
      ['0001.json', '{}'],
    ]);
    const problem = await trainingDataProblem([text]);
    assert.equal(problem?.label, TEXT_ONLY);
    assert.match(
      problem!.detail,
      /captions\.tar have no image member beside a \.txt caption \(sample '0001' has \.txt, \.json;/,
    );
  });

  it('refuses JSONL, text and Parquet outputs by their names', async () => {
    const problem = outputKindProblem(['/c/pool.jsonl', '/c/more.txt'], ['pool.jsonl', 'more.txt']);
    assert.equal(problem?.label, TEXT_ONLY);
    assert.match(
      problem!.detail,
      /its outputs \(pool\.jsonl, more\.txt\) are \.jsonl, \.txt files, without images/,
    );
    assert.equal((await trainingDataProblem(['/c/pool.parquet']))?.label, TEXT_ONLY);
    assert.match(
      (await trainingDataProblem(['/c/data/pool.jsonl'], '/c'))!.detail,
      /^its outputs \(data\/pool\.jsonl\) are \.jsonl files/,
    );
    assert.equal(outputKindProblem(['/c/a.tar', '/c/b.csv'])?.label, 'mixed outputs');
    assert.equal(outputKindProblem([])?.label, 'no outputs');
  });

  it('reads a CSV header for the image path and caption columns', async () => {
    assert.equal(await trainingDataProblem([file('ok.csv', 'filepath,title\nimg/a.jpg,a dog\n')]), undefined);
    const textOnly = await trainingDataProblem([file('text.csv', 'id,caption\n1,a dog\n')]);
    assert.equal(textOnly?.label, TEXT_ONLY);
    assert.match(
      textOnly!.detail,
      /text\.csv has no 'filepath' column of image paths \(columns: 'id', 'caption'\)/,
    );
    const noTitle = await trainingDataProblem([file('notitle.tsv', 'filepath\tcaption\na.jpg\ta dog\n')]);
    assert.equal(noTitle?.label, "no 'title' column");
  });
});
