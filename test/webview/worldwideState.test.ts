/** The panel reducer with a worldwide curation: the language selector, t_lang, and state restore. */
import assert from 'node:assert/strict';
import {
  ALL_LANGUAGES,
  curationEntryOf,
  type BalancePayload,
  type HostMessage,
  type LanguageChoice,
  type SourceSpec,
} from '../../contracts/src/webview';
import {
  initialState,
  languageOptions,
  reduce,
  restoreSaved,
  shownLanguage,
  type PanelAction,
  type PanelViewState,
} from '../../webview/src/state';
import { payloadOf } from './fixtures';

const FOLDER = '/ws/ww';
const LANGUAGES: LanguageChoice[] = [
  {
    code: 'en',
    t: 10,
    records: 60,
    matchedRecords: 50,
    kept: 12,
    entries: 2,
    offset: 0,
    sha256: 'e'.repeat(64),
  },
  {
    code: 'zh',
    t: 20,
    records: 40,
    matchedRecords: 30,
    kept: 27,
    entries: 3,
    offset: 2,
    sha256: 'z'.repeat(64),
  },
];

/** The data of language `code` of the worldwide curation (or of all), as the language server gives it. */
function languagePayload(code: string): BalancePayload {
  const spec: SourceSpec = { kind: 'curation', folder: FOLDER, language: code };
  const payload =
    code === 'zh'
      ? payloadOf(['狗', '猫', '鸟'], [[0], [1], [1]], spec, 20)
      : payloadOf(['dog', 'cat'], [[0], [0, 1]], spec, 10);
  payload.info.worldwide = { languages: LANGUAGES, language: code, tEn: 10, tailProportion: 0.5 };
  return payload;
}

function run(state: PanelViewState, ...actions: PanelAction[]) {
  const send = [];
  for (const action of actions) {
    const update = reduce(state, action);
    state = update.state;
    send.push(...update.send);
  }
  return { state, send };
}
const host = (message: HostMessage): PanelAction => ({ type: 'host', message });
const data = (payload: BalancePayload, t: number): PanelAction => host({ type: 'data', payload, t });

describe('webview/state: a worldwide curation', () => {
  it('offers "All languages" and each language with its t_lang and pool size; none for other data', () => {
    const { state } = run(initialState(undefined), data(languagePayload('en'), 10));
    assert.deepEqual(languageOptions(state), [
      { value: ALL_LANGUAGES, label: 'All languages' },
      { value: 'en', label: 'en (t = 10, 60 records)' },
      { value: 'zh', label: 'zh (t = 20, 40 records)' },
    ]);
    assert.equal(shownLanguage(state), 'en');
    const english = payloadOf(['dog'], [[0]], { kind: 'curation', folder: '/ws/c' }, 5);
    assert.deepEqual(languageOptions(run(state, data(english, 5)).state), []);
  });

  it('asks the host for the language chosen, and shows its t_lang once its data come', () => {
    const start = run(initialState(undefined), data(languagePayload('en'), 10)).state;
    const chosen = run(start, { type: 'selectLanguage', value: 'zh' });
    const zh: SourceSpec = { kind: 'curation', folder: FOLDER, language: 'zh' };
    assert.deepEqual(chosen.send, [{ type: 'selectSource', source: zh }]);
    assert.deepEqual(chosen.state.saved.source, zh);
    // The host sends the panel's t (10); the data's own t_zh = 20 is shown, and the host told.
    const shown = run(chosen.state, data(languagePayload('zh'), 10));
    assert.equal(shown.state.saved.t, 20);
    assert.equal(shown.state.tText, '20');
    assert.deepEqual(shown.send, [{ type: 'tChanged', t: 20 }]);
    assert.equal(shownLanguage(shown.state), 'zh');
  });

  it('the "All languages" view is a language like the others: t_en shown', () => {
    const start = run(initialState(undefined), data(languagePayload('zh'), 20)).state;
    const all = run(start, { type: 'selectLanguage', value: ALL_LANGUAGES });
    assert.deepEqual(all.send, [
      { type: 'selectSource', source: { kind: 'curation', folder: FOLDER, language: ALL_LANGUAGES } },
    ]);
    const payload = languagePayload('en');
    payload.info.spec = { kind: 'curation', folder: FOLDER, language: ALL_LANGUAGES };
    payload.info.worldwide!.language = ALL_LANGUAGES;
    const shown = run(all.state, data(payload, 20));
    assert.equal(shown.state.saved.t, 10);
    assert.equal(shownLanguage(shown.state), ALL_LANGUAGES);
  });

  it('ignores the language shown, one it does not list, and any without a worldwide curation', () => {
    const start = run(initialState(undefined), data(languagePayload('en'), 10)).state;
    assert.deepEqual(run(start, { type: 'selectLanguage', value: 'en' }).send, []);
    assert.deepEqual(run(start, { type: 'selectLanguage', value: 'ja' }).send, []);
    const samples = run(initialState(undefined), data(payloadOf(['dog'], [[0]]), 3)).state;
    assert.deepEqual(run(samples, { type: 'selectLanguage', value: 'en' }).send, []);
  });

  it('the source selector names the curation whatever its language: choosing it again sends nothing', () => {
    const start = run(initialState(undefined), data(languagePayload('zh'), 20)).state;
    assert.deepEqual(run(start, { type: 'selectSource', value: `curation:${FOLDER}` }).send, []);
  });

  it('keeps the language chosen across a reload, and the restored t (not t_lang) on the first data', () => {
    const shown = run(initialState(undefined), data(languagePayload('zh'), 20)).state;
    const saved = JSON.parse(JSON.stringify({ ...shown.saved, t: 7 })) as unknown;
    assert.deepEqual(restoreSaved(saved).source, { kind: 'curation', folder: FOLDER, language: 'zh' });
    const reloaded = run(initialState(saved), data(languagePayload('zh'), 7));
    assert.equal(reloaded.state.saved.t, 7);
    assert.deepEqual(reloaded.send, []);
  });

  it("browses a language's entry by its global id in the curation (offset + id); All languages' ids are global", () => {
    assert.deepEqual(curationEntryOf(languagePayload('zh').info, 1), {
      source: { kind: 'curation', folder: FOLDER },
      entryId: 3,
    });
    const all = languagePayload('en');
    all.info.worldwide!.language = ALL_LANGUAGES;
    assert.deepEqual(curationEntryOf(all.info, 4).entryId, 4);
    const samples = payloadOf(['dog'], [[0]]);
    assert.deepEqual(curationEntryOf(samples.info, 0), { source: { kind: 'samples' }, entryId: 0 });
  });
});
