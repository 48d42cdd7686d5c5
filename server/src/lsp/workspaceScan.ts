/**
 * The workspace scan: its curations and runs, its metadata files (ranked: the default list first)
 * and its sample files read into captions (capped at MAX_SAMPLE_CAPTIONS, said in the status).
 * Without a workspace folder the samples are the open sample documents. A newer scan overtakes an
 * older one; each ends by scheduling an index rebuild.
 */
import { promises as fsp } from 'node:fs';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findFiles } from '../../engine/src/documents/glob';
import { extractCaptions, sampleFormatOf, textFieldsOf } from '../../engine/src/documents/samples';
import { chooseActive } from './activeList';
import { isSamplePath, relativePath, sampleKind, samplesRoots, uriOfPath } from './documentKinds';
import { formatCount } from './format';
import { sitesOf } from './sampleSites';
import type { Scheduler } from './scheduling';
import type { SampleFile, ServerState } from './serverState';
import { uriToPath } from './uri';

/** Captions kept in memory for counts and examples, over all sample files. */
const MAX_SAMPLE_CAPTIONS = 5_000_000;
const MAX_SAMPLE_FILE_BYTES = 512 * 1024 * 1024;

export async function rescanWorkspace(scheduler: Scheduler): Promise<void> {
  const state = scheduler.state;
  const { config, schedule } = state;
  const gen = ++schedule.scanGeneration;
  schedule.scanning = true;
  scheduler.sendStatus();
  try {
    const metadata: string[] = [];
    const samples = new Map<string, SampleFile>();
    let total = 0;
    // Curations first: the samples exclude their folders.
    await state.curations.workspace.scan(config.folders);
    for (const folder of config.folders) metadata.push(...(await findFiles(folder, config.metadataGlobs)));
    for (const root of samplesRoots(state)) {
      for (const path of await findFiles(root, config.sampleGlobs)) {
        if (!isSamplePath(state, path) || samples.has(path)) continue;
        const sample = await readSample(state, path);
        if (!sample) continue;
        if (total + sample.captions.length > MAX_SAMPLE_CAPTIONS) {
          schedule.statusMessage = `sample captions capped at ${formatCount(MAX_SAMPLE_CAPTIONS)}`;
          break;
        }
        total += sample.captions.length;
        samples.set(path, sample);
      }
    }
    // Without a workspace folder, the samples are the open sample documents.
    if (config.folders.length === 0) {
      for (const doc of state.documents.all()) {
        const sample = openSampleOf(state, doc);
        if (sample) {
          samples.set(sample.path, sample);
          total += sample.captions.length;
        }
      }
    }
    if (gen !== schedule.scanGeneration) return;
    // The default list: the first glob's match first (metadata.json), then the shallowest.
    const rank = (path: string) => {
      const rel = relativePath(state, path);
      return [config.metadataGlobs.firstMatch(rel), rel.split('/').length, rel] as const;
    };
    metadata.sort((a, b) => {
      const [ga, da, ra] = rank(a);
      const [gb, db, rb] = rank(b);
      return ga - gb || da - db || (ra < rb ? -1 : ra > rb ? 1 : 0);
    });
    state.metadata.workspaceFiles = metadata;
    state.samples.files = samples;
    state.samples.version++;
    state.samples.captionTotal = total;
    chooseActive(state);
  } finally {
    if (gen === schedule.scanGeneration) {
      schedule.scanning = false;
      schedule.scanned = true;
      scheduler.scheduleRebuild(0);
    }
  }
}

/** An open document as a sample file (its text, not the file's), or undefined if not a sample. */
function openSampleOf(state: ServerState, doc: TextDocument): SampleFile | undefined {
  const path = uriToPath(doc.uri);
  const kind = sampleKind(state, doc.uri);
  if (path === undefined || !kind) return undefined;
  return { path, format: kind.format, captions: sitesOf(state, doc, kind).map((s) => s.text) };
}

/** Without a workspace folder, opening or closing a sample adds it to or removes it from the counts. */
export function updateOpenSample(scheduler: Scheduler, doc: TextDocument, open: boolean): void {
  const { state } = scheduler;
  const samples = state.samples;
  if (state.config.folders.length > 0) return;
  const path = uriToPath(doc.uri);
  if (path === undefined) return;
  const before = samples.files.get(path);
  const after = open ? openSampleOf(state, doc) : undefined;
  if (!before && !after) return;
  if (before) samples.files.delete(path);
  if (after) samples.files.set(path, after);
  samples.captionTotal += (after?.captions.length ?? 0) - (before?.captions.length ?? 0);
  samples.version++;
  scheduler.sendStatus();
  scheduler.scheduleRecount();
}

/** A sample file's captions: its open document's text, else the file's (too large: undefined). */
export async function readSample(state: ServerState, path: string): Promise<SampleFile | undefined> {
  const format = sampleFormatOf(path);
  if (!format) return undefined;
  const uri = uriOfPath(path);
  const open = state.documents.get(uri);
  let text: string;
  if (open) text = open.getText();
  else {
    try {
      const size = (await fsp.stat(path)).size;
      if (size > MAX_SAMPLE_FILE_BYTES) return undefined;
      text = await fsp.readFile(path, 'utf8');
    } catch {
      return undefined;
    }
  }
  const { textField, languageField } = state.config.settings;
  const sites = extractCaptions(text, format, textFieldsOf(textField), languageField);
  state.captionLanguages.setLabels(path, sites);
  return { path, format, captions: sites.map((s) => s.text) };
}
