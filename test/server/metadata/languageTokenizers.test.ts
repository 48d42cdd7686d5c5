/** The per-language tokenizer table (server/src/metadata/languageTokenizers.ts). */
import assert from 'node:assert/strict';
import { UsageError } from '../../../server/engine/src/errors';
import {
  bigramEntry,
  checkLanguageCode,
  forEachSegment,
  SEGMENT_WINDOW,
  textCounterFor,
  tokenizerFor,
} from '../../../server/src/metadata/languageTokenizers';
import { newCounter } from '../../../server/src/metadata/tokenize';

const words = (locale: string, text: string): string[] =>
  [...new Intl.Segmenter(locale, { granularity: 'word' }).segment(text)]
    .filter((s) => s.isWordLike)
    .map((s) => s.segment);

function counts(
  lang: string,
  text: string,
): { unigrams: Record<string, number>; bigrams: Record<string, number> } {
  const counter = newCounter();
  textCounterFor(tokenizerFor(lang))(text, counter);
  return { unigrams: Object.fromEntries(counter.unigrams), bigrams: Object.fromEntries(counter.bigrams) };
}

describe('language tokenizers', () => {
  it('accepts lowercase Wikipedia language codes and refuses anything else', () => {
    for (const ok of ['en', 'zh', 'ja', 'th', 'ar', 'ru', 'hi', 'yue', 'simple', 'zh-yue', 'zh-min-nan'])
      assert.equal(checkLanguageCode(ok), ok);
    for (const bad of [
      '',
      'e',
      'EN',
      'english',
      'en_US',
      'zh-',
      '-en',
      '../en',
      'en/x',
      'en.json',
      'z h',
      'zh-Hant',
    ])
      assert.throws(() => checkLanguageCode(bad), UsageError, bad);
  });

  it('segments languages written without spaces and keeps the reference tokenizer for the others', () => {
    for (const lang of ['zh', 'zh-yue', 'ja', 'th', 'lo', 'km', 'my', 'bo']) {
      const t = tokenizerFor(lang);
      assert.equal(t.method, 'Intl.Segmenter', lang);
      assert.equal(t.bigramJoiner, '', lang);
    }
    assert.equal(tokenizerFor('zh-yue').locale, 'yue');
    for (const lang of ['en', 'ru', 'ar', 'hi', 'ko', 'simple']) {
      const t = tokenizerFor(lang);
      assert.equal(t.method, 'simple_tokenizer', lang);
      assert.equal(t.id, 'metaclip-simple-tokenizer/1', lang);
      assert.equal(t.bigramJoiner, ' ', lang);
    }
  });

  it("cuts Thai and Chinese into Node's ICU words, not characters", () => {
    // What this Node's ICU gives; a change of dictionary shows up here first.
    assert.deepEqual(words('th', 'ผมชอบกินข้าว'), ['ผม', 'ชอบ', 'กิน', 'ข้าว']);
    assert.deepEqual(words('zh', '我爱北京天安门'), ['我', '爱', '北京', '天安门']);
    assert.deepEqual(counts('th', 'ผมชอบกินข้าว').unigrams, { ผม: 1, ชอบ: 1, กิน: 1, ข้าว: 1 });
    assert.deepEqual(counts('zh', '我爱北京天安门').unigrams, { 我: 1, 爱: 1, 北京: 1, 天安门: 1 });
  });

  it('counts a bigram only where its two words touch: a space or punctuation between them breaks it', () => {
    const th = counts('th', 'ผมชอบกินข้าว ผมชอบ');
    assert.deepEqual(th.bigrams, { 'ผม ชอบ': 2, 'ชอบ กิน': 1, 'กิน ข้าว': 1 });
    const zh = counts('zh', '北京天安门，天安门在北京');
    assert.deepEqual(zh.bigrams, { '北京 天安门': 1, '天安门 在': 1, '在 北京': 1 });
    assert.deepEqual(zh.unigrams, { 北京: 2, 天安门: 2, 在: 1 });
    // Latin words inside Chinese text are separated by a space: no unspaced pair can be made of them.
    assert.equal(counts('zh', '他住在New York的家').bigrams['New York'], undefined);
  });

  it('segments long texts window by window exactly as the whole text, whatever the script', () => {
    const texts: Array<[string, string]> = [
      ['th', 'ผมชอบกินข้าว แมวชอบนอนบนเตียงในบ้านของฉัน '.repeat(200)],
      ['zh', '我爱北京天安门，天安门上太阳升。北京是中国的首都。𠀀𠀁'.repeat(200)],
      ['ja', '東京タワーは赤い。東京タワーに行く。'.repeat(300)],
    ];
    for (const [locale, text] of texts) {
      assert.ok(text.length > 4 * SEGMENT_WINDOW);
      const segmenter = new Intl.Segmenter(locale, { granularity: 'word' });
      const windowed: Array<[string, boolean]> = [];
      forEachSegment(segmenter, text, (segment, wordLike) => windowed.push([segment, wordLike]));
      const whole = [...segmenter.segment(text)].map((s): [string, boolean] => [
        s.segment,
        s.isWordLike === true,
      ]);
      assert.deepEqual(windowed, whole, locale);
    }
  });

  it('covers a run of letters longer than a window once, nothing lost or repeated', () => {
    const text = 'ผมชอบกินข้าว'.repeat(300);
    const segments: string[] = [];
    forEachSegment(new Intl.Segmenter('th', { granularity: 'word' }), text, (segment) =>
      segments.push(segment),
    );
    assert.equal(segments.join(''), text);
    assert.ok(segments.length >= 1000);
  });

  it('writes bigrams of unspaced languages without a space, and others unchanged', () => {
    assert.equal(bigramEntry('北京 天安门', tokenizerFor('zh')), '北京天安门');
    assert.equal(bigramEntry('New York', tokenizerFor('en')), 'New York');
  });

  it('tokenizes Russian as the reference does: whitespace and punctuation', () => {
    const ru = counts('ru', 'Москва столица России. Москва');
    assert.deepEqual(ru.unigrams, { Москва: 2, столица: 1, России: 1 });
    assert.deepEqual(ru.bigrams, { 'Москва столица': 1, 'столица России': 1 });
  });
});
