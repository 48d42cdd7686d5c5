/**
 * Where a browsed record's image is: a WebDataset sample's image member, or the local file or URL
 * an image field names. Only located here, never read: the editor's host reads the bytes, with
 * its own size cap and a check of the magic bytes (recordImageBytes.ts).
 */
import { dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import type { ImageMime, RecordImage } from '../../../../contracts/src/entryRecords';
import type { SampleMember } from '../pool/types';
import { splitSampleName } from '../pool/webdataset';

/** The image types shown, by file or member extension (lower case, without the dot). */
export const IMAGE_MIME_BY_EXTENSION: Readonly<Record<string, ImageMime>> = Object.freeze({
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
});

/** The mime of an extension ('png', 'JPG'), or undefined when it is not an image type shown. */
export function imageMimeOf(extension: string): ImageMime | undefined {
  const ext = extension.toLowerCase();
  return Object.prototype.hasOwnProperty.call(IMAGE_MIME_BY_EXTENSION, ext)
    ? IMAGE_MIME_BY_EXTENSION[ext]
    : undefined;
}

/** A sample's first image member (`key.jpg`, `key.png`, …), in shard order; undefined if none. */
export function memberImage(shard: string, members: readonly SampleMember[]): RecordImage | undefined {
  for (const member of members) {
    const mime = imageMimeOf(splitSampleName(member.name)?.ext ?? '');
    if (mime !== undefined)
      return {
        kind: 'member',
        file: shard,
        member: member.name,
        offset: member.dataOffset,
        size: member.size,
        mime,
      };
  }
  return undefined;
}

/** `scheme:` at the start of a value; a single letter is a Windows drive, not a scheme. */
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;

/**
 * What an image field's value names, for a record of `poolFile`: an http(s) URL (shown as a link,
 * never fetched), or a local image file inside the pool file's folder (a relative path is taken
 * from that folder). Anything else is refused with the reason: another scheme, a path that
 * leaves the folder, a name that is not a PNG/JPEG/WebP/GIF file. An empty value: no image.
 */
export function fieldImage(value: string, poolFile: string): RecordImage | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const refused = (reason: string): RecordImage => ({ kind: 'refused', value: trimmed, reason });
  const scheme = SCHEME.exec(trimmed)?.[1].toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    try {
      return { kind: 'url', url: new URL(trimmed).href };
    } catch {
      return refused('is not a valid URL');
    }
  }
  if (scheme !== undefined)
    return refused(`is a '${scheme}:' address; only local files and http(s) URLs are shown`);
  if (trimmed.includes('\0')) return refused('holds a NUL character');
  const root = dirname(poolFile);
  const path = resolve(root, trimmed);
  const inside = relative(root, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
    return refused(`is outside the pool file's folder ${root}; only images inside it are opened`);
  const mime = imageMimeOf(extname(path).slice(1));
  if (mime === undefined) return refused('is not a .png, .jpg, .jpeg, .webp or .gif file');
  return { kind: 'file', path, root, mime };
}
