#!/usr/bin/env node
// `npm run bench`: measures the engine against a pyahocorasick reference matcher on the same data,
// in one run, and prints a table (metric, ours, reference, ratio, target, PASS/MISS). Results also
// go to bench-out/results.json. Bench figures are reported, never asserted: the exit code is 0 even
// on a MISS, and non-zero only when a command crashes or the two matchers' outputs disagree.
//
//   node scripts/bench.mjs [--lines N] [--repeats R] [--pool-records N] [--workers W]
//                          [--skip-reference] [--skip-curate] [--skip-lsp] [--skip-panel] [--quick]
//                          [--synthetic] [--only-matching] [--skip-line-rate] [--curation-records N]
//                          [--webdataset-mb MB] [--scale-sizes N,N,...]
//                          [--entry-browser-records N] [--skip-entry-browser]
//                          [--worldwide-records N] [--skip-worldwide]
//
// --synthetic uses the generated data of scripts/generate_pool.mjs even when ../shared/data exists
// (that is what runs on a machine without it). --only-matching runs section 2 alone (ours cold and
// cached vs the reference, with the output check), skipping the index, curation, worst-case, LSP
// and panel sections.
// METACURATE_BENCH_PYTHON picks the reference's python.
//
// Measured (every figure is a whole separate process, timed from outside):
//   1. matching: `metacurate match` (cold index and cached index) vs scripts/reference_match.py on
//      the same caption lines; whole-process throughput (records / process wall time, startup and
//      index build or load included) and steady-state throughput (records / matching time).
//      Both are single-threaded, so these are per-core figures. Outputs are compared line by line.
//   2. index: 500k-entry build cold (--no-cache) and load from the cache; peak memory.
//   3. curation: `metacurate curate` of a 2M-record JSONL file with 2 workers, end to end.
//   3b. curation at line rate (scripts/bench/curation.mjs): `curate --workers 1` on the same real
//      captions as JSONL and TSV vs scripts/reference_curate.py (counts and expected kept checked),
//      Parquet vs our JSONL, WebDataset shards with image-sized payloads vs `cp`, 2 workers vs 1,
//      and generated pools of growing size (--scale-sizes: time per record, peak memory).
//   3c. the entry browser (scripts/bench/entryBrowser.mjs): pages of the records behind head and
//      tail entries of a generated curation of --entry-browser-records (default 10M) records,
//      median and worst ms against the 100 ms target; the index's size and build times.
//   3d. worldwide curation (scripts/bench/worldwide.mjs): `curate --worldwide` with languages
//      identified (LID) and from a field, next to the English path, on a multilingual pool of
//      --worldwide-records (default 300k) records; records/s and the share of time in LID.
//   4. worst-case matching (scripts/bench/worstCase.mjs): time per caption token at 10k-80k tokens
//      on metadata built to make matching quadratic (a 25,000-token entry, prefixes of each other).
//   5. language server (scripts/bench/lsp.mjs) and the entry balance panel in headless Chromium
//      (scripts/bench/panel.mjs: moves of t to the updated figures on 1M texts x 500k entries,
//      frame times scrolling the 500k-row table).
import { benchCuration } from './bench/curation.mjs';
import { benchEntryBrowser } from './bench/entryBrowser.mjs';
import { benchLanguageServer } from './bench/lsp.mjs';
import { benchPanel, formatPanelValue } from './bench/panel.mjs';
import { benchWorstCase } from './bench/worstCase.mjs';
import { benchWorldwide } from './bench/worldwide.mjs';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareMatchOutputs, lineOf } from './bench/compare.mjs';
import { captionLinesFile, fileMB, loadBenchData, poolJsonlFile } from './bench/data.mjs';
import { ensureGnuTime, ensureReferenceMatcher } from './bench/deps.mjs';
import { hasGnuTime, median, runMeasured, timingsFrom } from './bench/measure.mjs';
import {
  atLeast,
  below,
  fmtCount,
  fmtMB,
  fmtRate,
  fmtRatio,
  fmtSeconds,
  renderTable,
} from './bench/report.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'bench-out');
const CLI = join(REPO, 'dist', 'cli.js');
const REFERENCE = join(REPO, 'scripts', 'reference_match.py');

const TARGETS = {
  matchRatio: 5,
  matchRatioAim: 10,
  coldBuildSeconds: 1.5,
  cachedLoadSeconds: 0.3,
  peakMB: 600,
  curateSeconds: 30,
};

const log = (line = '') => process.stdout.write(line + '\n');
/** Crashes and disagreements: any of these makes the exit code non-zero. */
const problems = [];
/** Things worth a look that are not failures (warnings printed by the engine, ...). */
const notes = [];

function parseOptions() {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string' },
      repeats: { type: 'string' },
      'pool-records': { type: 'string', default: '2000000' },
      workers: { type: 'string', default: '2' },
      'skip-reference': { type: 'boolean', default: false },
      'skip-curate': { type: 'boolean', default: false },
      'skip-lsp': { type: 'boolean', default: false },
      'skip-panel': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      synthetic: { type: 'boolean', default: false },
      'only-matching': { type: 'boolean', default: false },
      'skip-line-rate': { type: 'boolean', default: false },
      'curation-records': { type: 'string' },
      'webdataset-mb': { type: 'string' },
      'scale-sizes': { type: 'string' },
      'entry-browser-records': { type: 'string' },
      'skip-entry-browser': { type: 'boolean', default: false },
      'worldwide-records': { type: 'string' },
      'skip-worldwide': { type: 'boolean', default: false },
    },
  });
  return {
    lines: Number(values.lines ?? (values.quick ? 200_000 : 1_000_000)),
    repeats: Math.max(1, Number(values.repeats ?? (values.quick ? 1 : 3))),
    poolRecords: Number(values['pool-records']),
    workers: Number(values.workers),
    skipReference: values['skip-reference'],
    skipIndex: values['only-matching'],
    skipCurate: values['skip-curate'] || values['only-matching'],
    skipLsp: values['skip-lsp'] || values['only-matching'],
    skipPanel: values['skip-panel'] || values['only-matching'],
    synthetic: values.synthetic,
    skipLineRate: values['skip-line-rate'] || values['only-matching'],
    curationRecords: Number(values['curation-records'] ?? (values.quick ? 30_000 : 300_000)),
    webdatasetMB: Number(values['webdataset-mb'] ?? (values.quick ? 30 : 300)),
    entryBrowserRecords: Number(values['entry-browser-records'] ?? (values.quick ? 300_000 : 10_000_000)),
    skipEntryBrowser: values['skip-entry-browser'] || values['only-matching'],
    worldwideRecords: Number(values['worldwide-records'] ?? (values.quick ? 30_000 : 300_000)),
    skipWorldwide: values['skip-worldwide'] || values['only-matching'],
    scaleSizes: (values['scale-sizes'] ?? (values.quick ? '100000,300000' : '1000000,3000000,10000000'))
      .split(',')
      .filter(Boolean)
      .map(Number),
  };
}

/** A path as the user would type it from the repository root. */
function shown(path) {
  const rel = relative(REPO, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function commandLine(cmd, args) {
  return [cmd, ...args]
    .map((a) => (isAbsolute(a) ? shown(a) : a))
    .map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a))
    .join(' ');
}

/**
 * Runs one measured process. A non-zero exit is recorded as a problem (with the command to
 * reproduce it) and returns undefined; the bench goes on with what it can still measure.
 */
async function measuredRun(label, cmd, args) {
  const repro = commandLine(cmd === process.execPath ? 'node' : cmd, args);
  const r = await runMeasured(cmd, args, { cwd: REPO });
  if (r.code !== 0) {
    const tail = r.stderr.trim().split('\n').slice(-5).join('\n    ');
    problems.push(`${label} exited with ${r.code}${r.signal ? ` (${r.signal})` : ''}: ${repro}\n    ${tail}`);
    log(`  ${label}: FAILED (exit ${r.code}); reproduce: ${repro}`);
    return undefined;
  }
  for (const w of r.stderr
    .split('\n')
    .filter((l) => /Warning|warn/i.test(l) && !l.includes('--trace-warnings'))) {
    const note = `${label}: stderr: ${w.trim()}  [${repro}]`;
    if (!notes.some((n) => n.includes(w.trim()))) notes.push(note);
  }
  return { ...r, timings: timingsFrom(r.stderr), repro };
}

function runOurs(label, args) {
  return measuredRun(label, process.execPath, [CLI, ...args]);
}

function runReference(label, python, args) {
  return measuredRun(label, python, [REFERENCE, ...args]);
}

/** Medians over repeated runs of the same command (undefined runs are failures, left out). */
function summarize(runs) {
  const ok = runs.filter(Boolean);
  if (ok.length === 0) return undefined;
  const t = (k) => median(ok.map((r) => r.timings?.[k]));
  return {
    runs: ok.length,
    wallSeconds: median(ok.map((r) => r.wallSeconds)),
    cpuSeconds: median(ok.map((r) => r.cpuSeconds)),
    peakMB: Math.max(...ok.map((r) => r.peakMB)),
    timings: ok.map((r) => r.timings),
    timing: t,
    repro: ok[0].repro,
  };
}

/** @typedef {NonNullable<ReturnType<typeof summarize>>} Summary */

async function repeat(n, fn) {
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(await fn(i));
  return runs;
}

function describeMachine(reference) {
  const cpu = cpus();
  const machine = {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? '?',
    memoryGB: Math.round(totalmem() / 1e9),
    node: process.version,
    python: reference?.python,
    pythonVersion: reference?.pythonVersion,
    pyahocorasick: reference?.ahocorasickVersion,
    memoryMeasure: hasGnuTime() ? 'GNU time -v (rusage ru_maxrss)' : '/proc/<pid>/status VmHWM polling',
  };
  log(
    `Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGB} GB, node ${machine.node}` +
      (reference ? `, python ${machine.pythonVersion} + pyahocorasick ${machine.pyahocorasick}` : ''),
  );
  log(`Peak memory: ${machine.memoryMeasure}; times: wall clock of each whole process, median of repeats`);
  return machine;
}

/** Reads the file once so that no measured run pays for a cold disk read. */
function warmPageCache(path) {
  readFileSync(path);
}

async function prepareData(options) {
  const started = performance.now();
  const data = await loadBenchData(REPO, OUT, { synthetic: options.synthetic });
  const captionsTxt = captionLinesFile(OUT, data.captions, options.lines);
  const probeTxt = captionLinesFile(OUT, data.captions.slice(0, 1), 1);
  const metadataEntries = JSON.parse(readFileSync(data.metadataPath, 'utf8')).length;
  log(
    `Data (${data.synthetic ? `SYNTHETIC: ${options.synthetic ? '--synthetic' : '../shared/data not found'}` : `real, from ${data.shared}`}):`,
  );
  log(
    `  metadata: ${data.metadataPath} (${fmtCount(metadataEntries)} entries, ${fileMB(data.metadataPath).toFixed(1)} MB)`,
  );
  for (const s of data.sources) log(`  captions: ${s.name}: ${fmtCount(s.records)}`);
  log(
    `  matching input: ${shown(captionsTxt)}: ${fmtCount(data.captions.length)} captions repeated to ${fmtCount(options.lines)} lines (${fileMB(captionsTxt).toFixed(1)} MB)`,
  );
  warmPageCache(captionsTxt);
  warmPageCache(data.metadataPath);
  log(`  (prepared in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return { ...data, captionsTxt, probeTxt, metadataEntries };
}

/**
 * Index build alone: `match` on a one-line input, so the process is startup + metadata load +
 * index build (or cache load). Cold = --no-cache; cached = after one run that fills the cache.
 */
async function measureIndexBuild(data, reference, repeats) {
  log('\n[1/3] Index build (one-line input)');
  const out = join(OUT, 'match', 'index-probe.jsonl');
  mkdirSync(dirname(out), { recursive: true });
  const args = [
    'match',
    '--metadata',
    data.metadataPath,
    '--input',
    data.probeTxt,
    '--out',
    out,
    '--timings',
  ];
  const cold = summarize(
    await repeat(repeats, () => runOurs('ours: index build cold', [...args, '--no-cache'])),
  );
  const fill = await runOurs('ours: index build filling the cache', args);
  const cached = summarize(await repeat(repeats, () => runOurs('ours: index load from cache', args)));
  if (cached && cached.timings.some((t) => t && t.fromCache !== true)) {
    notes.push(
      `the cache was not used after a run that should have filled it (fromCache=false): ${cached.repro}`,
    );
  }
  let ref;
  if (reference) {
    ref = summarize(
      await repeat(repeats, () =>
        runReference('reference: automaton build', reference.python, [
          '--metadata',
          data.metadataPath,
          '--input',
          data.probeTxt,
          '--out',
          join(OUT, 'match', 'index-probe-ref.jsonl'),
        ]),
      ),
    );
  }
  const show = (name, s, key, scale) => {
    if (s)
      log(
        `  ${name}: ${fmtSeconds(s.timing(key) * scale)} index, ${fmtSeconds(s.wallSeconds)} process, peak ${fmtMB(s.peakMB)}`,
      );
  };
  show('ours cold  ', cold, 'indexMillis', 1e-3);
  show('ours cached', cached, 'indexMillis', 1e-3);
  show('reference  ', ref, 'build_seconds', 1);
  return {
    cold,
    fill: fill && {
      wallSeconds: fill.wallSeconds,
      indexMillis: fill.timings?.indexMillis,
      peakMB: fill.peakMB,
    },
    cached,
    reference: ref,
  };
}

/** The same caption lines through `metacurate match` (cold and cached index) and the reference. */
async function measureMatching(data, reference, repeats) {
  log(
    `\n[2/3] Matching ${fmtCount(data.lines)} captions against ${fmtCount(data.metadataEntries)} entries (single-threaded, whole processes)`,
  );
  const dir = join(OUT, 'match');
  mkdirSync(dir, { recursive: true });
  const paths = {
    cold: join(dir, 'ours-cold.jsonl'),
    cached: join(dir, 'ours-cached.jsonl'),
    reference: join(dir, 'reference.jsonl'),
  };
  const ours = (out) => [
    'match',
    '--metadata',
    data.metadataPath,
    '--input',
    data.captionsTxt,
    '--out',
    out,
    '--timings',
  ];
  const cold = summarize(
    await repeat(repeats, () => runOurs('ours: match, cold index', [...ours(paths.cold), '--no-cache'])),
  );
  await runOurs('ours: filling the cache', [
    'match',
    '--metadata',
    data.metadataPath,
    '--input',
    data.probeTxt,
    '--out',
    join(dir, 'index-probe.jsonl'),
  ]);
  const cached = summarize(
    await repeat(repeats, () => runOurs('ours: match, cached index', ours(paths.cached))),
  );
  let ref;
  if (reference) {
    ref = summarize(
      await repeat(repeats, () =>
        runReference('reference: match', reference.python, [
          '--metadata',
          data.metadataPath,
          '--input',
          data.captionsTxt,
          '--out',
          paths.reference,
        ]),
      ),
    );
  }
  for (const [name, s, recordsKey] of /** @type {Array<[string, Summary | undefined, string]>} */ ([
    ['ours cold  ', cold, 'records'],
    ['ours cached', cached, 'records'],
    ['reference  ', ref, 'records'],
  ])) {
    if (!s) continue;
    const records = s.timing(recordsKey);
    if (records !== data.lines)
      problems.push(`${name.trim()} reported ${records} records for ${data.lines} input lines: ${s.repro}`);
    log(
      `  ${name}: ${fmtSeconds(s.wallSeconds)} process (CPU ${fmtSeconds(s.cpuSeconds)}), peak ${fmtMB(s.peakMB)}`,
    );
  }
  const agreement = {};
  const compare = (name, a, b) => {
    if (!existsSync(a) || !existsSync(b)) return;
    const c = compareMatchOutputs(a, b);
    agreement[name] = c;
    log(
      `  outputs ${name}: ${c.differing === 0 ? 'identical' : `${fmtCount(c.differing)} differing lines`} (${fmtCount(c.lines[0])} vs ${fmtCount(c.lines[1])} lines)`,
    );
    if (c.differing > 0) {
      const examples = c.examples
        .map(
          (e) =>
            `\n    line ${e.line}: caption ${JSON.stringify(lineOf(data.captionsTxt, e.line))}\n      ours: ${e.ours}\n      ref:  ${e.reference}`,
        )
        .join('');
      problems.push(
        `outputs ${name} differ on ${c.differing} lines; compare ${shown(a)} with ${shown(b)}${examples}`,
      );
    }
  };
  if (ref) {
    if (cold) compare('ours (cold) vs reference', paths.cold, paths.reference);
    if (cached) compare('ours (cached) vs reference', paths.cached, paths.reference);
  } else if (cold && cached) {
    compare('ours cold vs ours cached', paths.cold, paths.cached);
  }
  return {
    cold,
    cached,
    reference: ref,
    agreement,
    outputs: Object.fromEntries(Object.entries(paths).map(([k, v]) => [k, shown(v)])),
  };
}

/** `metacurate curate` of one JSONL file of 2M records, 2 workers, from an empty output folder. */
async function measureCuration(data, options) {
  log(
    `\n[3/3] Curation: ${fmtCount(options.poolRecords)} JSONL records in one file, ${options.workers} workers`,
  );
  const started = performance.now();
  const pool = poolJsonlFile(OUT, data.captions, options.poolRecords);
  log(
    `  pool: ${shown(pool)} (${fileMB(pool).toFixed(0)} MB; ready in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  warmPageCache(pool);
  const outDir = join(OUT, 'curate-out');
  rmSync(outDir, { recursive: true, force: true });
  const run = await runOurs('ours: curate', [
    'curate',
    '--metadata',
    data.metadataPath,
    '--input',
    pool,
    '--text-field',
    'text',
    '--t',
    '20000',
    '--seed',
    '1',
    '--out',
    outDir,
    '--workers',
    String(options.workers),
    '--progress',
    'none',
  ]);
  if (!run) return undefined;
  const summaryPath = join(outDir, 'summary.json');
  if (!existsSync(summaryPath)) {
    problems.push(`curate finished without ${shown(summaryPath)}: ${run.repro}`);
    return undefined;
  }
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
  if (summary.pool?.records !== options.poolRecords)
    problems.push(
      `curate counted ${summary.pool?.records} records, the pool has ${options.poolRecords}: ${run.repro}`,
    );
  if (summary.resumed) notes.push(`curate reported resumed=true on a fresh output folder: ${run.repro}`);
  const result = {
    pool: shown(pool),
    records: summary.pool?.records,
    kept: summary.kept,
    workers: summary.workers,
    engineWallSeconds: summary.wall_seconds,
    passSeconds: summary.pass_seconds,
    processWallSeconds: run.wallSeconds,
    cpuSeconds: run.cpuSeconds,
    peakMB: run.peakMB,
    recordsPerSecond: options.poolRecords / run.wallSeconds,
    repro: run.repro,
  };
  const p = result.passSeconds ?? {};
  log(
    `  ${fmtCount(result.records)} records, kept ${fmtCount(result.kept)}: ${fmtSeconds(result.processWallSeconds, 1)} process (engine ${fmtSeconds(result.engineWallSeconds, 1)}: index ${p.index}, count ${p.count}, select ${p.select}, finalize ${p.finalize}), CPU ${fmtSeconds(result.cpuSeconds, 1)}, peak ${fmtMB(result.peakMB)}`,
  );
  return result;
}

/**
 * A single-threaded process on an idle core has CPU time close to its wall time. When it is well
 * below, other processes were using the cores and the wall-clock figures are inflated.
 */
function noteContention(matching, loads) {
  const shares = [
    ['ours cold', matching.cold],
    ['ours cached', matching.cached],
    ['reference', matching.reference],
  ]
    .filter(([, s]) => s)
    .map(([name, s]) => `${name} ${(s.cpuSeconds / s.wallSeconds).toFixed(2)}`);
  const low = [matching.cold, matching.cached, matching.reference].some(
    (s) => s && s.cpuSeconds / s.wallSeconds < 0.85,
  );
  if (low) {
    notes.push(
      `the machine was busy (load average ${loads.map((l) => l.toFixed(2)).join(' / ')} over the sections; CPU/wall of the matching processes: ${shares.join(', ')}; about 1.0 when idle): wall-clock figures are inflated, the per-CPU-second rows are the robust ones`,
    );
  }
}

function buildTable(index, matching, curation, data) {
  const rows = [];
  const refM = matching.reference;
  const records = data.lines;
  const rate = (s) => (s ? records / s.wallSeconds : NaN);
  const steady = (s, key, scale) => (s ? records / (s.timing(key) * scale) : NaN);

  rows.push({
    section: `Matching, ${fmtCount(records)} captions x ${fmtCount(data.metadataEntries)} entries, records/s per core (both single-threaded)`,
  });
  const refRate = rate(refM);
  for (const [name, s] of [
    ['whole process, cold index', matching.cold],
    ['whole process, cached index', matching.cached],
  ]) {
    const ratio = rate(s) / refRate;
    rows.push({
      metric: name,
      ours: fmtRate(rate(s)),
      reference: fmtRate(refRate),
      ratio: fmtRatio(ratio),
      target: `>= ${TARGETS.matchRatio}x (aim ${TARGETS.matchRatioAim}x)`,
      status: atLeast(ratio, TARGETS.matchRatio, TARGETS.matchRatioAim),
    });
  }
  // Per CPU-second of the whole process (user + system): the same figure as above on an idle
  // machine, and still meaningful when other processes share the cores.
  const perCpu = (s) => (s ? records / s.cpuSeconds : NaN);
  for (const [name, s] of [
    ['per CPU-second, cold index', matching.cold],
    ['per CPU-second, cached index', matching.cached],
  ]) {
    const ratio = perCpu(s) / perCpu(refM);
    rows.push({
      metric: name,
      ours: fmtRate(perCpu(s)),
      reference: fmtRate(perCpu(refM)),
      ratio: fmtRatio(ratio),
      target: `>= ${TARGETS.matchRatio}x (aim ${TARGETS.matchRatioAim}x)`,
      status: atLeast(ratio, TARGETS.matchRatio, TARGETS.matchRatioAim),
    });
  }
  const steadyOurs = steady(matching.cached, 'matchMillis', 1e-3);
  const steadyRef = steady(refM, 'match_seconds', 1);
  rows.push({
    metric: 'steady state (match time only, cached)',
    ours: fmtRate(steadyOurs),
    reference: fmtRate(steadyRef),
    ratio: fmtRatio(steadyOurs / steadyRef),
    target: 'info',
    status: '',
  });
  const agreement = Object.entries(matching.agreement);
  for (const [name, c] of agreement) {
    rows.push({
      metric: `differing output lines, ${name.replace(' vs reference', '')}`,
      ours: fmtCount(c.differing),
      reference: '',
      ratio: '',
      target: '0',
      status: c.differing === 0 ? 'PASS' : 'FAIL',
    });
  }

  const matchPeak = Math.max(matching.cold?.peakMB ?? NaN, matching.cached?.peakMB ?? NaN);
  rows.push({
    metric: `peak memory, matching ${fmtCount(records)} lines`,
    ours: fmtMB(matchPeak),
    reference: fmtMB(refM?.peakMB),
    ratio: fmtRatio(refM?.peakMB / matchPeak),
    target: `< ${TARGETS.peakMB} MB`,
    status: below(matchPeak, TARGETS.peakMB),
  });

  if (!index) return rows;
  rows.push({ section: `Index, ${fmtCount(data.metadataEntries)} entries (process on a one-line input)` });
  const coldBuild = index.cold ? index.cold.timing('indexMillis') / 1000 : NaN;
  const refBuild = index.reference ? index.reference.timing('build_seconds') : NaN;
  rows.push({
    metric: 'index build, cold (--no-cache)',
    ours: fmtSeconds(coldBuild),
    reference: fmtSeconds(refBuild),
    ratio: fmtRatio(refBuild / coldBuild),
    target: `< ${TARGETS.coldBuildSeconds} s`,
    status: below(coldBuild, TARGETS.coldBuildSeconds),
  });
  const cachedLoad = index.cached ? index.cached.timing('indexMillis') / 1000 : NaN;
  rows.push({
    metric: 'index load from cache',
    ours: fmtSeconds(cachedLoad),
    reference: 'no cache',
    ratio: fmtRatio(refBuild / cachedLoad),
    target: `< ${TARGETS.cachedLoadSeconds} s`,
    status: below(cachedLoad, TARGETS.cachedLoadSeconds),
  });
  const refProc = index.reference?.wallSeconds;
  rows.push({
    metric: 'whole process, cold (start+load+build)',
    ours: fmtSeconds(index.cold?.wallSeconds),
    reference: fmtSeconds(refProc),
    ratio: fmtRatio(refProc / index.cold?.wallSeconds),
    target: 'info',
    status: '',
  });
  rows.push({
    metric: 'whole process, cached',
    ours: fmtSeconds(index.cached?.wallSeconds),
    reference: fmtSeconds(refProc),
    ratio: fmtRatio(refProc / index.cached?.wallSeconds),
    target: 'info',
    status: '',
  });
  rows.push({
    metric: 'peak memory, cold build',
    ours: fmtMB(index.cold?.peakMB),
    reference: fmtMB(index.reference?.peakMB),
    ratio: fmtRatio(index.reference?.peakMB / index.cold?.peakMB),
    target: `< ${TARGETS.peakMB} MB`,
    status: below(index.cold?.peakMB, TARGETS.peakMB),
  });
  rows.push({
    metric: 'peak memory, cached',
    ours: fmtMB(index.cached?.peakMB),
    reference: '',
    ratio: '',
    target: `< ${TARGETS.peakMB} MB`,
    status: below(index.cached?.peakMB, TARGETS.peakMB),
  });
  if (curation) {
    rows.push({
      section: `Curation, ${fmtCount(curation.records)} JSONL records in 1 file, ${curation.workers} workers, t=20000 (no reference)`,
    });
    rows.push({
      metric: 'curate end to end (process wall)',
      ours: fmtSeconds(curation.processWallSeconds, 2),
      reference: '',
      ratio: '',
      target: `< ${TARGETS.curateSeconds} s`,
      status: below(curation.processWallSeconds, TARGETS.curateSeconds),
    });
    rows.push({
      metric: 'curate throughput',
      ours: fmtRate(curation.recordsPerSecond),
      reference: '',
      ratio: '',
      target: 'info',
      status: '',
    });
    rows.push({
      metric: 'curate kept records',
      ours: fmtCount(curation.kept),
      reference: '',
      ratio: '',
      target: 'info',
      status: '',
    });
    rows.push({
      metric: 'curate peak memory (all threads)',
      ours: fmtMB(curation.peakMB),
      reference: '',
      ratio: '',
      target: 'info',
      status: '',
    });
  }
  return rows;
}

async function main() {
  const options = parseOptions();
  if (!existsSync(CLI)) {
    log(`${shown(CLI)} is missing: run \`npm run bundle\` first (npm run bench does).`);
    process.exit(1);
  }
  mkdirSync(OUT, { recursive: true });
  log('Metacurate benchmark');
  log('Dependencies:');
  ensureGnuTime(log);
  const reference = options.skipReference ? undefined : ensureReferenceMatcher(log);
  const machine = describeMachine(reference);
  const data = { ...(await prepareData(options)), lines: options.lines };

  const loads = [loadavg()[0]];
  const index = options.skipIndex ? undefined : await measureIndexBuild(data, reference, options.repeats);
  loads.push(loadavg()[0]);
  const matching = await measureMatching(data, reference, options.repeats);
  loads.push(loadavg()[0]);
  const curation = options.skipCurate ? undefined : await measureCuration(data, options);
  loads.push(loadavg()[0]);
  const lineRate = options.skipLineRate
    ? undefined
    : await benchCuration({
        repo: REPO,
        cli: CLI,
        outDir: OUT,
        data,
        reference,
        options,
        run: measuredRun,
        log,
        problems,
        notes,
      });
  let entryBrowser;
  if (!options.skipEntryBrowser) {
    log(
      `\nEntry browser: a generated curation of ${fmtCount(options.entryBrowserRecords)} records (under the system temp folder, deleted after)`,
    );
    entryBrowser = await benchEntryBrowser({
      cli: CLI,
      metadataPath: data.metadataPath,
      records: options.entryBrowserRecords,
      workers: options.workers,
      log,
    }).catch((err) => {
      problems.push(`the entry browser bench failed: ${err instanceof Error ? err.message : err}`);
    });
  }
  let worldwide;
  if (!options.skipWorldwide) {
    log(`\nWorldwide curation (curate --worldwide, ${fmtCount(options.worldwideRecords)} records, 1 worker)`);
    worldwide = await benchWorldwide({ outDir: OUT, records: options.worldwideRecords, log }).catch((err) => {
      problems.push(`the worldwide bench failed: ${err instanceof Error ? err.message : err}`);
    });
  }
  let worstCase;
  if (!options.skipIndex) {
    log('\nWorst-case matching (dist/cli.js match; ns per caption token, median of 3)');
    worstCase = await benchWorstCase({ log }).catch((err) => {
      problems.push(`the worst-case bench failed: ${err instanceof Error ? err.message : err}`);
    });
  }
  const languageServer = options.skipLsp ? undefined : await benchLanguageServer({ log });
  let panel;
  if (!options.skipPanel) {
    log('\nEntry balance panel (dist/webview.js in headless Chromium)');
    try {
      panel = await benchPanel({ log: (line) => log(`  ${line}`) });
      problems.push(...panel.problems);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // A machine without Chromium measures the rest (as without the reference matcher).
      if (/** @type {{ code?: unknown } | undefined} */ (err)?.code === 'NO_CHROMIUM')
        notes.push(`${message}: the panel was not measured`);
      else problems.push(`the panel bench failed: ${message}`);
    }
  }

  const rows = buildTable(index, matching, curation, data);
  if (lineRate)
    rows.push(
      {
        section: `Curation at line rate (${fmtCount(options.curationRecords)} real captions x ${fmtCount(data.metadataEntries)} entries; reference: scripts/reference_curate.py)`,
      },
      ...lineRate.rows,
    );
  if (entryBrowser)
    rows.push(
      {
        section: `Entry browser, a curation of ${fmtCount(options.entryBrowserRecords)} generated records (pages of records behind an entry; no reference)`,
      },
      ...entryBrowser,
    );
  if (worstCase)
    rows.push({ section: 'Worst-case matching (linear in the caption; no reference)' }, ...worstCase);
  if (languageServer) {
    rows.push({ section: 'Language server (dist/server.js over stdio; no reference)' });
    for (const r of languageServer) {
      const isSeconds = r.unit === 's';
      rows.push({
        metric: r.metric,
        ours: isSeconds ? fmtSeconds(r.value, 2) : `${r.value} ${r.unit}`,
        reference: '',
        ratio: '',
        // lsp.mjs gives targets as text ("< 1 s") or 'info'
        target: typeof r.target === 'number' ? `< ${r.target} ${r.unit}` : r.target,
        status: r.target === 'info' ? '' : r.pass ? 'PASS' : 'MISS',
      });
    }
  }
  if (panel) {
    rows.push({
      section: `Entry balance panel (dist/webview.js in headless Chromium ${panel.details.chromium}; ${fmtCount(panel.details.texts)} texts, ${fmtCount(panel.details.entries)} entries; no reference)`,
    });
    for (const r of panel.rows) {
      rows.push({
        metric: r.metric.replace(/^panel: /, ''),
        ours: formatPanelValue(r),
        reference: '',
        ratio: '',
        target: r.target,
        status: r.target === 'info' ? '' : r.pass ? 'PASS' : 'MISS',
      });
    }
  }
  noteContention(matching, loads.slice(0, 3));
  log('\nResults (ratio = how many times better ours is: faster, or less memory)');
  log(renderTable(rows));
  if (notes.length) {
    log('\nNotes:');
    for (const n of notes) log(`  - ${n}`);
  }
  if (problems.length) {
    log('\nProblems (these make the exit code non-zero):');
    for (const p of problems) log(`  - ${p}`);
  }

  const strip = (s) => s && { ...s, timing: undefined };
  const results = {
    date: new Date().toISOString(),
    machine,
    options,
    targets: TARGETS,
    loadAverages: loads,
    data: {
      synthetic: data.synthetic,
      metadata: data.metadataPath,
      metadataEntries: data.metadataEntries,
      captionSources: data.sources,
      matchingInput: shown(data.captionsTxt),
      matchingLines: data.lines,
    },
    index: index && {
      cold: strip(index.cold),
      fill: index.fill,
      cached: strip(index.cached),
      reference: strip(index.reference),
    },
    matching: {
      cold: strip(matching.cold),
      cached: strip(matching.cached),
      reference: strip(matching.reference),
      agreement: matching.agreement,
      outputs: matching.outputs,
    },
    curation,
    lineRate: lineRate?.results,
    entryBrowser,
    worldwide: worldwide && {
      lidShareOfCountPass: worldwide.lidShare,
      lidMicrosPerText: worldwide.lidMicrosPerText,
      curations: worldwide.results.map(({ name, summary }) => ({
        name,
        records: summary.pool.records,
        recordsPerSecond: summary.records_per_second,
        countSeconds: summary.pass_seconds.count,
      })),
    },
    worstCase,
    languageServer,
    panel: panel && { rows: panel.rows, details: panel.details },
    table: rows,
    notes,
    problems,
  };
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  log(`\nWrote ${shown(join(OUT, 'results.json'))}`);
  process.exitCode = problems.length ? 1 : 0;
}

await main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
