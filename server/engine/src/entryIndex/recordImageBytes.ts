/**
 * The bytes of a record's image (a WebDataset member at its place in the shard, or a local file
 * an image field names), checked and turned into a `data:` URI: the one reader of the entry
 * browser (the extension host, for a webview under a strict CSP: no file or remote sources) and
 * of hover thumbnails (the language server, with the smaller HOVER_IMAGE_BYTES_CAP). Hostile input is an error for that one image, never a crash: a member running past
 * the end of its shard, a size over the cap, bytes that are not the image type named (SVG never
 * is one), a FIFO, a device or a folder, a symbolic link out of the pool's folder. URLs are
 * never fetched.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { relative, isAbsolute } from 'node:path';
import type { ImageMime, RecordImage } from '../../../../contracts/src/entryRecords';
import type { ShownImage } from '../../../../contracts/src/entryBrowserMessages';

/** The largest image read (bytes); larger ones are named, not shown. */
export const IMAGE_BYTES_CAP = 2 * 1024 * 1024;

/** The largest image a hover shows as a thumbnail (bytes): hovers travel as one message. */
export const HOVER_IMAGE_BYTES_CAP = 256 * 1024;

/** The most image bytes read for one page: past it, the page's other images are not loaded. */
export const PAGE_IMAGE_BYTES_CAP = 32 * 1024 * 1024;

/** Images read at once. */
const CONCURRENT_READS = 4;

const MIME_NAMES: Record<ImageMime, string> = {
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'image/webp': 'WebP',
  'image/gif': 'GIF',
};

const startsWith = (bytes: Uint8Array, at: number, prefix: readonly number[]) =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);

/** The image type the bytes' magic number says (PNG, JPEG, WebP, GIF), or undefined. */
export function sniffImageMime(bytes: Uint8Array): ImageMime | undefined {
  if (startsWith(bytes, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, 0, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, 8, [0x57, 0x45, 0x42, 0x50]))
    return 'image/webp';
  const gif = [0x47, 0x49, 0x46, 0x38]; // GIF8, then 7a or 9a
  if (startsWith(bytes, 0, gif) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61)
    return 'image/gif';
  return undefined;
}

/**
 * The checked image as a data URI, or the reason it is not shown: the bytes must be the type
 * `mime` names (by the magic number; the name's extension alone proves nothing).
 */
export function imageFromBytes(bytes: Uint8Array, mime: ImageMime, what: string): ShownImage {
  const found = sniffImageMime(bytes);
  if (found === mime)
    return { kind: 'data', uri: `data:${mime};base64,${Buffer.from(bytes).toString('base64')}` };
  const holds = found
    ? `a ${MIME_NAMES[found]} image`
    : bytes.length === 0
      ? 'no bytes'
      : 'no PNG, JPEG, WebP or GIF image';
  return { kind: 'error', message: `${what} should be a ${MIME_NAMES[mime]} image but holds ${holds}` };
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** Too large to show, said with the cap. */
function overCap(what: string, size: number, cap: number): ShownImage {
  return { kind: 'error', message: `${what} has ${mib(size)}; images over ${mib(cap)} are not shown` };
}

/** The kind of a non-regular file, for a message. */
function fileKind(stats: {
  isFIFO(): boolean;
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads `length` bytes at `position` of a regular file, at most `cap`. Opened without blocking
 * (a FIFO would wait for a writer) and checked on the open handle, so the file read is the one
 * checked.
 */
async function readRegular(
  path: string,
  what: string,
  at: { position: number; length?: number },
  cap: number,
): Promise<Buffer | ShownImage> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile())
      return { kind: 'error', message: `${what} is ${fileKind(stats)}, not an image file` };
    const length = at.length ?? stats.size - at.position;
    if (length > cap) return overCap(what, length, cap);
    if (at.position + length > stats.size)
      return {
        kind: 'error',
        message: `${what} runs past the end of ${path} (${length} bytes at ${at.position}, the file has ${stats.size}): the file is truncated or the size is wrong`,
      };
    const bytes = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(bytes, read, length - read, at.position + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read < length)
      return { kind: 'error', message: `${what} is cut short: ${read} of ${length} bytes could be read` };
    return bytes;
  } finally {
    await handle.close();
  }
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The image of a record, read and checked: a data URI, or the reason it is not shown. URLs and
 * refused values are not read (the webview shows them from the record itself): undefined.
 */
export async function readRecordImage(
  image: RecordImage,
  cap = IMAGE_BYTES_CAP,
): Promise<ShownImage | undefined> {
  try {
    if (image.kind === 'member') {
      const what = `member ${image.member}`;
      if (image.size > cap) return overCap(what, image.size, cap);
      const bytes = await readRegular(image.file, what, { position: image.offset, length: image.size }, cap);
      return Buffer.isBuffer(bytes) ? imageFromBytes(bytes, image.mime, what) : bytes;
    }
    if (image.kind === 'file') {
      // The path was checked against the pool's folder as written; a symbolic link inside it may
      // still lead out, so the real path is checked again.
      const [real, root] = await Promise.all([realpath(image.path), realpath(image.root)]);
      const inside = relative(root, real);
      if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
        return {
          kind: 'error',
          message: `${image.path} leads to ${real}, outside the pool file's folder ${root}; only images inside it are opened`,
        };
      const bytes = await readRegular(real, image.path, { position: 0 }, cap);
      return Buffer.isBuffer(bytes) ? imageFromBytes(bytes, image.mime, image.path) : bytes;
    }
    return undefined;
  } catch (err) {
    return { kind: 'error', message: `cannot read the image: ${errorText(err)}` };
  }
}

/** The bytes an image costs a page, known before reading it (a file's size is known once read). */
function declaredBytes(image: RecordImage): number {
  return image.kind === 'member' ? image.size : 0;
}

/**
 * Reads a page's images, a few at a time, each handed to `onImage` as it is ready (in no set
 * order); past `pageCap` bytes the rest are not loaded and say so. Stops when `cancelled()`.
 */
export async function readPageImages(
  images: readonly (RecordImage | undefined)[],
  onImage: (index: number, shown: ShownImage) => void,
  cancelled: () => boolean,
  caps: { image: number; page: number } = { image: IMAGE_BYTES_CAP, page: PAGE_IMAGE_BYTES_CAP },
): Promise<void> {
  let next = 0;
  let spent = 0;
  const worker = async (): Promise<void> => {
    while (next < images.length && !cancelled()) {
      const index = next++;
      const image = images[index];
      if (image === undefined) continue;
      if (spent + declaredBytes(image) > caps.page) {
        onImage(index, { kind: 'error', message: `not loaded: this page's images passed ${mib(caps.page)}` });
        continue;
      }
      spent += declaredBytes(image);
      const shown = await readRecordImage(image, caps.image);
      if (shown === undefined || cancelled()) continue;
      if (image.kind === 'file' && shown.kind === 'data') spent += shown.uri.length;
      onImage(index, shown);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_READS }, worker));
}
