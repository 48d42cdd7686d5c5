/**
 * Worldwide (MetaCLIP 2) curations in the editor: a worldwide folder's `CODE.json` lists are
 * language lists (named by the folder's provenance.json), matched with worldwide padding, and show
 * the counts and t_lang of the worldwide curation whose language has the list's sha256; the
 * balance panel gets one language's slice of the global ids, or every language's curve.
 */
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DidChangeTextDocumentNotification,
  HoverRequest,
  InlayHintRequest,
  type Hover,
  type MarkupContent,
} from 'vscode-languageserver-protocol';
import { decodeBalanceModel } from '../../../contracts/src/balanceWire';
import {
  BalanceRequest,
  CurationsRequest,
  UseAsMetadataRequest,
  type StatusParams,
} from '../../../contracts/src/lsp';
import { ALL_LANGUAGES } from '../../../contracts/src/webview';
import { curationsOf, readCuration } from '../../../server/src/lsp/curationIndex';
import { LanguageLists } from '../../../server/src/lsp/languageLists';
import { languageLists } from '../../../server/src/lsp/worldwideBalance';
import { tempDir } from '../../support/fixtures';
import {
  listText,
  sha256Text,
  writeMetadataFolder,
  writeWorldwideCuration,
  type FixtureLanguage,
} from '../../support/worldwideFixture';
import { fileUri, startClient, type TestClient } from './client';
import { positionOf, writeTree } from './fixtures';

const EN: FixtureLanguage = {
  code: 'en',
  entries: ['dog', 'cat'],
  counts: [50, 2],
  t: 10,
  records: 60,
  kept: 12,
};
const ZH: FixtureLanguage = {
  code: 'zh',
  entries: ['狗', '猫', '鸟'],
  counts: [7, 30, 0],
  t: 20,
  records: 40,
  kept: 27,
};
const LANGUAGES = [ZH, EN];
/** Per record its global ids: en's at 0-1, zh's at 2-4 (codes sorted). */
const MATCHES = [[0], [0, 1], [2], [3], [3], []];

/** Two Chinese captions, an English one and a Japanese one holding the Chinese entry 猫. */
const CAPTIONS = [
  '一只猫和一只狗在草地上玩耍',
  'a photo of a dog on the beach',
  '这是一只可爱的小狗',
  '犬と猫の写真です',
];
const POOL = CAPTIONS.map((caption) => JSON.stringify({ caption })).join('\n');

const hoverText = (h: Hover | null): string => (h ? (h.contents as MarkupContent).value : '');

describe('worldwide curations: language lists', () => {
  const dir = tempDir('metacurate-worldwide-');
  const root = dir.path;
  const folder = join(root, 'meta');
  after(() => dir.remove());
  before(() => {
    writeMetadataFolder(folder, LANGUAGES);
    writeWorldwideCuration(join(root, 'ww'), folder, LANGUAGES, MATCHES);
    writeTree(root, {
      // A zh.json no provenance names, and a folder whose provenance names another file for zh.
      'loose/zh.json': listText(ZH.entries),
      'renamed/zh.json': listText(ZH.entries),
      'renamed/provenance.json': JSON.stringify({ languages: { zh: { file: 'zh-v2.json' } } }),
    });
  });

  it('is a list its folder provenance.json names under its code, and nothing else', async () => {
    const lists = new LanguageLists();
    assert.deepEqual(await lists.languageOf(join(folder, 'zh.json')), { code: 'zh', folder });
    assert.deepEqual(await lists.languageOf(join(folder, 'en.json')), { code: 'en', folder });
    assert.equal(await lists.languageOf(join(folder, 'provenance.json')), undefined);
    assert.equal(await lists.languageOf(join(folder, 'ja.json')), undefined);
    assert.equal(await lists.languageOf(join(root, 'loose/zh.json')), undefined);
    assert.equal(await lists.languageOf(join(root, 'renamed/zh.json')), undefined);
    assert.equal(await lists.listPath(folder, 'en'), join(folder, 'en.json'));
  });

  it("is shown a worldwide curation only through the language with its sha256: that language's t and offset", async () => {
    const curation = (await readCuration(join(root, 'ww')))!;
    const zhSha = sha256Text(listText(ZH.entries));
    const [zh] = curationsOf(zhSha, [curation], 'zh');
    assert.equal(zh.language?.code, 'zh');
    assert.equal(zh.language?.offset, 2);
    assert.equal(zh.t, 20);
    assert.equal(zh.records, 40);
    assert.equal(zh.metadataSha256, zhSha);
    // Another code with the same sha256, another list content, the folder's own sha256: none.
    assert.deepEqual(curationsOf(zhSha, [curation], 'en'), []);
    assert.deepEqual(curationsOf(sha256Text('["狗"]\n'), [curation], 'zh'), []);
    assert.deepEqual(curationsOf(curation.metadataSha256, [curation]), []);
  });

  it('keeps the texts of one language from matches.bin, ids made local', () => {
    const lists = languageLists({ offsets: [0, 1, 3, 4, 5, 6], ids: [0, 0, 1, 2, 3, 3] }, 2, 3);
    assert.deepEqual(Array.from(lists.offsets), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(lists.ids), [0, 1, 1]);
  });
});

describe('lsp protocol: a language list shows its worldwide curation', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-worldwide-');
  const root = dir.path;
  const folder = join(root, 'meta');
  const uri = (rel: string) => fileUri(join(root, rel));
  let client: TestClient;
  const ZH_TEXT = listText(ZH.entries);
  const EN_TEXT = listText(EN.entries);

  const lastStatus = (): StatusParams | undefined => client.statuses[client.statuses.length - 1];
  const ready = (entries: number, curation: string | undefined) =>
    client.waitFor(`an idle status with ${entries} entries and curation ${curation}`, () => {
      const s = lastStatus();
      return !!s && !s.busy && s.entries === entries && s.curation?.folder === curation && s;
    });
  const use = async (rel: string, text: string) => {
    await client.open(uri(rel), 'json', text);
    await client.connection.sendRequest(UseAsMetadataRequest, { uri: uri(rel) });
  };
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
        range: { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } },
      })
    )?.map((h) => h.label);

  before(async () => {
    writeMetadataFolder(folder, LANGUAGES);
    writeWorldwideCuration(join(root, 'ww'), folder, LANGUAGES, MATCHES);
    writeTree(root, {
      // An English-only curation made with the same content as en.json, older than the worldwide one.
      'en-only/summary.json': JSON.stringify({
        t: 3,
        seed: 1,
        kept: 5,
        pool: { records: 9 },
        metadata: { path: 'x', sha256: sha256Text(EN_TEXT) },
      }),
      'en-only/counts.json': JSON.stringify({ dog: 999, cat: 1 }),
      'pool/captions.jsonl': POOL,
    });
    utimesSync(join(root, 'en-only/summary.json'), 1000, 1000);
    client = await startClient({ root });
  });
  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it("shows a language list its language's count and t_lang, at offset + id of counts.bin", async () => {
    await use('meta/zh.json', ZH_TEXT);
    await ready(3, 'ww');
    const text = await hover('meta/zh.json', ZH_TEXT, '"猫"');
    assert.match(text, /Curation: \*\*30\*\* \(`ww`, worldwide, language `zh`, t_zh = 20\)/);
    assert.match(text, /Keep probability at t_zh = 20: \*\*0\.67\*\* — \*\*head\*\*/);
    assert.deepEqual(await hints('meta/zh.json'), ['7 · p 1.00', '30 · p 0.67', '0 · p 1.00']);
  });

  it('matches a language list with worldwide padding, only against captions identified as its language', async () => {
    // 狗 inside Chinese words (no spaces around it): both Chinese captions.
    assert.match(await hover('meta/zh.json', ZH_TEXT, '"狗"'), /Sample matches: \*\*2\*\* of 4 records/);
    // 猫 is also in the Japanese caption, which the zh list never sees.
    assert.match(await hover('meta/zh.json', ZH_TEXT, '"猫"'), /Sample matches: \*\*1\*\* of 4 records/);
  });

  it('says over a caption of another language which one it is and that the folder has no list for it', async () => {
    await client.open(uri('pool/captions.jsonl'), 'jsonl', POOL);
    const japanese = await hover('pool/captions.jsonl', POOL, '猫の');
    assert.match(japanese, /Caption identified as `ja`, not `zh` \(the active list, `meta\/zh\.json`\)/);
    assert.match(japanese, /the metadata folder has no list for `ja`/);
    assert.match(await hover('pool/captions.jsonl', POOL, '只狗在'), /Curation: \*\*7\*\*/);
    assert.match(
      await hover('pool/captions.jsonl', POOL, 'photo'),
      /identified as `en`.*the metadata folder's `en\.json` matches it/,
    );
  });

  it("lists the worldwide curation for en.json as English's view, with the English-only one of the same sha256", async () => {
    const result = await client.connection.sendRequest(CurationsRequest, { uri: uri('meta/en.json') });
    assert.deepEqual(
      result.curations.map((c) => [c.folder, c.t, c.records]),
      [
        ['ww', 10, 60],
        ['en-only', 3, 9],
      ],
    );
    await use('meta/en.json', EN_TEXT);
    await ready(2, 'ww');
    assert.match(
      await hover('meta/en.json', EN_TEXT, '"dog"'),
      /Curation: \*\*50\*\* \(`ww`, worldwide, language `en`, t_en = 10\)/,
    );
  });

  it('shows no curation once the list on disk differs from the one the curation recorded', async () => {
    await client.connection.sendRequest(UseAsMetadataRequest, { uri: uri('meta/zh.json') });
    await ready(3, 'ww');
    const edited = listText([...ZH.entries, '鱼']);
    writeFileSync(join(folder, 'zh.json'), edited);
    const change = (text: string, version: number) =>
      client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: uri('meta/zh.json'), version },
        contentChanges: [{ text }],
      });
    try {
      await change(edited, 2);
      await ready(4, undefined);
      assert.match(
        await hover('meta/zh.json', edited, '"猫"'),
        new RegExp(`No curation made with this metadata \\(sha256 \`${sha256Text(edited).slice(0, 12)}`),
      );
    } finally {
      writeFileSync(join(folder, 'zh.json'), ZH_TEXT);
    }
    await change(ZH_TEXT, 3);
    await ready(3, 'ww');
  });

  it("gives the panel one language's entries, counts, matched texts and t_lang", async () => {
    const folderOf = join(root, 'ww');
    const zh = await client.connection.sendRequest(BalanceRequest, {
      source: { kind: 'curation', folder: folderOf, language: 'zh' },
    });
    assert.deepEqual(zh.info.spec, { kind: 'curation', folder: folderOf, language: 'zh' });
    assert.equal(zh.info.t, 20);
    assert.equal(zh.info.texts, 40);
    assert.equal(zh.info.metadataSha256, sha256Text(ZH_TEXT));
    assert.deepEqual(zh.names, ZH.entries);
    const model = decodeBalanceModel(zh.model);
    assert.deepEqual(Array.from(model.counts), [7, 30, 0]);
    assert.equal(model.matchedTexts, 3);
    assert.deepEqual(
      zh.info.worldwide?.languages.map((l) => [l.code, l.t, l.records, l.offset]),
      [
        ['en', 10, 60, 0],
        ['zh', 20, 40, 2],
      ],
    );
  });

  it('gives the "All languages" view every curve with its t_lang, and picks a language when none is named', async () => {
    const folderOf = join(root, 'ww');
    const all = await client.connection.sendRequest(BalanceRequest, {
      source: { kind: 'curation', folder: folderOf, language: ALL_LANGUAGES },
    });
    assert.equal(all.info.t, 10);
    assert.deepEqual(
      all.info.worldwide?.curves?.map((c) => [c.code, c.t, c.ranks, c.counts]),
      [
        ['en', 10, [1, 2], [50, 2]],
        ['zh', 20, [1, 2], [30, 7]],
      ],
    );
    assert.deepEqual(all.names, ['en: dog', 'en: cat', 'zh: 狗', 'zh: 猫', 'zh: 鸟']);
    const picked = await client.connection.sendRequest(BalanceRequest, {
      source: { kind: 'curation', folder: folderOf },
    });
    // The active list is zh.json of the same folder: its language (else en).
    assert.equal(picked.info.worldwide?.language, 'zh');
  });
});
