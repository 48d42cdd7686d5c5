#!/usr/bin/env python3
"""Reference curation pipeline for the benchmark: the whole MetaCLIP job done the upstream way in
one Python process, to set `metacurate curate --workers 1` against.

What it does (spec/curation.md sections 2-4, as MetaCLIP's substr_matching + balancing do it):
  1. count: read every record (json.loads per JSONL line, or a TSV/CSV row with a header), space
     the caption, match it with pyahocorasick over " entry " keys, keep the record's matched ids
     and add one to each matched entry's count;
  2. balance: p[e] = t / max(count[e], t);
  3. select: read the records again, draw one uniform number per matched entry (Python's seeded
     random.Random), keep the record if any draw falls below that entry's p; write kept lines
     unchanged to OUT/data/<file> and a sidecar line {"key", "entry_ids", "p"} per kept record.
It also computes the expected kept size sum(1 - prod(1 - p[e])) and writes OUT/reference.json:
{"records", "matched_records", "expected_kept", "kept", "counts": {id: count}, timings}, which
the benchmark compares with our summary.json (per-entry counts and expected kept must be equal).
The draws differ from ours (we hash (seed, key, entry id)), so the kept sets differ; their
expected size is the same number.

Usage: reference_curate.py --metadata M.json --input FILE... --text-field F --t T --seed S --out DIR
Needs pyahocorasick (Debian: apt-get install python3-ahocorasick).
"""

import argparse
import csv
import json
import os
import random
import sys
import time


from reference_match import build_automaton, load_metadata, spacing_table


def read_records(path, text_field):
    """Yields (raw line bytes, caption) per record: JSONL, or CSV/TSV with a header row."""
    if path.endswith(".jsonl"):
        with open(path, "rb") as src:
            for raw in src:
                if raw.strip():
                    yield raw, json.loads(raw)[text_field]
        return
    delimiter = "\t" if path.endswith(".tsv") else ","
    with open(path, "rb") as src:
        header = next(src)
        columns = next(csv.reader([header.decode("utf-8").rstrip("\r\n")], delimiter=delimiter))
        column = columns.index(text_field)
        yield header, None
        for raw in src:
            row = next(csv.reader([raw.decode("utf-8").rstrip("\r\n")], delimiter=delimiter))
            yield raw, row[column]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--metadata", required=True)
    parser.add_argument("--input", required=True, nargs="+")
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--t", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    t0 = time.perf_counter()
    entries = load_metadata(args.metadata)
    automaton = build_automaton(entries)
    t1 = time.perf_counter()

    table = spacing_table()
    iterate = automaton.iter
    counts = [0] * len(entries)
    matched_ids = []  # per record: sorted tuple of ids (empty for no match)
    for path in args.input:
        for _, text in read_records(path, args.text_field):
            if text is None:
                continue
            ids = set()
            for _, value in iterate((" " + text + " ").translate(table)):
                ids.update(value)
            ordered = tuple(sorted(ids))
            for e in ordered:
                counts[e] += 1
            matched_ids.append(ordered)
    t2 = time.perf_counter()

    t = args.t
    p = [t / max(c, t) for c in counts]
    expected = 0.0
    for ids in matched_ids:
        drop = 1.0
        for e in ids:
            drop *= 1.0 - p[e]
        expected += 1.0 - drop

    rng = random.Random(args.seed)
    data_dir = os.path.join(args.out, "data")
    os.makedirs(data_dir, exist_ok=True)
    record = 0
    kept = 0
    for path in args.input:
        name = os.path.basename(path)
        with open(os.path.join(data_dir, name), "wb") as out, open(
            os.path.join(data_dir, name + ".entries.jsonl"), "w", encoding="utf-8"
        ) as sidecar:
            for index, (raw, text) in enumerate(read_records(path, args.text_field)):
                if text is None:
                    out.write(raw)
                    continue
                ids = matched_ids[record]
                record += 1
                if not ids:
                    continue
                if any(rng.random() < p[e] for e in ids):
                    kept += 1
                    out.write(raw)
                    keep_p = 1.0
                    for e in ids:
                        keep_p *= 1.0 - p[e]
                    sidecar.write(
                        json.dumps({"key": f"{name}:{index}", "entry_ids": list(ids), "p": 1.0 - keep_p}) + "\n"
                    )
    t3 = time.perf_counter()

    result = {
        "records": len(matched_ids),
        "matched_records": sum(1 for ids in matched_ids if ids),
        "expected_kept": round(expected, 3),
        "kept": kept,
        "counts": {str(e): c for e, c in enumerate(counts) if c},
        "build_seconds": round(t1 - t0, 4),
        "count_seconds": round(t2 - t1, 4),
        "select_seconds": round(t3 - t2, 4),
    }
    with open(os.path.join(args.out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)
    sys.stderr.write(json.dumps({k: v for k, v in result.items() if k != "counts"}) + "\n")


if __name__ == "__main__":
    main()
