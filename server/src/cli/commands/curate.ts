import { parseArgs } from 'node:util';
import { curate, type CurateOptions, type CurateSummary } from '../../../engine/src/curate';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError } from '../../../engine/src/errors';
import { formatCliEvent } from '../../../../contracts/src/cliEvents';
import { formatCount, type ProgressSink } from '../../../engine/src/progress';
import {
  curateOnSlurm,
  slurmDryRun,
  SlurmJobError,
  type SlurmOptions,
} from '../../../engine/src/slurm/slurmExecutor';
import { numberOption, requiredOption, withUsageErrors, type Command } from '../command';
import {
  EXIT_CODES_HELP,
  formatSkipped,
  inputFiles,
  KEY_FIELD_HELP,
  PADDING_HELP,
  parseOnError,
  parsePadding,
  progressFor,
  TEXT_FIELD_HELP,
} from './shared';
import { metadataAndThreshold, WORLDWIDE_HELP, WORLDWIDE_OPTIONS, worldwideLines } from './worldwideOptions';

export const curateCommand: Command = {
  name: 'curate',
  summary: 'count matches over a pool, balance entries at threshold t, write the kept records',
  help: `Usage: metacurate curate --metadata M.json --input FILE... [--text-field F] --t T --seed S --out DIR [options]
       metacurate curate --worldwide --metadata-dir DIR --t-en T [--lang-field F] --input FILE... --seed S --out DIR [options]

Runs the two passes of MetaCLIP curation on all cores: count (match every text, count per
entry) then select (keep a record with probability 1 - prod(1 - t/max(count,t)) over its
entries, decided by a hash of (seed, key, entry id)). Kept records are written per input file in
the input's own format under DIR/data/, with a sidecar of matched entry ids per kept record.

The output folder: DIR must be new, empty, or hold an earlier curation of metacurate; any other
folder is refused before anything is written (exit 2), as are inputs inside DIR and a DIR inside
an input folder. One curation writes to a folder at a time: a second is refused, naming the
first (DIR/.metacurate/lock; the lock of a process no longer running on this host is taken
over). A new curation of the folder (another --t or --seed, or changed inputs) is built in
DIR/.metacurate/stage and swapped in when complete, so until then DIR holds the previous one,
whole. Files you add to DIR are never touched. A run stopped by bad input removes what it made
and leaves the previous curation as it was.

Resuming: running the same command again resumes a run that was interrupted (Ctrl-C, SIGTERM,
a kill, a full disk) and removes its temporary files; with another --t or --seed it reuses the
counts and selects again. Earlier work is reused only for unchanged inputs: the metadata's
sha256, the inputs' sizes and the sha256 of every slice counted so far are checked first (a
read of those slices). If an input or the metadata changed, the count starts over from the
beginning, with a message naming the file.

Options:
  --metadata FILE        metadata: JSON array of strings (or .txt, one entry per line)
  --input FILE...        pool files (several after one --input, or --input repeated):
                         .jsonl .jsonl.gz .csv .tsv .txt .parquet .tar
${TEXT_FIELD_HELP}
${KEY_FIELD_HELP}
  --columns A,B,...      column names of a CSV/TSV without a header row
  --t T                  balancing threshold, a positive integer in digits (paper: 20000 for a
                         1.6B pool)
  --seed S               seed of the keep decisions (non-negative integer)
  --out DIR              output folder
  --workers N            worker threads (default: all cores)
  --on-error fail|skip   stop at the first bad record (default), or skip and count it by reason
                         (an unreadable Parquet file or a damaged tar/.gz: the file or its rest)
${PADDING_HELP}
  --progress bar|json|none   progress display (default: bar on a terminal)
  --no-cache             do not read or write the matcher cache
  --slice-mb N           split .jsonl/.txt inputs into slices of about N MiB (default: from pool size)
  --entry-index          write the entry browser's index (entries.idx, records.idx) now; by default
                         the first browse builds it (one more read of the pool, ~1/3 of a curation)
  --executor local|slurm run on this machine's cores (default), or as Slurm jobs (below)

${WORLDWIDE_HELP}

Slurm (--executor slurm): a count array job over the slices, a reduce job after it
(--dependency=afterok), a select array after the reduce, and a finalize job; every task runs
\`metacurate curate-task\` on the shared file system, so the data are the same bytes as a local run.
The command follows the jobs (squeue) until the end, reports a failed task with its log file
(DIR/.metacurate/slurm/logs/), and on a re-run submits only the unfinished tasks. With this
executor --workers only sets the default slice size: choose --slice-mb (e.g. 256) for a cluster.
  --partition P          sbatch --partition
  --time T               sbatch --time of every job (e.g. 2:00:00)
  --cpus-per-task N      sbatch --cpus-per-task (default 1: a task runs on one thread, so more
                         CPUs do not make it faster; use smaller slices instead)
  --mem M                sbatch --mem of every job (e.g. 4G)
  --array-throttle N     at most N tasks of an array at once (--array=...%N)
  --sbatch-arg ARG       one more sbatch argument for every job (repeatable), e.g. --sbatch-arg=--account=abc
  --node PATH            node executable on the compute nodes (default: the one running this)
  --poll-seconds S       seconds between two looks at the queue (default 5)
  --dry-run              print the scripts and sbatch commands it would submit, and stop
                         (the slice plan is written to DIR/.metacurate, as a run would)

Writes DIR/data/..., DIR/counts.json, DIR/counts.bin, DIR/matches.bin, DIR/summary.json.
${EXIT_CODES_HELP}
A failed Slurm job, and an interrupted run (Ctrl-C, SIGTERM), also exit 1.
`,
  async run(argv, io) {
    const { values, positionals } = withUsageErrors(() =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: {
          metadata: { type: 'string' },
          input: { type: 'string', multiple: true },
          'text-field': { type: 'string', multiple: true },
          'key-field': { type: 'string' },
          columns: { type: 'string' },
          t: { type: 'string' },
          seed: { type: 'string' },
          out: { type: 'string' },
          workers: { type: 'string' },
          'on-error': { type: 'string' },
          padding: { type: 'string' },
          progress: { type: 'string' },
          'no-cache': { type: 'boolean' },
          'slice-mb': { type: 'string' },
          'entry-index': { type: 'boolean' },
          executor: { type: 'string' },
          partition: { type: 'string' },
          time: { type: 'string' },
          'cpus-per-task': { type: 'string' },
          mem: { type: 'string' },
          'array-throttle': { type: 'string' },
          'sbatch-arg': { type: 'string', multiple: true },
          node: { type: 'string' },
          'poll-seconds': { type: 'string' },
          'dry-run': { type: 'boolean' },
          ...WORLDWIDE_OPTIONS,
        },
      }),
    );
    const executor = values.executor ?? 'local';
    if (executor !== 'local' && executor !== 'slurm') {
      throw new UsageError(`--executor must be 'local' or 'slurm', got '${executor}'`);
    }
    if (executor === 'local') {
      const slurmOnly = [
        'partition',
        'time',
        'cpus-per-task',
        'mem',
        'array-throttle',
        'sbatch-arg',
        'node',
        'poll-seconds',
        'dry-run',
      ];
      const given = slurmOnly.find((name) => values[name as keyof typeof values] !== undefined);
      if (given) throw new UsageError(`--${given} applies to --executor slurm only`);
    }
    const progress = progressFor(values.progress, io);
    const options: CurateOptions = {
      ...metadataAndThreshold(values),
      inputs: inputFiles(values.input, positionals),
      textFields: values['text-field'] ?? [],
      keyField: values['key-field'],
      columns: values.columns?.split(','),
      seed: numberOption('seed', values.seed),
      outDir: requiredOption('out', values.out),
      workers: values.workers === undefined ? undefined : numberOption('workers', values.workers),
      onError: parseOnError(values['on-error']),
      padding: values.worldwide ? 'worldwide' : parsePadding(values.padding),
      cache: !values['no-cache'],
      sliceBytes:
        values['slice-mb'] === undefined
          ? undefined
          : Math.max(1, numberOption('slice-mb', values['slice-mb']) * 1048576),
      entryIndex: values['entry-index'] === true,
    };
    let summary: CurateSummary;
    if (executor === 'local') summary = await interruptible((signal) => curate(options, progress, signal));
    else {
      const slurm: SlurmOptions = {
        partition: values.partition,
        time: values.time,
        cpusPerTask:
          values['cpus-per-task'] === undefined
            ? undefined
            : numberOption('cpus-per-task', values['cpus-per-task']),
        mem: values.mem,
        arrayThrottle:
          values['array-throttle'] === undefined
            ? undefined
            : numberOption('array-throttle', values['array-throttle']),
        sbatchArgs: values['sbatch-arg'],
        nodePath: values.node,
        pollSeconds:
          values['poll-seconds'] === undefined
            ? undefined
            : numberOption('poll-seconds', values['poll-seconds']),
      };
      if (values['dry-run']) {
        const dry = await interruptible((signal) => slurmDryRun(options, { ...slurm, signal }, progress));
        if ('complete' in dry) summary = dry.complete;
        else {
          // With --progress json every stdout line is an event: the scripts travel as one.
          io.stdout.write(
            values.progress === 'json' ? formatCliEvent({ type: 'info', message: dry.text }) : dry.text,
          );
          return EXIT_OK;
        }
      } else {
        const result = await runOnSlurm(options, slurm, progress, io.stderr);
        if (typeof result === 'number') return result;
        summary = result;
      }
    }
    const skipped = formatSkipped(summary.pool.skipped);
    const lines = [
      `Pool: ${formatCount(summary.pool.records)} records in ${summary.pool.files} file(s), ${formatCount(summary.pool.matched_records)} matched (${pct(summary.pool.matched_records, summary.pool.records)})`,
      `Kept: ${formatCount(summary.kept)} records at ${summary.worldwide ? 't_en' : 't'}=${summary.t}, seed ${summary.seed} (expected ${formatCount(summary.expected_kept)})`,
      `Entries: ${formatCount(summary.matched_entries)} matched, ${formatCount(summary.head_entries)} head entries holding ${(summary.head_share_of_matches * 100).toFixed(1)}% of matches`,
      ...(summary.worldwide ? worldwideLines(summary.worldwide) : []),
      ...(skipped ? [`Skipped: ${skipped}`] : []),
      `Time: ${summary.wall_seconds.toFixed(1)} s with ${summary.workers} worker(s), ${formatCount(summary.records_per_second)} records/s${summary.resumed ? ' (resumed)' : ''}`,
      `Output: ${values.out}`,
    ];
    if (values.progress === 'json') {
      // The per-entry table stays in summary.json: it can be millions of rows.
      const { entries: _entries, ...withoutEntries } = summary;
      io.stdout.write(formatCliEvent({ type: 'summary', summary: withoutEntries }));
    } else io.stderr.write(lines.join('\n') + '\n');
    return EXIT_OK;
  },
};

/** Ctrl-C or a kill cancels the submitted jobs; a failed job is reported without a stack. */
async function runOnSlurm(
  options: CurateOptions,
  slurm: SlurmOptions,
  progress: ProgressSink,
  stderr: NodeJS.WritableStream,
): Promise<CurateSummary | number> {
  try {
    return await interruptible((signal) => curateOnSlurm(options, { ...slurm, signal }, progress));
  } catch (err) {
    if (err instanceof SlurmJobError) {
      stderr.write(`metacurate curate: error: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw err;
  }
}

/**
 * Runs `work` with SIGINT and SIGTERM turned into an abort: the run stops (Slurm: cancels its
 * jobs), removes its temporary files and releases the folder's lock, and the command exits 1
 * with an InterruptedError; running it again resumes. A second signal exits at once (the lock
 * is still released, on exit).
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(EXIT_BAD_INPUT);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(abort.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function pct(a: number, b: number): string {
  return b > 0 ? `${((a / b) * 100).toFixed(1)}%` : '0%';
}
