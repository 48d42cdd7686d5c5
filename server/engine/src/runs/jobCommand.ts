/**
 * The command of a run, per kind:
 *   builtin   `python -m metacurate_trainer` (trainer/), output in `<run>/train/`
 *   openclip  `python -m open_clip_train.main` with the flags of open_clip_torch 3.3.0, logs in
 *             `<run>/openclip/run/` (out.log, checkpoints/results.jsonl)
 *   custom    a shell command template run by `/bin/sh -c`; `${name}` placeholders become
 *             references to environment variables holding the values (commandTemplate.ts)
 * and the data a curation wrote (its summary.json lists the output files).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors';
import { openClipCommand, openClipPaths } from '../trainResults';
import { fillTemplate } from './commandTemplate';
import { builtinTrainerArgs, findTrainerDir, trainerEnv } from './trainer';
import { outputKind, outputKindProblem } from './trainingData';
import type { RunCuration, RunKind, RunParams, RunSpec } from './runFolder';

export {
  fillTemplate,
  templateVariable,
  TEMPLATE_PLACEHOLDERS,
  type FilledTemplate,
} from './commandTemplate';

/** The training files and figures of a finished curation folder (its summary.json). */
export function readCuration(dir: string): {
  curation: RunCuration;
  trainData: string[];
  datasetType: 'webdataset' | 'csv';
} {
  const root = resolve(dir);
  const path = join(root, 'summary.json');
  if (!existsSync(path)) {
    throw new UsageError(
      `${root} is not a finished curation (no summary.json): run \`metacurate curate\` first`,
    );
  }
  let summary: {
    t?: number;
    seed?: number;
    kept?: number;
    expected_kept?: number;
    pool?: { records?: number };
    metadata?: { path?: string; sha256?: string };
    outputs?: { output: string }[];
  };
  try {
    summary = JSON.parse(readFileSync(path, 'utf8')) as typeof summary;
  } catch (err) {
    throw new UsageError(`${path}: not JSON (${(err as Error).message})`);
  }
  const trainData = (summary.outputs ?? []).map((o) => resolve(root, o.output));
  const problem = outputKindProblem(
    trainData,
    trainData.map((f) => f.slice(root.length + 1)),
  );
  if (problem) throw new UsageError(`${root}: ${problem.label}: ${problem.detail}`);
  return {
    curation: {
      dir: root,
      t: summary.t,
      seed: summary.seed,
      poolRecords: summary.pool?.records,
      curatedRecords: summary.kept,
      expectedCurated: summary.expected_kept,
      metadata: summary.metadata?.path,
      metadataSha256: summary.metadata?.sha256,
    },
    trainData,
    datasetType: outputKind(trainData[0]) as 'webdataset' | 'csv',
  };
}

/** The command, environment and result paths of a run, from its parameters. */
export function buildRunCommand(
  params: RunParams,
  runDir: string,
  trainerDir?: string,
): Pick<RunSpec, 'command' | 'env' | 'cwd' | 'results' | 'trainLog'> {
  const cwd = params.curation?.dir ?? runDir;
  if (params.kind === 'builtin') {
    if (params.steps === undefined) throw new UsageError('a builtin run needs --steps');
    const dir = findTrainerDir(trainerDir);
    const z = params.zeroshot;
    const args = builtinTrainerArgs({
      trainData: params.trainData,
      datasetType: params.datasetType,
      out: join(runDir, 'train'),
      steps: params.steps,
      batchSize: params.batchSize,
      seed: params.seed,
      lr: params.lr,
      warmup: params.warmup,
      modelConfig: params.model,
      threads: params.threads,
      zeroshotData: z?.data,
      zeroshotName: z?.name,
      classnames: z?.classnames,
      templates: z?.templates,
    });
    const env = trainerEnv(dir, {});
    return {
      command: [params.python, '-m', 'metacurate_trainer', ...args],
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
      cwd,
      results: join('train', 'results.jsonl'),
      trainLog: join('train', 'out.log'),
    };
  }
  if (params.kind === 'openclip') {
    const logs = join(runDir, 'openclip');
    const command = openClipCommand(params.python, {
      trainData: params.trainData,
      datasetType: params.datasetType,
      trainNumSamples: params.datasetType === 'webdataset' ? params.curation?.curatedRecords : undefined,
      logs,
      name: 'run',
      model: params.model ?? 'ViT-B-32',
      batchSize: params.batchSize,
      epochs: params.epochs ?? 1,
      lr: params.lr ?? 5e-4,
      warmup: params.warmup,
      seed: params.seed,
      workers: params.threads,
      imagenetVal: params.zeroshot?.data,
      zeroshotFrequency: params.zeroshot ? 1 : undefined,
      reportTo: undefined,
    });
    const paths = openClipPaths(logs, 'run');
    return {
      command,
      env: { PYTHONUNBUFFERED: '1' },
      cwd,
      results: paths.results.slice(runDir.length + 1),
      trainLog: paths.log.slice(runDir.length + 1),
    };
  }
  if (params.commandTemplate === undefined || params.commandTemplate.trim() === '') {
    throw new UsageError('a custom run needs a command template (--command)');
  }
  const z = params.zeroshot;
  const str = (n: number | undefined) => (n === undefined ? undefined : String(n));
  const { script, env } = fillTemplate(params.commandTemplate, {
    python: params.python,
    data: params.trainData,
    dataList: params.trainData.join('::'),
    datasetType: params.datasetType,
    curation: params.curation?.dir,
    out: join(runDir, 'out'),
    runDir,
    seed: String(params.seed),
    steps: str(params.steps),
    batchSize: str(params.batchSize),
    t: str(params.curation?.t),
    curatedSize: str(params.curation?.curatedRecords),
    zeroshotData: z?.data,
    classnames: z?.classnames,
  });
  return {
    command: ['/bin/sh', '-c', script],
    env: { PYTHONUNBUFFERED: '1', ...env },
    cwd,
    results: join('out', 'results.jsonl'),
  };
}

/** A job template from the editor's settings (`metacurate.training.jobTemplates`). */
export interface JobTemplate {
  name: string;
  kind?: RunKind;
  command?: string;
  steps?: number;
  epochs?: number;
  batchSize?: number;
  model?: string;
  args?: string[];
}

/**
 * Job templates a run may use. Templates run commands, so a workspace's own templates count only
 * once the workspace is trusted; the user's (and the default) ones always do.
 */
export function usableJobTemplates(
  inspected:
    | { globalValue?: JobTemplate[]; workspaceValue?: JobTemplate[]; workspaceFolderValue?: JobTemplate[] }
    | undefined,
  trusted: boolean,
): JobTemplate[] {
  const user = inspected?.globalValue ?? [];
  if (!trusted) return user;
  const workspace = [...(inspected?.workspaceFolderValue ?? []), ...(inspected?.workspaceValue ?? [])];
  const names = new Set(workspace.map((t) => t.name));
  return [...workspace, ...user.filter((t) => !names.has(t.name))];
}
