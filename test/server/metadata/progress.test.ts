/** Progress lines of long metadata builds (server/src/metadata/progress.ts). */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { formatProgress, Progress, REDRAW_MS } from '../../../server/src/metadata/progress';

function target(isTTY: boolean): { stream: PassThrough; isTTY: boolean; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, isTTY, text: () => text };
}

describe('metadata build progress', () => {
  it('formats bytes with rate and ETA, the rate leaving out resumed work', () => {
    assert.equal(
      formatProgress({
        label: 'counting n-grams',
        done: 6e6,
        total: 10e6,
        resumed: 2e6,
        elapsedSeconds: 2,
        unit: 'bytes',
      }),
      'counting n-grams: 6.0 MB / 10.0 MB (60.0%), 2.0 MB/s, ETA 0:02',
    );
  });

  it('formats files as counts, with an unknown ETA before anything is done', () => {
    const line = (done: number, elapsedSeconds: number) =>
      formatProgress({ label: 'page views', done, total: 720, resumed: 0, elapsedSeconds, unit: 'files' });
    assert.equal(line(0, 0), 'page views: 0 / 720 files (0.0%), 0.0 files/s, ETA ?');
    assert.equal(line(45, 30), 'page views: 45 / 720 files (6.3%), 1.5 files/s, ETA 7:30');
    assert.equal(line(720, 24), 'page views: 720 / 720 files (100.0%), 30 files/s, ETA 0:00');
  });

  it('writes a plain line every 30 s when stderr is not a terminal', () => {
    let now = 1_000_000;
    const t = target(false);
    const p = new Progress(t, 'page views', 100, 0, { unit: 'files', clock: () => now });
    now += REDRAW_MS.plain - 1;
    p.update(10);
    assert.equal(t.text(), '', 'nothing before the first interval');
    now += 1;
    p.update(20);
    now += 1000;
    p.update(30); // within the next interval: no line
    now += REDRAW_MS.plain;
    p.update(50);
    p.finish();
    assert.deepEqual(t.text().split('\n'), [
      'page views: 20 / 100 files (20.0%), 0.7 files/s, ETA 2:00',
      'page views: 50 / 100 files (50.0%), 0.8 files/s, ETA 1:01',
      '',
    ]);
    assert.ok(!t.text().includes('\r'), 'no terminal control characters in a log');
  });

  it('redraws one line on a terminal and clears it when done', () => {
    let now = 0;
    const t = target(true);
    const p = new Progress(t, 'page views', 4, 0, { unit: 'files', clock: () => now });
    now += REDRAW_MS.tty;
    p.update(1);
    now += REDRAW_MS.tty;
    p.update(2);
    p.finish();
    assert.equal(
      t.text(),
      '\r\x1b[Kpage views: 1 / 4 files (25.0%), 2.0 files/s, ETA 0:02' +
        '\r\x1b[Kpage views: 2 / 4 files (50.0%), 2.0 files/s, ETA 0:01' +
        '\r\x1b[K',
    );
  });
});
