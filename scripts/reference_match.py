#!/usr/bin/env python3
"""Reference matcher for the benchmark: MetaCLIP 1 (English) substring matching with pyahocorasick.

Semantics (spec/curation.md section 2, the same as MetaCLIP's `substr_matching`):
  spaced = " " + text + " ", each of , . ; : ? ! ` replaced by itself with a space on each side,
  then tab, LF and CR replaced by a space; entry e matches iff " " + e + " " is a substring.

Input: a plain text file, one caption per line (key = 0-based line index; a CR before the LF is
dropped, as the engine's .txt reader does). Output: JSONL in the engine's `match` format,
{"key":"<line index>","entry_ids":[ascending ids]} per line, so the two outputs can be compared
line by line. Timings go to stderr as one JSON line.

Usage: reference_match.py --metadata M.json --input captions.txt --out OUT.jsonl
Needs pyahocorasick (Debian: apt-get install python3-ahocorasick; pip: pip install pyahocorasick).
"""

import argparse
import json
import sys
import time

import ahocorasick

PUNCTUATION = ",.;:?!`"


def spacing_table():
    table = {ord(c): f" {c} " for c in PUNCTUATION}
    for c in "\t\n\r":
        table[ord(c)] = " "
    return table


def load_metadata(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".txt"):
        lines = data.decode("utf-8", "replace").split("\n")
        lines = [l[:-1] if l.endswith("\r") else l for l in lines]
        if lines and lines[-1] == "":
            lines.pop()
        return lines
    return json.loads(data)


def build_automaton(entries):
    """One key per distinct padded entry; its value is the tuple of ids sharing that string."""
    ids_by_key = {}
    for entry_id, entry in enumerate(entries):
        ids_by_key.setdefault(" " + entry + " ", []).append(entry_id)
    automaton = ahocorasick.Automaton()
    for key, ids in ids_by_key.items():
        automaton.add_word(key, tuple(ids))
    automaton.make_automaton()
    return automaton


def match_file(automaton, input_path, out_path):
    table = spacing_table()
    iterate = automaton.iter
    records = 0
    with open(input_path, "rb") as src, open(out_path, "w", encoding="utf-8", newline="\n") as out:
        write = out.write
        for raw in src:
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if records == 0 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            spaced = (" " + raw.decode("utf-8", "replace") + " ").translate(table)
            ids = set()
            for _, value in iterate(spaced):
                ids.update(value)
            write('{"key":"%d","entry_ids":[%s]}\n' % (records, ",".join(map(str, sorted(ids)))))
            records += 1
    return records


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--metadata", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    t0 = time.perf_counter()
    entries = load_metadata(args.metadata)
    t1 = time.perf_counter()
    automaton = build_automaton(entries)
    t2 = time.perf_counter()
    records = match_file(automaton, args.input, args.out)
    t3 = time.perf_counter()
    timings = {
        "load_seconds": round(t1 - t0, 4),
        "build_seconds": round(t2 - t1, 4),
        "match_seconds": round(t3 - t2, 4),
        "records": records,
        "entries": len(entries),
    }
    sys.stderr.write(json.dumps(timings) + "\n")


if __name__ == "__main__":
    main()
