/** Which lists a worldwide folder's provenance.json names: hand-written records and the builder's. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProvenanceFiles } from '../../../../server/engine/src/worldwide/provenanceFiles';
import { buildLanguageIntoFolder } from '../../../../server/src/metadata/folder';
import { tempDir } from '../../../support/fixtures';
import { dumpXml } from '../../../support/wikiDump';

describe('parseProvenanceFiles', () => {
  it('names the lists `metacurate metadata build --lang --out-dir` records (their output.path)', async function () {
    this.timeout(60_000);
    const dir = tempDir('metacurate-provenance-');
    try {
      for (const [lang, text] of [
        ['zh', '狗在草地上。狗和猫。'],
        ['th', 'หมากับแมว หมากับแมว'],
      ]) {
        const dump = join(dir.path, `${lang}.xml`);
        writeFileSync(dump, dumpXml([{ title: 'p', text }], lang));
        await buildLanguageIntoFolder({
          outDir: join(dir.path, 'meta'),
          lang,
          wikiDumps: [dump],
          parts: ['unigrams'],
          minUnigram: 1,
          threads: 1,
        });
      }
      const files = parseProvenanceFiles(readFileSync(join(dir.path, 'meta', 'provenance.json'), 'utf8'));
      assert.deepEqual(
        [...files],
        [
          ['th', 'th.json'],
          ['zh', 'zh.json'],
        ],
      );
    } finally {
      dir.remove();
    }
  });

  it('takes a record’s own `file` first, and skips paths, non-JSON names and records without a name', () => {
    const files = parseProvenanceFiles(
      JSON.stringify({
        languages: {
          zh: { file: 'zh-v2.json', output: { path: 'zh.json' } },
          en: { output: { path: 'en.json' } },
          th: { file: '../th.json' },
          ja: { file: 'ja.txt' },
          ru: {},
          ar: null,
        },
      }),
    );
    assert.deepEqual(
      [...files],
      [
        ['zh', 'zh-v2.json'],
        ['en', 'en.json'],
      ],
    );
  });

  it('a provenance that is not JSON, or has no `languages` object, names nothing', () => {
    assert.equal(parseProvenanceFiles('{').size, 0);
    assert.equal(parseProvenanceFiles('{"languages": 3}').size, 0);
    assert.equal(parseProvenanceFiles('null').size, 0);
  });
});
