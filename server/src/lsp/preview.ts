/**
 * "Preview matches" for samples the editor cannot show as text (Parquet, WebDataset tar): the first
 * N records rendered as JSON Lines, `{"index":0,"key":"…","text":"…"}`, in a read-only virtual
 * document (scheme `metacurate-preview`) that the server highlights like any JSONL sample.
 */
import { fileURLToPath } from 'node:url';
import { InputError } from '../../engine/src/errors';
import { detectFormat } from '../../engine/src/pool/formats';
import { readParquetSchema } from '../../engine/src/pool/parquet';
import { readPool } from '../../engine/src/pool/read';
import type { PoolFormat, SkippedRecord } from '../../engine/src/pool/types';
import { DEFAULT_TEXT_FIELDS, PREVIEW_SCHEME } from '../../../contracts/src/lsp';

/** The caption field of preview documents. */
export const PREVIEW_TEXT_FIELD = 'text';
const PREVIEW_SUFFIX = '.preview.jsonl';

export function previewUriFor(fileUri: string): string {
  const path = fileUri.startsWith('file:') ? fileURLToPath(fileUri) : fileUri;
  return `${PREVIEW_SCHEME}:${encodeURI(path.split('\\').join('/'))}${PREVIEW_SUFFIX}`;
}

/** The sample file a preview URI shows, or undefined. */
export function previewSourcePath(previewUri: string): string | undefined {
  if (!previewUri.startsWith(`${PREVIEW_SCHEME}:`)) return undefined;
  let rest = previewUri.slice(PREVIEW_SCHEME.length + 1);
  const q = rest.search(/[?#]/);
  if (q >= 0) rest = rest.slice(0, q);
  if (!rest.endsWith(PREVIEW_SUFFIX)) return undefined;
  let path = decodeURIComponent(rest.slice(0, -PREVIEW_SUFFIX.length));
  if (path.startsWith('//')) path = path.replace(/^\/\/[^/]*/, '');
  return path;
}

/** Caption fields to read: the configured one, or the defaults that the file has. */
async function fieldsFor(file: string, format: PoolFormat, textField: string): Promise<string[]> {
  if (textField) return [textField];
  if (format === 'webdataset') return ['txt', ...DEFAULT_TEXT_FIELDS];
  if (format === 'text') return [];
  if (format === 'parquet') {
    const { schema } = await readParquetSchema(file);
    const names = new Set(schema.slice(1).map((e) => e.name));
    const present = DEFAULT_TEXT_FIELDS.filter((f) => names.has(f));
    return present.length > 0 ? present : [...DEFAULT_TEXT_FIELDS.slice(0, 1)];
  }
  return [...DEFAULT_TEXT_FIELDS];
}

export interface PreviewContent {
  content: string;
  records: number;
  skipped: number;
}

/**
 * The first `limit` records of a sample file as preview JSON Lines. Bad records are passed
 * over; when there is none to show, the first problem is thrown (an InputError naming the file
 * and the place), so a damaged shard gets an error instead of an empty preview.
 */
export async function renderPreview(file: string, limit: number, textField: string): Promise<PreviewContent> {
  const format = detectFormat(file);
  const textFields = await fieldsFor(file, format, textField);
  const lines: string[] = [];
  let skipped = 0;
  let firstSkipped: SkippedRecord | undefined;
  // Without payloads: a shard's images are skipped over, not read.
  const gen = readPool(file, format, { textFields, onError: 'skip', withPayload: false });
  try {
    for await (const item of gen) {
      if (item.kind !== 'record') {
        skipped++;
        firstSkipped ??= item;
        if (skipped > 10 * Math.max(limit, 1)) break;
        continue;
      }
      lines.push(
        JSON.stringify({ index: item.index, key: item.key, [PREVIEW_TEXT_FIELD]: item.texts[0] ?? '' }),
      );
      if (lines.length >= limit) break;
    }
  } finally {
    await gen.return(undefined);
  }
  if (lines.length === 0 && firstSkipped !== undefined) {
    throw new InputError(file, firstSkipped.location, firstSkipped.reason, firstSkipped.detail);
  }
  return { content: lines.length > 0 ? lines.join('\n') + '\n' : '', records: lines.length, skipped };
}
