// Worst-case matching (issue 9, item 10): matching time must be linear in the caption whatever
// the metadata. Measured through `metacurate match` (dist/cli.js) as whole processes, like the
// rest of the bench, on metadata built to make a naive matcher quadratic:
//   - long entry: one entry of 25,000 repeated tokens (and the token alone) against captions of
//     10k, 20k, 40k and 80k copies of the token (before the fix: 32 s for one 80k caption);
//   - prefixes: 2,000 entries that are prefixes of each other ("a", "a a", ...): long
//     dictionary chains at every position;
// each with English and worldwide padding. Each process matches about TOKENS_PER_RUN tokens
// (fewer, longer lines as the caption grows), so the figure is the matching time (--timings
// matchMillis: no startup, no index build) per caption token. Linear time shows as a constant
// time per token: the row's status compares the longest captions' figure with the shortest's.
//
// Usage: `import { benchWorstCase } from './bench/worstCase.mjs'` (rows in the bench table's
// shape), or `node scripts/bench/worstCase.mjs [--cli dist/cli.js] [--sizes 10000,20000]
// [--repeats 3] [--tokens 800000]` to print them (e.g. --cli of an older build to compare).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, runMeasured, timingsFrom } from './measure.mjs';
import { renderTable } from './report.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SIZES = [10_000, 20_000, 40_000, 80_000];
const TOKENS_PER_RUN = 800_000;
const REPEATS = 3;
/** Longest captions' time per token over the shortest's: more than this is not linear. */
const MAX_GROWTH = 1.5;

const repeated = (n) => Array(n).fill('a').join(' ');

const SCENARIOS = [
  { name: 'long entry (25,000 tokens)', entries: () => ['a', repeated(25_000)] },
  {
    name: 'prefixes (2,000 entries)',
    entries: () => Array.from({ length: 2000 }, (_, i) => repeated(i + 1)),
  },
];

/** Median matching nanoseconds per caption token of `lines` captions of `size` tokens. */
async function nanosPerToken(cli, dir, metadataPath, padding, size, lines, repeats) {
  const input = join(dir, `captions-${size}.txt`);
  writeFileSync(input, (repeated(size) + '\n').repeat(lines));
  const args = [cli, 'match', '--metadata', metadataPath, '--input', input, '--out', join(dir, 'out.jsonl')];
  args.push('--padding', padding, '--no-cache', '--timings');
  const millis = [];
  for (let r = 0; r < repeats; r++) {
    const run = await runMeasured(process.execPath, args, { cwd: REPO });
    const timings = timingsFrom(run.stderr);
    if (run.code !== 0 || timings?.records !== lines) {
      throw new Error(`worst-case bench: node ${args.join(' ')} exited ${run.code}: ${run.stderr.trim()}`);
    }
    millis.push(timings.matchMillis);
  }
  return (median(millis) * 1e6) / (lines * size);
}

/**
 * Rows { metric, ours, reference, ratio, target, status } for the bench table: per scenario and
 * padding, the time per token at each caption length.
 */
export async function benchWorstCase({
  cli = join(REPO, 'dist', 'cli.js'),
  sizes = SIZES,
  repeats = REPEATS,
  tokensPerRun = TOKENS_PER_RUN,
  log = () => {},
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'metacurate-worst-case-'));
  const rows = [];
  try {
    for (const scenario of SCENARIOS) {
      const metadataPath = join(dir, 'metadata.json');
      writeFileSync(metadataPath, JSON.stringify(scenario.entries()));
      for (const padding of ['english', 'worldwide']) {
        const perToken = [];
        for (const size of sizes) {
          const lines = Math.max(1, Math.round(tokensPerRun / size));
          perToken.push(await nanosPerToken(cli, dir, metadataPath, padding, size, lines, repeats));
        }
        const growth = perToken[perToken.length - 1] / perToken[0];
        const figures = sizes.map((s, i) => `${s / 1000}k: ${perToken[i].toFixed(0)}`).join(', ');
        log(`  ${scenario.name}, ${padding}: ns per caption token ${figures}`);
        rows.push({
          metric: `${scenario.name}, ${padding}: ns/token at ${sizes.map((s) => `${s / 1000}k`).join(' / ')} tokens`,
          ours: perToken.map((x) => x.toFixed(0)).join(' / '),
          reference: '',
          ratio: '',
          target: `${sizes[sizes.length - 1] / 1000}k vs ${sizes[0] / 1000}k < ${MAX_GROWTH}x`,
          status: Number.isFinite(growth) ? (growth < MAX_GROWTH ? 'PASS' : 'MISS') : '-',
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      cli: { type: 'string' },
      sizes: { type: 'string' },
      repeats: { type: 'string' },
      tokens: { type: 'string' },
    },
  });
  const rows = await benchWorstCase({
    cli: values.cli && resolve(values.cli),
    sizes: values.sizes?.split(',').map(Number),
    repeats: values.repeats ? Number(values.repeats) : undefined,
    tokensPerRun: values.tokens ? Number(values.tokens) : undefined,
    log: (line) => console.error(line),
  });
  console.log(renderTable(rows));
}
