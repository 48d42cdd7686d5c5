/**
 * Progress on stderr for long builds: a redrawn line on a terminal, otherwise a plain line every
 * 30 seconds (so logs of batch runs still show rate and ETA without flooding).
 */
import { formatBytes, formatDuration } from '../../engine/src/progress';

export interface ProgressTarget {
  stream: NodeJS.WritableStream;
  isTTY: boolean;
}

/** What is counted: bytes (of a dump) or files (page-view files). */
export type ProgressUnit = 'bytes' | 'files';

/** Milliseconds between two lines: redrawn on a terminal, appended to a log file or pipe. */
export const REDRAW_MS = { tty: 500, plain: 30_000 } as const;

export interface ProgressState {
  label: string;
  done: number;
  total: number;
  /** Done before this run (resumed): not part of the rate. */
  resumed: number;
  elapsedSeconds: number;
  unit: ProgressUnit;
}

/** `label: done / total (pct%), rate/s, ETA t` in the unit's own notation. */
export function formatProgress(p: ProgressState): string {
  const rate = p.elapsedSeconds > 0 ? (p.done - p.resumed) / p.elapsedSeconds : 0;
  const pct = p.total > 0 ? ((100 * p.done) / p.total).toFixed(1) : '100.0';
  const eta = rate > 0 ? formatDuration((p.total - p.done) / rate) : '?';
  const amounts =
    p.unit === 'bytes'
      ? `${formatBytes(p.done)} / ${formatBytes(p.total)} (${pct}%), ${formatBytes(rate)}/s`
      : `${p.done} / ${p.total} files (${pct}%), ${rate.toFixed(rate >= 10 ? 0 : 1)} files/s`;
  return `${p.label}: ${amounts}, ETA ${eta}`;
}

export class Progress {
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;
  private done: number;
  private readonly unit: ProgressUnit;
  private readonly clock: () => number;

  constructor(
    private readonly target: ProgressTarget | undefined,
    private readonly label: string,
    private readonly total: number,
    /** Work already done before this run (resumed), excluded from the rate. */
    private readonly resumed = 0,
    options: { unit?: ProgressUnit; clock?: () => number } = {},
  ) {
    this.unit = options.unit ?? 'bytes';
    this.clock = options.clock ?? Date.now;
    this.started = this.clock();
    this.done = resumed;
    // The first line waits one interval, so that its rate and ETA rest on some work.
    this.lastDraw = this.started;
  }

  update(done: number): void {
    this.done = Math.min(this.total, done);
    if (!this.target) return;
    const now = this.clock();
    const every = this.target.isTTY ? REDRAW_MS.tty : REDRAW_MS.plain;
    if (now - this.lastDraw < every) return;
    this.lastDraw = now;
    this.draw();
  }

  finish(): void {
    if (!this.target) return;
    if (this.target.isTTY && this.drawn) this.target.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  line(): string {
    return formatProgress({
      label: this.label,
      done: this.done,
      total: this.total,
      resumed: this.resumed,
      elapsedSeconds: (this.clock() - this.started) / 1000,
      unit: this.unit,
    });
  }

  private draw(): void {
    if (!this.target) return;
    if (this.target.isTTY) {
      this.target.stream.write(`\r\x1b[K${this.line()}`);
      this.drawn = true;
    } else {
      this.target.stream.write(`${this.line()}\n`);
    }
  }
}
