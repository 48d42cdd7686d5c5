#!/usr/bin/env node
// The cost of a curation on Slurm, measured the way a Slurm run spends it: every step is a separate
// `metacurate curate-task` process (what the array tasks run), timed from outside with its CPU time
// (GNU time, or /proc), so the figures are core-seconds whatever else the machine is doing.
//
//   node scripts/bench-slurm-cost.mjs [--records N] [--slice-mb M] [--synthetic]
//
// The pool is the benchmark's data (scripts/bench/data.mjs: real captions and the 500k stand-in
// metadata of ../shared/data when present) as two JSONL files: N records (one slice), and one
// record, whose count and select tasks cost only a task's start-up (node, the prepared plan, the
// matcher from its cache). The plan comes from `curate --executor slurm --dry-run`; nothing is
// submitted and no Slurm is needed. It prints records per core-second of count + select at
// --workers 1 (start-up taken out) and the CPU-hours of a billion-pair run with --slice-mb M slices.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBenchData, poolJsonlFile } from './bench/data.mjs';
import { runMeasured } from './bench/measure.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'bench-out');
const CLI = join(REPO, 'dist', 'cli.js');
const BILLION = 1e9;

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    'slice-mb': { type: 'string', default: '256' },
    synthetic: { type: 'boolean', default: false },
  },
});
const records = Number(values.records);
const sliceMb = Number(values['slice-mb']);
const log = (line = '') => process.stdout.write(line + '\n');

async function cli(label, args) {
  const r = await runMeasured(process.execPath, [CLI, ...args], { cwd: REPO });
  if (r.code !== 0) {
    process.stderr.write(`${label} failed (exit ${r.code}): node dist/cli.js ${args.join(' ')}\n${r.stderr}`);
    process.exit(1);
  }
  return r;
}

async function main() {
  if (!existsSync(CLI)) {
    log('dist/cli.js is missing: run `node scripts/build.mjs` first.');
    process.exit(1);
  }
  const data = await loadBenchData(REPO, OUT, { synthetic: values.synthetic });
  const dir = join(OUT, 'slurm-cost');
  const big = poolJsonlFile(dir, data.captions, records);
  const tiny = join(dir, 'one-record.jsonl');
  writeFileSync(
    tiny,
    JSON.stringify({ text: data.captions[0], url: 'https://img.example.com/0.jpg' }) + '\n',
  );
  const out = join(dir, 'curated');
  rmSync(out, { recursive: true, force: true });
  const bytesPerRecord = statSync(big).size / records;
  log(
    `Pool: ${records} records (${(statSync(big).size / 1e6).toFixed(0)} MB, ${bytesPerRecord.toFixed(0)} B/record) ` +
      `+ 1 record; metadata ${data.metadataPath} (${data.synthetic ? 'synthetic' : 'real'} data)`,
  );
  log(
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg()[0].toFixed(1)}`,
  );

  // One slice per file: the big file is below --slice-mb 4096.
  await cli('plan', [
    'curate',
    '--metadata',
    data.metadataPath,
    '--input',
    big,
    tiny,
    '--text-field',
    'text',
    '--t',
    '20000',
    '--seed',
    '1',
    '--out',
    out,
    '--executor',
    'slurm',
    '--slice-mb',
    '4096',
    '--dry-run',
  ]);
  const tasks = JSON.parse(readFileSync(join(out, '.metacurate', 'manifest.json'), 'utf8')).tasks;
  const idOf = (file) => tasks.find((t) => resolve(t.file) === resolve(file)).id;
  const [bigTask, tinyTask] = [idOf(big), idOf(tiny)];
  if (tasks.length !== 2) throw new Error(`expected 2 slices, got ${tasks.length}`);

  // The submitting host fills the matcher cache before any task runs (slurmExecutor.ts); so does
  // this warm-up count of the one-record slice, whose result is then removed and measured again.
  const step = (name, task) => [
    'curate-task',
    name,
    '--out',
    out,
    ...(task === undefined ? [] : ['--task', String(task)]),
  ];
  await cli('warm-up', step('count', tinyTask));
  const workDir = join(out, '.metacurate', 'work');
  for (const f of [`count-${tinyTask}.done.json`, `count-${tinyTask}.matches`, `count-${tinyTask}.counts`])
    rmSync(join(workDir, f), { force: true });

  const m = {};
  m.countStartup = await cli('count (1 record)', step('count', tinyTask));
  m.count = await cli(`count (${records} records)`, step('count', bigTask));
  m.reduce = await cli('reduce', step('reduce'));
  m.selectStartup = await cli('select (1 record)', step('select', tinyTask));
  m.select = await cli(`select (${records} records)`, step('select', bigTask));
  m.finalize = await cli('finalize', step('finalize'));
  log('\nStep                      CPU s    wall s');
  for (const [name, r] of Object.entries(m))
    log(
      `  ${name.padEnd(22)} ${r.cpuSeconds.toFixed(2).padStart(7)} ${r.wallSeconds.toFixed(2).padStart(9)}`,
    );

  const engineCpu =
    m.count.cpuSeconds - m.countStartup.cpuSeconds + (m.select.cpuSeconds - m.selectStartup.cpuSeconds);
  const perCore = records / engineCpu;
  const startupCpu = m.countStartup.cpuSeconds + m.selectStartup.cpuSeconds;
  const slices = Math.ceil((BILLION * bytesPerRecord) / (sliceMb * 1048576));
  const engineH = BILLION / perCore / 3600;
  const startupH = (slices * startupCpu) / 3600;
  // Reduce runs once (its cost grows little with the slices); finalize runs once, serially, and
  // grows with the records it assembles.
  const reduceH = m.reduce.cpuSeconds / 3600;
  const finalizeH = ((m.finalize.cpuSeconds / records) * BILLION) / 3600;
  const totalH = engineH + startupH + reduceH + finalizeH;
  log(`\ncount + select, --workers 1, start-up taken out: ${Math.round(perCore)} records per core-second`);
  log(`A billion records (${bytesPerRecord.toFixed(0)} B each, --slice-mb ${sliceMb}: ${slices} slices):`);
  log(`  count + select engine time   ${engineH.toFixed(2)} CPU-hours`);
  log(
    `  task start-up                ${startupH.toFixed(2)} CPU-hours (${slices} slices x (${m.countStartup.cpuSeconds.toFixed(2)} s count + ${m.selectStartup.cpuSeconds.toFixed(2)} s select))`,
  );
  log(`  reduce (once)                ${reduceH.toFixed(2)} CPU-hours`);
  log(`  finalize (once, serial)      ${finalizeH.toFixed(2)} CPU-hours`);
  log(`  total                        ${totalH.toFixed(2)} CPU-hours`);
  log(
    '(CPU time, so the figures hold on a busy machine; on an idle core a task takes about its CPU time in\n' +
      ' wall time, and finalize adds the wait for the file system.)',
  );
  mkdirSync(OUT, { recursive: true });
  writeFileSync(
    join(OUT, 'slurm-cost.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        records,
        bytesPerRecord,
        sliceMb,
        metadata: data.metadataPath,
        synthetic: data.synthetic,
        steps: Object.fromEntries(
          Object.entries(m).map(([k, r]) => [k, { cpuSeconds: r.cpuSeconds, wallSeconds: r.wallSeconds }]),
        ),
        recordsPerCoreSecond: perCore,
        billion: { slices, engineH, startupH, reduceH, finalizeH, totalH },
      },
      null,
      2,
    ) + '\n',
  );
  log('Wrote bench-out/slurm-cost.json');
}

await main();
