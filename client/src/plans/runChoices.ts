/**
 * The questions of "Start Training Run…" that can refuse or explain before anything starts, as
 * plain functions: which curations the pick offers (text-only ones listed but refused with their
 * reason), which zero-shot evaluation sets it offers (the miniature experiment's when the
 * workspace has one, a folder of the user's, or none), and what a launch that did not start
 * says (the CLI's own error line). startRun.ts asks and spawns; test/client/plans/runChoices.test.ts
 * specifies these.
 */
import { dirname, join } from 'node:path';
import type { TrainingDataProblem } from '../../../server/engine/src/runs/trainingData';
import type { RunKind } from '../../../server/engine/src/runs/runFolder';
import type { ZeroShotAnswer } from './runPlan';

// ---------------------------------------------------------------------------------------------
// The curation
// ---------------------------------------------------------------------------------------------

/** A finished curation found in the workspace, with why it cannot be trained on, if so. */
export interface CurationCandidate {
  dir: string;
  /** Its folder relative to the workspace. */
  label: string;
  /** From its summary.json: t, kept of pool. */
  description: string;
  problem?: TrainingDataProblem;
}

/** A row of the curation pick. */
export interface CurationItem {
  label: string;
  description: string;
  detail?: string;
  dir: string;
  problem?: TrainingDataProblem;
}

/**
 * The curation pick: the trainable curations first, then the refused ones, marked with their
 * reason (listed, so that the user sees why the demo's text curation is not offered); `only` is
 * the one curation to take without asking when it is the only one and trainable.
 */
export function curationPick(candidates: CurationCandidate[]): { only?: string; items: CurationItem[] } {
  const sorted = [...candidates].sort(
    (a, b) =>
      Number(a.problem !== undefined) - Number(b.problem !== undefined) || (a.label < b.label ? -1 : 1),
  );
  const items = sorted.map((c): CurationItem =>
    c.problem
      ? {
          label: `$(circle-slash) ${c.label}`,
          description: `${c.problem.label} · ${c.description}`,
          detail: c.problem.detail,
          dir: c.dir,
          problem: c.problem,
        }
      : { label: c.label, description: c.description, dir: c.dir },
  );
  return { only: candidates.length === 1 && !candidates[0].problem ? candidates[0].dir : undefined, items };
}

/** The refusal of a curation the trainers cannot train on. */
export function curationRefusal(label: string, problem: TrainingDataProblem): string {
  return `Metacurate: cannot train on ${label}: ${problem.label} (${problem.detail}).`;
}

// ---------------------------------------------------------------------------------------------
// Zero-shot evaluation
// ---------------------------------------------------------------------------------------------

/** The test shards `metacurate experiment mini` writes, found by this glob. */
export const MINI_TEST_SHARDS_GLOB = '**/test/fashion-mnist-test-*.tar';

/** The zero-shot sets of miniature experiments: the folder of each found shard, with its
 * classnames.txt and templates.txt beside `test/` (those `exists` confirms). */
export function miniZeroShotSets(shards: string[], exists: (path: string) => boolean): ZeroShotAnswer[] {
  const sets = new Map<string, ZeroShotAnswer>();
  for (const shard of shards) {
    const data = dirname(shard);
    const root = dirname(data);
    const classnames = join(root, 'classnames.txt');
    const templates = join(root, 'templates.txt');
    if (sets.has(data) || !exists(classnames)) continue;
    sets.set(data, {
      data,
      classnames,
      templates: exists(templates) ? templates : undefined,
      name: 'fashion-mnist',
    });
  }
  return [...sets.values()];
}

/** Whether the flow asks for zero-shot data: not set in the settings, and a kind that takes any
 * (OpenCLIP's is ImageNet's validation folder: the settings say where). */
export function asksZeroShot(kind: RunKind, zeroshotDataSetting: string): boolean {
  return kind !== 'openclip' && zeroshotDataSetting.trim() === '';
}

/** A row of the zero-shot pick: a set, choosing one, or skipping. */
export interface ZeroShotItem {
  label: string;
  description: string;
  choice: { set: ZeroShotAnswer } | 'choose' | 'skip';
}

/** The zero-shot pick: the miniature experiments' sets (nearest the curation first), a folder or
 * file of the user's, or no evaluation. `relative` shows a path. */
export function zeroShotItems(
  sets: ZeroShotAnswer[],
  curation: string,
  relative: (path: string) => string,
): ZeroShotItem[] {
  const near = (s: ZeroShotAnswer) => Number(curation.startsWith(dirname(s.data)));
  return [
    ...[...sets]
      .sort((a, b) => near(b) - near(a))
      .map((set): ZeroShotItem => ({
        label: 'Fashion-MNIST test set (miniature experiment)',
        description: `${relative(set.data)} · 10 classes${set.templates ? ' · its prompt templates' : ''}`,
        choice: { set },
      })),
    {
      label: 'Choose labelled images…',
      description: 'WebDataset shards with .cls, a CSV, or a folder of class folders',
      choice: 'choose',
    },
    { label: 'Skip zero-shot evaluation', description: 'train only: no top-1', choice: 'skip' },
  ];
}

/** Why typed class names are refused: needed unless the data is a folder of class folders. */
export function validateClassnames(text: string, dataIsFolder: boolean): string | undefined {
  if (text.trim() !== '' || dataIsFolder) return undefined;
  return 'class names are needed for shards or a CSV: a file (one a line) or a comma-separated list';
}

// ---------------------------------------------------------------------------------------------
// A launch that did not start
// ---------------------------------------------------------------------------------------------

/** The line the CLI adds after a usage error (main.ts): a pointer to --help, not a cause. */
const HELP_POINTER = /^Run 'metacurate [\w-]+ --help' for usage\.$/;
/** `metacurate run: <message>` or `metacurate run: error: <message>` (main.ts). */
const ERROR_LINE = /^metacurate [\w-]+: (?:error: )?(.*)$/;

/**
 * The notification of a `run start` that exited before its run folder existed: the CLI's own
 * error line (without `metacurate run:` and without the pointer to --help, which the flow's user
 * has no use for), else its last line on stderr, else the exit code.
 */
export function launchFailureMessage(code: number | null, stderr: string[]): string {
  const lines = stderr.map((l) => l.trim()).filter((l) => l !== '' && !HELP_POINTER.test(l));
  const errorLine = lines.find((l) => ERROR_LINE.test(l));
  const cause = errorLine !== undefined ? ERROR_LINE.exec(errorLine)![1] : lines[lines.length - 1];
  if (cause) return `Metacurate: the run did not start: ${cause}`;
  return `Metacurate: the run did not start (${code === null ? 'killed' : `exit ${code}`}).`;
}
