/**
 * The workspace model over the protocol: two metadata lists with a curation each and a training
 * run on the second's. Each list shows only its own curation's counts and t and its own runs'
 * results; samples exclude the curation folders unless the setting says otherwise.
 */
import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import {
  HoverRequest,
  InlayHintRequest,
  type Hover,
  type MarkupContent,
} from 'vscode-languageserver-protocol';
import { decodeBalanceModel } from '../../../contracts/src/balanceWire';
import {
  BalanceRequest,
  CurationsRequest,
  SetActiveCurationRequest,
  UseAsMetadataRequest,
  ZeroShotResultsNotification,
  type StatusParams,
} from '../../../contracts/src/lsp';
import { tempDir } from '../../support/fixtures';
import { fileUri, startClient, type TestClient } from './client';
import { positionOf, sha256Hex, writeTree } from './fixtures';

const BIG = '["dog", "cat", "bird"]\n';
const MINI = '["dress", "shirt"]\n';
const LONELY = '["boat"]\n';
const POOL = ['a dog', 'a dog and a cat', 'a red dress', 'a dress on a dog']
  .map((caption) => JSON.stringify({ caption }))
  .join('\n');
/** A curation's output: the same captions again (a subset of the pool). */
const OUTPUT = ['a dog', 'a dog and a cat'].map((caption) => JSON.stringify({ caption })).join('\n');

const summary = (metadata: string, t: number) =>
  JSON.stringify({
    t,
    seed: 1,
    kept: 2,
    pool: { records: 4 },
    metadata: { path: 'x', sha256: sha256Hex(metadata) },
  });

function writeWorkspace(root: string): void {
  writeTree(root, {
    'big.metadata.json': BIG,
    'mini.metadata.json': MINI,
    'lonely.metadata.json': LONELY,
    'pool/captions.jsonl': POOL,
    'big-curated/summary.json': summary(BIG, 2000),
    'big-curated/counts.json': JSON.stringify({ dog: 156, cat: 3, bird: 0 }),
    'big-curated/data/captions.jsonl': OUTPUT,
    'big-older/summary.json': summary(BIG, 500),
    'big-older/counts.json': JSON.stringify({ dog: 100, cat: 1, bird: 0 }),
    'mini-curated/summary.json': summary(MINI, 5),
    'mini-curated/counts.json': JSON.stringify({ dress: 40, shirt: 0 }),
    'mini-curated/data/captions.jsonl': OUTPUT,
    '.metacurate/runs/run-mini/run.json': JSON.stringify({
      id: 'run-mini',
      curation: { dir: 'mini-curated' },
    }),
  });
  utimesSync(join(root, 'big-older/summary.json'), 1000, 1000);
  utimesSync(join(root, 'big-curated/summary.json'), 2000, 2000);
}

const hoverText = (h: Hover | null): string => (h ? (h.contents as MarkupContent).value : '');

const lastStatus = (client: TestClient): StatusParams | undefined =>
  client.statuses[client.statuses.length - 1];

async function ready(client: TestClient, entries: number): Promise<StatusParams> {
  return client.waitFor(`an idle status with ${entries} entries`, () => {
    const s = lastStatus(client);
    return !!s && !s.busy && s.entries === entries && s;
  });
}

describe('lsp protocol: each metadata list shows its own curation and runs', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-curations-');
  const root = dir.path;
  const uri = (rel: string) => fileUri(join(root, rel));
  let client: TestClient;

  const hover = async (rel: string, text: string, needle: string) =>
    hoverText(
      await client.connection.sendRequest(HoverRequest.type, {
        textDocument: { uri: uri(rel) },
        position: positionOf(text, needle, 1),
      }),
    );
  const hints = async (rel: string) =>
    (
      await client.connection.sendRequest(InlayHintRequest.type, {
        textDocument: { uri: uri(rel) },
        range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } },
      })
    )?.map((h) => h.label);
  const use = async (rel: string, text: string, entries: number) => {
    await client.open(uri(rel), 'json', text);
    await client.connection.sendRequest(UseAsMetadataRequest, { uri: uri(rel) });
    return ready(client, entries);
  };

  before(async () => {
    writeWorkspace(root);
    client = await startClient({ root });
    await ready(client, 3);
    await client.open(uri('big.metadata.json'), 'json', BIG);
    await ready(client, 3);
    await client.connection.sendNotification(ZeroShotResultsNotification, {
      overlay: { runId: 'run-mini', dataset: 'fashion', perClass: { dress: 0.9, dog: 0.5 } },
    });
  });

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it('counts only the pool as samples, never the curation outputs, and names the file', async () => {
    const status = lastStatus(client)!;
    assert.equal(status.samplesIndexed, 1);
    assert.equal(status.sampleRecords, 4);
    assert.deepEqual(status.sampleFiles, ['pool/captions.jsonl']);
    assert.match(
      await hover('big.metadata.json', BIG, '"dog"'),
      /Sample matches: \*\*3\*\* of 4 records in 1 sample file: `pool\/captions\.jsonl`/,
    );
  });

  it("shows the first list its newest curation's counts and t, and not the other list's run", async () => {
    const text = await hover('big.metadata.json', BIG, '"dog"');
    assert.match(text, /Curation: \*\*156\*\* \(`big-curated`, t = 2,000\)/);
    assert.match(text, /Keep probability at t = 2,000: \*\*1\.00\*\* — \*\*tail\*\*/);
    assert.doesNotMatch(text, /Zero-shot/);
    assert.doesNotMatch(text, /mini-curated|40/);
    assert.deepEqual(await hints('big.metadata.json'), ['156 · p 1.00', '3 · p 1.00', '0 · p 1.00']);
    assert.equal(lastStatus(client)?.curation?.folder, 'big-curated');
  });

  it('lists the curations made with a list, newest first, the active one marked', async () => {
    const result = await client.connection.sendRequest(CurationsRequest, { uri: uri('big.metadata.json') });
    assert.equal(result.metadataSha256, sha256Hex(BIG));
    assert.deepEqual(
      result.curations.map((c) => [c.folder, c.t, c.seed, c.records, c.kept, c.active]),
      [
        ['big-curated', 2000, 1, 4, 2, true],
        ['big-older', 500, 1, 4, 2, false],
      ],
    );
    const mini = await client.connection.sendRequest(CurationsRequest, { uri: uri('mini.metadata.json') });
    assert.deepEqual(
      mini.curations.map((c) => c.folder),
      ['mini-curated'],
    );
  });

  it("gives the balance panel the samples it counts, matched against the active list, with the list's sha256", async () => {
    const result = await client.connection.sendRequest(BalanceRequest, { source: { kind: 'samples' } });
    assert.equal(result.info.label, 'Workspace samples (1 file)');
    assert.equal(result.info.texts, 4);
    assert.equal(result.info.metadataPath, join(root, 'big.metadata.json'));
    assert.equal(result.info.metadataSha256, sha256Hex(BIG));
    assert.deepEqual(result.names, ['dog', 'cat', 'bird']);
    assert.deepEqual(Array.from(decodeBalanceModel(result.model).counts), [3, 1, 0]);
  });

  it('switches to the curation the user chooses: its counts and t', async () => {
    const result = await client.connection.sendRequest(SetActiveCurationRequest, {
      uri: uri('big.metadata.json'),
      curation: uri('big-older'),
    });
    assert.deepEqual(
      result.curations.map((c) => [c.folder, c.active]),
      [
        ['big-curated', false],
        ['big-older', true],
      ],
    );
    const text = await hover('big.metadata.json', BIG, '"dog"');
    assert.match(text, /Curation: \*\*100\*\* \(`big-older`, t = 500\)/);
    assert.match(text, /Keep probability at t = 500: \*\*1\.00\*\*/);
    await client.connection.sendRequest(SetActiveCurationRequest, {
      uri: uri('big.metadata.json'),
      curation: null,
    });
    assert.match(await hover('big.metadata.json', BIG, '"dog"'), /Curation: \*\*156\*\*/);
  });

  it("shows the second list its own curation's counts and t and its run's zero-shot results", async () => {
    const status = await use('mini.metadata.json', MINI, 2);
    assert.equal(status.curation?.folder, 'mini-curated');
    const text = await hover('mini.metadata.json', MINI, '"dress"');
    assert.match(text, /Curation: \*\*40\*\* \(`mini-curated`, t = 5\)/);
    assert.match(text, /Keep probability at t = 5: \*\*0\.13\*\* — \*\*head\*\*/);
    assert.match(text, /Zero-shot top-1 on `fashion` \(run `run-mini`\): \*\*90\.0%\*\*/);
    assert.doesNotMatch(text, /big-curated|156/);
    assert.deepEqual(await hints('mini.metadata.json'), ['40 · p 0.13 · zero-shot 90.0%', '0 · p 1.00']);
  });

  it('says so when no curation was made with a list', async () => {
    const status = await use('lonely.metadata.json', LONELY, 1);
    assert.equal(status.curation, undefined);
    const text = await hover('lonely.metadata.json', LONELY, '"boat"');
    const sha = sha256Hex(LONELY);
    assert.match(
      text,
      new RegExp(`No curation made with this metadata \\(sha256 \`${sha.slice(0, 12)}…\`\\)`),
    );
    assert.match(text, /Keep probability at t = 20,000/);
    assert.doesNotMatch(text, /Curation:|Zero-shot/);
    assert.deepEqual(await hints('lonely.metadata.json'), ['0 · p 1.00']);
  });

  it('learns of a run made after the workspace was read when its results arrive', async () => {
    await use('mini.metadata.json', MINI, 2);
    await client.settled();
    writeTree(root, {
      '.metacurate/runs/run-late/run.json': JSON.stringify({
        id: 'run-late',
        curation: { dir: 'mini-curated' },
      }),
    });
    const refreshes = client.inlayRefreshes;
    await client.connection.sendNotification(ZeroShotResultsNotification, {
      overlay: { runId: 'run-late', dataset: 'fashion', perClass: { shirt: 0.3 } },
    });
    await client.waitFor('an inlay hint refresh', () => client.inlayRefreshes > refreshes);
    assert.deepEqual(await hints('mini.metadata.json'), ['40 · p 0.13', '0 · p 1.00 · zero-shot 30.0%']);
  });
});

describe('lsp protocol: samples.includeCurationOutputs', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-curation-outputs-');
  let client: TestClient;

  before(async () => {
    writeWorkspace(dir.path);
    client = await startClient({ root: dir.path, settings: { includeCurationOutputs: true } });
  });

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it('counts the curation outputs as samples when the setting says so', async () => {
    const status = await ready(client, 3);
    assert.equal(status.samplesIndexed, 3);
    assert.deepEqual(status.sampleFiles, [
      'big-curated/data/captions.jsonl',
      'mini-curated/data/captions.jsonl',
      'pool/captions.jsonl',
    ]);
    assert.equal(status.sampleRecords, 8);
  });
});
