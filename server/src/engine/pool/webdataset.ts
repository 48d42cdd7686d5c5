/**
 * WebDataset shards: tar files whose consecutive members sharing a key form one sample
 * (`dir/000123.jpg`, `dir/000123.txt`, `dir/000123.json` → sample `dir/000123`). The caption is
 * the `.txt` member or a field of the `.json` member; kept samples are copied whole.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { InputError, type InputLocation } from '../errors';
import { badRecord, describeType, keyFromValue, textsFromFields, type RecordContext } from './common';
import { AtomicFileSink } from './sink';
import { readTar, TarWriter, type TarEntry } from './tar';
import type { PoolItem, PoolRecord, PoolWriter, ReadOptions } from './types';

/**
 * The default text field: the `.txt` member. A text field that starts with '.' names a member by
 * its extension (`.txt`, `.caption`); `txt` also names the `.txt` member (WebDataset's own name
 * for it); any other name is a field of the `.json` member.
 */
export const TXT_MEMBER_FIELD = '.txt';

/** The member extension a text field names, or undefined for a `.json` field. */
function memberExtensionOf(field: string): string | undefined {
  if (field === 'txt') return 'txt';
  return field.length > 1 && field.startsWith('.') ? field.slice(1) : undefined;
}

/**
 * Splits a member name into sample key and extension the way WebDataset does: the extension
 * starts at the first '.' of the last path component. Undefined when there is none (such a
 * member belongs to no sample and is skipped, as WebDataset skips it).
 */
export function splitSampleName(name: string): { key: string; ext: string } | undefined {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  if (dot <= slash + 1) return undefined;
  return { key: name.slice(0, dot), ext: name.slice(dot + 1) };
}

interface Sample {
  key: string;
  members: { name: string; data: Buffer }[];
  extensions: Set<string>;
  headerOffset: number;
}

/**
 * With `onError: 'skip'`, a shard that is not a tar or is cut short yields one SkippedRecord
 * ('bad-tar', 'truncated-tar') and ends: the samples before the damage are read, the sample
 * being read when it happened and the rest are not (its members may be incomplete).
 */
export async function* readWebDataset(file: string, opts: ReadOptions): AsyncGenerator<PoolItem> {
  const ctx: RecordContext = { file, onError: opts.onError };
  const textFields = opts.textFields.length > 0 ? opts.textFields : [TXT_MEMBER_FIELD];
  let index = opts.firstRecordIndex ?? 0;
  let sample: Sample | undefined;
  const members = readTar(file);
  try {
    for (;;) {
      let next: IteratorResult<TarEntry>;
      try {
        next = await members.next();
      } catch (err) {
        const damaged =
          err instanceof InputError && (err.reason === 'bad-tar' || err.reason === 'truncated-tar');
        if (!damaged || opts.onError === 'fail') throw err;
        const lost = sample === undefined ? '' : ` (from sample '${sample.key}', record ${index}, on)`;
        yield {
          kind: 'skipped',
          reason: err.reason,
          detail: `${err.detail}; the rest of the shard${lost} is skipped`,
          location: err.location,
        };
        return;
      }
      if (next.done) break;
      const entry = next.value;
      if (entry.type !== 'file') continue;
      const split = splitSampleName(entry.name);
      if (split === undefined) continue;
      // A new key, or an extension seen twice, starts the next sample.
      if (sample !== undefined && (sample.key !== split.key || sample.extensions.has(split.ext))) {
        yield sampleItem(ctx, sample, index++, textFields, opts.keyField);
        sample = undefined;
      }
      sample ??= { key: split.key, members: [], extensions: new Set(), headerOffset: entry.headerOffset };
      sample.members.push({ name: entry.name, data: entry.data });
      sample.extensions.add(split.ext);
    }
    if (sample !== undefined) yield sampleItem(ctx, sample, index, textFields, opts.keyField);
  } finally {
    // Closes the file when the reader is left early.
    await members.return(undefined);
  }
}

function sampleItem(
  ctx: RecordContext,
  sample: Sample,
  index: number,
  textFields: string[],
  keyField: string | undefined,
): PoolItem {
  const memberWith = (ext: string) => sample.members.find((m) => m.name === `${sample.key}.${ext}`);
  const location: InputLocation = {
    record: index,
    member: sample.members[0].name,
    byteOffset: sample.headerOffset,
  };
  const needsJson = textFields.some((f) => memberExtensionOf(f) === undefined) || keyField !== undefined;
  const jsonMember = memberWith('json');
  let json: Record<string, unknown> | undefined;
  if (needsJson && jsonMember !== undefined) {
    const jsonLocation = { ...location, member: jsonMember.name };
    let value: unknown;
    try {
      value = JSON.parse(jsonMember.data.toString('utf8'));
    } catch (err) {
      return badRecord(ctx, 'bad-json', `invalid JSON: ${(err as Error).message}`, jsonLocation);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return badRecord(ctx, 'bad-json', `expected a JSON object, got ${describeType(value)}`, jsonLocation);
    }
    json = value as Record<string, unknown>;
  }
  const jsonField = (name: string): unknown =>
    json !== undefined && Object.prototype.hasOwnProperty.call(json, name) ? json[name] : undefined;
  const field = (name: string): unknown => {
    const ext = memberExtensionOf(name);
    return ext === undefined ? jsonField(name) : memberWith(ext)?.data.toString('utf8');
  };
  // The names a text field could take here: the members, then the .json member's fields.
  const available = () => [
    ...[...sample.extensions].map((e) => `.${e}`),
    ...Object.keys(json ?? parsedJsonOrEmpty(jsonMember?.data)),
  ];
  const texts = textsFromFields(textFields, field, available);
  if (!texts.ok) {
    const hint =
      texts.reason === 'missing-text-field'
        ? '; --text-field names a member by extension (.txt or txt, .caption) or a field of the .json member'
        : '';
    return badRecord(ctx, texts.reason, `sample '${sample.key}': ${texts.detail}${hint}`, location);
  }
  let key = sample.key;
  if (keyField !== undefined) {
    const k = keyFromValue(keyField, jsonField(keyField));
    if (!k.ok)
      return badRecord(
        ctx,
        'missing-key-field',
        `sample '${sample.key}': ${k.detail} in its .json`,
        location,
      );
    key = k.key;
  }
  return {
    kind: 'record',
    index,
    key,
    texts: texts.texts,
    payload: { type: 'sample', members: sample.members },
    location,
  };
}

/** The .json member as an object, for an error message; {} when it is absent or not an object. */
function parsedJsonOrEmpty(data: Buffer | undefined): Record<string, unknown> {
  if (data === undefined) return {};
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** Writes kept samples to a shard; `finish` returns the sample count that sizes.json records. */
export class WebDatasetPoolWriter implements PoolWriter {
  private readonly tar: TarWriter;
  private samples = 0;

  constructor(private readonly sink: AtomicFileSink) {
    this.tar = new TarWriter(sink);
  }

  async write(record: PoolRecord): Promise<void> {
    if (record.payload.type !== 'sample')
      throw new Error(`webdataset writer got a '${record.payload.type}' payload`);
    for (const member of record.payload.members) await this.tar.addFile(member.name, member.data);
    this.samples++;
  }

  async finish(): Promise<number> {
    await this.tar.finish();
    await this.sink.commit();
    return this.samples;
  }

  async abort(): Promise<void> {
    await this.sink.abort();
  }
}

/**
 * Writes `sizes.json` in a shard folder: `{"shard-000.tar": 1234, ...}`, the sample counts
 * OpenCLIP reads to know a WebDataset's size. Keys are sorted so the file is reproducible.
 */
export async function writeSizesJson(folder: string, sizes: Record<string, number>): Promise<string> {
  const sorted: Record<string, number> = {};
  for (const name of Object.keys(sizes).sort()) sorted[name] = sizes[name];
  const path = join(folder, 'sizes.json');
  const sink = await AtomicFileSink.open(path);
  try {
    await sink.write(Buffer.from(`${JSON.stringify(sorted, null, 2)}\n`, 'utf8'));
    await sink.commit();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  return path;
}

/** Reads an existing sizes.json (empty when there is none), to add shards to it. */
export async function readSizesJson(folder: string): Promise<Record<string, number>> {
  try {
    return JSON.parse(await fsp.readFile(join(folder, 'sizes.json'), 'utf8')) as Record<string, number>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}
