/** Shared helpers for the pool reader/writer tests: temp folders and collecting a read. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../../server/engine/src/errors';
import { readPool } from '../../../../server/engine/src/pool/read';
import type {
  PoolFormat,
  PoolItem,
  PoolRecord,
  ReadOptions,
  SkippedRecord,
} from '../../../../server/engine/src/pool/types';
import { createPoolWriter, type PoolWriterOptions } from '../../../../server/engine/src/pool/write';

/** A fresh temp folder per describe block, removed after it. Call inside describe(). */
export function useTempDir(): () => string {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'metacurate-pool-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

export async function readAll(
  file: string,
  format: PoolFormat,
  opts: Partial<ReadOptions> = {},
): Promise<PoolItem[]> {
  const items: PoolItem[] = [];
  for await (const item of readPool(file, format, { textFields: [], onError: 'fail', ...opts }))
    items.push(item);
  return items;
}

export async function readRecords(
  file: string,
  format: PoolFormat,
  opts: Partial<ReadOptions> = {},
): Promise<PoolRecord[]> {
  const items = await readAll(file, format, opts);
  return items.map((item) => {
    if (item.kind !== 'record') assert.fail(`unexpected skipped item: ${item.reason} ${item.detail}`);
    return item;
  });
}

export function skipped(items: PoolItem[]): SkippedRecord[] {
  return items.filter((i): i is SkippedRecord => i.kind === 'skipped');
}

/** The parts of records that must survive a round trip, without Buffer identity. */
export function summary(records: PoolRecord[]): { index: number; key: string; texts: string[] }[] {
  return records.map((r) => ({ index: r.index, key: r.key, texts: r.texts }));
}

/** Asserts that reading rejects with an InputError of this reason whose message contains every part. */
export async function assertInputError(
  read: Promise<unknown>,
  reason: InputError['reason'],
  ...messageParts: string[]
): Promise<InputError> {
  let caught: unknown;
  try {
    await read;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof InputError, `expected InputError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  for (const part of messageParts)
    assert.ok(caught.message.includes(part), `'${caught.message}' lacks '${part}'`);
  return caught;
}

/** Writes records with a pool writer and returns the count finish() reported. */
export async function writeAll(
  format: PoolFormat,
  outPath: string,
  records: PoolRecord[],
  options: PoolWriterOptions = {},
): Promise<number> {
  const writer = await createPoolWriter(format, outPath, options);
  for (const r of records) await writer.write(r);
  return writer.finish();
}
