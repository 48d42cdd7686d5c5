/**
 * A threshold sweep (`metacurate experiment sweep --out DIR`) for the entry-balance panel: which
 * study a folder holds (`studyKindOf`), and DIR/summary.json (contracts/src/studySummary.ts)
 * checked member by member into the panel's `SweepView` (contracts/src/webview.ts). A running
 * sweep rewrites summary.json after every unit, and a file may be older or edited by hand: what is
 * wrong is an error naming the file and the member, never a crash. No `vscode`: unit-tested in
 * test/client/sweepView.test.ts; the panel's host (balancePanel.ts) calls it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Arm, AugmentMode, MeanInterval, StudyExperiment } from '../../contracts/src/studySummary';
import type { SweepCuration, SweepGroup, SweepView } from '../../contracts/src/webview';
import { curationMetadataSha } from './balanceSources';

/** A study's summary and its plan (written first, when the study starts). */
export const STUDY_SUMMARY_FILE = 'summary.json';
const STUDY_PLAN_FILE = 'plan.json';

/** A sweep's curation at t: a normal curation folder. */
export function sweepCurationFolder(folder: string, t: number): string {
  return join(folder, 'curations', `t${t}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The study `folder` holds: the `experiment` of its summary.json (a study's has units; a
 * curation's has no `experiment`), else of its plan.json (a study that has not written its summary
 * yet); undefined when it holds none.
 */
export function studyKindOf(folder: string): StudyExperiment | undefined {
  for (const name of [STUDY_SUMMARY_FILE, STUDY_PLAN_FILE]) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(join(folder, name), 'utf8'));
    } catch {
      continue; // none, or not JSON: not a study's
    }
    if (!isObject(value) || (value.experiment !== 'sweep' && value.experiment !== 'mini')) continue;
    if (name === STUDY_PLAN_FILE || isObject(value.units)) return value.experiment;
  }
  return undefined;
}

/** Why the panel does not show an `experiment mini` study, and what to open instead. */
export function miniStudyRefusal(folder: string): string {
  return (
    `${folder} holds an \`experiment mini\` study (raw against curated at one t), not a threshold sweep: ` +
    `its figures are in ${join(folder, 'results.md')}; open one of its curations ` +
    `(${join(folder, 'curations', 't<T>')}) to see what balancing kept.`
  );
}

/** Checks the members of summary.json one by one; the first wrong one fails, named by its path. */
class SummaryReader {
  constructor(private readonly path: string) {}

  fail(member: string, what: string): never {
    throw new Error(`${this.path}: ${member} ${what}`);
  }

  object(v: unknown, member: string): Record<string, unknown> {
    if (v === undefined) this.fail(member, 'is missing');
    if (!isObject(v)) this.fail(member, `must be an object, got ${JSON.stringify(v)}`);
    return v;
  }

  array(v: unknown, member: string): unknown[] {
    if (v === undefined) this.fail(member, 'is missing');
    if (!Array.isArray(v)) this.fail(member, `must be a list, got ${JSON.stringify(v)}`);
    return v;
  }

  number(v: unknown, member: string, min = -Infinity): number {
    if (v === undefined) this.fail(member, 'is missing');
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
      this.fail(
        member,
        `must be a number${min > -Infinity ? ` of at least ${min}` : ''}, got ${JSON.stringify(v)}`,
      );
    return v;
  }

  integer(v: unknown, member: string, min: number): number {
    const n = this.number(v, member, min);
    if (!Number.isInteger(n)) this.fail(member, `must be an integer, got ${n}`);
    return n;
  }

  numberOrNull(v: unknown, member: string): number | null {
    return v === null ? null : this.number(v, member);
  }

  oneOf<T extends string>(v: unknown, member: string, values: readonly T[]): T {
    if (v === undefined) this.fail(member, 'is missing');
    if (!values.includes(v as T))
      this.fail(member, `must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  interval(v: unknown, member: string): MeanInterval {
    const o = this.object(v, member);
    const ci = o.ci === null ? null : this.array(o.ci, `${member}.ci`);
    if (ci && ci.length !== 2) this.fail(`${member}.ci`, `must be [low, high], got ${JSON.stringify(ci)}`);
    return {
      n: this.integer(o.n, `${member}.n`, 0),
      mean: this.number(o.mean, `${member}.mean`),
      sd: this.numberOrNull(o.sd, `${member}.sd`),
      halfWidth: this.numberOrNull(o.halfWidth, `${member}.halfWidth`),
      ci: ci ? [this.number(ci[0], `${member}.ci[0]`), this.number(ci[1], `${member}.ci[1]`)] : null,
      level: this.number(o.level, `${member}.level`),
    };
  }
}

const ARMS: readonly Arm[] = ['raw', 'curated', 'online'];
const AUGMENTS: readonly AugmentMode[] = ['crop', 'none'];

/**
 * The `SweepView` of a sweep's summary.json, `text` read from `DIR/summary.json` (`folder` is DIR):
 * checked, never trusted. Throws an Error naming the file and what was wrong: not JSON, not a
 * sweep's (a mini study's says so), or a member missing or of the wrong type.
 */
export function parseSweepSummary(text: string, folder: string): SweepView {
  const path = join(folder, STUDY_SUMMARY_FILE);
  const r = new SummaryReader(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(json)) throw new Error(`${path} is not a study's summary: it holds no JSON object`);
  if (json.experiment === 'mini') throw new Error(miniStudyRefusal(folder));
  if (json.experiment !== 'sweep')
    throw new Error(
      `${path} is not a threshold sweep's summary: its experiment is ${JSON.stringify(json.experiment)}, not "sweep"`,
    );
  const units = r.object(json.units, 'units');
  const total = r.integer(units.total, 'units.total', 0);
  const done = r.integer(units.done, 'units.done', 0);
  if (done > total) r.fail('units.done', `(${done}) is more than units.total (${total})`);
  const plan = r.object(json.plan, 'plan');
  const pool = r.object(json.pool, 'pool');
  const curations: SweepCuration[] = r.array(json.curations, 'curations').map((v, i) => {
    const c = r.object(v, `curations[${i}]`);
    const t = r.integer(c.t, `curations[${i}].t`, 1);
    return {
      t,
      folder: sweepCurationFolder(folder, t),
      pairs: r.integer(c.curated_size, `curations[${i}].curated_size`, 0),
      expectedPairs: r.number(c.expected_size, `curations[${i}].expected_size`, 0),
      headEntries: r.integer(c.head_entries, `curations[${i}].head_entries`, 0),
    };
  });
  curations.sort((a, b) => a.t - b.t);
  const groups: SweepGroup[] = r.array(json.groups, 'groups').map((v, i) => {
    const g = r.object(v, `groups[${i}]`);
    const member = (name: string) => `groups[${i}].${name}`;
    return {
      arm: r.oneOf(g.arm, member('arm'), ARMS),
      t: g.t === null ? null : r.integer(g.t, member('t'), 1),
      augment: r.oneOf(g.augment, member('augment'), AUGMENTS),
      seeds: r.array(g.seeds, member('seeds')).map((s, k) => r.integer(s, `${member('seeds')}[${k}]`, 0)),
      top1: r.interval(g.top1, member('top1')),
      meanPerClassTop1: r.interval(g.mean_per_class_top1, member('mean_per_class_top1')),
      trainPairs: r.integer(g.train_pairs, member('train_pairs'), 0),
      timesSeen: r.number(g.times_seen, member('times_seen'), 0),
    };
  });
  const tValues =
    plan['t-values'] === null || plan['t-values'] === undefined
      ? curations.map((c) => c.t)
      : r
          .array(plan['t-values'], "plan['t-values']")
          .map((t, i) => r.integer(t, `plan['t-values'][${i}]`, 1));
  const sha = pool.metadata_sha256;
  return {
    folder,
    summaryPath: path,
    units: { total, done },
    tValues: [...new Set(tValues)].sort((a, b) => a - b),
    arms: r.array(plan.arms, 'plan.arms').map((a, i) => r.oneOf(a, `plan.arms[${i}]`, ARMS)),
    augments: r.array(plan.augment, 'plan.augment').map((a, i) => r.oneOf(a, `plan.augment[${i}]`, AUGMENTS)),
    seeds: r.integer(plan.seeds, 'plan.seeds', 1),
    steps: r.integer(plan.steps, 'plan.steps', 1),
    batchSize: r.integer(plan['batch-size'], "plan['batch-size']", 1),
    modelConfig: typeof plan['model-config'] === 'string' ? plan['model-config'] : 'default',
    poolPairs: r.integer(pool.size, 'pool.size', 0),
    matchedPairs: r.integer(pool.matched, 'pool.matched', 0),
    largestEntryCount: r.number(pool.largest_entry_count, 'pool.largest_entry_count', 0),
    ...(typeof sha === 'string' && sha ? { metadataSha256: sha } : {}),
    curations,
    groups,
  };
}

/**
 * The sweep in `folder`, from its summary.json: each curation's folder only where it holds a
 * finished curation (its summary.json), and the metadata sha256 from the curations when the
 * summary does not record it (older sweeps). Throws an Error naming the file and what was wrong.
 */
export async function readSweepView(folder: string): Promise<SweepView> {
  const path = join(folder, STUDY_SUMMARY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(
      e.code === 'ENOENT'
        ? `${path} does not exist yet: a sweep writes it once its pool and curations are made`
        : `${path} cannot be read: ${e.message}`,
    );
  }
  const view = parseSweepSummary(text, folder);
  const curations = view.curations.map(({ folder: curationFolder, ...c }): SweepCuration => {
    const finished = curationFolder !== undefined && existsSync(join(curationFolder, STUDY_SUMMARY_FILE));
    return finished ? { ...c, folder: curationFolder } : c;
  });
  let metadataSha256 = view.metadataSha256;
  for (const c of curations) metadataSha256 ??= c.folder && curationMetadataSha(c.folder);
  return { ...view, curations, ...(metadataSha256 ? { metadataSha256 } : {}) };
}
