/**
 * Progress of long work: a bar with rate and ETA on a terminal, or one JSON line per update for
 * programs (the editor extension reads `--progress json`). Updates are throttled.
 */
import { formatCliEvent, type CliProgressEvent } from '../../../contracts/src/cliEvents';

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

/** A duration as a clock, `m:ss` or `h:mm:ss`; `--:--` when not known. */
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

/** Bytes in decimal units, one decimal from KB on: `999 B`, `21.5 GB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${u === 0 ? n.toFixed(0) : n.toFixed(1)} ${units[u]}`;
}

/**
 * The curation phases a progress notification names, and the part of the whole run each takes
 * (percent from, to). Locally there are only count and select; on Slurm the reduce and finalize
 * jobs are short single jobs between and after them.
 */
const CURATE_PHASES: Record<string, { label: string; from: number; to: number; perRecord: boolean }> = {
  count: { label: 'counting', from: 0, to: 49, perRecord: true },
  reduce: { label: 'summing the counts', from: 49, to: 50, perRecord: false },
  select: { label: 'selecting', from: 50, to: 99, perRecord: true },
  finalize: { label: 'writing the outputs', from: 99, to: 100, perRecord: false },
};

export interface ProgressNotice {
  /** What the notification says, e.g. `counting 40% · 1,200 records · 300 records/s · ETA 0:04`. */
  message: string;
  /** Percent of the whole curation done (undefined for a phase it does not know). */
  percent?: number;
}

/**
 * The editor's progress notification for one `--progress json` line of `metacurate curate`.
 * Fields are read defensively (the line comes from another process); an ETA that is not known
 * yet (`etaSeconds: null`) is left out rather than shown as 0.
 */
export function curateProgressNotice(line: Partial<Record<keyof CliProgressEvent, unknown>>): ProgressNotice {
  const phaseName = typeof line.phase === 'string' ? line.phase : '';
  const phase = CURATE_PHASES[phaseName];
  const fraction = Math.min(1, Math.max(0, Number(line.fraction) || 0));
  const label = phase?.label ?? (phaseName || 'working');
  const records = Number(line.records) || 0;
  if (phase && !phase.perRecord && records === 0) {
    return { message: `${label}…`, percent: phase.from + fraction * (phase.to - phase.from) };
  }
  const parts = [
    `${label} ${Math.round(fraction * 100)}%`,
    `${formatCount(records)} records`,
    `${formatCount(Number(line.recordsPerSecond) || 0)} records/s`,
  ];
  const eta = typeof line.etaSeconds === 'number' ? line.etaSeconds : Number.NaN;
  if (Number.isFinite(eta) && eta >= 0) parts.push(`ETA ${formatDuration(eta)}`);
  return {
    message: parts.join(' · '),
    percent: phase ? phase.from + fraction * (phase.to - phase.from) : undefined,
  };
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
      const event: CliProgressEvent = {
        type: 'progress',
        phase: u.phase,
        fraction,
        records: u.records,
        recordsPerSecond: Math.round(rate),
        etaSeconds: Number.isFinite(eta) ? Math.round(eta) : null,
        elapsedSeconds: Math.round(elapsed * 10) / 10,
      };
      this.out.write(formatCliEvent(event));
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
    if (this.mode === 'json') this.out.write(formatCliEvent({ type: 'info', message }));
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
