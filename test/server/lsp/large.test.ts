/**
 * The language server on a generated 500k-entry metadata list and a 50,000-line sample: first
 * diagnostics, symbols, hovers and inlay hints, highlights, the edit of one entry, and a burst of
 * edits (debounced: one rebuild, the earlier ones cancelled) while requests keep being answered.
 * Timings are printed, not asserted (npm run bench measures them).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  DidChangeTextDocumentNotification,
  HoverRequest,
  InlayHintRequest,
  SemanticTokensRequest,
  WorkspaceSymbolRequest,
  type MarkupContent,
  type SymbolInformation,
} from 'vscode-languageserver-protocol';
import { formatCount } from '../../../server/src/lsp/format';
import { mulberry32, tempDir } from '../../support/fixtures';
import { fileUri, startClient, type TestClient } from './client';
import { tokenTexts, writeTree } from './fixtures';

const N = 500_000;
const SAMPLE_LINES = 50_000;

/** Pronounceable synthetic words, so entries look like concept names and captions share them. */
function vocabulary(count: number, rand: () => number): string[] {
  const c = 'bcdfghjklmnprstvwz';
  const v = 'aeiou';
  const words = new Set<string>();
  while (words.size < count) {
    let w = '';
    const syllables = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < syllables; i++)
      w += c[Math.floor(rand() * c.length)] + v[Math.floor(rand() * v.length)];
    if (rand() < 0.3) w += c[Math.floor(rand() * c.length)];
    words.add(w);
  }
  return [...words];
}

function generateLargeWorkspace(root: string): { entries: string[]; metadata: string; sample: string } {
  const rand = mulberry32(2024);
  const words = vocabulary(40_000, rand);
  const seen = new Set<string>();
  const entries: string[] = [];
  while (entries.length < N) {
    const n = rand() < 0.6 ? 1 : rand() < 0.8 ? 2 : 3;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(words[Math.floor(Math.pow(rand(), 1.5) * words.length)]);
    const e = parts.join(' ');
    if (seen.has(e)) continue;
    seen.add(e);
    entries.push(e);
  }
  // Planted problems and markers.
  entries[250_000] = 'St. Louis';
  entries[400_000] = entries[10];
  entries[N - 1] = 'zzlast entry';
  const metadata = '[\n' + entries.map((e) => `  ${JSON.stringify(e)}`).join(',\n') + '\n]\n';
  const lines: string[] = [];
  for (let i = 0; i < SAMPLE_LINES; i++) {
    const k = 6 + Math.floor(rand() * 8);
    const parts: string[] = [];
    for (let j = 0; j < k; j++) parts.push(words[Math.floor(Math.pow(rand(), 2) * words.length)]);
    if (i === 0) parts.push('zzlast', 'entry');
    lines.push(JSON.stringify({ key: `k${i}`, caption: parts.join(' ') + '.' }));
  }
  const sample = lines.join('\n') + '\n';
  writeTree(root, { 'metadata.json': metadata, 'samples/big.jsonl': sample });
  return { entries, metadata, sample };
}

describe('lsp protocol: 500k-entry metadata', function () {
  this.timeout(180_000);
  const dir = tempDir('metacurate-lsp-500k-');
  const metadataUri = fileUri(join(dir.path, 'metadata.json'));
  const sampleUri = fileUri(join(dir.path, 'samples/big.jsonl'));
  let client: TestClient;
  let data: ReturnType<typeof generateLargeWorkspace>;
  const timings: [string, number][] = [];
  const time = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await run();
    timings.push([label, performance.now() - started]);
    return result;
  };

  before(async () => {
    data = generateLargeWorkspace(dir.path);
    client = await time('start + index workspace (500k entries, 50k sample lines)', async () => {
      const c = await startClient({ root: dir.path });
      await c.waitFor(
        'the index',
        () => c.statuses.some((s) => !s.busy && s.entries === N && s.samplesIndexed === 1),
        120_000,
      );
      return c;
    });
  });

  after(async () => {
    await client?.stop();
    dir.remove();
    for (const [label, ms] of timings) console.log(`      ${label}: ${ms.toFixed(0)} ms`);
  });

  it('publishes the first diagnostics of the opened list', async () => {
    const diagnostics = await time('open 500k metadata to first diagnostics', async () => {
      await client.open(metadataUri, 'json', data.metadata);
      return client.waitFor('diagnostics', () => client.diagnostics.get(metadataUri), 60_000);
    });
    const planted = diagnostics.filter(
      (d) => d.range.start.line === 250_001 || d.range.start.line === 400_001,
    );
    assert.deepEqual(
      planted.map((d) => [d.code, d.range.start.line]),
      [
        ['never-matches', 250_001],
        ['duplicate', 400_001],
      ],
    );
    assert.equal(planted[1].relatedInformation?.[0].location.range.start.line, 11);
    await client.settled();
  });

  it('finds an entry among 500k as a workspace symbol, hovers it and shows inlay hints for a range', async () => {
    const found = (await time('workspace symbol among 500k', () =>
      client.connection.sendRequest(WorkspaceSymbolRequest.type, { query: 'zzlast' }),
    )) as SymbolInformation[];
    assert.deepEqual(
      found.map((s) => [s.name, s.location.range.start.line]),
      [['zzlast entry', N]],
    );
    const hover = await time('hover on an entry', () =>
      client.connection.sendRequest(HoverRequest.type, {
        textDocument: { uri: metadataUri },
        position: { line: N, character: 5 },
      }),
    );
    assert.match(
      (hover!.contents as MarkupContent).value,
      /`zzlast entry` · id 499999[\s\S]*Sample matches: \*\*1\*\*/,
    );
    const hints = await time('inlay hints for 100 lines', () =>
      client.connection.sendRequest(InlayHintRequest.type, {
        textDocument: { uri: metadataUri },
        range: { start: { line: 1000, character: 0 }, end: { line: 1100, character: 0 } },
      }),
    );
    assert.equal(hints?.length, 100);
  });

  it('highlights a 50,000-line sample, and updates it after the edit of one entry', async () => {
    await client.open(sampleUri, 'jsonl', data.sample);
    const full = await time('semantic tokens, 50,000-line sample', () =>
      client.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: sampleUri } }),
    );
    const firstLine = data.sample.slice(0, data.sample.indexOf('\n') + 1);
    const count = full!.data.length / 5;
    assert.ok(count > SAMPLE_LINES, `${count} tokens`);
    const lineZero: number[] = [];
    for (let i = 0, line = 0; i < full!.data.length && line === 0; i += 5) {
      line += full!.data[i];
      if (line === 0) lineZero.push(...full!.data.slice(i, i + 5));
    }
    assert.deepEqual(tokenTexts(firstLine, lineZero).pop(), ['zzlast entry', 2]);
    // Edit the last entry to "zzlast": the highlight on line 0 shrinks to that word.
    await client.settled();
    const refreshes = client.semanticRefreshes;
    const updated = await time('edit one entry to updated highlights', async () => {
      await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: metadataUri, version: 2 },
        contentChanges: [
          { range: { start: { line: N, character: 9 }, end: { line: N, character: 15 } }, text: '' },
        ],
      });
      await client.waitFor('refresh', () => client.semanticRefreshes > refreshes, 60_000);
      return client.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: sampleUri } });
    });
    const zero: number[] = [];
    for (let i = 0, line = 0; i < updated!.data.length && line === 0; i += 5) {
      line += updated!.data[i];
      if (line === 0) zero.push(...updated!.data.slice(i, i + 5));
    }
    assert.deepEqual(tokenTexts(firstLine, zero).pop(), ['zzlast', 2]);
  });

  it('debounces a burst of edits into one rebuild and keeps answering meanwhile', async () => {
    await client.settled();
    const refreshes = client.semanticRefreshes;
    const latencies: number[] = [];
    let answeredWhileBusy = 0;
    let version = 3;
    // Five insertions 10 ms apart: each changes every id after it, so each needs a full rebuild;
    // the debounce and cancellation leave one.
    for (let i = 0; i < 5; i++) {
      await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: metadataUri, version: version++ },
        contentChanges: [
          {
            range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } },
            text: `  "burst ${i}",\n`,
          },
        ],
      });
      await new Promise((r) => setTimeout(r, 10));
    }
    const done = client.waitFor(
      'the rebuilt index',
      () => {
        const s = client.statuses[client.statuses.length - 1];
        return !s.busy && s.entries === N + 5;
      },
      120_000,
    );
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      const started = performance.now();
      await client.connection.sendRequest(HoverRequest.type, {
        textDocument: { uri: metadataUri },
        position: { line: 1, character: 4 },
      });
      latencies.push(performance.now() - started);
      if (!finished && client.statuses[client.statuses.length - 1].busy) answeredWhileBusy++;
      await new Promise((r) => setTimeout(r, 10));
    }
    await done;
    timings.push([
      'rebuild after a burst of 5 insertions, max hover latency meanwhile',
      Math.max(...latencies),
    ]);
    assert.ok(answeredWhileBusy > 0, 'hovers are answered while the index is rebuilt');
    // One refresh for the burst (the debounced rebuild), not one per edit.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(client.semanticRefreshes - refreshes, 1);
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: metadataUri },
      position: { line: 1, character: 4 },
    });
    assert.match((hover!.contents as MarkupContent).value, /`burst 4` · id 0/);
  });
});

describe('lsp protocol: editing many entries in place on a large sample', function () {
  this.timeout(180_000);
  const dir = tempDir('metacurate-lsp-many-edits-');
  const ENTRIES = 300;
  const EDITED = 200;
  const LINES = 300_000;
  const entries = Array.from({ length: ENTRIES }, (_, i) => `w${i}`);
  const edited = entries.map((e, i) => (i < EDITED ? `x${i}` : e));
  const listText = (list: string[]) => `[\n${list.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`;
  const metadataUri = fileUri(join(dir.path, 'metadata.json'));
  const probeUri = fileUri(join(dir.path, 'samples/probe.jsonl'));
  const probe = '{"caption": "x5"}\n';
  let client: TestClient;
  let captions: string[];

  before(async () => {
    const rand = mulberry32(7);
    captions = [];
    for (let i = 0; i < LINES; i++) {
      const words: string[] = [];
      for (let j = 0; j < 8; j++) words.push(`${rand() < 0.5 ? 'w' : 'x'}${Math.floor(rand() * ENTRIES)}`);
      captions.push(words.join(' '));
    }
    writeTree(dir.path, {
      'metadata.json': listText(entries),
      'samples/big.jsonl': captions.map((c) => JSON.stringify({ caption: c })).join('\n') + '\n',
      'samples/probe.jsonl': probe,
    });
    captions.push('x5');
    client = await startClient({ root: dir.path });
    await client.waitFor(
      'the index',
      () => client.statuses.some((s) => !s.busy && s.entries === ENTRIES && s.samplesIndexed === 2),
      120_000,
    );
    await client.open(metadataUri, 'json', listText(entries));
    await client.open(probeUri, 'jsonl', probe);
    await client.settled();
  });

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it('answers hovers while the counts of 200 edited entries are recomputed, then shows them', async () => {
    // Before the edit "x5" is no entry: the probe sample has no match to hover.
    assert.equal(
      await client.connection.sendRequest(HoverRequest.type, {
        textDocument: { uri: probeUri },
        position: { line: 0, character: 14 },
      }),
      null,
    );
    const refreshes = client.semanticRefreshes;
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: metadataUri, version: 2 },
      contentChanges: [{ text: listText(edited) }],
    });
    const done = client.waitFor(
      'the recount',
      () => {
        const s = client.statuses[client.statuses.length - 1];
        return !s.busy && client.semanticRefreshes > refreshes;
      },
      120_000,
    );
    let finished = false;
    void done.then(() => (finished = true));
    // The index is edited in place first, then the counts recomputed: a hover that sees the new
    // entry "x5" while the server is still busy was answered in the middle of the recount.
    let answeredDuringRecount = 0;
    const latencies: number[] = [];
    while (!finished) {
      const started = performance.now();
      const hover = await client.connection.sendRequest(HoverRequest.type, {
        textDocument: { uri: probeUri },
        position: { line: 0, character: 14 },
      });
      latencies.push(performance.now() - started);
      const busy = client.statuses[client.statuses.length - 1].busy;
      if (
        !finished &&
        busy &&
        /`x5` · id 5/.test((hover?.contents as MarkupContent | undefined)?.value ?? '')
      )
        answeredDuringRecount++;
      await new Promise((r) => setTimeout(r, 5));
    }
    await done;
    console.log(
      `      ${answeredDuringRecount} hovers answered during the recount, max latency ${Math.max(...latencies).toFixed(0)} ms`,
    );
    assert.ok(answeredDuringRecount > 0, 'hovers are answered while the edited entries are recounted');
    const expected = captions.filter((c) => c.split(' ').includes('x5')).length;
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: metadataUri },
      position: { line: 6, character: 4 },
    });
    assert.match(
      (hover!.contents as MarkupContent).value,
      new RegExp(`\`x5\` · id 5[\\s\\S]*Sample matches: \\*\\*${formatCount(expected)}\\*\\*`),
    );
  });
});
