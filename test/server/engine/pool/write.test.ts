/** Pool writers: atomic output (temp file, rename on finish), abort, and required options. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../../../server/engine/src/errors';
import { isTemporaryName } from '../../../../server/engine/src/fsAtomic';
import { createPoolWriter } from '../../../../server/engine/src/pool/write';
import { readRecords, useTempDir, writeAll } from './helpers';

describe('pool writers', () => {
  const dir = useTempDir();

  it('write to a temporary name beside <out> and rename to <out> only in finish()', async () => {
    const src = join(dir(), 'in.jsonl');
    writeFileSync(src, '{"t":"a"}\n{"t":"b"}\n');
    const records = await readRecords(src, 'jsonl', { textFields: ['t'] });
    const out = join(dir(), 'atomic', 'out.jsonl');
    const writer = await createPoolWriter('jsonl', out, {});
    for (const r of records) await writer.write(r);
    assert.equal(existsSync(out), false, 'nothing at the final name before finish');
    const temporary = () => readdirSync(join(dir(), 'atomic')).filter(isTemporaryName);
    assert.equal(temporary().length, 1);
    assert.equal(await writer.finish(), 2);
    assert.equal(existsSync(out), true);
    assert.deepEqual(temporary(), []);
  });

  it('abort() removes the temp file and leaves no output', async () => {
    const out = join(dir(), 'aborted', 'out.jsonl.gz');
    const writer = await createPoolWriter('jsonl.gz', out);
    await writer.abort();
    assert.deepEqual(readdirSync(join(dir(), 'aborted')), []);
  });

  it('a CSV or Parquet writer without its header or schema is a UsageError', async () => {
    await assert.rejects(createPoolWriter('csv', join(dir(), 'x.csv')), UsageError);
    await assert.rejects(createPoolWriter('parquet', join(dir(), 'x.parquet')), UsageError);
  });

  it('JSONL and text: lines of several files in one output neither run together nor carry a BOM inside', async () => {
    const first = join(dir(), 'first.jsonl');
    const second = join(dir(), 'second.jsonl');
    writeFileSync(first, '{"t":"a"}\r\n{"t":"b"}');
    writeFileSync(second, '\ufeff{"t":"c"}\n');
    const records = [
      ...(await readRecords(first, 'jsonl', { textFields: ['t'] })),
      ...(await readRecords(second, 'jsonl', { textFields: ['t'] })),
    ];
    const out = join(dir(), 'joined.jsonl');
    await writeAll('jsonl', out, records);
    assert.equal(readFileSync(out, 'utf8'), '{"t":"a"}\r\n{"t":"b"}\n{"t":"c"}\n');
    // The byte-order mark stays where it was: at the start of the output.
    const bomFirst = join(dir(), 'bom-first.jsonl');
    await writeAll('jsonl', bomFirst, [records[2], records[1]]);
    assert.equal(readFileSync(bomFirst, 'utf8'), '\ufeff{"t":"c"}\n{"t":"b"}');
  });

  it('a record of another format is refused', async () => {
    const src = join(dir(), 'in2.jsonl');
    writeFileSync(src, '{"t":"a"}\n');
    const [record] = await readRecords(src, 'jsonl', { textFields: ['t'] });
    const writer = await createPoolWriter('webdataset', join(dir(), 'x.tar'));
    await assert.rejects(writer.write(record), /payload/);
    await writer.abort();
  });
});
