/**
 * Whether a curation holds what the trainers train on: image-text pairs. Both trainers (the
 * built-in one and OpenCLIP) read
 *   - WebDataset shards (.tar) whose samples have an image member (.jpg, .png, … the trainer's
 *     IMAGE_EXTENSIONS) and a .txt caption, or
 *   - CSV/TSV files with a `filepath` column (image paths) and a `title` column (captions), the
 *     columns both trainers read by default.
 * A curation of JSONL, plain text, Parquet, shards without image members or a CSV without the
 * image column is text only: it is refused before a run folder is made, with this reason.
 * The check reads the first samples of the first non-empty shard, or the CSV header: cheap
 * enough for the editor's curation pick.
 */
import { extname, relative } from 'node:path';
import { readCsvHeader } from '../pool/csv';
import { readTar } from '../pool/tar';
import { splitSampleName } from '../pool/webdataset';

/** The image member extensions the built-in trainer decodes (trainer/metacurate_trainer/data.py). */
export const TRAINER_IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'bmp', 'pgm', 'ppm'] as const;

/** The CSV columns both trainers read (OpenCLIP's --csv-img-key/--csv-caption-key defaults). */
export const TRAINER_CSV_COLUMNS = { image: 'filepath', caption: 'title' } as const;

/** Tar members looked at before a shard counts as holding no image-text sample. */
const MEMBERS_LOOKED_AT = 256;

/** Why a curation cannot be trained on: a short label for a pick, and the whole reason. */
export interface TrainingDataProblem {
  /** E.g. "text only: the trainer needs images". */
  label: string;
  /** What was found, naming the file. */
  detail: string;
}

export const TEXT_ONLY = 'text only: the trainer needs images';

/** The kind of each output file by its extension: what the trainers read, or not. */
export function outputKind(file: string): 'webdataset' | 'csv' | 'other' {
  return /\.tar$/i.test(file) ? 'webdataset' : /\.(csv|tsv)$/i.test(file) ? 'csv' : 'other';
}

/**
 * The problem with outputs by their file names alone: none, outputs of mixed kinds, or outputs
 * the trainers do not read (JSONL, text, Parquet: text only). `names` are for the message.
 */
export function outputKindProblem(files: string[], names: string[] = files): TrainingDataProblem | undefined {
  if (files.length === 0) return { label: 'no outputs', detail: 'the curation wrote no output files' };
  const kinds = new Set(files.map(outputKind));
  if (kinds.has('other')) {
    const exts = [...new Set(files.filter((f) => outputKind(f) === 'other').map((f) => extname(f) || f))];
    return {
      label: TEXT_ONLY,
      detail:
        `its outputs (${names.join(', ')}) are ${exts.join(', ')} files, without images; the trainers read ` +
        'image-text pairs: WebDataset shards (.tar) with image members, or CSV/TSV with a ' +
        `'${TRAINER_CSV_COLUMNS.image}' column of image paths`,
    };
  }
  if (kinds.size > 1) {
    return {
      label: 'mixed outputs',
      detail: `its outputs (${names.join(', ')}) mix WebDataset shards and CSV files; the trainers read one kind`,
    };
  }
  return undefined;
}

/** The members of the first samples of a shard (at most MEMBERS_LOOKED_AT): key → extensions. */
async function firstSamples(file: string): Promise<Map<string, Set<string>>> {
  const samples = new Map<string, Set<string>>();
  let seen = 0;
  for await (const entry of readTar(file, { reads: () => false })) {
    if (entry.type !== 'file') continue;
    const split = splitSampleName(entry.name);
    if (split === undefined) continue;
    let exts = samples.get(split.key);
    if (!exts) samples.set(split.key, (exts = new Set()));
    exts.add(split.ext.toLowerCase());
    if (++seen >= MEMBERS_LOOKED_AT) break;
  }
  return samples;
}

const isImage = (ext: string) => (TRAINER_IMAGE_EXTENSIONS as readonly string[]).includes(ext);

/**
 * Why the curation's training files hold no image-text pairs the trainers read, or undefined
 * when they do (paths in the message relative to `root` when given). Empty outputs are passed over (a shard may keep no record); a file that cannot
 * be read throws the readers' InputError.
 */
export async function trainingDataProblem(
  files: string[],
  /** The curation folder: the message names the outputs relative to it. */
  root?: string,
): Promise<TrainingDataProblem | undefined> {
  const byName = outputKindProblem(files, root === undefined ? files : files.map((f) => relative(root, f)));
  if (byName) return byName;
  if (outputKind(files[0]) === 'csv') return csvProblem(files[0]);
  for (const file of files) {
    const samples = await firstSamples(file);
    if (samples.size === 0) continue;
    for (const exts of samples.values()) if (exts.has('txt') && [...exts].some(isImage)) return undefined;
    const [key, exts] = samples.entries().next().value as [string, Set<string>];
    const members = [...exts].map((e) => `.${e}`).join(', ');
    return {
      label: TEXT_ONLY,
      detail:
        `the samples of ${file} have no image member beside a .txt caption (sample '${key}' has ${members}; ` +
        `images are .${TRAINER_IMAGE_EXTENSIONS.join(', .')})`,
    };
  }
  return { label: 'empty', detail: 'the curation kept no records: its shards hold no sample' };
}

async function csvProblem(file: string): Promise<TrainingDataProblem | undefined> {
  const { columns } = await readCsvHeader(file, /\.tsv$/i.test(file) ? 'tsv' : 'csv');
  const shown = columns.map((c) => `'${c}'`).join(', ');
  if (!columns.includes(TRAINER_CSV_COLUMNS.image)) {
    return {
      label: TEXT_ONLY,
      detail: `${file} has no '${TRAINER_CSV_COLUMNS.image}' column of image paths (columns: ${shown})`,
    };
  }
  if (!columns.includes(TRAINER_CSV_COLUMNS.caption)) {
    return {
      label: `no '${TRAINER_CSV_COLUMNS.caption}' column`,
      detail: `${file} has no '${TRAINER_CSV_COLUMNS.caption}' column of captions (columns: ${shown})`,
    };
  }
  return undefined;
}
