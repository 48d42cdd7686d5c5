/**
 * `metacurate browse`: the records behind one entry of a finished curation, kept, dropped or all,
 * a page at a time: what the editor's entry browser shows (metacurate/entryRecords), from the same
 * entry index. A curation made before the index existed gets it built first (said on stderr).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ENTRY_RECORDS_FILTERS,
  ENTRY_RECORDS_MAX_LIMIT,
  type EntryRecord,
  type EntryRecordsFilter,
  type EntryRecordsResult,
  type RecordImage,
} from '../../../../contracts/src/entryRecords';
import { CurationEntryBrowser } from '../../../engine/src/entryIndex/curationEntryRecords';
import { ensureEntryIndex } from '../../../engine/src/entryIndex/ensureEntryIndex';
import { EXIT_OK, UsageError } from '../../../engine/src/errors';
import { formatCount } from '../../../engine/src/progress';
import { requiredOption, withUsageErrors, type Command } from '../command';

export const browseCommand: Command = {
  name: 'browse',
  summary: 'the records behind an entry of a curation: kept, dropped, their text and keep probability',
  help: `Usage: metacurate browse --curation DIR (--entry TEXT | --entry-id N) [--filter all|kept|dropped]
                        [--offset N] [--limit N] [--image-field F] [--json]

Lists the pool records that match one metadata entry in a finished curation, in pool order: each
record's key, file and line, whether the curation kept it, the entry's keep probability, the
record's text with the entry's matches marked [like this], and the other entries it matched.
Answers from the curation's entry index (entries.idx, records.idx, written with the curation);
a curation made before the index existed gets it built once, first.

Options:
  --curation DIR   the curation folder (the --out of \`metacurate curate\`)
  --entry TEXT     the entry, as written in the metadata
  --entry-id N     the entry by its index in the metadata (0-based), instead of --entry
  --filter F       all (default), kept or dropped
  --offset N       skip the first N records (default 0)
  --limit N        list at most N records (default 20, at most ${ENTRY_RECORDS_MAX_LIMIT})
  --image-field F  the record field that names each record's image: a local file (relative to
                   the pool file's folder, and inside it) or an http(s) URL, listed, never
                   fetched. Without it a WebDataset sample's image member (.jpg, .png, .webp) is
                   listed
  --json           print the page as JSON (the metacurate/entryRecords result)

Examples:
  metacurate browse --curation out --entry dog --filter dropped --limit 5
  metacurate browse --curation out --entry-id 0 --offset 100 --json
`,
  async run(argv, io) {
    const { values } = withUsageErrors(() =>
      parseArgs({
        args: argv,
        strict: true,
        options: {
          curation: { type: 'string' },
          entry: { type: 'string' },
          'entry-id': { type: 'string' },
          filter: { type: 'string' },
          offset: { type: 'string' },
          limit: { type: 'string' },
          'image-field': { type: 'string' },
          json: { type: 'boolean' },
        },
      }),
    );
    const folder = resolve(requiredOption('curation', values.curation));
    if ((values.entry === undefined) === (values['entry-id'] === undefined))
      throw new UsageError('name the entry with --entry TEXT or --entry-id N (one of them)');
    const filter = (values.filter ?? 'all') as EntryRecordsFilter;
    if (!ENTRY_RECORDS_FILTERS.includes(filter))
      throw new UsageError(
        `--filter must be one of ${ENTRY_RECORDS_FILTERS.join(', ')}, got '${values.filter}'`,
      );
    const offset = countOption('offset', values.offset, 0, Number.MAX_SAFE_INTEGER);
    const limit = countOption('limit', values.limit, 20, ENTRY_RECORDS_MAX_LIMIT, 1);
    if (await ensureEntryIndex(folder))
      io.stderr.write(`Built the entry index of ${folder} (the curation was made before it existed).\n`);
    const browser = await CurationEntryBrowser.open(folder);
    try {
      let entryId: number;
      if (values.entry !== undefined) {
        const ids = browser.idsOf(values.entry);
        if (ids.length === 0)
          throw new UsageError(
            `'${values.entry}' is not an entry of this curation's metadata (or the metadata file moved or changed; use --entry-id)`,
          );
        entryId = ids[0];
      } else entryId = countOption('entry-id', values['entry-id'], 0, Number.MAX_SAFE_INTEGER);
      const page = await browser.page({ entryId, filter, offset, limit, imageField: values['image-field'] });
      io.stdout.write(
        values.json ? JSON.stringify(page, null, 2) + '\n' : describePage(page, filter, offset),
      );
    } finally {
      await browser.close();
    }
    return EXIT_OK;
  },
};

/** A non-negative integer option in [low, high]. */
function countOption(
  name: string,
  value: string | undefined,
  fallback: number,
  high: number,
  low = 0,
): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < low || n > high)
    throw new UsageError(`--${name} must be an integer from ${low} to ${high}, got '${value}'`);
  return n;
}

function describeImage(image: RecordImage): string {
  switch (image.kind) {
    case 'member':
      return `${image.member} (${formatCount(image.size)} bytes in the shard)`;
    case 'file':
      return image.path;
    case 'url':
      return `${image.url} (not fetched)`;
    case 'refused':
      return `'${image.value}' refused: it ${image.reason}`;
  }
}

/** The text with the spans marked by brackets. */
function marked(record: EntryRecord): string {
  let out = '';
  let at = 0;
  for (const [start, end] of record.spans) {
    out += `${record.text.slice(at, start)}[${record.text.slice(start, end)}]`;
    at = end;
  }
  return out + record.text.slice(at);
}

function describePage(page: EntryRecordsResult, filter: EntryRecordsFilter, offset: number): string {
  const shown = page.records.length;
  const lines = [
    `Entry '${page.entry}' (id ${page.entryId}) at t = ${formatCount(page.t ?? 0)}, seed ${page.seed}: ` +
      `${formatCount(page.totalAll)} record${page.totalAll === 1 ? '' : 's'} match${page.totalAll === 1 ? 'es' : ''}, ${formatCount(page.kept)} kept, ${formatCount(page.dropped)} dropped` +
      (page.records[0] ? `; keep probability ${page.records[0].probability.toFixed(4)}` : ''),
    shown === 0
      ? `No ${filter === 'all' ? '' : `${filter} `}records from ${formatCount(offset)} (of ${formatCount(page.total)}).`
      : `${filter === 'all' ? 'Records' : `${filter[0].toUpperCase()}${filter.slice(1)} records`} ${formatCount(offset + 1)}–${formatCount(offset + shown)} of ${formatCount(page.total)}:`,
    '',
  ];
  for (const r of page.records) {
    const where = r.line !== undefined ? `${r.file}:${r.line}` : r.file;
    lines.push(`${r.kept ? 'kept   ' : 'dropped'}  ${r.key}  (${where})`);
    lines.push(`         ${marked(r)}`);
    if (r.otherEntries.length > 0)
      lines.push(`         also: ${r.otherEntries.map((o) => o.entry).join(', ')}`);
    if (r.image !== undefined) lines.push(`         image: ${describeImage(r.image)}`);
  }
  return lines.join('\n') + '\n';
}
