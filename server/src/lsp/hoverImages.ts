/**
 * Thumbnails in an entry's hover (VS Code only: the client announces `hoverImages`): a few images
 * of the records the active curation kept (then dropped), read with the entry browser's checks
 * (engine entryIndex/recordImageBytes.ts) under the smaller hover cap, as `data:` URIs. A hover
 * never waits long for them: past the time budget it shows without images.
 */
import type {
  EntryRecordsFilter,
  EntryRecordsResult,
  RecordImage,
} from '../../../contracts/src/entryRecords';
import type { EntryPage } from '../../engine/src/entryIndex/curationEntryRecords';
import { HOVER_IMAGE_BYTES_CAP, readRecordImage } from '../../engine/src/entryIndex/recordImageBytes';

/** Thumbnails a hover shows at most. */
export const HOVER_THUMBNAILS = 3;

/** The longest a hover waits for its thumbnails (ms); past it the hover shows without them. */
export const HOVER_IMAGES_BUDGET_MS = 300;

/** Records looked at per filter for an image (a record without one, or refused, is skipped). */
const RECORDS_LOOKED_AT = 12;

/** Side of a thumbnail in the hover (CSS pixels). */
const THUMBNAIL_PX = 64;

/** A record's image, checked and ready for the hover. */
export interface HoverThumbnail {
  /** The record's key (the image's alt text). */
  key: string;
  kept: boolean;
  /** `data:image/…;base64,…`. */
  uri: string;
}

/** A page of the entry's records in the curation (the entry browser's `page`). */
export type RecordsPage = (q: EntryPage) => Promise<EntryRecordsResult>;

/**
 * Up to HOVER_THUMBNAILS images of the entry's records, kept ones first, each read and checked;
 * a record whose image is a URL, refused, too large or not the type named is skipped.
 */
export async function hoverThumbnails(
  page: RecordsPage,
  q: { entryId: number; imageField: string },
  cap = HOVER_IMAGE_BYTES_CAP,
): Promise<HoverThumbnail[]> {
  const out: HoverThumbnail[] = [];
  for (const filter of ['kept', 'dropped'] satisfies EntryRecordsFilter[]) {
    const { records } = await page({
      entryId: q.entryId,
      filter,
      offset: 0,
      limit: RECORDS_LOOKED_AT,
      ...(q.imageField ? { imageField: q.imageField } : {}),
    });
    for (const record of records) {
      if (!isLocal(record.image)) continue;
      const shown = await readRecordImage(record.image, cap);
      if (shown?.kind !== 'data') continue;
      out.push({ key: record.key, kept: filter === 'kept', uri: shown.uri });
      if (out.length >= HOVER_THUMBNAILS) return out;
    }
  }
  return out;
}

const isLocal = (image: RecordImage | undefined): image is RecordImage & { kind: 'member' | 'file' } =>
  image?.kind === 'member' || image?.kind === 'file';

/** The thumbnails, or none when they are not ready within `budgetMs` (or fail). */
export async function withinBudget(
  thumbnails: Promise<HoverThumbnail[]>,
  budgetMs = HOVER_IMAGES_BUDGET_MS,
): Promise<HoverThumbnail[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<HoverThumbnail[]>((done) => {
    timer = setTimeout(() => done([]), budgetMs);
  });
  try {
    return await Promise.race([thumbnails.catch(() => []), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Characters that would end a markdown image's alt text or break its line. */
const escapeAlt = (text: string) =>
  text.replace(/[\\[\]\r\n]/g, (c) => (c === '\n' || c === '\r' ? ' ' : `\\${c}`));

/**
 * The hover's thumbnails line: markdown images with `data:` URIs, sized with VS Code's
 * `|width=…,height=…` suffix (its hover renderer reads it; no HTML needed).
 */
export function thumbnailsMarkdown(thumbnails: readonly HoverThumbnail[]): string {
  if (thumbnails.length === 0) return '';
  const size = `|width=${THUMBNAIL_PX},height=${THUMBNAIL_PX}`;
  const images = thumbnails.map(
    (t) => `![${escapeAlt(`${t.kept ? 'kept' : 'dropped'}: ${t.key}`)}](${t.uri}${size})`,
  );
  const kept = thumbnails.filter((t) => t.kept).length;
  const what =
    kept === thumbnails.length
      ? 'kept'
      : kept === 0
        ? 'dropped'
        : `${kept} kept, ${thumbnails.length - kept} dropped`;
  return `Images (${what}): ${images.join(' ')}`;
}
