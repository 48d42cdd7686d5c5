/**
 * Web-like synthetic captions for demos and benchmarks when no real pool is at hand, shaped so
 * that balancing visibly flattens the head (docs/spec.md section 4). A caption is kept when any of
 * its matched entries keeps it, so a head caption that also matched one rare entry would always be
 * kept; hence three kinds of records, as in a raw web pool:
 *
 * - head captions (45 %): common concepts of the metadata ("dog", "car", "beach", ...) in alt-text
 *   templates whose other words match no WordNet entry, so they match head entries only;
 * - tail captions (15 %): one other entry of the metadata (drawn with a Zipf law over a seeded
 *   order), sometimes beside a common concept;
 * - noise (40 %): file names, ids and sizes that match no entry.
 *
 * Most head captions name one concept; 15 % name two, since a caption is kept with about the sum
 * of its entries' keep probabilities. On a pool of N records the top concept matches about 3 % of
 * N and the last about 0.27 % of N, so at t = N / 1,000 (the demo's t = 1,000 on 1M records)
 * every common concept is above t: "dog" keeps about a tenth of its matches, the last concepts
 * under a half, while the other entries stay below t and keep all theirs.
 */

/** Deterministic PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The demo's threshold per pool record: t = records / 1,000 (t = 1,000 on 1M records). */
export const DEMO_RECORDS_PER_T = 1000;

/**
 * Head concepts, most frequent first: objects and scenes common in web image alt-texts (COCO's
 * categories and everyday scenes). Those present in the metadata form the head.
 */
export const COMMON_CONCEPTS: readonly string[] = (
  'dog, cat, car, woman, man, beach, tree, house, flower, candle, sunset, bird, cake, mountain, ' +
  'girl, boy, baby, horse, coffee, bicycle, pizza, street, garden, snow, forest, lake, river, ' +
  'sky, train, boat, kitchen, chair, table, bed, book, guitar, dress, shirt, hat, church, ' +
  'bridge, castle, window, door, field, bus, truck, airplane, motorcycle, sheep, cow, ' +
  'elephant, bear, zebra, giraffe, umbrella, backpack, tie, kite, skateboard, surfboard, ' +
  'bottle, cup, bowl, banana, apple, sandwich, orange, broccoli, carrot, couch, laptop, ' +
  'keyboard, clock, vase, scissors, child, family, building, park, road, grass, rock, sea, ' +
  'ocean, wine, bread, cheese, jacket, ring, necklace, piano, ball, person, wall, water, ' +
  'lamp, spoon, knife, fork'
).split(', ');

// Template words: none is an entry of the WordNet metadata (`metacurate metadata build`), so a
// head caption matches only its concepts. {o} and {p} are head concepts, {x} another entry, {m} a
// modifier.
const MODIFIERS =
  'sunny snowy fluffy shiny tiny rainy foggy awesome wonderful smiling posing resting walking'.split(' ');
const HEAD_TEMPLATES = [
  'photo of the {o}',
  'Photo of the {m} {o}',
  'the {o} and the {p}',
  'close-up of the {o}',
  'my {o} posing for the photo',
  'the {m} {o}, close-up',
  'our {o}, 4k hd',
  '{o} photo hd',
  'his {o} walking',
  'wonderful {o} photos, 4k',
  'the {o} with the {m} {p}',
  'her {m} {o}',
  'this {o} is awesome',
  'these {o} photos, 4k',
  'the {m} {o}, hd',
  'Awesome {m} {o} photos',
  '{o} close-up',
  'their {o} with {m} friends',
  'photo: {o} from the {p}',
  'your {m} {o}',
];
const TAIL_TEMPLATES = [
  'photo of the {x}',
  'the {x}, close-up',
  '{x} photo hd',
  'wonderful {x} photos',
  '{x}',
  'Photo: {x}',
  '{x} - 4k photo',
];
const TAIL_WITH_CONCEPT_TEMPLATES = ['our {x} with the {o}', 'the {x} and the {o}', 'my {x} beside the {o}'];
/** Noise that no English metadata matches: file names, ids, sizes, shop codes. */
const NOISE = [
  'IMG_{n}.JPG',
  'DSC{n}',
  'P{n}-XL',
  'banner_{n}x90',
  'SKU-{n}-ZX',
  'thumb_{n}',
  '{n}px',
  'IMG-{n}-WA{n}',
];

/** Share of records of each kind (the rest is noise) and of extra concepts. */
const HEAD_SHARE = 0.45;
const TAIL_SHARE = 0.15;
const TAIL_WITH_CONCEPT = 0.1;
const HEAD_ZIPF = 0.5;

/** Draws indices 0..n-1 with probability proportional to 1 / (index + 1)^s. */
function zipfSampler(n: number, s: number, rnd: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / Math.pow(i + 1, s);
  return () => {
    const x = rnd() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Entries that can match a caption as they are set in it (docs/spec.md section 3). */
function canMatch(entry: string): boolean {
  return (
    entry.length > 0 && !/[,.;:?!`\t\n\r]/.test(entry) && entry.trim() === entry && !entry.includes('  ')
  );
}

/**
 * The head (common concepts present in the metadata, in the order of COMMON_CONCEPTS; without any,
 * the first tenth of a seeded order of the entries) and the tail (the other entries, seeded order).
 */
export function splitHeadAndTail(
  entries: readonly string[],
  seed: number,
): { head: string[]; tail: string[] } {
  const usable = [...new Set(entries.filter(canMatch))];
  if (usable.length === 0) throw new Error('no usable entries to build captions from');
  const rnd = seededRandom(seed);
  for (let i = usable.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [usable[i], usable[j]] = [usable[j], usable[i]];
  }
  const present = new Set(usable);
  let head = COMMON_CONCEPTS.filter((c) => present.has(c));
  if (head.length === 0) head = usable.slice(0, Math.max(1, Math.floor(usable.length / 10)));
  const inHead = new Set(head);
  const tail = usable.filter((e) => !inHead.has(e));
  return { head, tail: tail.length > 0 ? tail : head };
}

/** `count` captions built from `entries` (only entries that can match are used). */
export function generateCaptions(entries: readonly string[], count: number, seed: number): string[] {
  const { head, tail } = splitHeadAndTail(entries, seed);
  const rnd = seededRandom(seed + 1);
  // Flat enough that the last concept still matches well above the demo's t.
  const headIndex = zipfSampler(head.length, HEAD_ZIPF, rnd);
  const tailIndex = zipfSampler(tail.length, 0.6, rnd);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const concept = (): string => head[headIndex()];
  const otherConcept = (first: string): string => {
    const second = concept();
    return second === first && head.length > 1 ? concept() : second;
  };
  const captions: string[] = new Array<string>(count);
  for (let n = 0; n < count; n++) {
    const kind = rnd();
    if (kind < HEAD_SHARE) {
      const o = concept();
      captions[n] = pick(HEAD_TEMPLATES)
        .replace('{o}', o)
        .replace('{p}', () => otherConcept(o))
        .replace(/\{m\}/g, () => pick(MODIFIERS));
    } else if (kind < HEAD_SHARE + TAIL_SHARE) {
      const x = tail[tailIndex()];
      const template = pick(rnd() < TAIL_WITH_CONCEPT ? TAIL_WITH_CONCEPT_TEMPLATES : TAIL_TEMPLATES);
      captions[n] = template.replace('{x}', x).replace('{o}', concept);
    } else {
      captions[n] = pick(NOISE).replace(/\{n\}/g, () => String(100 + Math.floor(rnd() * 99900)));
    }
  }
  return captions;
}
