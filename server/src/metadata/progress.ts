/**
 * Progress on stderr for long builds: a redrawn line on a terminal, otherwise a plain line every
 * 30 seconds (so logs of batch runs still show rate and ETA without flooding).
 */

export interface ProgressTarget {
  stream: NodeJS.WritableStream;
  isTTY: boolean;
}

export class Progress {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;
  private done: number;

  constructor(
    private readonly target: ProgressTarget | undefined,
    private readonly label: string,
    private readonly total: number,
    /** Work already done before this run (resumed), excluded from the rate. */
    private readonly resumed = 0,
  ) {
    this.done = resumed;
    // The first line waits one interval, so that its rate and ETA rest on some work.
    this.lastDraw = this.started;
  }

  update(done: number): void {
    this.done = Math.min(this.total, done);
    if (!this.target) return;
    const now = Date.now();
    const every = this.target.isTTY ? 500 : 30_000;
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
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0 ? (this.done - this.resumed) / elapsed : 0;
    const pct = this.total > 0 ? ((100 * this.done) / this.total).toFixed(1) : '100.0';
    const eta = rate > 0 ? formatDuration((this.total - this.done) / rate) : '?';
    return `${this.label}: ${formatBytes(this.done)} / ${formatBytes(this.total)} (${pct}%), ${formatBytes(rate)}/s, ETA ${eta}`;
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

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${u === 0 ? n.toFixed(0) : n.toFixed(1)} ${units[u]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(sec).padStart(2, '0')}s`
      : `${sec}s`;
}
