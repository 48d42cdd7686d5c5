/** The Wikipedia n-gram tokenizer: the reference's simple_tokenizer and count_ngrams. */
import assert from 'node:assert/strict';
import { countText, isPunctuationChar, newCounter, tokenize } from '../../../server/src/metadata/tokenize';

describe('n-gram tokenizer', () => {
  describe('tokenize', () => {
    it('splits on whitespace and keeps case', () => {
      assert.deepEqual(tokenize('New  York\tcity\nNew'), ['New', 'York', 'city', 'New']);
    });
    it('makes every punctuation character a token of its own', () => {
      assert.deepEqual(tokenize("dog's T-shirt (3.5)"), [
        'dog',
        "'",
        's',
        'T',
        '-',
        'shirt',
        '(',
        '3',
        '.',
        '5',
        ')',
      ]);
    });
    it('makes every CJK, Thai and similar character a token of its own', () => {
      assert.deepEqual(tokenize('東京tower ไทย'), ['東', '京', 'tower', 'ไ', 'ท', 'ย']);
      assert.deepEqual(tokenize('a𠀀b'), ['a', '𠀀', 'b']);
    });
    it("treats Python's whitespace as separators (NBSP, U+3000, U+001F) and keeps other symbols in words", () => {
      assert.deepEqual(tokenize('a\u00a0b\u3000c\u001fd e–f'), ['a', 'b', 'c', 'd', 'e–f']);
    });
    it('knows the extra punctuation of the reference', () => {
      assert.equal(isPunctuationChar('—'), true);
      assert.equal(isPunctuationChar('“'), true);
      assert.equal(isPunctuationChar('–'), false);
    });
  });

  describe('countText', () => {
    it('counts unigrams and adjacent-word bigrams; punctuation breaks the chain', () => {
      const c = newCounter();
      countText('New York, New York city.', c);
      countText('city New', c);
      assert.deepEqual(Object.fromEntries(c.unigrams), { New: 3, York: 2, city: 2 });
      assert.deepEqual(Object.fromEntries(c.bigrams), { 'New York': 2, 'York city': 1, 'city New': 1 });
      assert.equal(c.tokens, 7);
    });
    it('counts CJK characters as unigrams and their neighbours as bigrams', () => {
      const c = newCounter();
      countText('東京 tower', c);
      assert.deepEqual(Object.fromEntries(c.bigrams), { '東 京': 1, '京 tower': 1 });
    });
  });
});
