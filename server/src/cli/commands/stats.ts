import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  countHead,
  expectedSizeCurve,
  logSpacedThresholds,
  type CurvePoint,
} from '../../../engine/src/balance';
import { compactCountsPath, readCounts } from '../../../engine/src/counts';
import { EXIT_OK, UsageError } from '../../../engine/src/errors';
import { matchedIdLists, readMatchesFile } from '../../../engine/src/matchesFile';
import { formatCount } from '../../../engine/src/progress';
import { numberOption, requiredOption, thresholdOption, withUsageErrors, type Command } from '../command';
import { worldwideSummaryBeside, worldwideTable } from './worldwideStats';

export const statsCommand: Command = {
  name: 'stats',
  summary: 'head/tail summary of entry counts and the expected curated size over t',
  help: `Usage: metacurate stats --counts counts.json [--t T] [--matches matches.bin] [--json] [--top N]

Summarises per-entry counts: matched entries, total matches, and at threshold t the head
entries (count > t), their share of matches and the matches balancing keeps (sum of min(count, t)).
With the per-record matched ids (a curation's matches.bin, found automatically beside
counts.json) it also gives the exact expected curated size at t and over a range of t.
Of a worldwide curation (curate --worldwide) it also prints a row per language from the
summary.json beside counts.json: records, matched records, the language's t, head entries,
expected and actual kept, and the records whose language has no list.

Options:
  --counts FILE    counts JSON ({entry: count}), e.g. a curation's counts.json
  --t T            threshold to summarise at, a positive integer (default 20000)
  --matches FILE   matches.bin of the same pool (default: beside --counts if present)
  --top N          list the N entries with most matches (default 10)
  --json           print JSON instead of tables
`,
  async run(argv, io) {
    const { values } = withUsageErrors(() =>
      parseArgs({
        args: argv,
        strict: true,
        options: {
          counts: { type: 'string' },
          t: { type: 'string' },
          matches: { type: 'string' },
          top: { type: 'string' },
          json: { type: 'boolean' },
        },
      }),
    );
    const countsPath = requiredOption('counts', values.counts);
    const t = thresholdOption(values.t, 20000);
    const top = numberOption('top', values.top, 10);
    const named = await readCounts(countsPath.endsWith('.bin') ? countsPath : countsPath);
    const values_ = named.counts;
    let total = 0;
    let matched = 0;
    let headMatches = 0;
    let keptMatches = 0;
    for (const c of values_) {
      total += c;
      if (c > 0) matched++;
      if (c > t) headMatches += c;
      keptMatches += Math.min(c, t);
    }
    const order = Array.from(values_.keys()).sort((a, b) => values_[b] - values_[a]);
    const maxCount = values_.length ? values_[order[0]] : 0;

    const matchesPath = values.matches ?? join(dirname(countsPath), 'matches.bin');
    let curve: CurvePoint[] | undefined;
    let expectedAtT: number | undefined;
    if (existsSync(matchesPath) && existsSync(compactCountsPath(countsPath))) {
      const byId = await readCounts(compactCountsPath(countsPath));
      const { stream } = await readMatchesFile(matchesPath);
      const lists = matchedIdLists(stream);
      const thresholds = logSpacedThresholds(1, Math.max(1, maxCount), 16);
      if (!thresholds.includes(t)) thresholds.push(t);
      thresholds.sort((a, b) => a - b);
      curve = expectedSizeCurve(lists, byId.counts, thresholds);
      expectedAtT = curve.find((c) => c.t === t)?.expectedSize;
    } else if (values.matches) {
      throw new UsageError(`--matches ${values.matches} needs counts.bin beside ${countsPath}`);
    }

    const report = {
      entries: values_.length,
      matched_entries: matched,
      total_matches: total,
      t,
      head_entries: countHead(values_, t),
      head_share_of_matches: total > 0 ? headMatches / total : 0,
      kept_matches: keptMatches,
      expected_curated_size: expectedAtT,
      top_entries: order.slice(0, top).map((i) => ({
        entry: named.names[i] ?? String(i),
        count: values_[i],
        p: t / Math.max(values_[i], t),
      })),
      expected_size_curve: curve,
      worldwide: await worldwideSummaryBeside(countsPath),
    };
    if (values.json) {
      io.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return EXIT_OK;
    }
    const lines = [
      `Entries: ${formatCount(report.entries)} (${formatCount(matched)} matched), ${formatCount(total)} matches in all`,
      `At t=${formatCount(t)}: ${formatCount(report.head_entries)} head entries hold ${(report.head_share_of_matches * 100).toFixed(2)}% of matches; balancing keeps ${formatCount(keptMatches)} matches`,
      expectedAtT !== undefined
        ? `Expected curated size at t=${formatCount(t)}: ${formatCount(expectedAtT)} records`
        : `Expected curated size: needs matches.bin (pass --matches)`,
      '',
      'Top entries:',
      ...report.top_entries.map(
        (e) => `  ${formatCount(e.count).padStart(12)}  p ${e.p.toFixed(3)}  ${e.entry}`,
      ),
    ];
    if (report.worldwide) lines.push('', ...worldwideTable(report.worldwide));
    if (curve) {
      lines.push('', '           t   expected size   head entries');
      for (const c of curve)
        lines.push(
          `${formatCount(c.t).padStart(12)}  ${formatCount(c.expectedSize).padStart(14)}  ${formatCount(c.headEntries).padStart(13)}${c.t === t ? '  <- t' : ''}`,
        );
    }
    io.stdout.write(lines.join('\n') + '\n');
    return EXIT_OK;
  },
};
