/** Deterministic generated fixtures: metadata and pools shaped like real ones, in a temp folder. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../server/engine/src/syntheticPool';

/** The engine's deterministic PRNG (mulberry32), so tests and generators share one. */
export const mulberry32 = seededRandom;

export function tempDir(prefix = 'metacurate-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const WORDS = [
  'dog',
  'cat',
  'photo',
  'of',
  'a',
  'the',
  'red',
  'car',
  'on',
  'street',
  'beach',
  'sunset',
  'new',
  'york',
  'city',
  'man',
  'woman',
  'hot',
  'dog',
  'shirt',
  'T-shirt',
  'garden',
  'house',
  'tree',
  'river',
  'mountain',
  'snow',
  'bird',
  'flower',
  'table',
  'chair',
  'kitchen',
  'food',
  'plate',
  'coffee',
  'cup',
  'book',
  'phone',
  'stock',
  'image',
  'vector',
];

/** Metadata with a Zipf-like pool in mind: common words become head entries. */
export function smallMetadata(): string[] {
  return [
    'dog',
    'cat',
    'photo',
    'red car',
    'new york',
    'new york city',
    'hot dog',
    'T-shirt',
    'beach',
    'sunset',
    'tree',
    'river',
    'bird',
    'flower',
    'coffee cup',
    'book',
    'stock',
    'vector',
    'image',
    'garden',
    'house',
    'kitchen',
    'mountain',
    'snow',
  ];
}

/** Captions with Zipf-distributed words and punctuation, some matching nothing. */
export function generateCaptions(n: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  const captions: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 3 + Math.floor(rnd() * 8);
    const words: string[] = [];
    for (let k = 0; k < len; k++) {
      // Zipf-ish: index ~ floor(N * u^3) favours the first words.
      words.push(WORDS[Math.floor(WORDS.length * rnd() ** 3)]);
    }
    let caption = words.join(' ');
    if (rnd() < 0.1) caption += '.';
    if (rnd() < 0.05) caption = caption.replace(' ', ', ');
    if (rnd() < 0.3) caption = `zzz ${i} qqq`; // matches nothing
    captions.push(caption);
  }
  return captions;
}

export function writeJsonl(path: string, captions: string[], field = 'text'): void {
  writeFileSync(
    path,
    captions.map((c, i) => JSON.stringify({ [field]: c, url: `http://example.com/${i}.jpg` })).join('\n') +
      '\n',
  );
}

/** A curation's outputs (data/, counts, matches) as base64 by path, without the work folder and summary. */
export function curatedTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.metacurate' || e.name === 'summary.json') continue;
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else out[prefix + e.name] = readFileSync(join(d, e.name)).toString('base64');
    }
  };
  walk(dir, '');
  return out;
}
