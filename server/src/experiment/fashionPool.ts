/**
 * The miniature experiment's web-like pool, planned from Fashion-MNIST images: a balanced test
 * split held out first, then a long-tailed pool (class frequencies falling geometrically from a
 * head class to tail classes `headToTail` times rarer, the class ranks shuffled by the seed),
 * each image given a noisy alt-text:
 *   class       names its class (the class name or a synonym) in a web-like template
 *   misleading  names another class (drawn by the classes' popularity), as SEO spam and bad
 *               alt-texts do
 *   generic     matches only generic entries (fashion, clothing, style, outfit, photo)
 *   noise       matches no entry at all (file names, shop boilerplate)
 * With the default mix about half of the texts match no entry, as in a raw web pool. Everything
 * here is pure and deterministic given the seed; mini.ts writes it out.
 */
import { seededRandom } from '../../engine/src/syntheticPool';

export interface FashionClass {
  /** The class name, used in zero-shot prompts; also the first of `synonyms`. */
  name: string;
  /** Metadata entries naming the class. */
  synonyms: string[];
}

export const FASHION_CLASSES: FashionClass[] = [
  { name: 't-shirt', synonyms: ['t-shirt', 'tee', 'tank top'] },
  { name: 'trousers', synonyms: ['trousers', 'pants', 'jeans'] },
  { name: 'pullover', synonyms: ['pullover', 'sweater', 'jumper'] },
  { name: 'dress', synonyms: ['dress', 'gown', 'sundress'] },
  { name: 'coat', synonyms: ['coat', 'jacket', 'parka'] },
  { name: 'sandal', synonyms: ['sandal', 'sandals', 'flip-flops'] },
  { name: 'shirt', synonyms: ['shirt', 'blouse', 'flannel'] },
  { name: 'sneaker', synonyms: ['sneaker', 'sneakers', 'trainers'] },
  { name: 'bag', synonyms: ['bag', 'handbag', 'purse'] },
  { name: 'ankle boot', synonyms: ['ankle boot', 'boots', 'booties'] },
];

/** Entries that many texts match and that say nothing of the class: head entries of the pool. */
export const GENERIC_ENTRIES = ['fashion', 'clothing', 'style', 'outfit', 'photo'];

/** Entries of a wider vocabulary that this pool never mentions (metadata lists are broad). */
export const OTHER_ENTRIES = [
  'dog',
  'cat',
  'car',
  'bicycle',
  'mountain',
  'beach',
  'pizza',
  'guitar',
  'tree',
  'bridge',
  'airplane',
  'laptop',
  'flower',
  'horse',
  'castle',
  'river',
  'clock',
  'umbrella',
  'chair',
  'lamp',
];

/** The experiment's metadata: class synonyms, generic entries, then the wider vocabulary. */
export function miniMetadata(): string[] {
  return [...FASHION_CLASSES.flatMap((c) => c.synonyms), ...GENERIC_ENTRIES, ...OTHER_ENTRIES];
}

/** Zero-shot prompt templates ({c} is the class name); none is a training template. */
export const ZEROSHOT_TEMPLATES = [
  'a photo of a {c}.',
  'a picture of a {c}.',
  'a {c}.',
  'an image of the {c}.',
  'a product photo of a {c}.',
];

const CLASS_TEMPLATES = [
  '{x}',
  'a photo of a {x}',
  '{x} for women',
  "men's {x}, size m",
  'new {x} on sale',
  'vintage {x}',
  'black {x}',
  '{x} in grey',
  'cheap {x} free shipping',
  'my favourite {x}',
  '{x} - best price',
  'summer {x} 2019',
  'white {x}, worn once',
  'kids {x}',
];

const GENERIC_TEXTS = [
  'fashion',
  'fashion photo',
  'clothing store',
  'street style',
  'outfit of the day',
  'fashion week 2019',
  'photo {n} of 5',
  'new clothing collection',
  'my style',
  'spring outfit ideas',
  'vintage clothing',
  'style guide',
];

const NOISE_TEXTS = [
  'IMG_{n}.jpg',
  'DSC{n}',
  'click here',
  'free shipping',
  'buy now',
  'untitled',
  'thumbnail',
  'image {n}',
  'item #{n}',
  'size m, 100% cotton',
  'best price guaranteed',
  'product {n}',
  'sale!',
  'loading...',
  'banner 728x90',
  'see more',
  'zoom',
  'add to cart',
  'in stock',
  'machine washable',
];

export type TextKind = 'class' | 'misleading' | 'generic' | 'noise';
export const TEXT_KINDS: TextKind[] = ['class', 'misleading', 'generic', 'noise'];

export interface TextMix {
  class: number;
  misleading: number;
  generic: number;
  noise: number;
}

export const DEFAULT_TEXT_MIX: TextMix = { class: 0.4, misleading: 0.05, generic: 0.07, noise: 0.48 };

export interface PoolPlanOptions {
  seed: number;
  /** Images available per class. */
  available: number[];
  /** Held-out test images per class (balanced). */
  testPerClass: number;
  /** Pool size wanted; default (and at most) as large as the head class's images allow. */
  poolSize?: number;
  /** Frequency of the head class over the rarest class (default 30). */
  headToTail?: number;
  /** Alt-texts per pool image, each its own pair, drawn independently (default 1): a web pool
   * holds the same image under several texts, and this scales the pool past the images. */
  textsPerImage?: number;
  mix?: TextMix;
}

export interface PlannedImage {
  label: number;
  /** Index of the image within its class file. */
  image: number;
}

export interface PoolRecord extends PlannedImage {
  key: string;
  text: string;
  kind: TextKind;
  /** The class the text names (class and misleading texts), else null. */
  textClass: number | null;
}

export interface PoolPlan {
  /** Classes from the most to the least frequent. */
  classRanks: number[];
  /** Pool images per class (by label). */
  classCounts: number[];
  test: PlannedImage[];
  pool: PoolRecord[];
  /** True when --pool-size asked for more than the images allow. */
  capped: boolean;
}

function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function pick<T>(items: readonly T[], rand: () => number): T {
  return items[Math.floor(rand() * items.length)];
}

/** Class counts falling geometrically from `head` (rank 0) to head / headToTail (last rank). */
export function longTailCounts(head: number, classes: number, headToTail: number): number[] {
  const ratio = Math.pow(1 / headToTail, 1 / (classes - 1));
  return Array.from({ length: classes }, (_, r) => Math.max(1, Math.round(head * Math.pow(ratio, r))));
}

/** A synonym of the class: the class name half of the time, else another synonym. */
function nameFor(cls: FashionClass, rand: () => number): string {
  return rand() < 0.5 ? cls.name : pick(cls.synonyms.slice(1), rand);
}

function fill(template: string, values: { x?: string; n?: number }): string {
  return template.replace('{x}', values.x ?? '').replace('{n}', String(values.n ?? 0));
}

export function planPool(options: PoolPlanOptions): PoolPlan {
  const classes = options.available.length;
  const headToTail = options.headToTail ?? 30;
  const mix = options.mix ?? DEFAULT_TEXT_MIX;
  const textsPerImage = options.textsPerImage ?? 1;
  if (!Number.isInteger(textsPerImage) || textsPerImage < 1)
    throw new Error(`texts per image must be a positive integer, got ${textsPerImage}`);
  const rand = seededRandom(options.seed * 7919 + 17);

  // 1. The balanced test split, drawn first from every class.
  const orders = options.available.map((n) =>
    shuffle(
      Array.from({ length: n }, (_, i) => i),
      rand,
    ),
  );
  const test: PlannedImage[] = [];
  for (let c = 0; c < classes; c++) {
    if (orders[c].length < options.testPerClass + 1) {
      throw new Error(`class ${c} has ${orders[c].length} images, fewer than the test split needs`);
    }
    for (const image of orders[c].slice(0, options.testPerClass)) test.push({ label: c, image });
  }

  // 2. Long-tailed pool counts over shuffled class ranks.
  const classRanks = shuffle(
    Array.from({ length: classes }, (_, c) => c),
    rand,
  );
  const maxHead = Math.min(...orders.map((o) => o.length - options.testPerClass));
  const shape = longTailCounts(1_000_000, classes, headToTail).map((n) => n / 1_000_000);
  const wantedHead =
    options.poolSize === undefined
      ? maxHead
      : options.poolSize / textsPerImage / shape.reduce((a, b) => a + b, 0);
  const capped = wantedHead > maxHead;
  const head = Math.max(1, Math.min(maxHead, Math.round(wantedHead)));
  const byRank = longTailCounts(head, classes, headToTail);
  const classCounts = new Array<number>(classes).fill(0);
  classRanks.forEach(
    (c, r) => (classCounts[c] = Math.min(byRank[r], orders[c].length - options.testPerClass)),
  );

  // 3. Texts. Misleading texts name another class drawn by the classes' pool frequencies.
  const images: PlannedImage[] = [];
  for (let c = 0; c < classes; c++) {
    for (const image of orders[c].slice(options.testPerClass, options.testPerClass + classCounts[c])) {
      images.push({ label: c, image });
    }
  }
  shuffle(images, rand);
  const total = classCounts.reduce((a, b) => a + b, 0);
  const drawText = (img: PlannedImage): Omit<PoolRecord, 'key'> => {
    const u = rand();
    let kind: TextKind;
    if (u < mix.class) kind = 'class';
    else if (u < mix.class + mix.misleading) kind = 'misleading';
    else if (u < mix.class + mix.misleading + mix.generic) kind = 'generic';
    else kind = 'noise';
    const n = 1000 + Math.floor(rand() * 9000);
    let text: string;
    let textClass: number | null = null;
    if (kind === 'class' || kind === 'misleading') {
      textClass = img.label;
      if (kind === 'misleading') {
        // Another class, in proportion to its pool count.
        let r = rand() * (total - classCounts[img.label]);
        for (let c = 0; c < classes; c++) {
          if (c === img.label) continue;
          r -= classCounts[c];
          if (r < 0) {
            textClass = c;
            break;
          }
        }
        if (textClass === img.label) textClass = (img.label + 1) % classes;
      }
      text = fill(pick(CLASS_TEMPLATES, rand), { x: nameFor(FASHION_CLASSES[textClass!], rand) });
    } else if (kind === 'generic') {
      text = fill(pick(GENERIC_TEXTS, rand), { n: 1 + (n % 5) });
    } else {
      text = fill(pick(NOISE_TEXTS, rand), { n });
    }
    return { label: img.label, image: img.image, text, kind, textClass };
  };
  const drawn: Omit<PoolRecord, 'key'>[] = [];
  for (const img of images) for (let k = 0; k < textsPerImage; k++) drawn.push(drawText(img));
  // With one text per image the order is the images' (shuffled) order already.
  if (textsPerImage > 1) shuffle(drawn, rand);
  const keyWidth = Math.max(6, String(drawn.length - 1).length);
  const pool: PoolRecord[] = drawn.map((r, i) => ({ key: `p${String(i).padStart(keyWidth, '0')}`, ...r }));
  return { classRanks, classCounts, test, pool, capped };
}

/** Counts of `items` by a numeric field, as an array over the classes. */
export function countByLabel(items: Iterable<{ label: number }>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const item of items) counts[item.label]++;
  return counts;
}
