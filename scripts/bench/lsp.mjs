// The language server's speed figures (issues 3 and 12), measured against the bundle dist/server.js
// over stdio with the same JSON-RPC client library editors use:
//   - opening the 500k-entry metadata to its first diagnostics      (target < 1.5 s; issue 11:
//     < 1 s, idle and with a busy-loop process per core beside the server)
//   - the first completion (it loads the WordNet lemmas), and a hover
//     sent right after it, which waits as long                     (target < 0.5 s)
//   - semantic tokens for a 50,000-line JSONL sample                (target < 1 s)
//   - the edit of one entry to updated highlights of that sample    (target < 1 s)
//   - the edit of one entry to updated diagnostics of the 500k list (target < 1.5 s: diagnostics
//     of a list over 1M characters wait for typing to pause 1 s)
// Data: ../shared/data's 500k stand-in metadata and CC3M captions when present, otherwise the
// deterministic synthetic data of scripts/generate_pool.mjs.
//
// Usage: `import { benchLanguageServer } from './bench/lsp.mjs'` (rows { metric, value, unit,
// target, pass }), or `node scripts/bench/lsp.mjs` to print them. To profile the server, set
// METACURATE_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/lsp-prof".
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateCaptions, generateMetadata } from '../generate_pool.mjs';
import { sharedDataDir } from './data.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(REPO, 'package.json'));
const rpc = require('vscode-languageserver-protocol/node');
/** @typedef {import('vscode-languageserver-protocol').InitializeParams} InitializeParams */
/** @typedef {import('vscode-languageserver-protocol').CompletionList} CompletionList */
/** @typedef {import('vscode-languageserver-protocol').SemanticTokens} SemanticTokens */

const TARGETS = {
  diagnosticsSeconds: 1.5,
  diagnosticsIdleSeconds: 1,
  completionSeconds: 0.5,
  tokensSeconds: 1,
  editSeconds: 1,
  editDiagnosticsSeconds: 1.5,
};
const SAMPLE_LINES = 50_000;
const REPEATS = 3;

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
}

/** CC3M validation captions (`caption<TAB>url`), or undefined. */
function sharedCaptions(shared) {
  const path = shared && join(shared, 'captions', 'cc3m_validation.tsv');
  if (!path || !existsSync(path)) return undefined;
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.length > 0)
    .map((l) => (l.lastIndexOf('\t') >= 0 ? l.slice(0, l.lastIndexOf('\t')) : l))
    .filter((c, i) => !(i === 0 && /^caption$/i.test(c)));
}

/** A workspace with metadata.json (500k entries) and samples/bench.jsonl (50,000 lines). */
function prepareWorkspace(dir, log) {
  const shared = sharedDataDir(REPO);
  const metadataPath = join(dir, 'metadata.json');
  let source;
  if (shared) {
    copyFileSync(join(shared, 'metadata', 'standin_metadata_500k.json'), metadataPath);
    source = 'shared 500k stand-in metadata';
  } else {
    writeFileSync(metadataPath, JSON.stringify(generateMetadata({ entries: 500_000 })));
    source = 'synthetic 500k metadata';
  }
  let captions = sharedCaptions(shared);
  source += captions ? ', CC3M validation captions' : ', synthetic captions';
  captions ??= generateCaptions({ count: SAMPLE_LINES });
  const lines = [];
  for (let i = 0; i < SAMPLE_LINES; i++)
    lines.push(JSON.stringify({ key: String(i), caption: captions[i % captions.length] }));
  mkdirSync(join(dir, 'samples'), { recursive: true });
  writeFileSync(join(dir, 'samples', 'bench.jsonl'), lines.join('\n') + '\n');
  log(`lsp bench data: ${source}`);
  return { metadataPath, samplePath: join(dir, 'samples', 'bench.jsonl') };
}

/** Starts dist/server.js over stdio and initializes it on `root`. */
export async function startServer(root, serverScript) {
  // METACURATE_BENCH_SERVER_NODE_ARGS: node options for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
  const nodeArgs = (process.env.METACURATE_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, serverScript, '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const connection = rpc.createProtocolConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  /** @type {Set<() => void>} */
  const listeners = new Set();
  /**
   * @type {{
   *   diagnostics: Map<string, import('vscode-languageserver-protocol').PublishDiagnosticsParams>,
   *   statuses: Array<{ busy: boolean, entries: number, samplesIndexed: number }>,
   *   refreshes: number,
   * }}
   */
  const state = { diagnostics: new Map(), statuses: [], refreshes: 0 };
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  connection.onNotification(rpc.PublishDiagnosticsNotification.type, (p) => {
    state.diagnostics.set(p.uri, p);
    notify();
  });
  connection.onNotification('metacurate/status', (s) => {
    state.statuses.push(s);
    notify();
  });
  connection.onRequest(rpc.ConfigurationRequest.type, (p) => p.items.map(() => ({})));
  connection.onRequest(rpc.RegistrationRequest.type, () => undefined);
  connection.onRequest(rpc.SemanticTokensRefreshRequest.type, () => {
    state.refreshes++;
    notify();
  });
  connection.onRequest(rpc.InlayHintRefreshRequest.type, () => undefined);
  connection.listen();
  /**
   * Resolves to the first truthy value of `check`, called after every notification.
   * @template T
   * @param {string} what
   * @param {() => T} check
   * @returns {Promise<NonNullable<T>>}
   */
  const waitFor = (what, check, timeoutMs = 120_000) =>
    new Promise((resolveWait, reject) => {
      const done = () => {
        const v = check();
        if (v) {
          listeners.delete(done);
          clearTimeout(timer);
          resolveWait(/** @type {NonNullable<T>} */ (v));
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(done);
        reject(new Error(`lsp bench: timed out waiting for ${what}\n${stderr}`));
      }, timeoutMs);
      listeners.add(done);
      done();
    });
  const rootUri = pathToFileURL(root).href;
  // Only the capabilities the server reads: it ignores the client's token types (it has its own legend).
  await connection.sendRequest(
    rpc.InitializeRequest.type,
    /** @type {InitializeParams} */ ({
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'bench' }],
      capabilities: {
        workspace: {
          configuration: true,
          semanticTokens: { refreshSupport: true },
          inlayHint: { refreshSupport: true },
        },
        textDocument: { semanticTokens: { requests: { full: true, range: true }, formats: ['relative'] } },
      },
    }),
  );
  await connection.sendNotification(rpc.InitializedNotification.type, {});
  const stop = async () => {
    try {
      await connection.sendRequest(rpc.ShutdownRequest.type);
      await connection.sendNotification(rpc.ExitNotification.type);
    } catch {
      // Already gone.
    }
    await /** @type {Promise<void>} */ (
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        const t = setTimeout(() => {
          child.kill();
          r();
        }, 3000);
        child.on('exit', () => {
          clearTimeout(t);
          r();
        });
      })
    );
    connection.dispose();
  };
  return { connection, state, waitFor, stop };
}

/** Line and character of an offset. */
function positionAt(text, offset) {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

/**
 * Measures the three figures; returns rows { metric, value, unit, target, pass }.
 * Options: serverScript (default dist/server.js), log (progress lines), keep (keep the workspace).
 * @param {{ serverScript?: string, log?: (line: string) => void, keep?: boolean }} [options]
 */
export async function benchLanguageServer({
  serverScript = join(REPO, 'dist', 'server.js'),
  log = () => {},
  keep = false,
} = {}) {
  if (!existsSync(serverScript))
    throw new Error(`lsp bench: ${serverScript} is missing (run npm run bundle)`);
  const dir = mkdtempSync(join(tmpdir(), 'metacurate-lsp-bench-'));
  let server;
  try {
    const { metadataPath, samplePath } = prepareWorkspace(dir, log);
    const metadata = readFileSync(metadataPath, 'utf8');
    const sample = readFileSync(samplePath, 'utf8');
    const metadataUri = pathToFileURL(metadataPath).href;
    const sampleUri = pathToFileURL(samplePath).href;
    const entries = JSON.parse(metadata);

    let started = performance.now();
    server = await startServer(dir, serverScript);
    const { connection, state, waitFor } = server;
    const idle = (n) =>
      waitFor(`an idle index of ${n} entries`, () => {
        const s = state.statuses[state.statuses.length - 1];
        return s && !s.busy && s.entries === n && s.samplesIndexed >= 1;
      });
    await idle(entries.length);
    const startupSeconds = (performance.now() - started) / 1000;
    log(`lsp: server start to indexed workspace ${startupSeconds.toFixed(2)} s`);

    // 1. Open the 500k list: time to its first diagnostics.
    started = performance.now();
    await connection.sendNotification(rpc.DidOpenTextDocumentNotification.type, {
      textDocument: { uri: metadataUri, languageId: 'json', version: 1, text: metadata },
    });
    const published = await waitFor('the first diagnostics', () => state.diagnostics.get(metadataUri));
    const diagnosticsSeconds = (performance.now() - started) / 1000;
    log(
      `lsp: open to first diagnostics ${diagnosticsSeconds.toFixed(3)} s (${published.diagnostics.length} diagnostics)`,
    );
    await idle(entries.length);

    // 2. The first completion, in an entry (it loads the WordNet lemmas), and a hover sent with it.
    const completeId = Math.floor(entries.length / 3);
    const completeAt = nthEntryOffset(metadata, completeId);
    const prefixLength = Math.min(
      3,
      JSON.parse(metadata.slice(completeAt, metadata.indexOf('"', completeAt + 1) + 1)).length,
    );
    const completePosition = positionAt(metadata, completeAt + 1 + prefixLength);
    started = performance.now();
    const completion = connection
      .sendRequest(rpc.CompletionRequest.type, {
        textDocument: { uri: metadataUri },
        position: completePosition,
      })
      // The server answers with a CompletionList.
      .then((list) => ({
        list: /** @type {CompletionList} */ (list),
        seconds: (performance.now() - started) / 1000,
      }));
    const hover = connection
      .sendRequest(rpc.HoverRequest.type, { textDocument: { uri: metadataUri }, position: completePosition })
      .then(() => (performance.now() - started) / 1000);
    const [{ list, seconds: completionSeconds }, hoverSeconds] = await Promise.all([completion, hover]);
    log(
      `lsp: first completion ${completionSeconds.toFixed(3)} s (${list.items.length} items), a hover sent with it ${hoverSeconds.toFixed(3)} s`,
    );

    // 3. Semantic tokens of the 50,000-line sample, cold each time (the document is reopened).
    const tokenTimes = [];
    let tokenCount = 0;
    for (let r = 0; r < REPEATS; r++) {
      if (r > 0) {
        await connection.sendNotification(rpc.DidCloseTextDocumentNotification.type, {
          textDocument: { uri: sampleUri },
        });
      }
      await connection.sendNotification(rpc.DidOpenTextDocumentNotification.type, {
        textDocument: { uri: sampleUri, languageId: 'jsonl', version: r + 1, text: sample },
      });
      started = performance.now();
      const result = /** @type {SemanticTokens} */ (
        await connection.sendRequest(rpc.SemanticTokensRequest.type, { textDocument: { uri: sampleUri } })
      );
      tokenTimes.push((performance.now() - started) / 1000);
      tokenCount = result.data.length / 5;
    }
    const tokensSeconds = median(tokenTimes);
    log(`lsp: semantic tokens ${tokenTimes.map((t) => t.toFixed(3)).join(' / ')} s (${tokenCount} tokens)`);

    // 4. Edit one entry (to a word the captions hold, then back): didChange to the refreshed tokens.
    const editTimes = [];
    let version = 2;
    let text = metadata;
    const targetId = Math.floor(entries.length / 2);
    const original = JSON.stringify(entries[targetId]);
    const replacement = JSON.stringify('photo');
    let current = original;
    for (let r = 0; r < REPEATS * 2; r++) {
      const next = current === original ? replacement : original;
      const at = nthEntryOffset(text, targetId);
      if (at < 0 || !text.startsWith(current, at))
        throw new Error('lsp bench: cannot find the entry to edit');
      const start = positionAt(text, at);
      const end = positionAt(text, at + current.length);
      const refreshes = state.refreshes;
      started = performance.now();
      await connection.sendNotification(rpc.DidChangeTextDocumentNotification.type, {
        textDocument: { uri: metadataUri, version: version++ },
        contentChanges: [{ range: { start, end }, text: next }],
      });
      await waitFor('a semantic tokens refresh', () => state.refreshes > refreshes);
      await connection.sendRequest(rpc.SemanticTokensRequest.type, { textDocument: { uri: sampleUri } });
      editTimes.push((performance.now() - started) / 1000);
      text = text.slice(0, at) + next + text.slice(at + current.length);
      current = next;
      await new Promise((r2) => setTimeout(r2, 300));
    }
    const editSeconds = median(editTimes);
    log(`lsp: edit to updated highlights ${editTimes.map((t) => t.toFixed(3)).join(' / ')} s`);

    // 5. Edit one entry into a duplicate of its neighbour, then back: didChange to the diagnostics
    // of that version.
    const diagnosticTimes = [];
    const dupId = Math.floor((2 * entries.length) / 3);
    const neighbour = JSON.stringify(entries[dupId - 1]);
    const own = JSON.stringify(entries[dupId]);
    current = own;
    for (let r = 0; r < REPEATS * 2; r++) {
      const next = current === own ? neighbour : own;
      const at = nthEntryOffset(text, dupId);
      if (at < 0 || !text.startsWith(current, at))
        throw new Error('lsp bench: cannot find the entry to edit');
      const start = positionAt(text, at);
      const end = positionAt(text, at + current.length);
      const v = version++;
      started = performance.now();
      await connection.sendNotification(rpc.DidChangeTextDocumentNotification.type, {
        textDocument: { uri: metadataUri, version: v },
        contentChanges: [{ range: { start, end }, text: next }],
      });
      await waitFor('the diagnostics of the edit', () => state.diagnostics.get(metadataUri)?.version === v);
      diagnosticTimes.push((performance.now() - started) / 1000);
      text = text.slice(0, at) + next + text.slice(at + current.length);
      current = next;
    }
    const editDiagnosticsSeconds = median(diagnosticTimes);
    log(`lsp: edit to updated diagnostics ${diagnosticTimes.map((t) => t.toFixed(3)).join(' / ')} s`);

    // 6. The same open on a fresh server while a busy loop runs on every core: a second run of
    // step 1 on a loaded machine (editors run beside builds and curations).
    await server.stop();
    server = undefined;
    const loaded = await openUnderLoad(dir, serverScript, metadataUri, metadata, entries.length);
    server = loaded.server;
    log(
      `lsp: open to first diagnostics with ${loaded.hogs} busy-loop processes beside it ${loaded.seconds.toFixed(3)} s`,
    );

    const row = (metric, value, target) => ({
      metric,
      value,
      unit: 's',
      target: `< ${target} s`,
      pass: Number.isFinite(value) && value < target,
    });
    return [
      row(
        `lsp: open ${entries.length.toLocaleString('en-US')}-entry metadata to first diagnostics`,
        diagnosticsSeconds,
        TARGETS.diagnosticsSeconds,
      ),
      row(
        `lsp: the same, idle machine (target of issue 11)`,
        diagnosticsSeconds,
        TARGETS.diagnosticsIdleSeconds,
      ),
      row(
        `lsp: the same, with a busy-loop process per core beside it (${loaded.hogs})`,
        loaded.seconds,
        TARGETS.diagnosticsIdleSeconds,
      ),
      row('lsp: first completion (WordNet lemmas loaded)', completionSeconds, TARGETS.completionSeconds),
      row('lsp: a hover sent with the first completion', hoverSeconds, TARGETS.completionSeconds),
      row(
        `lsp: semantic tokens, ${SAMPLE_LINES.toLocaleString('en-US')}-line sample (median of ${REPEATS})`,
        tokensSeconds,
        TARGETS.tokensSeconds,
      ),
      row(
        `lsp: edit one entry to updated highlights (median of ${REPEATS * 2})`,
        editSeconds,
        TARGETS.editSeconds,
      ),
      row(
        `lsp: edit one entry to updated diagnostics of the list (median of ${REPEATS * 2})`,
        editDiagnosticsSeconds,
        TARGETS.editDiagnosticsSeconds,
      ),
      {
        metric: 'lsp: server start to indexed workspace',
        value: startupSeconds,
        unit: 's',
        target: 'info',
        pass: true,
      },
    ];
  } finally {
    await server?.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** One busy-loop process per core, until `stop()`: a machine loaded by other work. */
function startCpuHogs() {
  const hogs = cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return {
    count: hogs.length,
    stop: () =>
      Promise.all(
        hogs.map(
          (h) =>
            /** @type {Promise<void>} */ (
              new Promise((r) => {
                if (h.exitCode !== null || h.signalCode !== null) return r();
                h.once('exit', r);
                h.kill('SIGKILL');
              })
            ),
        ),
      ),
  };
}

/**
 * A fresh server, indexed while the machine is idle; then the CPU hogs start and the metadata is
 * opened: seconds from didOpen to its first diagnostics under load. Returns the server (to stop).
 */
async function openUnderLoad(dir, serverScript, metadataUri, metadata, entries) {
  const server = await startServer(dir, serverScript);
  const { connection, state, waitFor } = server;
  await waitFor(`an idle index of ${entries} entries`, () => {
    const s = state.statuses[state.statuses.length - 1];
    return s && !s.busy && s.entries === entries && s.samplesIndexed >= 1;
  });
  const hogs = startCpuHogs();
  try {
    // Let the hogs get going (and the scheduler share the cores) before the clock starts.
    await new Promise((r) => setTimeout(r, 500));
    const started = performance.now();
    await connection.sendNotification(rpc.DidOpenTextDocumentNotification.type, {
      textDocument: { uri: metadataUri, languageId: 'json', version: 1, text: metadata },
    });
    await waitFor('the first diagnostics under load', () => state.diagnostics.get(metadataUri));
    return { server, seconds: (performance.now() - started) / 1000, hogs: hogs.count };
  } finally {
    await hogs.stop();
  }
}

/** Offset of the opening quote of the id-th string element of a JSON array text. */
function nthEntryOffset(text, id) {
  let element = -1;
  let i = text.indexOf('[') + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      element++;
      if (element === id) return i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    }
    i++;
  }
  return -1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = await benchLanguageServer({ log: (l) => console.error(l) });
  for (const r of rows) {
    const value = `${r.value.toFixed(3)} ${r.unit}`;
    console.log(
      `${r.metric.padEnd(70)} ${value.padStart(10)}  ${r.target.padEnd(8)} ${r.target === 'info' ? '' : r.pass ? 'PASS' : 'MISS'}`,
    );
  }
}
