/** Which files the language server reads as metadata lists, as samples, or as neither. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlobSet } from '../../../server/engine/src/documents/glob';
import { isMetadataUri, isSamplePath, relativePath, sampleKind } from '../../../server/src/lsp/documentKinds';
import { PREVIEW_TEXT_FIELD } from '../../../server/src/lsp/preview';
import { ServerState } from '../../../server/src/lsp/serverState';
import { pathToUri } from '../../../server/src/lsp/uri';

describe('lsp document kinds', () => {
  let ws: string;
  let state: ServerState;

  beforeEach(() => {
    ws = mkdtempSync(join(tmpdir(), 'metacurate-kinds-'));
    // A curation folder: a summary.json beside counts.json.
    mkdirSync(join(ws, 'curated'));
    writeFileSync(join(ws, 'curated', 'summary.json'), '{}');
    writeFileSync(join(ws, 'curated', 'counts.json'), '{}');
    state = new ServerState();
    state.config.folders = [ws];
  });
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  it('names a path relative to its workspace folder, else by its file name', () => {
    assert.equal(relativePath(state, join(ws, 'pool', 'a.jsonl')), 'pool/a.jsonl');
    assert.equal(relativePath(state, '/elsewhere/b.tsv'), 'b.tsv');
  });

  it('reads the metadata globs, the chosen lists and the active list as metadata', () => {
    assert.ok(isMetadataUri(state, pathToUri(join(ws, 'lists', 'metadata.json'))));
    assert.ok(isMetadataUri(state, pathToUri(join(ws, 'animals.entries.txt'))));
    const notes = pathToUri(join(ws, 'notes.txt'));
    assert.ok(!isMetadataUri(state, notes));
    state.metadata.chosen.add(notes);
    assert.ok(isMetadataUri(state, notes));
    const untitled = 'untitled:Untitled-1';
    state.metadata.activeUri = untitled;
    assert.ok(isMetadataUri(state, untitled));
  });

  it('counts sample files, but not metadata lists nor the files of a curation folder', () => {
    assert.ok(isSamplePath(state, join(ws, 'pool', 'a.jsonl')));
    assert.ok(isSamplePath(state, join(ws, 'captions.tsv')));
    assert.ok(!isSamplePath(state, join(ws, 'animals.entries.txt')), 'a metadata glob');
    assert.ok(!isSamplePath(state, join(ws, 'curated', 'pool.jsonl')), 'inside a curation');
    assert.ok(!isSamplePath(state, join(ws, 'model.bin')), 'not a sample format');
    state.metadata.chosen.add(pathToUri(join(ws, 'notes.txt')));
    assert.ok(!isSamplePath(state, join(ws, 'notes.txt')), 'a list chosen with Use as metadata');
  });

  it("counts a curation folder's files when the setting includes curation outputs", () => {
    state.config.settings = { ...state.config.settings, includeCurationOutputs: true };
    assert.ok(isSamplePath(state, join(ws, 'curated', 'pool.jsonl')));
  });

  it('looks for samples only under the samples folder and its globs when set', () => {
    state.config.settings = { ...state.config.settings, samplesFolder: 'data' };
    state.config.sampleGlobs = new GlobSet(['**/*.jsonl']);
    assert.ok(isSamplePath(state, join(ws, 'data', 'a.jsonl')));
    assert.ok(!isSamplePath(state, join(ws, 'pool', 'a.jsonl')), 'outside the samples folder');
    assert.ok(!isSamplePath(state, join(ws, 'data', 'a.tsv')), 'not a sample glob');
  });

  it('gives a sample document its format and caption fields, a preview its text field, a list none', () => {
    state.config.settings = { ...state.config.settings, textField: 'alt' };
    assert.deepEqual(sampleKind(state, pathToUri(join(ws, 'a.jsonl'))), {
      format: 'jsonl',
      fields: ['alt'],
    });
    assert.deepEqual(sampleKind(state, 'metacurate-preview:/a.jsonl'), {
      format: 'jsonl',
      fields: [PREVIEW_TEXT_FIELD],
    });
    assert.equal(sampleKind(state, pathToUri(join(ws, 'metadata.json'))), undefined);
  });
});
