import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { compactCountsPath, countsToJson, writeCounts } from '../../../engine/src/counts';
import { countPool } from '../../../engine/src/curate';
import { EXIT_OK, UsageError } from '../../../engine/src/errors';
import { assertInputsApartFromOutputs } from '../../../engine/src/pathOverlap';
import { formatCount } from '../../../engine/src/progress';
import { numberOption, requiredOption, withUsageErrors, type Command } from '../command';
import {
  EXIT_CODES_HELP,
  formatSkipped,
  inputFiles,
  openOutput,
  PADDING_HELP,
  parseOnError,
  parsePadding,
  progressFor,
  TEXT_FIELD_HELP,
} from './shared';

export const countCommand: Command = {
  name: 'count',
  summary: 'count, per metadata entry, the texts of a pool that match it',
  help: `Usage: metacurate count --metadata M.json --input FILE... --out counts.json [options]

Writes {entry: count} as JSON (the reference's entry-count format) and, beside it, the compact
form counts.bin (one float64 per entry id) that the editor and \`stats\` load fast, and
matches.bin (the matched ids of every record), from which \`stats\` gives the exact expected
curated size over t.

Options:
  --metadata FILE        metadata: JSON array of strings (or .txt, one entry per line)
  --input FILE...        pool files (several after one --input, or --input repeated):
                         .jsonl .jsonl.gz .csv .tsv .txt .parquet .tar
  --out FILE             counts JSON to write; counts.bin and matches.bin go beside it when it
                         is a regular file (or a new one); - (standard output), a device such
                         as /dev/null, or a FIFO gets the JSON alone, written in place
${TEXT_FIELD_HELP}
  --columns A,B,...      column names of a CSV/TSV without a header row
  --key-field K          field with the pair key (only checked)
  --workers N            worker threads (default: all cores)
  --on-error fail|skip   stop at the first bad record (default), or skip and count it by reason
${PADDING_HELP}
  --progress bar|json|none   progress display (default: bar on a terminal)
  --no-cache             do not read or write the matcher cache

${EXIT_CODES_HELP}
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
          out: { type: 'string' },
          'text-field': { type: 'string', multiple: true },
          'key-field': { type: 'string' },
          columns: { type: 'string' },
          workers: { type: 'string' },
          'on-error': { type: 'string' },
          padding: { type: 'string' },
          progress: { type: 'string' },
          'no-cache': { type: 'boolean' },
        },
      }),
    );
    const out = requiredOption('out', values.out);
    if (out === '-' && values.progress === 'json') {
      throw new UsageError('--out - and --progress json both write to standard output; choose one');
    }
    const metadataPath = requiredOption('metadata', values.metadata);
    const inputs = inputFiles(values.input, positionals);
    // Files beside a device or standard output would land in /dev or the working folder.
    const beside = out !== '-' && (await isFileOrAbsent(out));
    const matchesPath = join(dirname(out), 'matches.bin');
    await assertInputsApartFromOutputs(
      [...inputs, metadataPath],
      [out, ...(beside ? [compactCountsPath(out), matchesPath] : [])].map((path) => ({ path })),
    );
    const { metadata, counts, skipped } = await countPool(
      {
        metadataPath,
        inputs,
        textFields: values['text-field'] ?? [],
        keyField: values['key-field'],
        columns: values.columns?.split(','),
        workers: values.workers === undefined ? undefined : numberOption('workers', values.workers),
        onError: parseOnError(values['on-error']),
        padding: parsePadding(values.padding),
        cache: !values['no-cache'],
        matchesPath: beside ? matchesPath : undefined,
      },
      progressFor(values.progress, io),
    );
    if (beside) await writeCounts(out, metadata.entries, counts);
    else {
      const output = await openOutput(out, io.stdout);
      try {
        await output.write(countsToJson(metadata.entries, counts.counts));
      } catch (err) {
        await output.abort();
        throw err;
      }
      await output.commit();
    }
    let matchedEntries = 0;
    for (const c of counts.counts) if (c > 0) matchedEntries++;
    const skippedText = formatSkipped(skipped);
    io.stderr.write(
      `Counted ${formatCount(counts.texts)} texts in ${formatCount(counts.records)} records: ${formatCount(counts.matchedTexts)} texts matched ${formatCount(matchedEntries)} entries${skippedText ? `; skipped ${skippedText}` : ''}.\nWrote ${beside ? `${out}, ${compactCountsPath(out)}, ${matchesPath}` : out}\n`,
    );
    return EXIT_OK;
  },
};

/** A regular file, or nothing yet (a new file): not a device, FIFO or folder. */
async function isFileOrAbsent(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return true;
  }
}
