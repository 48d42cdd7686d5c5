#!/usr/bin/env node
// Deterministic data for the benchmark when the shared data (../shared/data) is absent, and the
// builder of the large JSONL pool used by the curation benchmark.
//
//   node scripts/generate_pool.mjs --metadata OUT.json [--entries 500000]
//                                  [--captions OUT.txt --count 50000]
//                                  [--pool OUT.jsonl --records 2000000] [--seed 1]
//
// Synthetic data: a vocabulary of pronounceable made-up words with Zipfian frequencies; metadata
// of 1-3 words per entry (every vocabulary word, then Zipf-drawn bigrams and trigrams); captions
// of 5-15 Zipf-drawn words with some punctuation. The same seed always gives the same bytes.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

/** splitmix32: small, fast, deterministic. Returns floats in [0, 1). */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

const ONSETS = [
  '',
  'b',
  'c',
  'd',
  'f',
  'g',
  'h',
  'j',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'w',
  'z',
  'br',
  'ch',
  'cl',
  'dr',
  'fl',
  'gr',
  'pl',
  'pr',
  'sh',
  'st',
  'th',
  'tr',
];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'oo', 'ou', 'y'];
const CODAS = ['', '', 'n', 'r', 's', 't', 'l', 'm', 'ck', 'nd', 'st'];

/** `size` distinct made-up words, most frequent first. */
export function vocabulary(size, seed = 1) {
  const rand = rng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const words = [];
  const seen = new Set();
  while (words.length < size) {
    const syllables = 1 + Math.floor(rand() * (words.length < 2000 ? 2 : 4));
    let w = '';
    for (let i = 0; i < syllables; i++) w += pick(ONSETS) + pick(NUCLEI) + pick(CODAS);
    if (seen.has(w)) continue;
    seen.add(w);
    words.push(w);
  }
  return words;
}

/** Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s. */
export function zipfSampler(n, s, rand) {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / Math.pow(i + 1, s);
  return () => {
    const x = rand() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** `entries` distinct metadata entries of 1-3 words. */
export function generateMetadata({ entries = 500_000, vocabSize = 60_000, seed = 1 } = {}) {
  const words = vocabulary(vocabSize, seed);
  const rand = rng(seed + 1);
  const draw = zipfSampler(words.length, 0.9, rand);
  const out = words.slice(0, Math.min(entries, words.length));
  const seen = new Set(out);
  while (out.length < entries) {
    const n = rand() < 0.7 ? 2 : 3;
    const parts = [];
    for (let i = 0; i < n; i++) parts.push(words[draw()]);
    const e = parts.join(' ');
    if (seen.has(e)) continue;
    seen.add(e);
    out.push(e);
  }
  return out;
}

/** `count` captions of 5-15 words drawn with Zipfian frequencies, some with punctuation. */
export function generateCaptions({ count = 50_000, vocabSize = 60_000, seed = 1 } = {}) {
  const words = vocabulary(vocabSize, seed);
  const rand = rng(seed + 2);
  const draw = zipfSampler(words.length, 1.07, rand);
  const captions = new Array(count);
  for (let c = 0; c < count; c++) {
    const n = 5 + Math.floor(rand() * 11);
    let text = '';
    for (let i = 0; i < n; i++) {
      const sep = i === 0 ? '' : rand() < 0.06 ? ', ' : ' ';
      text += sep + words[draw()];
    }
    if (rand() < 0.3) text += ' .';
    captions[c] = text;
  }
  return captions;
}

/** Same deterministic integer mixing as rng(), for picking "another" caption. */
function mix(i) {
  let z = (i * 0x9e3779b1) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Writes `records` JSONL lines {"text", "url"} built from `captions`: the first pass over the
 * captions uses them as they are; each later pass appends 1-3 words taken from another caption,
 * so the pool is not the same few captions over and over.
 */
export function writePoolJsonl(captions, path, records) {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    const n = captions.length;
    const tails = captions.map((c) => c.split(' ').filter(Boolean));
    let chunk = '';
    for (let i = 0; i < records; i++) {
      const round = Math.floor(i / n);
      const base = i % n;
      let text = captions[base];
      if (round > 0) {
        const other = tails[mix(i) % n];
        const k = 1 + (round % 3);
        const start = other.length > k ? mix(i + 1) % (other.length - k) : 0;
        text += ' ' + other.slice(start, start + k).join(' ');
      }
      chunk += JSON.stringify({ text, url: `https://img.example.com/${round}/${base}.jpg` }) + '\n';
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** One caption per line; tabs, CR and LF inside a caption become spaces. Repeated to `lines`. */
export function writeCaptionLines(captions, path, lines) {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    const clean = captions.map((c) => c.replace(/[\t\n\r]/g, ' '));
    let chunk = '';
    for (let i = 0; i < lines; i++) {
      chunk += clean[i % clean.length] + '\n';
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      metadata: { type: 'string' },
      entries: { type: 'string', default: '500000' },
      captions: { type: 'string' },
      count: { type: 'string', default: '50000' },
      pool: { type: 'string' },
      records: { type: 'string', default: '2000000' },
      seed: { type: 'string', default: '1' },
    },
  });
  const seed = Number(values.seed);
  if (!values.metadata && !values.captions && !values.pool) {
    console.error(
      'usage: generate_pool.mjs [--metadata OUT.json] [--captions OUT.txt] [--pool OUT.jsonl] [--entries N] [--count N] [--records N] [--seed S]',
    );
    process.exit(2);
  }
  if (values.metadata) {
    mkdirSync(dirname(values.metadata), { recursive: true });
    writeFileSync(
      values.metadata,
      JSON.stringify(generateMetadata({ entries: Number(values.entries), seed })),
    );
    console.log(`wrote ${values.metadata}`);
  }
  const captions =
    values.captions || values.pool ? generateCaptions({ count: Number(values.count), seed }) : [];
  if (values.captions) {
    writeCaptionLines(captions, values.captions, captions.length);
    console.log(`wrote ${values.captions}`);
  }
  if (values.pool) {
    writePoolJsonl(captions, values.pool, Number(values.records));
    console.log(`wrote ${values.pool}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
