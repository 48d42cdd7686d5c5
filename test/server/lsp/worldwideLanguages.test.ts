/**
 * Each sample caption against its own language's list (docs/spec.md section 2, "Worldwide
 * thresholds"): a worldwide folder's lists are metadata without a glob (their provenance.json
 * names them), a caption's language is its record's language field when the setting names one
 * (else identified), and while one language list is active a caption of another language is
 * highlighted against that language's list, its hover showing that language's curation numbers.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DidChangeWatchedFilesNotification,
  FileChangeType,
  HoverRequest,
  SemanticTokensRequest,
  type Hover,
  type MarkupContent,
} from 'vscode-languageserver-protocol';
import { UseAsMetadataRequest, type StatusParams } from '../../../contracts/src/lsp';
import { extractCaptions } from '../../../server/engine/src/documents/samples';
import { LanguageLists } from '../../../server/src/lsp/languageLists';
import { tempDir } from '../../support/fixtures';
import {
  listText,
  writeMetadataFolder,
  writeWorldwideCuration,
  type FixtureLanguage,
} from '../../support/worldwideFixture';
import { fileUri, startClient, type TestClient } from './client';
import { positionOf, tokenTexts, writeTree } from './fixtures';

const EN: FixtureLanguage = {
  code: 'en',
  entries: ['dog', 'cat'],
  counts: [50, 2],
  t: 10,
  records: 60,
  kept: 12,
};
const TH: FixtureLanguage = {
  code: 'th',
  entries: ['แมว', 'สุนัข'],
  counts: [3, 40],
  t: 15,
  records: 50,
  kept: 18,
};
const ZH: FixtureLanguage = {
  code: 'zh',
  entries: ['狗', '猫', '鸟'],
  counts: [7, 30, 0],
  t: 20,
  records: 40,
  kept: 27,
};
const LANGUAGES = [EN, TH, ZH];
/** Global ids (codes sorted): en 0-1, th 2-3, zh 4-6. */
const MATCHES = [[0], [2], [3], [4], [5], []];

/**
 * A Chinese caption and a Thai one labelled with their languages; a Japanese caption labelled `zh`
 * (the field wins: matched against zh.json, though identified as `ja`); an English caption labelled
 * `en`. (A record without the field is of no known language, as `curate --lang-field` reads it.)
 */
const POOL = [
  { caption: '一只猫和一只狗在草地上玩耍', lang: 'zh' },
  { caption: 'แมวนอนอยู่บนโซฟาในบ้าน', lang: 'th' },
  { caption: '犬と猫の写真です', lang: 'zh' },
  { caption: 'a photo of a cat on the sofa', lang: 'en' },
]
  .map((r) => JSON.stringify(r))
  .join('\n');

const hoverText = (h: Hover | null): string => (h ? (h.contents as MarkupContent).value : '');

describe('worldwide language lists: recognition and language fields', () => {
  const dir = tempDir('metacurate-wwlang-unit-');
  after(() => dir.remove());

  it('reads a record language field from JSONL, CSV and TSV; a record without it is `und`, as curate --lang-field reads it', () => {
    const jsonl =
      '{"caption":"a cat","lang":"en"}\n{"caption":"一只猫"}\n{"lang":"zh","caption":"猫\\u732b"}\n';
    assert.deepEqual(
      extractCaptions(jsonl, 'jsonl', ['caption'], 'lang').map((s) => [s.text, s.language]),
      [
        ['a cat', 'en'],
        ['一只猫', 'und'],
        ['猫猫', 'zh'],
      ],
    );
    assert.deepEqual(
      extractCaptions('lang,caption\nzh,"一只猫"\n,a cat\n', 'csv', ['caption'], 'lang').map((s) => [
        s.text,
        s.language,
      ]),
      [
        ['一只猫', 'zh'],
        ['a cat', 'und'],
      ],
    );
    assert.deepEqual(
      extractCaptions('caption\tlang\nแมว\tth\n', 'tsv', ['caption'], 'lang').map((s) => [
        s.text,
        s.language,
      ]),
      [['แมว', 'th']],
    );
    // Without the setting, no caption carries a language.
    assert.equal(extractCaptions(jsonl, 'jsonl', ['caption'])[0].language, undefined);
  });

  it('recognises a list its provenance names synchronously, until told its provenance changed', () => {
    const folder = join(dir.path, 'meta');
    writeMetadataFolder(folder, LANGUAGES);
    const lists = new LanguageLists();
    assert.equal(lists.isLanguageListSync(join(folder, 'th.json')), true);
    assert.equal(lists.isLanguageListSync(join(folder, 'provenance.json')), false);
    writeMetadataFolder(folder, [EN, ZH]);
    // Cached: the diagnostics path reads no file until the change is told.
    assert.equal(lists.isLanguageListSync(join(folder, 'th.json')), true);
    lists.changed(join(folder, 'provenance.json'));
    assert.equal(lists.isLanguageListSync(join(folder, 'th.json')), false);
    assert.equal(lists.isLanguageListSync(join(folder, 'zh.json')), true);
  });
});

describe('lsp protocol: each caption against its own language list', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-wwlang-');
  const root = dir.path;
  const folder = join(root, 'meta');
  const uri = (rel: string) => fileUri(join(root, rel));
  let client: TestClient;
  const TH_TEXT = listText(TH.entries);

  const lastStatus = (): StatusParams | undefined => client.statuses[client.statuses.length - 1];
  const ready = (entries: number, curation: string | undefined) =>
    client.waitFor(`an idle status with ${entries} entries and curation ${curation}`, () => {
      const s = lastStatus();
      return !!s && !s.busy && s.entries === entries && s.curation?.folder === curation && s;
    });
  const hover = async (rel: string, text: string, needle: string, nth = 0) =>
    hoverText(
      await client.connection.sendRequest(HoverRequest.type, {
        textDocument: { uri: uri(rel) },
        position: positionOf(text, needle, 0, nth),
      }),
    );

  before(async () => {
    writeMetadataFolder(folder, LANGUAGES);
    writeWorldwideCuration(join(root, 'ww'), folder, LANGUAGES, MATCHES);
    writeTree(root, { 'pool/captions.jsonl': POOL });
    client = await startClient({ root, settings: { languageField: 'lang' } });
  });
  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it('treats a language list as metadata though no metadata glob matches it', async () => {
    await client.open(uri('meta/th.json'), 'json', TH_TEXT);
    const text = await hover('meta/th.json', TH_TEXT, 'แมว');
    assert.match(text, /\*\*Entry\*\* `แมว`/);
    await client.connection.sendRequest(UseAsMetadataRequest, { uri: uri('meta/th.json') });
    await ready(2, 'ww');
    assert.match(
      await hover('meta/th.json', TH_TEXT, 'สุนัข'),
      /Curation: \*\*40\*\* \(`ww`, worldwide, language `th`, t_th = 15\)/,
    );
  });

  it("highlights a zh caption against zh.json while th.json is active, head or tail by zh's counts and t_zh", async () => {
    await client.open(uri('pool/captions.jsonl'), 'jsonl', POOL);
    const tokens = await client.connection.sendRequest(SemanticTokensRequest.type, {
      textDocument: { uri: uri('pool/captions.jsonl') },
    });
    // 猫 30 > t_zh 20: head (1); 狗 7: tail (2); แมว 3 < t_th 15: tail; the Japanese caption
    // labelled zh matches 猫; the English caption (en.json: cat, count 2 < t_en 10) matches cat.
    assert.deepEqual(tokenTexts(POOL, tokens!.data), [
      ['猫', 1],
      ['狗', 2],
      ['แมว', 2],
      ['猫', 1],
      ['cat', 2],
    ]);
  });

  it("shows over a zh caption's match the zh entry with the zh part of the worldwide curation", async () => {
    const text = await hover('pool/captions.jsonl', POOL, '猫和');
    assert.match(text, /\*\*Entry\*\* `猫` · id 1/);
    assert.match(text, /Curation: \*\*30\*\* \(`ww`, worldwide, language `zh`, t_zh = 20\)/);
    assert.match(text, /Keep probability at t_zh = 20: \*\*0\.67\*\*/);
    // The zh captions: the identified one and the Japanese one labelled zh.
    assert.match(text, /Sample matches: \*\*2\*\* of 4 records/);
  });

  it('takes the language field over identification', async () => {
    // Identified, this caption is Japanese, for which the folder has no list.
    const text = await hover('pool/captions.jsonl', POOL, '猫の');
    assert.match(text, /Curation: \*\*30\*\* \(`ww`, worldwide, language `zh`, t_zh = 20\)/);
  });

  it('stops treating a list as metadata once its provenance.json no longer names it', async () => {
    writeMetadataFolder(folder, [EN, ZH]);
    try {
      await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
        changes: [{ uri: uri('meta/provenance.json'), type: FileChangeType.Changed }],
      });
      await client.open(uri('meta/en.json'), 'json', listText(EN.entries));
      // The provenance still names en.json: a metadata hover.
      assert.match(await hover('meta/en.json', listText(EN.entries), 'dog'), /\*\*Entry\*\* `dog`/);
      writeFileSync(join(folder, 'provenance.json'), JSON.stringify({ languages: {} }));
      await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
        changes: [{ uri: uri('meta/provenance.json'), type: FileChangeType.Changed }],
      });
      assert.equal(await hover('meta/en.json', listText(EN.entries), 'dog'), '');
    } finally {
      writeMetadataFolder(folder, LANGUAGES);
    }
  });
});
