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
// The language server (dist/server.js over stdio, English) on the long entry: semantic tokens
// (the highlighting of a sample file) of one sample line of 10k and 80k copies of the token,
// the document opened afresh each time (before the fix: the server never finished counting the
// 80k line's matches at startup).
//
// Usage: `import { benchWorstCase } from './bench/worstCase.mjs'` (rows in the bench table's
// shape), or `node scripts/bench/worstCase.mjs [--cli dist/cli.js] [--server dist/server.js]
// [--sizes 10000,20000] [--lsp-sizes 10000,80000] [--repeats 3] [--tokens 800000]
// [--parts cli,lsp]` to print them (e.g. --cli or --server of an older build to compare).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer } from './lsp.mjs';
import { median, runMeasured, timingsFrom } from './measure.mjs';
import { renderTable } from './report.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const rpc = createRequire(join(REPO, 'package.json'))('vscode-languageserver-protocol/node');
const SIZES = [10_000, 20_000, 40_000, 80_000];
const LSP_SIZES = [10_000, 80_000];
const LONG_ENTRY_TOKENS = 25_000;
/** Semantic tokens of the longest sample line: more seconds than this is a miss. */
const LSP_LINE_SECONDS = 1;
const TOKENS_PER_RUN = 800_000;
const REPEATS = 3;
/** Longest captions' time per token over the shortest's: more than this is not linear. */
const MAX_GROWTH = 1.5;

const repeated = (n) => Array(n).fill('a').join(' ');

const SCENARIOS = [
  { name: 'long entry (25,000 tokens)', entries: () => ['a', repeated(LONG_ENTRY_TOKENS)] },
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
 * Milliseconds of semantic tokens for one sample line of each size against the long entry
 * (median of `repeats`, the document reopened each time so nothing is cached), and the tokens
 * the longest line got.
 */
async function lspLineMillis(serverScript, dir, sizes, repeats, log) {
  const root = join(dir, 'lsp');
  mkdirSync(join(root, 'samples'), { recursive: true });
  writeFileSync(join(root, 'metadata.json'), JSON.stringify(['a', repeated(LONG_ENTRY_TOKENS)]));
  const samples = sizes.map((size) => {
    const path = join(root, 'samples', `line-${size}.jsonl`);
    const text = JSON.stringify({ caption: repeated(size) }) + '\n';
    writeFileSync(path, text);
    return { uri: pathToFileURL(path).href, text };
  });
  const started = performance.now();
  const server = await startServer(root, serverScript);
  try {
    const { connection, state, waitFor } = server;
    // Startup counts every sample line's matches: the same search, through forEachId.
    await waitFor('the indexed workspace', () => {
      const s = state.statuses[state.statuses.length - 1];
      return s && !s.busy && s.entries === 2 && s.samplesIndexed >= sizes.length;
    });
    log(`  lsp: server start to indexed samples ${((performance.now() - started) / 1000).toFixed(2)} s`);
    let version = 1;
    /** Opens the sample, times its semantic tokens, closes it. */
    const tokensOf = async ({ uri, text }) => {
      await connection.sendNotification(rpc.DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'jsonl', version: version++, text },
      });
      const t0 = performance.now();
      const result = await connection.sendRequest(rpc.SemanticTokensRequest.type, { textDocument: { uri } });
      const ms = performance.now() - t0;
      await connection.sendNotification(rpc.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
      return { ms, tokens: result.data.length / 5 };
    };
    // Untimed: the first request also compiles the server's code paths.
    await tokensOf(samples[0]);
    const millis = [];
    let tokens = 0;
    for (const sample of samples) {
      const times = [];
      for (let r = 0; r < repeats; r++) {
        const run = await tokensOf(sample);
        times.push(run.ms);
        tokens = run.tokens;
      }
      millis.push(median(times));
    }
    return { millis, tokens };
  } finally {
    await server.stop();
  }
}

/**
 * Rows { metric, ours, reference, ratio, target, status } for the bench table: per scenario and
 * padding, the time per token at each caption length.
 * @param {{
 *   cli?: string, serverScript?: string, sizes?: number[], lspSizes?: number[], repeats?: number,
 *   tokensPerRun?: number, parts?: string[], log?: (line: string) => void,
 * }} [options]
 */
export async function benchWorstCase({
  cli = join(REPO, 'dist', 'cli.js'),
  serverScript = join(REPO, 'dist', 'server.js'),
  sizes = SIZES,
  lspSizes = LSP_SIZES,
  repeats = REPEATS,
  tokensPerRun = TOKENS_PER_RUN,
  parts = ['cli', 'lsp'],
  log = () => {},
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'metacurate-worst-case-'));
  const rows = [];
  try {
    for (const scenario of parts.includes('cli') ? SCENARIOS : []) {
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
    if (parts.includes('lsp') && !existsSync(serverScript)) {
      log(`  lsp: ${serverScript} is missing (run npm run bundle): not measured`);
    } else if (parts.includes('lsp')) {
      const { millis, tokens } = await lspLineMillis(serverScript, dir, lspSizes, repeats, log);
      const perToken = millis.map((ms, i) => (ms * 1e6) / lspSizes[i]);
      const growth = perToken[perToken.length - 1] / perToken[0];
      const longest = lspSizes[lspSizes.length - 1];
      const seconds = millis[millis.length - 1] / 1000;
      log(
        `  lsp, long entry: semantic tokens ${lspSizes.map((s, i) => `${s / 1000}k: ${millis[i].toFixed(0)} ms`).join(', ')} (${tokens} tokens for the ${longest / 1000}k line)`,
      );
      const label = `lsp, long entry (${LONG_ENTRY_TOKENS.toLocaleString('en-US')} tokens): semantic tokens of one sample line`;
      rows.push(
        {
          metric: `${label}, ns/token at ${lspSizes.map((s) => `${s / 1000}k`).join(' / ')} tokens`,
          ours: perToken.map((x) => x.toFixed(0)).join(' / '),
          reference: '',
          ratio: '',
          target: `${longest / 1000}k vs ${lspSizes[0] / 1000}k < ${MAX_GROWTH}x`,
          status: Number.isFinite(growth) ? (growth < MAX_GROWTH ? 'PASS' : 'MISS') : '-',
        },
        {
          metric: `${label} of ${longest.toLocaleString('en-US')} tokens`,
          ours: `${seconds.toFixed(2)} s`,
          reference: '',
          ratio: '',
          target: `< ${LSP_LINE_SECONDS} s`,
          status: seconds < LSP_LINE_SECONDS ? 'PASS' : 'MISS',
        },
      );
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
      server: { type: 'string' },
      sizes: { type: 'string' },
      'lsp-sizes': { type: 'string' },
      repeats: { type: 'string' },
      tokens: { type: 'string' },
      parts: { type: 'string' },
    },
  });
  const rows = await benchWorstCase({
    cli: values.cli && resolve(values.cli),
    serverScript: values.server && resolve(values.server),
    sizes: values.sizes?.split(',').map(Number),
    lspSizes: values['lsp-sizes']?.split(',').map(Number),
    parts: values.parts?.split(','),
    repeats: values.repeats ? Number(values.repeats) : undefined,
    tokensPerRun: values.tokens ? Number(values.tokens) : undefined,
    log: (line) => console.error(line),
  });
  console.log(renderTable(rows));
}
