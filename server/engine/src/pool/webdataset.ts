/**
 * WebDataset shards: tar files whose consecutive members sharing a key form one sample
 * (`dir/000123.jpg`, `dir/000123.txt`, `dir/000123.json` → sample `dir/000123`). The caption is
 * the `.txt` member or a field of the `.json` member; kept samples are copied whole from the
 * input shard by byte range.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { InputError, printable, type InputLocation } from '../errors';
import {
  badRecord,
  describeType,
  keyFromValue,
  languageFromValue,
  textsFromFields,
  type RecordContext,
} from './common';
import { AtomicFileSink } from './sink';
import { readTar, TarWriter, unsafeNameProblem, type TarEntry } from './tar';
import { TarRangeCopier } from './tarRangeCopy';
import type { PoolItem, PoolRecord, PoolWriter, ReadOptions, SampleMember } from './types';

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

/**
 * What a shard reader holds in memory. Internal: the defaults are for real data, tests pass
 * small ones.
 */
export interface WebDatasetLimits {
  /**
   * Bytes of member contents held per sample (captions apart); members past it are copied from
   * the shard by byte range when the sample is written.
   */
  sampleBytesInMemory: number;
  /** A caption member (the .txt, or the .json when a field of it is read) larger than this is bad input. */
  captionMemberBytes: number;
}

const MiB = 1024 * 1024;

export const WEBDATASET_LIMITS: WebDatasetLimits = {
  sampleBytesInMemory: 16 * MiB,
  captionMemberBytes: 64 * MiB,
};

interface Sample {
  key: string;
  members: SampleMember[];
  extensions: Set<string>;
  headerOffset: number;
  /** Bytes of member contents held in memory. */
  heldBytes: number;
}

/** Whether a member with this key and extension belongs to the next sample, not to `sample`. */
function startsNewSample(sample: Sample, split: { key: string; ext: string }): boolean {
  return sample.key !== split.key || sample.extensions.has(split.ext);
}

/**
 * With `onError: 'skip'`, a shard that is not a tar, has a bad header or is cut short yields one
 * SkippedRecord ('bad-tar', 'truncated-tar') and ends: the samples before the damage are read,
 * the sample being read when it happened and the rest are not (its members may be incomplete,
 * and the members after a bad header cannot be found). A sample with an unsafe member name
 * ('unsafe-name') or an oversized caption member ('bad-tar') is skipped alone.
 */
export async function* readWebDataset(
  file: string,
  opts: ReadOptions,
  limits: WebDatasetLimits = WEBDATASET_LIMITS,
): AsyncGenerator<PoolItem> {
  const ctx: RecordContext = { file, onError: opts.onError };
  const textFields = opts.textFields.length > 0 ? opts.textFields : [TXT_MEMBER_FIELD];
  const needsJson =
    textFields.some((f) => memberExtensionOf(f) === undefined) ||
    opts.keyField !== undefined ||
    opts.languageField !== undefined;
  const captionExtensions = new Set(textFields.flatMap((f) => memberExtensionOf(f) ?? []));
  if (needsJson) captionExtensions.add('json');
  const withPayload = opts.withPayload ?? true;
  let index = opts.firstRecordIndex ?? 0;
  let sample: Sample | undefined;
  // Captions are read up to their limit, and the .json, whose fields an error message lists;
  // other members only for a payload, within the sample's budget.
  const reads = (name: string, size: number): boolean => {
    const split = splitSampleName(name);
    if (split === undefined) return false;
    if (captionExtensions.has(split.ext) || split.ext === 'json') return size <= limits.captionMemberBytes;
    if (!withPayload) return false;
    const held = sample !== undefined && !startsNewSample(sample, split) ? sample.heldBytes : 0;
    return held + size <= limits.sampleBytesInMemory;
  };
  const members = readTar(file, { reads });
  const item = (s: Sample, i: number) =>
    sampleItem(ctx, s, i, {
      textFields,
      keyField: opts.keyField,
      languageField: opts.languageField,
      needsJson,
      captionExtensions,
      limits,
    });
  try {
    for (;;) {
      let next: IteratorResult<TarEntry>;
      try {
        next = await members.next();
      } catch (err) {
        const damaged =
          err instanceof InputError && (err.reason === 'bad-tar' || err.reason === 'truncated-tar');
        if (!damaged || opts.onError === 'fail') throw err;
        const lost =
          sample === undefined ? '' : ` (from sample '${printable(sample.key)}', record ${index}, on)`;
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
      if (sample !== undefined && startsNewSample(sample, split)) {
        yield item(sample, index++);
        sample = undefined;
      }
      sample ??= {
        key: split.key,
        members: [],
        extensions: new Set(),
        headerOffset: entry.headerOffset,
        heldBytes: 0,
      };
      const { name, size, dataOffset, data } = entry;
      sample.members.push({ name, size, dataOffset, data });
      sample.extensions.add(split.ext);
      sample.heldBytes += data?.length ?? 0;
    }
    if (sample !== undefined) yield item(sample, index);
  } finally {
    // Closes the file when the reader is left early.
    await members.return(undefined);
  }
}

interface SampleFields {
  textFields: string[];
  keyField: string | undefined;
  languageField: string | undefined;
  needsJson: boolean;
  /** Extensions of the members captions come from (the .json's when one of its fields is read). */
  captionExtensions: Set<string>;
  limits: WebDatasetLimits;
}

function sampleItem(ctx: RecordContext, sample: Sample, index: number, fields: SampleFields): PoolItem {
  const { textFields, keyField, languageField, needsJson, captionExtensions, limits } = fields;
  const memberWith = (ext: string) => sample.members.find((m) => m.name === `${sample.key}.${ext}`);
  const location: InputLocation = {
    record: index,
    member: sample.members[0].name,
    byteOffset: sample.headerOffset,
  };
  const key = printable(sample.key);
  // Names are checked first: such a sample is never copied, whatever else is wrong with it.
  for (const member of sample.members) {
    const problem = unsafeNameProblem(member.name);
    if (problem !== undefined) {
      return badRecord(
        ctx,
        'unsafe-name',
        `sample '${key}': member name '${printable(member.name)}' ${problem}; such a name is never copied to an output`,
        { ...location, member: member.name },
      );
    }
  }
  for (const ext of captionExtensions) {
    const member = memberWith(ext);
    if (member !== undefined && member.data === undefined) {
      return badRecord(
        ctx,
        'bad-tar',
        `sample '${key}': member '${printable(member.name)}' has ${member.size} bytes; a caption member may have at most ${limits.captionMemberBytes} bytes`,
        { ...location, member: member.name },
      );
    }
  }
  const jsonMember = memberWith('json');
  let json: Record<string, unknown> | undefined;
  if (needsJson && jsonMember?.data !== undefined) {
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
    return ext === undefined ? jsonField(name) : memberWith(ext)?.data?.toString('utf8');
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
    return badRecord(ctx, texts.reason, `sample '${key}': ${texts.detail}${hint}`, location);
  }
  let recordKey = sample.key;
  if (keyField !== undefined) {
    const k = keyFromValue(keyField, jsonField(keyField));
    if (!k.ok)
      return badRecord(ctx, 'missing-key-field', `sample '${key}': ${k.detail} in its .json`, location);
    recordKey = k.key;
  }
  return {
    kind: 'record',
    index,
    key: recordKey,
    texts: texts.texts,
    ...(languageField !== undefined ? { language: languageFromValue(jsonField(languageField)) } : {}),
    payload: { type: 'sample', file: ctx.file, members: sample.members },
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

/**
 * Writes kept samples to a shard; `finish` returns the sample count that sizes.json records.
 * Every member is copied from its shard by byte range (TarRangeCopier), whether the reader held
 * its contents or not: consecutive kept samples are one read and one write.
 */
export class WebDatasetPoolWriter implements PoolWriter {
  private readonly tar: TarWriter;
  private readonly copier: TarRangeCopier;
  private samples = 0;

  constructor(private readonly sink: AtomicFileSink) {
    this.tar = new TarWriter(sink);
    this.copier = new TarRangeCopier(this.tar);
  }

  async write(record: PoolRecord): Promise<void> {
    if (record.payload.type !== 'sample')
      throw new Error(`webdataset writer got a '${record.payload.type}' payload`);
    const { file, members } = record.payload;
    for (const member of members) await this.copier.add(file, member);
    this.samples++;
  }

  async finish(): Promise<number> {
    await this.copier.finish();
    await this.tar.finish();
    await this.sink.commit();
    return this.samples;
  }

  async abort(): Promise<void> {
    try {
      await this.copier.close();
    } finally {
      await this.sink.abort();
    }
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
