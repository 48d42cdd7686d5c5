// @ts-check
/**
 * Fault-injection suite (issue 9): a seeded series of `kill -9` at random moments in every pass
 * of a curation (count, reduce, select, finalize) and in the resumes, each resumed to the same
 * bytes as an uninterrupted run with no temp files left; disk full on a small tmpfs mounted here,
 * then a resume once space is freed; two curations started at once into one folder.
 *
 * Usage: node scripts/fault/run.mjs   (after `npm run build`; the tmpfs check needs root)
 * FAULT_SEED=N picks another series of kill moments. Prints one line per check and ends with
 * `N passed, M failed`; exits 1 on any failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const CLI = join(ROOT, 'dist', 'cli.js');
const SEED = Number(process.env.FAULT_SEED ?? 1);
/** The tool's own temp names (fsAtomic.ts): `<name>.tmp-<pid>-<random>`. */
const TEMP_NAME = /\.tmp-\d+-[a-z0-9]+$/;
/** summary.json fields that measure the run rather than describe the data. */
const RUN_FIELDS = ['wall_seconds', 'pass_seconds', 'records_per_second', 'resumed', 'workers'];

let passed = 0;
let failed = 0;
/** @param {boolean} ok @param {string} what @param {string} [detail] */
function check(ok, what, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(
    `${ok ? 'ok' : 'not ok'} - ${what}${!ok && detail ? `\n    ${detail.split('\n').join('\n    ')}` : ''}`,
  );
}

/** mulberry32: the kill moments are the same for the same FAULT_SEED. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seededRandom(SEED);

/** Runs the CLI to the end. */
function cli(args, options = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', ...options });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts the CLI and SIGKILLs it after `killAfterMs` (unless it ends first). Resolves with the
 * exit code (null when killed), the phases seen in its `--progress json` lines and the time.
 * @returns {Promise<{ code: number | null, killed: boolean, phases: string[], ms: number, stderr: string }>}
 */
function runAndKill(args, killAfterMs) {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const phases = [];
    let stderr = '';
    let pending = '';
    const onLine = (line) => {
      try {
        const event = JSON.parse(line);
        if (event.type === 'progress' && phases.at(-1) !== event.phase) phases.push(event.phase);
      } catch {
        /* not a progress line */
      }
    };
    const onOutput = (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onOutput);
    child.stderr.setEncoding('utf8').on('data', (c) => {
      stderr += c;
      onOutput(c);
    });
    let killed = false;
    const timer =
      killAfterMs === Infinity
        ? undefined
        : setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAfterMs);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolvePromise({
        code,
        killed: killed && code === null,
        phases,
        ms: performance.now() - started,
        stderr,
      });
    });
  });
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * What a curation produced, as one comparable text: a hash of every data file, of counts and
 * matches, and summary.json without its timing fields. `.metacurate/` (work files) is left out.
 */
function curationFingerprint(out) {
  const lines = [];
  for (const f of listFiles(out)) {
    if (f.startsWith('.metacurate')) continue;
    const bytes = readFileSync(join(out, f));
    if (f === 'summary.json') {
      const summary = JSON.parse(bytes.toString('utf8'));
      for (const k of RUN_FIELDS) delete summary[k];
      lines.push(`${f} ${createHash('sha256').update(JSON.stringify(summary)).digest('hex')}`);
    } else lines.push(`${f} ${createHash('sha256').update(bytes).digest('hex')}`);
  }
  return lines.join('\n');
}

function tempFilesIn(out) {
  return existsSync(out) ? listFiles(out).filter((f) => TEMP_NAME.test(f)) : [];
}

/** The first differing line of two fingerprints, for the failure message. */
function firstDifference(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if (x[i] !== y[i]) return `expected: ${x[i] ?? '(nothing)'}\n   found: ${y[i] ?? '(nothing)'}`;
  return '';
}

async function main() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const work = mkdtempSync(join(tmpdir(), 'metacurate-fault-'));
  console.log(`fault-injection suite: seed ${SEED}, work folder ${work}`);
  try {
    // A pool of 4 JSONL files and a TSV, sliced small so each pass has many tasks.
    const metadata = join(work, 'metadata.json');
    const entries = [];
    for (const [i, w] of [
      'dog',
      'cat',
      'garden',
      'red',
      'blue',
      'car',
      'tree',
      'house',
      'sky',
      'river',
    ].entries())
      entries.push(w, `${w} ${i}`, `big ${w}`);
    for (let i = 0; i < 2000; i++) entries.push(`thing${i}`);
    writeFileSync(metadata, JSON.stringify(entries));
    const poolDir = join(work, 'pool');
    mkdirSync(poolDir);
    const gen = cli([
      'generate-pool',
      '--metadata',
      metadata,
      '--records',
      '120000',
      '--files',
      '4',
      '--seed',
      '3',
      '--out',
      join(poolDir, 'pool.jsonl'),
    ]);
    if (gen.code !== 0) throw new Error(`generate-pool failed: ${gen.stderr}`);
    const tsvLines = ['text\turl'];
    for (let i = 0; i < 20000; i++)
      tsvLines.push(`a red dog ${i % 97} in the garden thing${i % 2000}\thttps://example.com/${i}`);
    writeFileSync(join(poolDir, 'extra.tsv'), tsvLines.join('\r\n') + '\r\n');
    const inputs = [...readdirSync(poolDir).map((f) => join(poolDir, f))].sort();
    const curateArgs = (out) => [
      'curate',
      '--metadata',
      metadata,
      '--input',
      ...inputs,
      '--text-field',
      'text',
      '--t',
      '500',
      '--seed',
      '7',
      '--workers',
      '2',
      '--slice-mb',
      '1',
      '--out',
      out,
    ];

    // The reference: one uninterrupted run.
    const refOut = join(work, 'reference');
    const t0 = performance.now();
    const ref = cli([...curateArgs(refOut), '--progress', 'none']);
    const refMs = performance.now() - t0;
    if (ref.code !== 0) throw new Error(`reference curation failed (exit ${ref.code}): ${ref.stderr}`);
    const expected = curationFingerprint(refOut);
    console.log(`reference curation: ${Math.round(refMs)} ms, ${expected.split('\n').length} files`);

    // 1. Whole local runs killed at random moments, the resumes too, until one finishes.
    const phasesHit = new Set();
    let localKills = 0;
    for (let trial = 0; trial < 4; trial++) {
      const out = join(work, `local-${trial}`);
      let resumes = 0;
      for (;;) {
        const killAt = resumes < 2 ? random() * refMs * 1.1 : Infinity;
        const r = await runAndKill([...curateArgs(out), '--progress', 'json'], killAt);
        if (r.killed) {
          localKills++;
          phasesHit.add(r.phases.at(-1) ?? 'start');
          resumes++;
          continue;
        }
        check(r.code === 0, `local run ${trial}: resumed after ${resumes} kill(s) exits 0`, r.stderr);
        break;
      }
      const got = existsSync(out) ? curationFingerprint(out) : '';
      check(
        got === expected,
        `local run ${trial}: same bytes as the uninterrupted run`,
        firstDifference(expected, got),
      );
      const temps = tempFilesIn(out);
      check(temps.length === 0, `local run ${trial}: no temp files left`, temps.join(', '));
    }
    console.log(`local: ${localKills} kills, last phase seen at the kill: ${[...phasesHit].join(', ')}`);

    // 2. Pass by pass, as a cluster runs them (curate-task): first once without faults, to time
    // each step, then every pass killed at random moments within its time and re-run.
    const stepsOf = (out) => {
      const plan = cli([...curateArgs(out), '--executor', 'slurm', '--dry-run']);
      if (plan.code !== 0)
        throw new Error(`the slice plan (--executor slurm --dry-run) failed: ${plan.stderr}`);
      const manifest = JSON.parse(readFileSync(join(out, '.metacurate', 'manifest.json'), 'utf8'));
      const ids = (manifest.plan?.tasks ?? manifest.tasks).map((/** @type {{id: number}} */ t) =>
        String(t.id),
      );
      return [
        ...ids.map((id) => ['count', '--task', id]),
        ['reduce'],
        ...ids.map((id) => ['select', '--task', id]),
        ['finalize'],
      ].map((s) => ({ pass: s[0], args: ['curate-task', ...s, '--out', out] }));
    };
    /** @type {Record<string, number>} */
    const stepMs = {};
    const timedOut = join(work, 'passes-timed');
    for (const step of stepsOf(timedOut)) {
      const r = await runAndKill(step.args, Infinity);
      if (r.code !== 0) throw new Error(`${step.args.join(' ')} failed: ${r.stderr}`);
      stepMs[step.pass] = Math.max(stepMs[step.pass] ?? 0, r.ms);
    }
    const timedGot = curationFingerprint(timedOut);
    check(
      timedGot === expected,
      'pass by pass (curate-task): same bytes as the local run',
      firstDifference(expected, timedGot),
    );
    console.log(
      `step times (ms): ${Object.entries(stepMs)
        .map(([k, v]) => `${k} ${Math.round(v)}`)
        .join(', ')}`,
    );

    const passOut = join(work, 'passes');
    let passKills = 0;
    /** @type {Record<string, number>} */
    const killsPerPass = { count: 0, reduce: 0, select: 0, finalize: 0 };
    const steps = stepsOf(passOut);
    for (const [i, step] of steps.entries()) {
      // The first step of each pass is killed twice, the others at random once in three.
      const firstOfPass = i === 0 || steps[i - 1].pass !== step.pass;
      for (let kills = firstOfPass ? 2 : random() < 0.34 ? 1 : 0; kills > 0; kills--) {
        const r = await runAndKill(step.args, random() * stepMs[step.pass] * 0.95);
        if (r.killed) {
          passKills++;
          killsPerPass[step.pass]++;
        }
      }
      const r = await runAndKill(step.args, Infinity);
      if (r.code !== 0) {
        check(false, `${step.args.slice(0, 4).join(' ')} after kills exits 0`, r.stderr);
        break;
      }
    }
    const gotPasses = existsSync(join(passOut, 'summary.json')) ? curationFingerprint(passOut) : '';
    check(
      gotPasses === expected,
      'pass by pass with kills: same bytes as the uninterrupted local run',
      firstDifference(expected, gotPasses),
    );
    const passTemps = tempFilesIn(passOut);
    check(passTemps.length === 0, 'pass by pass with kills: no temp files left', passTemps.join(', '));
    console.log(
      `passes: ${passKills} kills (${Object.entries(killsPerPass)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    );
    check(localKills + passKills >= 10, `at least 10 kills in this run (${localKills + passKills})`);
    check(
      Object.values(killsPerPass).every((n) => n > 0),
      'every pass was killed at least once',
    );

    // 3. Disk full on a small tmpfs, then a resume after space is freed.
    if (process.getuid?.() !== 0) {
      check(false, 'disk full: needs root to mount a tmpfs (CI runs as root)');
    } else {
      const mnt = join(work, 'small-disk');
      mkdirSync(mnt);
      const refBytes = listFiles(refOut).reduce((a, f) => a + statSync(join(refOut, f)).size, 0);
      const size = Math.ceil((refBytes * 2.5) / 4096) * 4096 + (1 << 20);
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]);
      if (mounted.status !== 0) check(false, 'disk full: mount a tmpfs', String(mounted.stderr));
      else {
        try {
          // Leaves about half of what the curation needs.
          const filler = join(mnt, 'filler.bin');
          writeFileSync(filler, Buffer.alloc(size - Math.ceil(refBytes * 0.6)));
          const out = join(mnt, 'curated');
          const full = cli([...curateArgs(out), '--progress', 'none']);
          const lines = full.stderr
            .trim()
            .split('\n')
            .filter((l) => l.includes('error'));
          check(full.code === 1, 'disk full: exit code 1', `exit ${full.code}: ${full.stderr}`);
          check(
            /no space|ENOSPC/i.test(full.stderr) && !/\n\s+at /.test(full.stderr) && lines.length === 1,
            'disk full: one line naming the path and what happened, no stack trace',
            full.stderr,
          );
          rmSync(filler);
          const resumed = cli([...curateArgs(out), '--progress', 'none']);
          check(
            resumed.code === 0,
            'disk full: the same command resumes once space is freed',
            resumed.stderr,
          );
          const got = existsSync(join(out, 'summary.json')) ? curationFingerprint(out) : '';
          check(
            got === expected,
            'disk full: the resumed curation has the same bytes',
            firstDifference(expected, got),
          );
          const temps = tempFilesIn(out);
          check(temps.length === 0, 'disk full: no temp files left', temps.join(', '));
        } finally {
          spawnSync('umount', [mnt]);
        }
      }
    }

    // 4. Two curations into one folder at once, with different inputs.
    const shared = join(work, 'concurrent');
    const argsA = [...curateArgs(shared), '--progress', 'none'];
    const argsB = [
      'curate',
      '--metadata',
      metadata,
      '--input',
      inputs[0],
      '--text-field',
      'text',
      '--t',
      '100',
      '--seed',
      '1',
      '--workers',
      '1',
      '--out',
      shared,
      '--progress',
      'none',
    ];
    const [a, b] = await Promise.all([runAndKill(argsA, Infinity), runAndKill(argsB, Infinity)]);
    const codes = [a.code, b.code].sort();
    check(
      codes[0] === 0 && codes[1] === 2,
      'two runs into one folder: one finishes, the other is refused (exit 2)',
      `exits ${a.code}, ${b.code}\nA: ${a.stderr}\nB: ${b.stderr}`,
    );
    const loser = a.code === 0 ? b : a;
    check(
      /in use|lock/i.test(loser.stderr) && /pid \d+/.test(loser.stderr),
      'two runs into one folder: the refusal names the holder',
      loser.stderr,
    );
    const summary = existsSync(join(shared, 'summary.json'))
      ? JSON.parse(readFileSync(join(shared, 'summary.json'), 'utf8'))
      : undefined;
    const winnerFiles = a.code === 0 ? inputs.length : 1;
    check(
      summary?.pool?.files === winnerFiles,
      "two runs into one folder: summary.json describes the winner's inputs",
      JSON.stringify(summary?.pool),
    );
    check(tempFilesIn(shared).length === 0, 'two runs into one folder: no temp files left');
    check(!existsSync(join(shared, '.metacurate', 'lock')), 'two runs into one folder: the lock is released');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main()
  .catch((err) => {
    failed++;
    console.log(`not ok - the suite itself failed: ${err.stack ?? err}`);
  })
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 ? 1 : 0;
  });
