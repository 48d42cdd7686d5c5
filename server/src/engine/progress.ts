/**
 * Progress of long work: a bar with rate and ETA on a terminal, or one JSON line per update for
 * programs (the editor extension reads `--progress json`). Updates are throttled.
 */
export type ProgressMode = 'bar' | 'json' | 'none';

export interface ProgressUpdate {
  phase: string;
  /** Work done and total in the unit of `unit` (records when known, else bytes). */
  done: number;
  total: number;
  records: number;
  unit: 'records' | 'bytes' | 'tasks';
}

export interface ProgressSink {
  update(u: ProgressUpdate): void;
  /** A line of information (phase finished, summary line). */
  info(message: string): void;
  finish(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export class ProgressReporter implements ProgressSink {
  private phaseStarted = performance.now();
  private phase = '';
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly mode: ProgressMode,
    private readonly out: NodeJS.WritableStream,
    // METACURATE_PROGRESS_MS overrides the update interval (tests that act on progress use it).
    private readonly intervalMs = Number(process.env.METACURATE_PROGRESS_MS) || (mode === 'json' ? 500 : 100),
  ) {}

  update(u: ProgressUpdate): void {
    const now = performance.now();
    if (u.phase !== this.phase) {
      this.phase = u.phase;
      this.phaseStarted = now;
      this.lastDraw = 0;
    }
    const complete = u.total > 0 && u.done >= u.total;
    if (!complete && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    const elapsed = (now - this.phaseStarted) / 1000;
    const fraction = u.total > 0 ? Math.min(1, u.done / u.total) : 0;
    const rate = elapsed > 0 ? u.records / elapsed : 0;
    const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Number.NaN;
    if (this.mode === 'json') {
      this.out.write(
        JSON.stringify({
          type: 'progress',
          phase: u.phase,
          fraction,
          records: u.records,
          recordsPerSecond: Math.round(rate),
          etaSeconds: Number.isFinite(eta) ? Math.round(eta) : null,
          elapsedSeconds: Math.round(elapsed * 10) / 10,
        }) + '\n',
      );
    } else if (this.mode === 'bar') {
      const width = 28;
      const filled = Math.round(fraction * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      const line = `${u.phase.padEnd(7)} [${bar}] ${(fraction * 100).toFixed(1).padStart(5)}%  ${formatCount(u.records)} records  ${formatCount(rate)}/s  ETA ${formatDuration(eta)}`;
      this.out.write(`\r${line}\x1b[K`);
      this.drawn = true;
    }
  }

  info(message: string): void {
    if (this.mode === 'json') this.out.write(JSON.stringify({ type: 'info', message }) + '\n');
    else if (this.mode === 'bar') {
      if (this.drawn) this.out.write('\n');
      this.drawn = false;
      this.out.write(message + '\n');
    }
  }

  finish(): void {
    if (this.mode === 'bar' && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

export const silentProgress: ProgressSink = { update() {}, info() {}, finish() {} };
