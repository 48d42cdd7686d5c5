/**
 * The miniature worldwide pool of test/server/engine/worldwide/worldwideCurate.test.ts (its
 * header works the answers out): eight languages with lists in six scripts, one without a list
 * (fr) and one record of no language.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LISTS: Record<string, string[]> = {
  ar: ['قطة', 'كلب'],
  de: ['Hund', 'Katze'],
  en: ['dog', 'cat', 'red car', 'sunset'],
  hi: ['कुत्ता', 'बिल्ली'],
  ja: ['犬', '猫'],
  ru: ['собака', 'кошка'],
  th: ['แมว', 'หมา'],
  zh: ['狗', '猫'],
};

/** [text, language field (absent: none), global ids it matches]. */
export const POOL: [string, string | undefined, number[]][] = [
  ['a dog on the beach at dawn', 'en', [4]],
  ['قطة على السرير', 'ar', [0]],
  ['the dog sleeps on the sofa', 'en', [4]],
  ['der Hund schläft auf dem Sofa', 'de', [2]],
  ['my dog plays in the garden', 'en', [4]],
  ['一只狗在草地上', 'zh', [16]],
  ['a dog and a cat in the kitchen', 'en', [4, 5]],
  ['犬が走っています', 'ja', [10]],
  ['a big dog runs in the park', 'en', [4]],
  ['แมวนอนบนโซฟา', 'th', [14]],
  ['an old dog waits by the door', 'en', [4]],
  ['a cat on the windowsill', 'en', [5]],
  ['ein Hund im Garten', 'de', [2]],
  ['a red car at sunset by the sea', 'en', [6, 7]],
  ['a hotdog stand on the street corner', 'en', []],
  ['der Hund und die Katze spielen', 'de', [2, 3]],
  ['zwei Hunde laufen im Park', 'de', []],
  ['小狗和小猫', 'zh', [16, 17]],
  ['这是我的狗', 'zh', [16]],
  // 猫 is also zh's entry 17: a Japanese text matches ja's only.
  ['猫が好きです', 'ja', [11]],
  ['หมากับแมว', 'th', [14, 15]],
  ['كلب في الحديقة', 'ar', [1]],
  ['القطة نائمة', 'ar', []],
  ['собака спит на диване', 'ru', [12]],
  ['большая собака в парке', 'ru', [12]],
  ['एक कुत्ता सो रहा है', 'hi', [8]],
  ['le chat dort sur le canapé', 'fr', []],
  ['12345 !!!', undefined, []],
];

/** code -> [records, matched records, t, head entries, matched entries, expected kept]. */
export const EXPECTED: Record<string, [number, number, number, number, number, number]> = {
  ar: [3, 2, 1, 0, 2, 2],
  de: [4, 3, 1, 1, 2, 1.667],
  en: [9, 8, 2, 1, 4, 4.667],
  hi: [1, 1, 1, 0, 1, 1],
  ja: [2, 2, 1, 0, 2, 2],
  ru: [2, 2, 2, 0, 1, 2],
  th: [2, 2, 1, 1, 2, 1.5],
  zh: [3, 3, 1, 1, 2, 1.667],
};

export function writeFolder(dir: string, lists: Record<string, string[]>): void {
  mkdirSync(dir, { recursive: true });
  const languages: Record<string, { file: string; entries: number }> = {};
  for (const [code, entries] of Object.entries(lists)) {
    writeFileSync(join(dir, `${code}.json`), JSON.stringify(entries));
    languages[code] = { file: `${code}.json`, entries: entries.length };
  }
  writeFileSync(join(dir, 'provenance.json'), JSON.stringify({ languages }));
}
