/**
 * Per-class zero-shot accuracy set against the metadata entries (the entry-balance panel's
 * overlay): which entry names which class, and what an entry gets when it names none.
 */
import { strict as assert } from 'node:assert';
import {
  accuracyByEntry,
  parseZeroShotOverlay,
  unmatchedClasses,
  type ZeroShotOverlay,
} from '../../../server/engine/src/classAccuracy';

/** NaN-aware comparison of a result with the expected values (NaN: the entry names no class). */
function assertValues(actual: Float64Array, expected: number[]): void {
  assert.ok(actual instanceof Float64Array, 'a Float64Array');
  assert.equal(actual.length, expected.length, 'one value per entry');
  assert.deepEqual(Array.from(actual), expected); // deepEqual (strict) treats NaN as equal to NaN
}

/** The Fashion-MNIST classes, with made-up accuracies. */
const fashion: Record<string, number | null> = {
  'T-shirt/top': 0.81,
  Trouser: 0.95,
  Pullover: 0.62,
  Dress: 0.77,
  Coat: 0.58,
  Sandal: 0.9,
  Shirt: 0.31,
  Sneaker: 0.88,
  Bag: 0.93,
  'Ankle boot': 0.92,
};

describe('classAccuracy: per-class zero-shot accuracy by metadata entry', () => {
  describe('accuracyByEntry(entries, perClass)', () => {
    it('gives each entry that equals a class name that class’s accuracy, by entry id', () => {
      const entries = ['dog', 'Trouser', 'cat', 'Bag'];
      assertValues(accuracyByEntry(entries, fashion), [NaN, 0.95, NaN, 0.93]);
    });

    it('is NaN for every entry that names no class, and empty for no entries', () => {
      assertValues(accuracyByEntry(['a', 'b', 'c'], fashion), [NaN, NaN, NaN]);
      assertValues(accuracyByEntry(['Bag'], {}), [NaN]);
      assertValues(accuracyByEntry([], fashion), []);
    });

    it('matches case-insensitively after trimming when no class equals the entry exactly', () => {
      const entries = ['ankle boot', ' bag ', 'T-SHIRT/TOP', 'sneakers', 'ankle  boot'];
      // Only trimming and case: a plural or an inner double space is another name.
      assertValues(accuracyByEntry(entries, fashion), [0.92, 0.93, 0.81, NaN, NaN]);
    });

    it('trims and folds the class names too', () => {
      assertValues(accuracyByEntry(['coat', 'hat'], { ' Coat\t': 0.5, HAT: 0.25 }), [0.5, 0.25]);
    });

    it('prefers the exact match to a case-insensitive one', () => {
      const perClass = { Apple: 0.9, apple: 0.4 };
      assertValues(accuracyByEntry(['apple', 'Apple'], perClass), [0.4, 0.9]);
    });

    it('gives no accuracy when several classes equal the entry only case-insensitively', () => {
      const perClass = { Apple: 0.9, apple: 0.4 };
      assertValues(accuracyByEntry(['APPLE', ' apple'], perClass), [NaN, NaN]);
    });

    it('gives the accuracy to every entry naming the class: duplicates and case variants alike', () => {
      const entries = ['shirt', 'Shirt', 'SHIRT', 'Shirt'];
      assertValues(accuracyByEntry(entries, { Shirt: 0.31 }), [0.31, 0.31, 0.31, 0.31]);
    });

    it('is NaN for a class absent from the evaluation set (null)', () => {
      assertValues(accuracyByEntry(['Dress', 'dress'], { Dress: null }), [NaN, NaN]);
    });

    it('lets the exact match decide even when its class has no accuracy', () => {
      // `Dress` names the class without an accuracy; it does not fall back to `dress`.
      assertValues(accuracyByEntry(['Dress'], { Dress: null, dress: 0.7 }), [NaN]);
    });

    it('is NaN for values that are no accuracy in [0, 1]', () => {
      const perClass = { a: 0, b: 1, c: -0.1, d: 1.5, e: NaN, f: Infinity, g: 42 };
      const entries = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      assertValues(accuracyByEntry(entries, perClass), [0, 1, NaN, NaN, NaN, NaN, NaN]);
    });

    it('names no class by an Object.prototype key such as constructor or __proto__', () => {
      const entries = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
      assertValues(accuracyByEntry(entries, { dog: 0.5 }), [NaN, NaN, NaN, NaN]);
      // ... unless the run does have such a class (an own property, as JSON.parse makes it).
      const perClass = JSON.parse('{"__proto__": 0.25, "Constructor": 0.75}') as Record<string, number>;
      assertValues(accuracyByEntry(entries, perClass), [0.75, 0.25, NaN, NaN]);
    });

    it('leaves its arguments unchanged', () => {
      const entries = ['Bag', 'bag'];
      const perClass = { Bag: 0.5 };
      accuracyByEntry(entries, perClass);
      assert.deepEqual(entries, ['Bag', 'bag']);
      assert.deepEqual(perClass, { Bag: 0.5 });
    });
  });

  describe('unmatchedClasses(entries, perClass)', () => {
    it('lists the classes no entry names, in the order of perClass', () => {
      const entries = ['trouser', 'bag', 'Shirt', 'dress', 'coat'];
      assert.deepEqual(unmatchedClasses(entries, fashion), [
        'T-shirt/top',
        'Pullover',
        'Sandal',
        'Sneaker',
        'Ankle boot',
      ]);
    });

    it('counts a class as named whatever its accuracy, and not when the match is ambiguous', () => {
      assert.deepEqual(unmatchedClasses(['Dress'], { Dress: null }), []);
      assert.deepEqual(unmatchedClasses(['APPLE'], { Apple: 0.9, apple: 0.4 }), ['Apple', 'apple']);
      assert.deepEqual(unmatchedClasses(['Apple'], { Apple: 0.9, apple: 0.4 }), ['apple']);
    });

    it('lists every class when there are no entries', () => {
      assert.deepEqual(unmatchedClasses([], { a: 1, b: null }), ['a', 'b']);
    });
  });

  describe('parseZeroShotOverlay(value): an overlay read back from saved state', () => {
    const overlay: ZeroShotOverlay = {
      runId: 'run-7',
      dataset: 'fashion-mnist',
      perClass: { Bag: 0.93, Dress: null },
      baseline: { runId: 'run-3', perClass: { Bag: 0.9, Dress: null } },
    };

    it('returns a valid overlay as it is, through JSON and back', () => {
      assert.deepEqual(parseZeroShotOverlay(JSON.parse(JSON.stringify(overlay))), overlay);
      const { baseline: _baseline, ...withoutBaseline } = overlay;
      assert.deepEqual(parseZeroShotOverlay(withoutBaseline), withoutBaseline);
    });

    it('turns accuracies that are no numbers into null (JSON writes NaN as null)', () => {
      const parsed = parseZeroShotOverlay({ runId: 'r', dataset: 'd', perClass: { a: 'x', b: NaN, c: 0.5 } });
      assert.deepEqual(parsed?.perClass, { a: null, b: null, c: 0.5 });
    });

    it('keeps a class named __proto__ as an own class', () => {
      const parsed = parseZeroShotOverlay(
        JSON.parse('{"runId":"r","dataset":"d","perClass":{"__proto__":0.5}}'),
      );
      assert.deepEqual(Object.keys(parsed!.perClass), ['__proto__']);
      assertValues(accuracyByEntry(['__proto__'], parsed!.perClass), [0.5]);
    });

    it('drops a malformed baseline and keeps the rest', () => {
      const parsed = parseZeroShotOverlay({ ...overlay, baseline: { runId: 3, perClass: {} } });
      assert.equal(parsed?.baseline, undefined);
      assert.equal(parsed?.runId, 'run-7');
    });

    it('is undefined for anything else', () => {
      for (const value of [
        undefined,
        null,
        'run-7',
        [],
        {},
        { runId: 'r', dataset: 'd' },
        { runId: 'r', dataset: 'd', perClass: [0.5] },
        { runId: 7, dataset: 'd', perClass: {} },
        { runId: 'r', dataset: null, perClass: {} },
      ])
        assert.equal(parseZeroShotOverlay(value), undefined, JSON.stringify(value));
    });
  });
});
