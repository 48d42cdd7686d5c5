/**
 * `curate --worldwide`: its options (the metadata folder, English's t, where languages come
 * from) and the lines of its end summary per language.
 */
import { parseThreshold } from '../../../../contracts/src/threshold';
import type { CliWorldwideSummary } from '../../../../contracts/src/cliEvents';
import { UsageError } from '../../../engine/src/errors';
import { formatCount } from '../../../engine/src/progress';
import type { WorldwideOptions } from '../../../engine/src/worldwide/worldwideCuration';
import { numberOption, requiredOption, thresholdOption } from '../command';

export const WORLDWIDE_HELP = `Worldwide (MetaCLIP 2, docs/spec.md section 2 "Worldwide thresholds"):
  --worldwide            match each record against the list of its language, with the worldwide
                         padding, and balance each language with its own t (replaces --metadata, --t)
  --metadata-dir DIR     folder of per-language lists: CODE.json and provenance.json
                         (\`metacurate metadata build --lang CODE --out-dir DIR\` writes them)
  --t-en T               English's t: every language keeps English's tail share of matches
  --lang-field F         the pool's field naming each record's language (a Wikipedia code);
                         default: identified from the record's texts (fastText lid.176)
  --lid-min-confidence X below this confidence a text's language is 'und' (default 0.15)
Records whose language has no list in DIR (or is 'und') match nothing; they are counted per
language in summary.json (worldwide.without_metadata).`;

export const WORLDWIDE_OPTIONS = {
  worldwide: { type: 'boolean' },
  'metadata-dir': { type: 'string' },
  't-en': { type: 'string' },
  'lang-field': { type: 'string' },
  'lid-min-confidence': { type: 'string' },
} as const;

interface Given {
  worldwide?: boolean;
  metadata?: string;
  t?: string;
  padding?: string;
  'metadata-dir'?: string;
  't-en'?: string;
  'lang-field'?: string;
  'lid-min-confidence'?: string;
}

/** The metadata, t and worldwide options of a curate command line (usage errors exit 2). */
export function metadataAndThreshold(values: Given): {
  metadataPath: string;
  t: number;
  worldwide?: WorldwideOptions;
} {
  const worldwideOnly = ['metadata-dir', 't-en', 'lang-field', 'lid-min-confidence'] as const;
  if (!values.worldwide) {
    const given = worldwideOnly.find((name) => values[name] !== undefined);
    if (given) throw new UsageError(`--${given} applies to --worldwide only`);
    return { metadataPath: requiredOption('metadata', values.metadata), t: thresholdOption(values.t) };
  }
  if (values.metadata !== undefined)
    throw new UsageError('--worldwide takes a folder of lists: use --metadata-dir, not --metadata');
  if (values.t !== undefined) throw new UsageError("--worldwide takes English's t: use --t-en, not --t");
  if (values.padding !== undefined && values.padding !== 'worldwide')
    throw new UsageError('--worldwide implies --padding worldwide');
  const tEn = values['t-en'];
  const t = tEn === undefined ? undefined : parseThreshold(tEn);
  if (t === undefined)
    throw new UsageError(
      tEn === undefined
        ? '--t-en is required with --worldwide'
        : `--t-en must be a positive integer, got '${tEn}'`,
    );
  const confidence = values['lid-min-confidence'];
  if (confidence !== undefined && values['lang-field'] !== undefined)
    throw new UsageError('--lid-min-confidence applies only without --lang-field (languages identified)');
  return {
    metadataPath: requiredOption('metadata-dir', values['metadata-dir']),
    t,
    worldwide: {
      languageField: values['lang-field'],
      minConfidence: confidence === undefined ? undefined : numberOption('lid-min-confidence', confidence),
    },
  };
}

/** The end summary's lines of a worldwide curation: one per language, then those without a list. */
export function worldwideLines(w: CliWorldwideSummary): string[] {
  const lines = [
    `Languages: ${w.languages.length} lists, English's t=${w.t_en} keeps a tail share of ${(w.tail_proportion * 100).toFixed(1)}% in every language`,
  ];
  for (const l of w.languages) {
    if (l.records === 0) continue;
    lines.push(
      `  ${l.code.padEnd(7)} ${formatCount(l.records)} records, ${formatCount(l.matched_records)} matched, t=${l.t}, ${formatCount(l.head_entries)} head entries, kept ${formatCount(l.kept)} (expected ${formatCount(l.expected_kept)})`,
    );
  }
  const without = Object.entries(w.without_metadata).sort((a, b) => b[1] - a[1]);
  if (without.length > 0) {
    const total = without.reduce((s, [, n]) => s + n, 0);
    const shown = without.slice(0, 8).map(([code, n]) => `${code} ${formatCount(n)}`);
    lines.push(
      `Without a list (not matched): ${formatCount(total)} records: ${shown.join(', ')}${without.length > 8 ? ', …' : ''}`,
    );
  }
  return lines;
}
