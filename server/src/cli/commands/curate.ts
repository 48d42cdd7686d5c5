import { parseArgs } from 'node:util';
import { curate } from '../../engine/curate';
import { EXIT_OK } from '../../engine/errors';
import { formatCount } from '../../engine/progress';
import { numberOption, requiredOption, withUsageErrors, type Command } from '../command';
import { PADDING_HELP, parseOnError, parsePadding, progressFor, requireList } from './shared';

export const curateCommand: Command = {
  name: 'curate',
  summary: 'count matches over a pool, balance entries at threshold t, write the kept records',
  help: `Usage: metacurate curate --metadata M.json --input FILE... --text-field F --t T --seed S --out DIR [options]

Runs the two passes of MetaCLIP curation on all cores: count (match every text, count per
entry) then select (keep a record with probability 1 - prod(1 - t/max(count,t)) over its
entries, decided by a hash of (seed, key, entry id)). Kept records are written per input file in
the input's own format under DIR/data/, with a sidecar of matched entry ids per kept record.
Running the same command again resumes an interrupted run; with another --t or --seed it
reuses the counts and selects again.

Options:
  --metadata FILE        metadata: JSON array of strings (or .txt, one entry per line)
  --input FILE           pool file (repeatable): .jsonl .jsonl.gz .csv .tsv .txt .parquet .tar
  --text-field F         caption field (repeatable: a record is kept if any text matches)
  --key-field K          field with the pair key (default: file name and record index)
  --t T                  balancing threshold (paper: 20000 for a 1.6B pool)
  --seed S               seed of the keep decisions (non-negative integer)
  --out DIR              output folder
  --workers N            worker threads (default: all cores)
  --on-error fail|skip   stop at the first bad record (default), or skip and count it
${PADDING_HELP}
  --progress bar|json|none   progress display (default: bar on a terminal)
  --no-cache             do not read or write the matcher cache
  --slice-mb N           split .jsonl/.txt inputs into slices of about N MiB (default: from pool size)

Writes DIR/data/..., DIR/counts.json, DIR/counts.bin, DIR/matches.bin, DIR/summary.json.
`,
  async run(argv, io) {
    const { values } = withUsageErrors(() =>
      parseArgs({
        args: argv,
        strict: true,
        options: {
          metadata: { type: 'string' },
          input: { type: 'string', multiple: true },
          'text-field': { type: 'string', multiple: true },
          'key-field': { type: 'string' },
          t: { type: 'string' },
          seed: { type: 'string' },
          out: { type: 'string' },
          workers: { type: 'string' },
          'on-error': { type: 'string' },
          padding: { type: 'string' },
          progress: { type: 'string' },
          'no-cache': { type: 'boolean' },
          'slice-mb': { type: 'string' },
        },
      }),
    );
    const progress = progressFor(values.progress, io);
    const summary = await curate(
      {
        metadataPath: requiredOption('metadata', values.metadata),
        inputs: requireList('input', values.input),
        textFields: values['text-field'] ?? ['text'],
        keyField: values['key-field'],
        t: numberOption('t', values.t),
        seed: numberOption('seed', values.seed),
        outDir: requiredOption('out', values.out),
        workers: values.workers === undefined ? undefined : numberOption('workers', values.workers),
        onError: parseOnError(values['on-error']),
        padding: parsePadding(values.padding),
        cache: !values['no-cache'],
        sliceBytes: values['slice-mb'] === undefined ? undefined : Math.max(1, numberOption('slice-mb', values['slice-mb']) * 1048576),
      },
      progress,
    );
    const skipped = Object.entries(summary.pool.skipped).map(([r, n]) => `${r}: ${formatCount(n ?? 0)}`);
    const lines = [
      `Pool: ${formatCount(summary.pool.records)} records in ${summary.pool.files} file(s), ${formatCount(summary.pool.matched_records)} matched (${pct(summary.pool.matched_records, summary.pool.records)})`,
      `Kept: ${formatCount(summary.kept)} records at t=${summary.t}, seed ${summary.seed} (expected ${formatCount(summary.expected_kept)})`,
      `Entries: ${formatCount(summary.matched_entries)} matched, ${formatCount(summary.head_entries)} head entries holding ${(summary.head_share_of_matches * 100).toFixed(1)}% of matches`,
      ...(skipped.length ? [`Skipped: ${skipped.join(', ')}`] : []),
      `Time: ${summary.wall_seconds.toFixed(1)} s with ${summary.workers} worker(s), ${formatCount(summary.records_per_second)} records/s${summary.resumed ? ' (resumed)' : ''}`,
      `Output: ${values.out}`,
    ];
    if (values.progress === 'json') io.stdout.write(JSON.stringify({ type: 'summary', summary: { ...summary, entries: undefined } }) + '\n');
    else io.stderr.write(lines.join('\n') + '\n');
    return EXIT_OK;
  },
};

function pct(a: number, b: number): string {
  return b > 0 ? `${((a / b) * 100).toFixed(1)}%` : '0%';
}
