/** Pool writers: atomic output (temp file, rename on finish), abort, and required options. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { UsageError } from '../../../../server/engine/src/errors';
import { isTemporaryName } from '../../../../server/engine/src/fsAtomic';
import { UTF8_BOM } from '../../../../server/engine/src/pool/bytes';
import { createPoolWriter, LinePoolWriter } from '../../../../server/engine/src/pool/write';
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

  it('addLine stages exactly what write() of the same payload writes (BOMs, line ends, empty lines)', async () => {
    let state = 99;
    const next = (n: number): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n;
    const pieces = ['{"t":"a"}', '', 'x', '\ufeff{"t":"b"}', '\r', 'é☃'];
    for (const format of ['jsonl', 'csv', 'jsonl.gz'] as const) {
      for (let trial = 0; trial < 20; trial++) {
        const lines: { line: Buffer; bom: boolean }[] = [];
        for (let i = 0; i < 1 + next(12); i++) {
          const text = pieces[next(pieces.length)] + (next(3) > 0 ? '\n' : '');
          lines.push({ line: Buffer.from(text), bom: next(4) === 0 });
        }
        const viaWrite = join(dir(), `write-${format}-${trial}`);
        const viaAdd = join(dir(), `add-${format}-${trial}`);
        const a = await createPoolWriter(format, viaWrite, { csvHeader: null });
        const b = await createPoolWriter(format, viaAdd, { csvHeader: null });
        assert.ok(b instanceof LinePoolWriter);
        // The lines one after another in one buffer, as a reader holds them; some left out.
        const shared = Buffer.concat([Buffer.from('ab'), ...lines.map((l) => l.line), Buffer.from('cd')]);
        let at = 2;
        for (const { line, bom } of lines) {
          const start = at;
          at += line.length;
          if (next(5) === 0) continue;
          const bytes = bom ? Buffer.concat([UTF8_BOM, line]) : line;
          await a.write({
            kind: 'record',
            index: 0,
            key: 'k',
            texts: [],
            payload: { type: 'line', bytes },
            location: {},
          });
          b.addLine(shared, start, start + line.length, bom);
        }
        await a.finish();
        await b.finish();
        assert.deepEqual(readFileSync(viaAdd), readFileSync(viaWrite), `${format} ${JSON.stringify(lines)}`);
      }
    }
  });

  it('a gzip writer keeps staged lines intact across large flushes of a reused buffer', async () => {
    const out = join(dir(), 'large.jsonl.gz');
    const writer = (await createPoolWriter('jsonl.gz', out)) as LinePoolWriter;
    const expected: Buffer[] = [];
    for (let batch = 0; batch < 4; batch++) {
      for (let i = 0; i < 30000; i++) {
        const line = Buffer.from(`{"t":"batch ${batch} line ${i} ${'x'.repeat(i % 50)}"}\n`);
        expected.push(line);
        writer.addLine(line, 0, line.length, false);
      }
      await writer.flush();
    }
    await writer.finish();
    assert.deepEqual(gunzipSync(readFileSync(out)), Buffer.concat(expected));
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
