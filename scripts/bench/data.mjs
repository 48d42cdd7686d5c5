// The benchmark's data: the real captions and the 500k stand-in metadata of ../shared/data when
// present, otherwise the deterministic synthetic data of scripts/generate_pool.mjs. Derived files
// (caption lines, the 2M pool, synthetic metadata) go under bench-out/ and are reused when their
// name (which encodes what they were made from) already exists.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { generateCaptions, generateMetadata, writeCaptionLines, writePoolJsonl } from '../generate_pool.mjs';

const GENERATION = 'v1'; // bump when the derived files change shape

export function sharedDataDir(repoRoot) {
  const candidates = /** @type {string[]} */ (
    [process.env.METACURATE_SHARED_DATA, join(repoRoot, '..', 'shared', 'data'), '/work/shared/data'].filter(
      Boolean,
    )
  );
  return candidates.find((d) => existsSync(join(d, 'metadata', 'standin_metadata_500k.json')));
}

/** CC3M validation TSV: `caption<TAB>url` per line (a `caption<TAB>url` header is skipped). */
function readCc3m(path) {
  const out = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '' && i === lines.length - 1) continue;
    const tab = line.lastIndexOf('\t');
    const caption = tab >= 0 ? line.slice(0, tab) : line;
    if (i === 0 && /^caption$/i.test(caption)) continue;
    out.push(caption);
  }
  return out;
}

function readCoco(path) {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  return json.annotations.map((a) => a.caption).filter((c) => typeof c === 'string');
}

async function readLaion(path) {
  const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path), columns: ['TEXT'] });
  return rows.map((r) => r.TEXT).filter((t) => typeof t === 'string');
}

/**
 * The captions and metadata the benchmark runs on, and a line saying where they came from.
 * Returns { metadataPath, captions, sources: [{name, records}], synthetic }.
 */
export async function loadBenchData(repoRoot, outDir, { synthetic = false } = {}) {
  const shared = synthetic ? undefined : sharedDataDir(repoRoot);
  if (shared) {
    const c = join(shared, 'captions');
    const sources = [];
    const captions = [];
    const add = (name, list) => {
      sources.push({ name, records: list.length });
      for (const t of list) captions.push(t);
    };
    if (existsSync(join(c, 'cc3m_validation.tsv')))
      add('CC3M validation (TSV)', readCc3m(join(c, 'cc3m_validation.tsv')));
    if (existsSync(join(c, 'coco_captions_val2017.json')))
      add('COCO val2017 captions (JSON)', readCoco(join(c, 'coco_captions_val2017.json')));
    if (existsSync(join(c, 'laion_sample_10k.parquet')))
      add('LAION sample (parquet, TEXT)', await readLaion(join(c, 'laion_sample_10k.parquet')));
    if (captions.length > 0) {
      return {
        metadataPath: join(shared, 'metadata', 'standin_metadata_500k.json'),
        captions,
        sources,
        synthetic: false,
        shared,
      };
    }
  }
  const dataDir = join(outDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const metadataPath = join(dataDir, `synthetic-metadata-${GENERATION}-500k.json`);
  if (!existsSync(metadataPath))
    writeAtomic(metadataPath, JSON.stringify(generateMetadata({ entries: 500_000, seed: 1 })));
  const captions = generateCaptions({ count: 50_000, seed: 1 });
  return {
    metadataPath,
    captions,
    sources: [{ name: 'synthetic Zipfian captions (scripts/generate_pool.mjs)', records: captions.length }],
    synthetic: true,
  };
}

function writeAtomic(path, text) {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

/** fingerprint of a caption list: count and total length (enough to name derived files). */
function fingerprint(captions) {
  let chars = 0;
  for (const c of captions) chars += c.length;
  return `${captions.length}-${chars}`;
}

/** bench-out/data/captions-*.txt: the captions, one per line, repeated to `lines` lines. */
export function captionLinesFile(outDir, captions, lines) {
  const path = join(outDir, 'data', `captions-${GENERATION}-${fingerprint(captions)}-${lines}.txt`);
  if (!existsSync(path)) {
    writeCaptionLines(captions, path + '.tmp', lines);
    renameSync(path + '.tmp', path);
  }
  return path;
}

/** bench-out/pool/pool-*.jsonl: `records` varied {"text","url"} records in one file. */
export function poolJsonlFile(outDir, captions, records) {
  const dir = join(outDir, 'pool');
  const name = `pool-${GENERATION}-${fingerprint(captions)}-${records}.jsonl`;
  const path = join(dir, name);
  if (!existsSync(path)) {
    // pools made from other data or sizes are a few hundred MB each: keep only the current one
    if (existsSync(dir))
      for (const f of readdirSync(dir))
        if (f.startsWith('pool-') && f !== name) rmSync(join(dir, f), { force: true });
    writePoolJsonl(captions, path + '.tmp', records);
    renameSync(path + '.tmp', path);
  }
  return path;
}

export function fileMB(path) {
  return statSync(path).size / 1e6;
}
