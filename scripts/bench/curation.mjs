// Curation at line rate on real pool formats (issue 11): `metacurate curate` as whole processes on
// the same real captions written as JSONL, TSV, Parquet and WebDataset shards (with image-sized
// payloads), set against scripts/reference_curate.py (the upstream pipeline in Python), against
// `cp` of the same shards, against itself with 2 workers, and on generated pools of growing size
// (time per record and peak memory). Every figure is reported, never asserted; a reference whose
// per-entry counts or expected kept size differ from ours is a problem (non-zero exit).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtCount, fmtMB, fmtRatio, fmtSeconds, atLeast, below } from './report.mjs';

const LAYOUT = 'v1'; // bump when the pools written here change shape

export const CURATION_TARGETS = {
  referenceRatio: 5,
  referenceRatioAim: 10,
  parquetShareOfJsonl: 0.5,
  webdatasetShareOfCp: 0.5,
  twoWorkersSpeedup: 1.8,
  perRecordDrift: 0.15,
  scalePeakMB: 1000,
};

/** A caption as one field of a TSV line: no tabs, line breaks or quotes (which TSV readers differ on). */
function plainCaption(caption) {
  return caption.replace(/[\t\r\n]+/g, ' ').replace(/"/g, "'");
}

/** The captions repeated to `records` pool records {key, caption, url}, split over `files`. */
/** @typedef {ReturnType<typeof poolRecords> extends Generator<infer R> ? R : never} PoolRecord */

function* poolRecords(captions, records, files) {
  const perFile = Math.ceil(records / files);
  for (let i = 0; i < records; i++) {
    const file = Math.floor(i / perFile);
    yield {
      file,
      key: `f${file}-${String(i - file * perFile).padStart(7, '0')}`,
      caption: plainCaption(captions[i % captions.length]),
      url: `https://img.example.com/${i % captions.length}.jpg`,
    };
  }
}

function writeLines(path, header, lines) {
  const fd = openSync(path + '.tmp', 'w');
  try {
    let chunk = header;
    for (const line of lines) {
      chunk += line;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  renameSync(path + '.tmp', path);
}

/** The pool in one format under `dir` (reused when already written), as a list of file paths. */
async function writePool(dir, format, captions, records, files) {
  const paths = Array.from({ length: files }, (_, f) => join(dir, `pool-${f}.${format}`));
  if (paths.every((p) => existsSync(p))) return paths;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const byFile = Array.from({ length: files }, () => /** @type {PoolRecord[]} */ ([]));
  for (const r of poolRecords(captions, records, files)) byFile[r.file].push(r);
  for (let f = 0; f < files; f++) {
    const rows = byFile[f];
    if (format === 'jsonl')
      writeLines(
        paths[f],
        '',
        rows.map((r) => JSON.stringify({ key: r.key, caption: r.caption, url: r.url }) + '\n'),
      );
    else if (format === 'tsv')
      writeLines(
        paths[f],
        'key\tcaption\turl\n',
        rows.map((r) => `${r.key}\t${r.caption}\t${r.url}\n`),
      );
    else if (format === 'parquet') {
      const { parquetWriteFile } = await import('hyparquet-writer');
      parquetWriteFile({
        filename: paths[f] + '.tmp',
        columnData: ['key', 'caption', 'url'].map((name) => ({
          name,
          data: rows.map((r) => r[name]),
          type: 'STRING',
        })),
        rowGroupSize: 10_000,
      });
      renameSync(paths[f] + '.tmp', paths[f]);
    } else throw new Error(`no writer for ${format}`);
  }
  return paths;
}

/** A ustar header for a regular file member. */
function tarHeader(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/**
 * WebDataset shards of about `totalMB`: per sample a .jpg of 30-100 KB random bytes (JPEG-sized,
 * incompressible) and a .txt caption, spread over `shards` .tar files.
 */
function writeShards(dir, captions, totalMB, shards) {
  const paths = Array.from({ length: shards }, (_, s) =>
    join(dir, `shard-${String(s).padStart(4, '0')}.tar`),
  );
  if (paths.every((p) => existsSync(p))) return paths;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const perShard = (totalMB * 1e6) / shards;
  let sample = 0;
  for (const path of paths) {
    const fd = openSync(path + '.tmp', 'w');
    try {
      let written = 0;
      while (written < perShard) {
        const key = `s${String(sample).padStart(8, '0')}`;
        const image = randomBytes(30_000 + ((sample * 7919) % 70_000));
        const caption = Buffer.from(plainCaption(captions[sample % captions.length]));
        for (const [name, body] of /** @type {Array<[string, Buffer]>} */ ([
          [`${key}.jpg`, image],
          [`${key}.txt`, caption],
        ])) {
          const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
          writeSync(fd, tarHeader(name, body.length));
          writeSync(fd, body);
          writeSync(fd, pad);
          written += 512 + body.length + pad.length;
        }
        sample++;
      }
      writeSync(fd, Buffer.alloc(1024));
    } finally {
      closeSync(fd);
    }
    renameSync(path + '.tmp', path);
  }
  return paths;
}

function totalBytes(paths) {
  return paths.reduce((a, p) => a + statSync(p).size, 0);
}

/** Reads the files once so that neither side of a comparison pays for a cold disk read. */
function warm(paths) {
  for (const p of paths) readFileSync(p);
}

/**
 * Per-entry counts, record count and expected kept of our summary.json against the reference's
 * reference.json; returns a one-line verdict, and pushes a problem on a disagreement.
 */
function compareWithReference(summary, reference, what, problems) {
  const ours = new Map(summary.entries.map((e) => [e.id, e.count]));
  const theirs = new Map(Object.entries(reference.counts).map(([id, c]) => [Number(id), c]));
  const differing = [];
  for (const id of new Set([...ours.keys(), ...theirs.keys()]))
    if ((ours.get(id) ?? 0) !== (theirs.get(id) ?? 0)) differing.push(id);
  const issues = [];
  if (summary.pool.records !== reference.records)
    issues.push(`records ${summary.pool.records} vs ${reference.records}`);
  if (differing.length > 0)
    issues.push(
      `${differing.length} entries counted differently (first id ${differing[0]}: ${ours.get(differing[0]) ?? 0} vs ${theirs.get(differing[0]) ?? 0})`,
    );
  if (summary.expected_kept !== reference.expected_kept)
    issues.push(`expected kept ${summary.expected_kept} vs ${reference.expected_kept}`);
  if (issues.length > 0) {
    problems.push(`${what}: ours and the reference disagree: ${issues.join('; ')}`);
    return `DISAGREE (${issues.join('; ')})`;
  }
  return `agree: ${fmtCount(ours.size)} entries' counts, ${fmtCount(reference.records)} records, expected kept ${reference.expected_kept}`;
}

/**
 * The curation bench. `run(label, cmd, args)` is bench.mjs's measured run (undefined on failure,
 * recorded as a problem); `cli` is dist/cli.js, `repo` the repository root. Returns { rows, results }.
 */
export async function benchCuration({
  repo,
  cli,
  outDir,
  data,
  reference,
  options,
  run,
  log,
  problems,
  notes,
}) {
  const dir = join(outDir, 'curation');
  mkdirSync(dir, { recursive: true });
  const records = options.curationRecords;
  const files = 3;
  const t = 1000;
  const rows = [];
  const results = { records, t, formats: {} };
  const ours = (label, inputs, textField, out, workers) => {
    rmSync(out, { recursive: true, force: true });
    return run(label, process.execPath, [
      cli,
      'curate',
      '--metadata',
      data.metadataPath,
      '--input',
      ...inputs,
      ...(textField ? ['--text-field', textField] : []),
      '--t',
      String(t),
      '--seed',
      '1',
      '--out',
      out,
      '--workers',
      String(workers),
      '--progress',
      'none',
    ]);
  };
  const summaryOf = (out) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const rate = (r, n) => (r ? n / r.wallSeconds : NaN);

  log(
    `\nCuration at line rate: ${fmtCount(records)} real captions repeated, ${files} files per format, t=${t}, x ${fmtCount(data.metadataEntries)} entries`,
  );
  const pools = {};
  const started = performance.now();
  for (const format of ['jsonl', 'tsv', 'parquet'])
    pools[format] = await writePool(
      join(dir, `${LAYOUT}-${records}-${format}`),
      format,
      data.captions,
      records,
      files,
    );
  log(`  pools ready in ${((performance.now() - started) / 1000).toFixed(1)} s under ${dir}`);

  // 1. JSONL and TSV against the reference pipeline, one worker each.
  for (const format of ['jsonl', 'tsv']) {
    warm(pools[format]);
    const out = join(dir, `out-${format}-w1`);
    const r = await ours(`ours: curate ${format} --workers 1`, pools[format], 'caption', out, 1);
    const entry = { records, mb: totalBytes(pools[format]) / 1e6, ours: r && pick(r) };
    if (r) {
      const s = summaryOf(out);
      entry.kept = s.kept;
      entry.expectedKept = s.expected_kept;
      entry.passSeconds = s.pass_seconds;
    }
    let ref;
    if (reference) {
      const refOut = join(dir, `ref-${format}`);
      rmSync(refOut, { recursive: true, force: true });
      ref = await run(`reference: curate ${format}`, reference.python, [
        join(repo, 'scripts', 'reference_curate.py'),
        '--metadata',
        data.metadataPath,
        '--input',
        ...pools[format],
        '--text-field',
        'caption',
        '--t',
        String(t),
        '--seed',
        '1',
        '--out',
        refOut,
      ]);
      entry.reference = ref && pick(ref);
      if (r && ref) {
        entry.agreement = compareWithReference(
          summaryOf(out),
          JSON.parse(readFileSync(join(refOut, 'reference.json'), 'utf8')),
          `curate ${format}`,
          problems,
        );
        log(`  ${format}: ${entry.agreement}`);
      }
    }
    results.formats[format] = entry;
    const ratio = rate(r, records) / rate(ref, records);
    log(
      `  ${format}: ours ${fmtSeconds(r?.wallSeconds, 2)} (${fmtCount(rate(r, records))} records/s, peak ${fmtMB(r?.peakMB)}), reference ${fmtSeconds(ref?.wallSeconds, 2)} (peak ${fmtMB(ref?.peakMB)})`,
    );
    rows.push({
      metric: `curate ${format.toUpperCase()}, 1 worker, whole process`,
      ours: `${fmtCount(rate(r, records))}/s`,
      reference: ref ? `${fmtCount(rate(ref, records))}/s` : '-',
      ratio: fmtRatio(ratio),
      target: `>= ${CURATION_TARGETS.referenceRatio}x (aim ${CURATION_TARGETS.referenceRatioAim}x)`,
      status: atLeast(ratio, CURATION_TARGETS.referenceRatio, CURATION_TARGETS.referenceRatioAim),
    });
  }
  const jsonlRate = rate(results.formats.jsonl.ours, records);

  // 2. Parquet: the same records, records/s against JSONL's.
  {
    warm(pools.parquet);
    const out = join(dir, 'out-parquet-w1');
    const r = await ours('ours: curate parquet --workers 1', pools.parquet, 'caption', out, 1);
    results.formats.parquet = { records, mb: totalBytes(pools.parquet) / 1e6, ours: r && pick(r) };
    const share = rate(r, records) / jsonlRate;
    log(`  parquet: ours ${fmtSeconds(r?.wallSeconds, 2)} (${fmtCount(rate(r, records))} records/s)`);
    rows.push({
      metric: 'curate Parquet, 1 worker (vs our JSONL)',
      ours: `${fmtCount(rate(r, records))}/s`,
      reference: `${fmtCount(jsonlRate)}/s`,
      ratio: fmtRatio(share),
      target: `>= ${CURATION_TARGETS.parquetShareOfJsonl}x`,
      status: atLeast(share, CURATION_TARGETS.parquetShareOfJsonl),
    });
  }

  // 3. WebDataset with images: bytes/s against cp of the same shards.
  {
    const shardDir = join(dir, `${LAYOUT}-wds-${options.webdatasetMB}MB`);
    const shards = writeShards(shardDir, data.captions, options.webdatasetMB, 4);
    const bytes = totalBytes(shards);
    const samples = countSamples(shards);
    warm(shards);
    const copyDir = join(dir, 'wds-copy');
    rmSync(copyDir, { recursive: true, force: true });
    mkdirSync(copyDir, { recursive: true });
    const copy = await run('cp of the shards', 'cp', [...shards, copyDir]);
    rmSync(copyDir, { recursive: true, force: true });
    mkdirSync(copyDir, { recursive: true });
    warm(shards);
    // What a writer that keeps its files (as curate does: fsync, then rename) is set against:
    // the same copy, then each copy synced to disk (`sync FILE...` fsyncs those files only).
    const copySynced = await run('cp of the shards, then fsync of the copies', 'sh', [
      '-c',
      'dir="$1"; shift; cp "$@" "$dir" && sync "$dir"/*',
      'sh',
      copyDir,
      ...shards,
    ]);
    rmSync(copyDir, { recursive: true, force: true });
    warm(shards);
    const out = join(dir, 'out-wds-w1');
    const r = await ours('ours: curate webdataset --workers 1', shards, undefined, out, 1);
    const kept = r ? summaryOf(out).kept : NaN;
    results.formats.webdataset = {
      samples,
      mb: bytes / 1e6,
      kept,
      ours: r && pick(r),
      cp: copy && pick(copy),
      cpThenFsync: copySynced && pick(copySynced),
      passSeconds: r ? summaryOf(out).pass_seconds : undefined,
    };
    const share = rate(r, bytes) / rate(copy, bytes);
    const passes = results.formats.webdataset.passSeconds ?? {};
    log(
      `  webdataset: ${fmtCount(samples)} samples, ${(bytes / 1e6).toFixed(0)} MB in ${shards.length} shards; ours ${fmtSeconds(r?.wallSeconds, 2)} (kept ${fmtCount(kept)}; count ${fmtSeconds(passes.count, 2)}, select ${fmtSeconds(passes.select, 2)}), cp ${fmtSeconds(copy?.wallSeconds, 2)}, cp + fsync ${fmtSeconds(copySynced?.wallSeconds, 2)}`,
    );
    rows.push({
      metric: 'curate WebDataset (images), 1 worker: bytes/s vs cp',
      ours: `${(rate(r, bytes) / 1e6).toFixed(0)} MB/s`,
      reference: `${(rate(copy, bytes) / 1e6).toFixed(0)} MB/s (cp)`,
      ratio: fmtRatio(share),
      target: `>= ${CURATION_TARGETS.webdatasetShareOfCp}x`,
      status: atLeast(share, CURATION_TARGETS.webdatasetShareOfCp),
    });
    rows.push({
      metric: 'curate WebDataset (images), 1 worker: bytes/s vs cp + fsync',
      ours: `${(rate(r, bytes) / 1e6).toFixed(0)} MB/s`,
      reference: `${(rate(copySynced, bytes) / 1e6).toFixed(0)} MB/s (cp + fsync)`,
      ratio: fmtRatio(rate(r, bytes) / rate(copySynced, bytes)),
      target: 'info',
      status: '',
    });
    rows.push({
      metric: 'curate WebDataset (images), 1 worker: samples/s',
      ours: `${fmtCount(rate(r, samples))}/s`,
      reference: '',
      ratio: '',
      target: 'info',
      status: '',
    });
  }

  // 4. Two workers against one, on the JSONL pool.
  {
    warm(pools.jsonl);
    const out = join(dir, 'out-jsonl-w2');
    const r = await ours('ours: curate jsonl --workers 2', pools.jsonl, 'caption', out, 2);
    results.formats.jsonl.twoWorkers = r && pick(r);
    const speedup = rate(r, records) / jsonlRate;
    log(`  jsonl, 2 workers: ${fmtSeconds(r?.wallSeconds, 2)} (${fmtCount(rate(r, records))} records/s)`);
    rows.push({
      metric: 'curate JSONL, 2 workers vs 1',
      ours: `${fmtCount(rate(r, records))}/s`,
      reference: `${fmtCount(jsonlRate)}/s (1 worker)`,
      ratio: fmtRatio(speedup),
      target: `>= ${CURATION_TARGETS.twoWorkersSpeedup}x`,
      status: atLeast(speedup, CURATION_TARGETS.twoWorkersSpeedup),
    });
  }
  for (const name of readdirSync(dir))
    if (name.startsWith('out-') || name.startsWith('ref-'))
      rmSync(join(dir, name), { recursive: true, force: true });

  // 5. Scale: generated pools of growing size, time per record and peak memory.
  if (options.scaleSizes.length > 0) {
    log(
      `\nCuration at scale: generated pools of ${options.scaleSizes.map(fmtCount).join(', ')} records, ${options.workers} workers (under ${tmpdir()}, deleted after)`,
    );
    results.scale = [];
    for (const size of options.scaleSizes) {
      const scratch = join(tmpdir(), `metacurate-bench-scale-${process.pid}-${size}`);
      rmSync(scratch, { recursive: true, force: true });
      mkdirSync(scratch, { recursive: true });
      try {
        const generated = performance.now();
        const fileCount = Math.max(1, Math.ceil(size / 1_000_000));
        const gen = spawnSync(
          process.execPath,
          [
            cli,
            'generate-pool',
            '--metadata',
            data.metadataPath,
            '--records',
            String(size),
            '--files',
            String(fileCount),
            '--out',
            join(scratch, 'pool', 'pool.jsonl'),
          ],
          { encoding: 'utf8' },
        );
        if (gen.status !== 0) {
          problems.push(
            `generate-pool --records ${size} exited with ${gen.status}: ${gen.stderr.trim().split('\n').pop()}`,
          );
          continue;
        }
        const inputs = readdirSync(join(scratch, 'pool'))
          .sort()
          .map((f) => join(scratch, 'pool', f));
        const mb = totalBytes(inputs) / 1e6;
        log(
          `  ${fmtCount(size)}: pool of ${mb.toFixed(0)} MB generated in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
        );
        const r = await ours(
          `ours: curate ${fmtCount(size)} generated`,
          inputs,
          'text',
          join(scratch, 'out'),
          options.workers,
        );
        const point = {
          records: size,
          mb,
          ours: r && pick(r),
          microsPerRecord: r ? (r.wallSeconds / size) * 1e6 : NaN,
        };
        results.scale.push(point);
        log(
          `  ${fmtCount(size)}: ${fmtSeconds(r?.wallSeconds, 1)}, ${point.microsPerRecord.toFixed(2)} us/record, peak ${fmtMB(r?.peakMB)}`,
        );
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    const measured = results.scale.filter((p) => p.ours);
    const base = measured[0];
    // Time per record with the fixed cost (start-up, index, summary) taken out: the time each step
    // up in size added, per record added. Constant if the per-record state is bounded.
    const marginal = measured.slice(1).map((p, i) => {
      const prev = measured[i];
      const added = p.records - prev.records;
      return {
        from: prev.records,
        to: p.records,
        wall: ((p.ours.wallSeconds - prev.ours.wallSeconds) / added) * 1e6,
        cpu: ((p.ours.cpuSeconds - prev.ours.cpuSeconds) / added) * 1e6,
      };
    });
    results.scaleMarginal = marginal;
    for (const m of marginal) {
      const first = marginal[0];
      for (const kind of /** @type {const} */ (['wall', 'cpu'])) {
        const drift = m[kind] / first[kind] - 1;
        rows.push({
          metric: `curate ${fmtCount(m.from)} -> ${fmtCount(m.to)} generated records, ${kind === 'wall' ? 'wall' : 'CPU'} time per added record`,
          ours: `${m[kind].toFixed(2)} us`,
          reference:
            m === first
              ? ''
              : `${first[kind].toFixed(2)} us (${fmtCount(first.from)} -> ${fmtCount(first.to)})`,
          ratio: m === first ? '' : `${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)}%`,
          target: m === first ? 'info' : `within ${CURATION_TARGETS.perRecordDrift * 100}%`,
          status: m === first ? '' : below(Math.abs(drift), CURATION_TARGETS.perRecordDrift),
        });
      }
    }
    for (const p of measured) {
      const drift = base ? p.microsPerRecord / base.microsPerRecord - 1 : NaN;
      rows.push({
        metric: `curate ${fmtCount(p.records)} generated records, wall time per record`,
        ours: `${p.microsPerRecord.toFixed(2)} us`,
        reference: p === base ? '' : `${base.microsPerRecord.toFixed(2)} us (${fmtCount(base.records)})`,
        ratio: p === base ? '' : `${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)}%`,
        // Falls with size as the fixed start-up is spread: the marginal rows below hold the target.
        target: 'info',
        status: '',
      });
      // CPU time per record is the steadier figure on a shared machine (wall time waits for cores).
      const cpuMicros = (p.ours.cpuSeconds / p.records) * 1e6;
      const baseCpuMicros = base && (base.ours.cpuSeconds / base.records) * 1e6;
      const cpuDrift = cpuMicros / baseCpuMicros - 1;
      rows.push({
        metric: `curate ${fmtCount(p.records)} generated records, CPU time per record`,
        ours: `${cpuMicros.toFixed(2)} us`,
        reference: p === base ? '' : `${baseCpuMicros.toFixed(2)} us (${fmtCount(base.records)})`,
        ratio: p === base ? '' : `${cpuDrift >= 0 ? '+' : ''}${(cpuDrift * 100).toFixed(1)}%`,
        target: 'info',
        status: '',
      });
      rows.push({
        metric: `curate ${fmtCount(p.records)} generated records, peak memory`,
        ours: fmtMB(p.ours.peakMB),
        reference: '',
        ratio: '',
        target: `< ${CURATION_TARGETS.scalePeakMB} MB`,
        status: below(p.ours.peakMB, CURATION_TARGETS.scalePeakMB),
      });
    }
  }
  if (!reference)
    notes.push('curation: no reference pipeline (pyahocorasick missing): no ratios to it and no count check');
  return { rows, results };
}

function pick(r) {
  return { wallSeconds: r.wallSeconds, cpuSeconds: r.cpuSeconds, peakMB: r.peakMB, repro: r.repro };
}

/** Samples in the shards: their .txt members (one per sample, as writeShards writes them). */
function countSamples(shards) {
  let n = 0;
  for (const path of shards) {
    const bytes = readFileSync(path);
    for (let at = 0; at + 512 <= bytes.length;) {
      const name = bytes.toString('utf8', at, at + 100).replace(/\0.*$/s, '');
      if (name === '') break;
      const size = parseInt(bytes.toString('latin1', at + 124, at + 136).replace(/\0.*$/s, ''), 8);
      if (name.endsWith('.txt')) n++;
      at += 512 + Math.ceil(size / 512) * 512;
    }
  }
  return n;
}
