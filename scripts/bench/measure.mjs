// Runs a command as a separate process and measures it whole: wall time, CPU time and peak
// resident memory. With GNU time (/usr/bin/time -v) the peak comes from the kernel's rusage of
// the finished child (exact); without it, /proc/<pid>/status VmHWM and /proc/<pid>/stat are polled
// every 5 ms (the last sample before exit, close to exact for runs of a second or more).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export function hasGnuTime() {
  return existsSync(GNU_TIME);
}

/**
 * Runs `cmd args` and resolves to { code, signal, wallSeconds, cpuSeconds, peakMB, stdout, stderr,
 * method }. Rejects only when the command cannot be started.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 */
export function runMeasured(cmd, args, { cwd, env } = {}) {
  return hasGnuTime() ? runWithGnuTime(cmd, args, cwd, env) : runWithProcPolling(cmd, args, cwd, env);
}

function collect(child) {
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (out.stderr += d));
  return out;
}

export async function runWithGnuTime(cmd, args, cwd, env) {
  const dir = mkdtempSync(join(tmpdir(), 'metacurate-bench-'));
  const report = join(dir, 'time.txt');
  try {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-v', '-o', report, cmd, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = collect(child);
    const { code, signal } = await exited(child);
    const wallSeconds = (performance.now() - started) / 1000;
    const text = existsSync(report) ? readFileSync(report, 'utf8') : '';
    const field = (name) => {
      const m = new RegExp(`${name}[^:]*:\\s*([0-9.]+)`).exec(text);
      return m ? Number(m[1]) : NaN;
    };
    const signalled = /Command terminated by signal (\d+)/.exec(text);
    return {
      code: signalled ? 128 + Number(signalled[1]) : code,
      signal,
      wallSeconds,
      cpuSeconds: field('User time') + field('System time'),
      peakMB: (field('Maximum resident set size') * 1024) / 1e6,
      ...out,
      method: 'GNU time -v (rusage)',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runWithProcPolling(cmd, args, cwd, env) {
  const started = performance.now();
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = collect(child);
  const ticks = 100; // USER_HZ on Linux
  let peakKB = 0;
  let cpuSeconds = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const m = /VmHWM:\s*(\d+)/.exec(status);
      if (m) peakKB = Math.max(peakKB, Number(m[1]));
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticks;
    } catch {
      // the process is gone (or /proc is not there): keep the last sample
    }
  };
  const timer = setInterval(sample, 5);
  sample();
  const { code, signal } = await exited(child);
  clearInterval(timer);
  return {
    code: code ?? (signal ? 128 : 1),
    signal,
    wallSeconds: (performance.now() - started) / 1000,
    cpuSeconds,
    peakMB: (peakKB * 1024) / 1e6,
    ...out,
    method: '/proc VmHWM polling',
  };
}

function exited(child) {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/** The last line of stderr that parses as a JSON object (the tools' timings line). */
export function timingsFrom(stderr) {
  const lines = stderr.trim().split('\n').reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      return JSON.parse(t);
    } catch {
      // not the timings line
    }
  }
  return undefined;
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
