import { parseArgs } from 'node:util';
import { poolKeyPrefixes } from '../../../engine/src/curate';
import { EmptyPoolError, EXIT_OK, type InputErrorReason } from '../../../engine/src/errors';
import { loadIndexForMetadataFile, matcherFromPacked } from '../../../engine/src/match/matcher';
import { MatchLineEncoder, matchTextFile } from '../../../engine/src/matchLines';
import { assertInputsApartFromOutputs } from '../../../engine/src/pathOverlap';
import { detectFormat } from '../../../engine/src/pool/formats';
import { readPool } from '../../../engine/src/pool/read';
import { requiredOption, withUsageErrors, type Command } from '../command';
import {
  EXIT_CODES_HELP,
  formatSkipped,
  inputFiles,
  KEY_FIELD_HELP,
  PADDING_HELP,
  openOutput,
  parseOnError,
  parsePadding,
  TEXT_FIELD_HELP,
} from './shared';

export const matchCommand: Command = {
  name: 'match',
  summary: 'write the matched entry ids of every record of a pool file',
  help: `Usage: metacurate match --metadata M.json --input FILE --out OUT.jsonl [options]

Writes one line per input record, in input order: {"key": ..., "entry_ids": [ascending ids]}.
A record with several text fields gets the union of its texts' ids.

Options:
  --metadata FILE        metadata: JSON array of strings (or .txt, one entry per line)
  --input FILE...        pool files (several after one --input, or --input repeated; records
                         of each file in turn): .jsonl .jsonl.gz .csv .tsv .txt .parquet .tar
  --out FILE             JSONL to write (- for standard output); a regular file is replaced
                         only when complete, a device (/dev/null) or FIFO is written in place
${TEXT_FIELD_HELP}
  --columns A,B,...      column names of a CSV/TSV without a header row
${KEY_FIELD_HELP}
  --on-error fail|skip   stop at the first bad record (default), or leave it out and report
                         on stderr what was skipped, by reason
${PADDING_HELP}
  --no-cache             do not read or write the matcher cache
  --timings              print {"indexMillis","fromCache","matchMillis","records"} as JSON on stderr

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
          'on-error': { type: 'string' },
          padding: { type: 'string' },
          'no-cache': { type: 'boolean' },
          timings: { type: 'boolean' },
        },
      }),
    );
    const inputs = inputFiles(values.input, positionals);
    const out = requiredOption('out', values.out);
    const metadataPath = requiredOption('metadata', values.metadata);
    const formats = inputs.map((f) => detectFormat(f));
    await assertInputsApartFromOutputs([...inputs, metadataPath], [{ path: out }]);
    const loaded = await loadIndexForMetadataFile(
      metadataPath,
      parsePadding(values.padding),
      !values['no-cache'],
    );
    const matcher = matcherFromPacked(loaded.packed);
    const matchStart = performance.now();
    let records = 0;
    const skipped: Partial<Record<InputErrorReason, number>> = {};
    const onError = parseOnError(values['on-error']);
    const keyPrefixes = poolKeyPrefixes(inputs, formats);
    const output = await openOutput(out, io.stdout);
    const encoder = new MatchLineEncoder();
    const flush = async (): Promise<void> => {
      const chunk = encoder.take();
      await output.write(chunk);
      encoder.recycle(chunk);
    };
    try {
      for (let f = 0; f < inputs.length; f++) {
        if (formats[f] === 'text') {
          const read = await matchTextFile(inputs[f], matcher, encoder, flush, onError);
          records += read.records;
          if (read.invalidUtf8 > 0)
            skipped['invalid-utf8'] = (skipped['invalid-utf8'] ?? 0) + read.invalidUtf8;
          continue;
        }
        const items = readPool(inputs[f], formats[f], {
          textFields: values['text-field'] ?? [],
          keyField: values['key-field'],
          keyPrefix: keyPrefixes[f],
          columns: values.columns?.split(','),
          onError,
          withPayload: false,
        });
        for await (const item of items) {
          if (item.kind === 'skipped') {
            skipped[item.reason] = (skipped[item.reason] ?? 0) + 1;
            continue;
          }
          records++;
          matcher.begin();
          for (const text of item.texts) matcher.collect(text);
          encoder.add(item.key, matcher.sorted());
          if (encoder.pending > 1 << 20) await flush();
        }
      }
      if (records === 0) throw new EmptyPoolError(inputs, skipped);
      await output.write(encoder.take());
    } catch (err) {
      await output.abort();
      throw err;
    }
    await output.commit();
    if (Object.keys(skipped).length > 0)
      io.stderr.write(`metacurate match: skipped ${formatSkipped(skipped)}\n`);
    if (values.timings) {
      const timings = {
        indexMillis: Math.round(loaded.millis),
        fromCache: loaded.fromCache,
        matchMillis: Math.round(performance.now() - matchStart),
        records,
      };
      io.stderr.write(JSON.stringify(timings) + '\n');
    }
    return EXIT_OK;
  },
};
