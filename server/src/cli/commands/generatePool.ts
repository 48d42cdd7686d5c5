import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_OK } from '../../../engine/src/errors';
import { openAtomicOutput } from '../../../engine/src/fsAtomic';
import { loadMetadata } from '../../../engine/src/metadata';
import { assertInputsApartFromOutputs } from '../../../engine/src/pathOverlap';
import { generateCaptions } from '../../../engine/src/syntheticPool';
import { numberOption, requiredOption, withUsageErrors, type Command } from '../command';

export const generatePoolCommand: Command = {
  name: 'generate-pool',
  summary: 'write a synthetic web-like pool (JSONL) from a metadata list, for demos and benchmarks',
  help: `Usage: metacurate generate-pool --metadata M.json --records N --out pool.jsonl [--seed S] [--files K]

Writes N records {"text": caption, "url": ...}: 45% name common concepts of the metadata ("dog",
"car", "beach", ...) in alt-text templates, 15% one other entry (Zipf law), 40% match no entry,
as in a raw web pool. Curated at t = N / 1000 (the demo: t = 1,000 on 1M records) the common
concepts keep a small fraction of their matches and every other entry keeps all. With --files K
the records are split over K files named pool-00000.jsonl ... beside --out.
`,
  async run(argv, io) {
    const { values } = withUsageErrors(() =>
      parseArgs({
        args: argv,
        strict: true,
        options: {
          metadata: { type: 'string' },
          records: { type: 'string' },
          out: { type: 'string' },
          seed: { type: 'string' },
          files: { type: 'string' },
        },
      }),
    );
    const metadataPath = requiredOption('metadata', values.metadata);
    const metadata = await loadMetadata(metadataPath);
    const records = numberOption('records', values.records);
    const seed = numberOption('seed', values.seed, 1);
    const files = Math.max(1, numberOption('files', values.files, 1));
    const out = requiredOption('out', values.out);
    const perFile = Math.ceil(records / files);
    const paths = Array.from({ length: files }, (_, f) =>
      files === 1 ? out : `${dirname(out)}/pool-${String(f).padStart(5, '0')}.jsonl`,
    );
    await assertInputsApartFromOutputs(
      [metadataPath],
      paths.map((path) => ({ path })),
    );
    const written: string[] = [];
    for (let f = 0; f < files; f++) {
      const path = paths[f];
      const n = Math.min(perFile, records - f * perFile);
      const captions = generateCaptions(metadata.entries, Math.max(0, n), seed * 1000003 + f);
      const output = await openAtomicOutput(path);
      try {
        let buffer = '';
        for (let i = 0; i < captions.length; i++) {
          buffer += `${JSON.stringify({ text: captions[i], url: `https://example.com/img/${f}/${i}.jpg` })}\n`;
          if (buffer.length > 1 << 20) {
            await output.write(buffer);
            buffer = '';
          }
        }
        await output.write(buffer);
      } catch (err) {
        await output.abort();
        throw err;
      }
      await output.commit();
      written.push(path);
    }
    io.stderr.write(
      `Wrote ${records.toLocaleString('en-US')} records to ${written.length === 1 ? written[0] : `${written.length} files in ${dirname(out)}`}\n`,
    );
    return EXIT_OK;
  },
};
