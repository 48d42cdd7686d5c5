/**
 * The entry-balance panel's data, read and prepared off the extension host's thread (a worker
 * thread, bundled to dist/balanceWorker.js): the workspace's sample captions matched against the
 * metadata as the language server reads them (same globs, same caption fields), or a finished
 * curation's counts.bin and matches.bin. Answers one request with a `BalancePayload` whose typed
 * arrays are transferred, not copied.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { prepareBalance, modelBuffers } from '../../server/engine/src/balanceView';
import { readCounts } from '../../server/engine/src/counts';
import { loadOrBuildIndex, matcherFromPacked } from '../../server/engine/src/match/matcher';
import { matchedIdLists, readMatchesFile } from '../../server/engine/src/matchesFile';
import { loadMetadata } from '../../server/engine/src/metadata';
import { extractCaptions, sampleFormatOf, textFieldsOf } from '../../server/engine/src/documents/samples';
import { workspaceMetadata, workspaceSamples, type SampleSettings } from './balanceSources';
import type { BalancePayload, SourceSpec } from '../../contracts/src/webview';

export interface LoadRequest {
  source: SourceSpec;
  /** Workspace folders (file system paths). */
  folders: string[];
  settings: SampleSettings;
}

export type LoadReply = { ok: true; payload: BalancePayload } | { ok: false; message: string };

/** Sample files are skipped above this size, as the language server does. */
const MAX_SAMPLE_FILE_BYTES = 512 * 1024 * 1024;

async function loadSamples(req: LoadRequest): Promise<BalancePayload> {
  const started = performance.now();
  const [metadataPath] = await workspaceMetadata(req.folders, req.settings.metadataGlobs);
  if (!metadataPath)
    throw new Error('no metadata file in the workspace (see the setting metacurate.metadataGlobs)');
  const metadata = await loadMetadata(metadataPath);
  const index = loadOrBuildIndex(metadata, req.settings.padding);
  const matcher = matcherFromPacked(index.packed);
  const fields = textFieldsOf(req.settings.textField);
  const files = await workspaceSamples(req.folders, req.settings);
  const counts = new Float64Array(metadata.entries.length);
  let offsets: Uint32Array = new Uint32Array(1 << 16);
  let ids: Uint32Array = new Uint32Array(1 << 16);
  let texts = 0;
  let matched = 0;
  let used = 0;
  let readFiles = 0;
  for (const file of files) {
    const format = sampleFormatOf(file)!;
    try {
      if ((await stat(file)).size > MAX_SAMPLE_FILE_BYTES) continue;
    } catch {
      continue;
    }
    const source = await readFile(file, 'utf8');
    readFiles++;
    for (const site of extractCaptions(source, format, fields)) {
      texts++;
      matcher.begin();
      matcher.collect(site.text);
      const found = matcher.sorted();
      if (found.length === 0) continue;
      if (matched + 2 > offsets.length) offsets = grow(offsets, matched + 2);
      if (used + found.length > ids.length) ids = grow(ids, used + found.length);
      for (let i = 0; i < found.length; i++) {
        ids[used++] = found[i];
        counts[found[i]]++;
      }
      offsets[++matched] = used;
    }
  }
  const model = prepareBalance(counts, {
    offsets: offsets.subarray(0, matched + 1),
    ids: ids.subarray(0, used),
  });
  return {
    info: {
      spec: req.source,
      label: `Workspace samples (${readFiles} file${readFiles === 1 ? '' : 's'})`,
      metadataPath,
      texts,
      files: readFiles,
      millis: Math.round(performance.now() - started),
    },
    names: metadata.entries,
    model,
  };
}

function grow(a: Uint32Array, min: number): Uint32Array {
  let size = a.length * 2;
  while (size < min) size *= 2;
  const b = new Uint32Array(size);
  b.set(a);
  return b;
}

interface SummaryFile {
  pool?: { records?: number; files?: number };
  kept?: number;
  t?: number;
  seed?: number;
  metadata?: { path?: string; entries?: number };
}

async function loadCuration(folder: string, spec: SourceSpec): Promise<BalancePayload> {
  const started = performance.now();
  let summary: SummaryFile;
  try {
    summary = JSON.parse(await readFile(join(folder, 'summary.json'), 'utf8')) as SummaryFile;
  } catch (err) {
    throw new Error(`${folder} holds no finished curation (summary.json: ${(err as Error).message})`);
  }
  const metadataPath = summary.metadata?.path ?? '';
  let names: string[] | undefined;
  try {
    names = (await loadMetadata(metadataPath)).entries;
  } catch {
    names = undefined; // moved or deleted: entries are shown by id.
  }
  let { counts } = await readCounts(join(folder, 'counts.bin'), names);
  if (names && counts.length !== names.length) {
    names = undefined;
    counts = (await readCounts(join(folder, 'counts.bin'))).counts;
  }
  const { stream } = await readMatchesFile(join(folder, 'matches.bin'));
  const model = prepareBalance(counts, matchedIdLists(stream));
  const name = folder.split(/[\\/]/).filter(Boolean).pop() ?? folder;
  return {
    info: {
      spec,
      label: `Curation ${name} (t = ${summary.t})`,
      metadataPath,
      texts: summary.pool?.records ?? 0,
      files: summary.pool?.files ?? 0,
      t: summary.t,
      seed: summary.seed,
      kept: summary.kept,
      millis: Math.round(performance.now() - started),
    },
    names: names ?? Array.from({ length: counts.length }, (_, i) => `#${i}`),
    model,
  };
}

export async function loadBalance(req: LoadRequest): Promise<BalancePayload> {
  return req.source.kind === 'samples' ? loadSamples(req) : loadCuration(req.source.folder, req.source);
}

if (parentPort && workerData) {
  const port = parentPort;
  loadBalance(workerData as LoadRequest).then(
    (payload) => port.postMessage({ ok: true, payload } satisfies LoadReply, modelBuffers(payload.model)),
    (err: unknown) =>
      port.postMessage({
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      } satisfies LoadReply),
  );
}
