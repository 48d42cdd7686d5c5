/**
 * Web-like synthetic captions for demos and benchmarks when no real pool is at hand: entries of
 * the metadata drawn with a Zipf law (a few head entries are very frequent, most are rare), set
 * in alt-text templates, with about half of the captions matching no entry at all, as in a raw
 * web pool (docs/spec.md section 3).
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

const TEMPLATES = [
  'a photo of a {a}',
  '{a} on a {b} background',
  'stock image of {a} and {b}',
  'close-up of the {a}, {b}',
  '{A} with {b} in the garden',
  'vintage postcard: {a}',
  'the best {a} ideas for your {b}',
  '{a} vector illustration',
  'IMG_{n}.jpg',
  'DSC{n} {a}',
];
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

/** `count` captions built from `entries` (only entries that can match are used). */
export function generateCaptions(entries: readonly string[], count: number, seed: number): string[] {
  const usable = entries.filter(
    (e) => e.length > 0 && !/[,.;:?!`\t\n\r]/.test(e) && e.trim() === e && !e.includes('  '),
  );
  if (usable.length === 0) throw new Error('no usable entries to build captions from');
  const rnd = seededRandom(seed);
  // Zipf with exponent ~1.1 over a shuffled order of the entries, so the head is not alphabetical.
  const order = usable.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const zipf = () =>
    usable[order[Math.min(order.length - 1, Math.floor(Math.pow(order.length + 1, rnd() ** 1.1)) - 1)]];
  const captions: string[] = [];
  for (let n = 0; n < count; n++) {
    if (rnd() < 0.5) {
      captions.push(
        NOISE[Math.floor(rnd() * NOISE.length)].replace(/\{n\}/g, () =>
          String(100 + Math.floor(rnd() * 99900)),
        ),
      );
      continue;
    }
    const a = zipf();
    const b = zipf();
    const template = TEMPLATES[Math.floor(rnd() * TEMPLATES.length)];
    captions.push(
      template
        .replace('{a}', a)
        .replace('{A}', a.charAt(0).toUpperCase() + a.slice(1))
        .replace('{b}', b)
        .replace('{n}', String(Math.floor(rnd() * 10000))),
    );
  }
  return captions;
}
