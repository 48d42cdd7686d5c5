/** What the editor's curation notification says for the engine's `--progress json` lines. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  curateProgressNotice,
  formatBytes,
  formatCount,
  formatDuration,
  ProgressReporter,
} from '../../../server/engine/src/progress';

describe('progress formatting (the one formatter of counts, sizes and durations)', () => {
  it('formats durations as a clock, and an unknown one as --:--', () => {
    assert.equal(formatDuration(59.4), '0:59');
    assert.equal(formatDuration(7 * 60 + 30), '7:30');
    assert.equal(formatDuration(3 * 3600 + 5 * 60 + 2), '3:05:02');
    assert.equal(formatDuration(Infinity), '--:--');
    assert.equal(formatDuration(-1), '--:--');
  });

  it('formats counts with thousands separators and sizes in decimal units', () => {
    assert.equal(formatCount(1234567.4), '1,234,567');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(21.5e9), '21.5 GB');
  });
});

describe('curateProgressNotice', () => {
  it('names the phase, the percent, records, rate and ETA of a line with a known ETA', () => {
    const notice = curateProgressNotice({
      type: 'progress',
      phase: 'count',
      fraction: 0.4,
      records: 12000,
      recordsPerSecond: 3000,
      etaSeconds: 75,
    });
    assert.equal(notice.message, 'counting 40% · 12,000 records · 3,000 records/s · ETA 1:15');
    // The count pass is the first half of a curation: 40 % of it is 19.6 % of the whole.
    assert.equal(notice.percent, 0.4 * 49);
  });

  it('leaves the ETA out while the engine does not know it (etaSeconds: null), never "0"', () => {
    const notice = curateProgressNotice({
      type: 'progress',
      phase: 'count',
      fraction: 0,
      records: 0,
      recordsPerSecond: 0,
      etaSeconds: null,
    });
    assert.equal(notice.message, 'counting 0% · 0 records · 0 records/s');
    assert.equal(notice.percent, 0);
  });

  it('shows an ETA of 0 when the engine says 0 (the phase is about to end)', () => {
    const notice = curateProgressNotice({ phase: 'select', fraction: 1, records: 5, etaSeconds: 0 });
    assert.equal(notice.message, 'selecting 100% · 5 records · 0 records/s · ETA 0:00');
    assert.equal(notice.percent, 99);
  });

  it('puts the select pass in the second half of the run', () => {
    assert.equal(curateProgressNotice({ phase: 'select', fraction: 0.5, etaSeconds: 10 }).percent, 74.5);
  });

  it('names the Slurm reduce and finalize jobs as such, without records or rate', () => {
    assert.deepEqual(curateProgressNotice({ phase: 'reduce', fraction: 0, records: 0, etaSeconds: null }), {
      message: 'summing the counts…',
      percent: 49,
    });
    assert.deepEqual(curateProgressNotice({ phase: 'finalize', fraction: 1, records: 0, etaSeconds: 0 }), {
      message: 'writing the outputs…',
      percent: 100,
    });
  });

  it('shows a phase it does not know by its name, without moving the bar', () => {
    const notice = curateProgressNotice({ phase: 'index', fraction: 0.25, records: 10, etaSeconds: 3 });
    assert.equal(notice.message, 'index 25% · 10 records · 0 records/s · ETA 0:03');
    assert.equal(notice.percent, undefined);
  });

  it('reads fields of the wrong type as missing', () => {
    const notice = curateProgressNotice({ phase: 7, fraction: 'half', records: null, etaSeconds: '12' });
    assert.equal(notice.message, 'working 0% · 0 records · 0 records/s');
    assert.equal(notice.percent, undefined);
  });

  it('reads the lines ProgressReporter writes in json mode', () => {
    const out = new PassThrough();
    let written = '';
    out.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
    const reporter = new ProgressReporter('json', out, 0);
    reporter.update({ phase: 'count', done: 0, total: 100, records: 0, unit: 'bytes' });
    const first = JSON.parse(written.trim().split('\n')[0]) as Record<string, unknown>;
    assert.equal(first.etaSeconds, null);
    assert.equal(curateProgressNotice(first).message, 'counting 0% · 0 records · 0 records/s');
  });
});
