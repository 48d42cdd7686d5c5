import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError } from '../../../engine/src/errors';
import { formatCliEvent, type CliEvent } from '../../../../contracts/src/cliEvents';
import { formatDuration } from '../../../engine/src/progress';
import {
  comparisonRows,
  formatTop1,
  markdownTable,
  summarizeRun,
  textTable,
} from '../../../engine/src/runs/compareRuns';
import { buildRunCommand, readCuration, TEMPLATE_PLACEHOLDERS } from '../../../engine/src/runs/jobCommand';
import {
  createRunFolder,
  elapsedSeconds,
  findRun,
  listRuns,
  runsDirOf,
  RUN_KINDS,
  type RunKind,
  type RunParams,
  type RunSpec,
} from '../../../engine/src/runs/runFolder';
import { cancelRun, executeRun } from '../../../engine/src/runs/runJob';
import { JOB_MODULES, pythonImports } from '../../../engine/src/runs/trainer';
import { trainingDataProblem } from '../../../engine/src/runs/trainingData';
import { numberOption, withUsageErrors, type Command, type CommandIO } from '../command';

const DEFAULTS = { steps: 200, batchSize: 64, seed: 0, python: '/usr/bin/python3' };

const placeholders = Object.entries(TEMPLATE_PLACEHOLDERS)
  .map(([k, v]) => `    \${${k}}`.padEnd(20) + v)
  .join('\n');

const HELP = `Usage: metacurate run <start|list|show|cancel|rerun|compare> [options]

Training runs on curated data, each in its own folder under .metacurate/runs/<id>/ of the
workspace (--workspace, default the current folder): run.json (kind, parameters, the exact
command), state.json (status, progress, exit), job.log (everything the job printed) and the
trainer's output with results.jsonl. The VS Code extension's Runs view shows the same folders.

  run start --curation DIR [options]   create a run and run it to its end (in the foreground;
                                       SIGINT/SIGTERM cancel it); prints its id first
  run list [--json]                    runs, newest first: id, kind, status, elapsed, top-1
  run show ID [--json]                 one run: parameters, command, state, results
  run cancel ID                        stops a run started elsewhere (signals its supervisor,
                                       or scancel / the process group when that is gone)
  run rerun ID [start options]         a new run with the parameters of ID (overridable), run now
  run compare ID... [--markdown|--json]   runs side by side: t, pool and curated sizes, steps,
                                       top-1, top-5, mean per-class top-1, per-class top-1
                                       (changes against the first run, in points)
IDs may be shortened to a unique prefix, or given as a run folder.

Start options:
  --curation DIR       a finished curation of image-text pairs: its summary.json lists
                       WebDataset shards with image members (.jpg, .png, …) beside .txt, or
                       CSV/TSV with 'filepath' (image paths) and 'title' columns; a text-only
                       curation (JSONL, text, captions only) is refused (exit 2)
  --kind K             builtin (default: trainer/, PyTorch, works on a CPU), openclip
                       (python -m open_clip_train.main, open_clip_torch 3.3.0 flags), custom
  --command TEMPLATE   custom: a shell command for /bin/sh with placeholders; each reaches the
                       job as exactly its value, however the template quotes it (the values
                       are passed in MC_* environment variables, never parsed as shell code):
${placeholders}
                       The job should write OpenCLIP-style results.jsonl into \${out}.
  --steps N            builtin: optimizer steps (default ${DEFAULTS.steps})
  --epochs N           openclip: epochs (default 1)
  --batch-size B       (default ${DEFAULTS.batchSize})
  --seed S             (default ${DEFAULTS.seed})
  --lr LR  --warmup N  --threads N
  --model M            builtin: --model-config preset or JSON (default tiny); openclip: --model
                       (default ViT-B-32)
  --zeroshot-data P    labelled images for zero-shot evaluation (shards, CSV, class folders;
                       openclip: its --imagenet-val)
  --classnames C       their class names: a file or a comma-separated list
  --templates F        prompt templates with {c}, one a line
  --zeroshot-name N    dataset name in results (default from the data's file name)
  --python PATH        Python with PyTorch (default ${DEFAULTS.python}); a local builtin or
                       openclip run first checks that it imports torch, numpy, PIL or
                       open_clip (exit 2 when it does not)
  --executor local|slurm   (default local) slurm: one sbatch job, followed until it ends
  --partition P  --time T  --cpus-per-task N  --mem M  --sbatch-arg ARG (repeatable)
  --progress json|none     json: one state line per change on stdout
  --workspace DIR      where .metacurate/runs lives (default .)

Examples:
  metacurate run start --curation out/curated --steps 500 --zeroshot-data test/ \\
      --classnames classes.txt
  metacurate run compare 20261125-101500-builtin 20261125-104210-builtin
Exit codes: 0 the run succeeded (or the listing was printed), 1 it failed or was cancelled, or
an environment failure (disk full, permission denied, read-only file system: one line naming
the path; --debug adds the stack), 2 bad usage, 3 internal error (a bug; with its stack).
`;

const START_OPTIONS = {
  curation: { type: 'string' },
  kind: { type: 'string' },
  command: { type: 'string' },
  steps: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  lr: { type: 'string' },
  warmup: { type: 'string' },
  threads: { type: 'string' },
  model: { type: 'string' },
  'zeroshot-data': { type: 'string' },
  classnames: { type: 'string' },
  templates: { type: 'string' },
  'zeroshot-name': { type: 'string' },
  python: { type: 'string' },
  executor: { type: 'string' },
  partition: { type: 'string' },
  time: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  mem: { type: 'string' },
  'sbatch-arg': { type: 'string', multiple: true },
  progress: { type: 'string' },
  workspace: { type: 'string' },
  'trainer-dir': { type: 'string' },
  json: { type: 'boolean' },
  markdown: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(args: string[]) {
  return withUsageErrors(() =>
    parseArgs({ args, strict: true, allowPositionals: true, options: START_OPTIONS }),
  );
}

function optionalNumber(name: string, v: string | undefined): number | undefined {
  return v === undefined ? undefined : numberOption(name, v);
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  const n = optionalNumber(name, v);
  if (n !== undefined && !(Number.isSafeInteger(n) && n > 0)) {
    throw new UsageError(`--${name} must be a positive integer, got '${v}'`);
  }
  return n;
}

/** Run parameters from start options, on top of `base` (a run being repeated). */
export function runParamsFrom(v: Values, base?: RunParams): RunParams {
  const kind = (v.kind ?? base?.kind ?? 'builtin') as RunKind;
  if (!RUN_KINDS.includes(kind))
    throw new UsageError(`--kind must be one of ${RUN_KINDS.join(', ')}, got '${v.kind}'`);
  const executor = v.executor ?? base?.executor ?? 'local';
  if (executor !== 'local' && executor !== 'slurm') {
    throw new UsageError(`--executor must be local or slurm, got '${executor}'`);
  }
  let curated: Pick<RunParams, 'curation' | 'trainData' | 'datasetType'>;
  if (v.curation !== undefined) curated = readCuration(v.curation);
  else if (base)
    curated = { curation: base.curation, trainData: base.trainData, datasetType: base.datasetType };
  else throw new UsageError('--curation is required: the folder of a finished curation');
  const z = base?.zeroshot;
  const zeroshotData = v['zeroshot-data'] ?? z?.data;
  const seed = optionalNumber('seed', v.seed) ?? base?.seed ?? DEFAULTS.seed;
  if (!(Number.isSafeInteger(seed) && seed >= 0))
    throw new UsageError(`--seed must be a non-negative integer`);
  const slurm =
    v.partition || v.time || v['cpus-per-task'] || v.mem || v['sbatch-arg']
      ? {
          partition: v.partition,
          time: v.time,
          cpusPerTask: positiveInt('cpus-per-task', v['cpus-per-task']),
          mem: v.mem,
          sbatchArgs: v['sbatch-arg'],
        }
      : base?.slurm;
  const params: RunParams = {
    kind,
    executor,
    ...curated,
    steps: positiveInt('steps', v.steps) ?? base?.steps ?? (kind === 'builtin' ? DEFAULTS.steps : undefined),
    epochs: positiveInt('epochs', v.epochs) ?? base?.epochs,
    batchSize: positiveInt('batch-size', v['batch-size']) ?? base?.batchSize ?? DEFAULTS.batchSize,
    seed,
    lr: optionalNumber('lr', v.lr) ?? base?.lr,
    warmup: optionalNumber('warmup', v.warmup) ?? base?.warmup,
    threads: positiveInt('threads', v.threads) ?? base?.threads,
    model: v.model ?? base?.model,
    zeroshot:
      zeroshotData === undefined
        ? undefined
        : {
            data: resolve(zeroshotData),
            classnames: v.classnames ?? z?.classnames,
            templates: v.templates !== undefined ? resolve(v.templates) : z?.templates,
            name: v['zeroshot-name'] ?? z?.name,
          },
    python: v.python ?? base?.python ?? DEFAULTS.python,
    commandTemplate: v.command ?? base?.commandTemplate,
    slurm: executor === 'slurm' ? slurm : undefined,
    template: base?.template,
  };
  if (params.zeroshot?.classnames && !params.zeroshot.classnames.includes(',')) {
    // A file of class names: absolute, since the job runs in the curation folder.
    params.zeroshot.classnames = resolve(params.zeroshot.classnames);
  }
  return params;
}

function stateLine(io: CommandIO, json: boolean, event: CliEvent): void {
  if (json) io.stdout.write(formatCliEvent(event));
}

/** Creates a run from params and runs it to its end in this process. */
async function startRun(params: RunParams, v: Values, io: CommandIO): Promise<number> {
  const json = v.progress === 'json';
  if (v.progress !== undefined && v.progress !== 'json' && v.progress !== 'none') {
    throw new UsageError(`--progress must be json or none, got '${v.progress}'`);
  }
  // Refused before a run folder exists: a text-only curation would fail in the trainer.
  const problem = await trainingDataProblem(params.trainData);
  if (problem) {
    throw new UsageError(`--curation ${params.curation?.dir ?? '?'}: ${problem.label}: ${problem.detail}`);
  }
  // A local job's Python is this machine's: one that lacks the trainer's modules is said now.
  // (A Slurm job's may be another environment's, activated by the job.)
  if (params.executor === 'local' && (params.kind === 'builtin' || params.kind === 'openclip')) {
    const modules = JOB_MODULES[params.kind];
    const found = await pythonImports(params.python, modules);
    if (!found.ok) {
      throw new UsageError(
        `--python ${params.python} cannot import ${modules.join(', ')} for ${params.kind === 'openclip' ? 'an OpenCLIP' : 'a builtin'} run: ${found.reason}` +
          (params.kind === 'openclip'
            ? ' (pip install open_clip_torch there, or pass another --python)'
            : ' (pass another --python)'),
      );
    }
  }
  const runsDir = runsDirOf(v.workspace ?? '.');
  const { runDir, spec } = await createRunFolder(runsDir, params, (dir) =>
    buildRunCommand(params, dir, v['trainer-dir']),
  );
  if (json) stateLine(io, true, { type: 'created', id: spec.id, runDir });
  else io.stdout.write(`${spec.id}\n`);
  io.stderr.write(`Run ${spec.id} (${spec.kind}, ${spec.executor}) in ${runDir}\n`);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lastPrinted = 0;
  try {
    const final = await executeRun(runDir, {
      signal: controller.signal,
      onState: (state) => {
        if (json) stateLine(io, true, { type: 'state', id: spec.id, ...state });
        else if (state.progress && Date.now() - lastPrinted > 2000 && io.stderrIsTTY) {
          lastPrinted = Date.now();
          const p = state.progress;
          io.stderr.write(
            `  ${p.percent !== undefined ? `${p.percent.toFixed(0)}%` : ''} step ${p.step ?? '?'}` +
              `${p.loss !== undefined ? ` loss ${p.loss.toFixed(4)}` : ''}` +
              `${p.etaSeconds !== undefined ? ` ETA ${formatDuration(p.etaSeconds)}` : ''}\n`,
          );
        }
      },
      onLine: json ? undefined : (line) => io.stderr.write(`${line}\n`),
    });
    const summary = summarizeRun({ runDir, spec, state: final });
    if (json) stateLine(io, true, { type: 'done', id: spec.id, status: final.status, summary });
    io.stderr.write(
      `Run ${spec.id} ${final.status}` +
        `${final.error ? `: ${final.error}` : ''}` +
        `${summary.top1 !== undefined ? `; zero-shot ${summary.dataset} top-1 ${formatTop1(summary)}` : ''}\n`,
    );
    return final.status === 'succeeded' ? EXIT_OK : EXIT_BAD_INPUT;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function describe(spec: RunSpec): string {
  return `${spec.kind}${spec.executor === 'slurm' ? ' on Slurm' : ''}`;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'training runs on a curation: start, list, show, cancel, rerun, compare',
  help: HELP,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values: v, positionals } = parse(rest);
    const runsDir = runsDirOf(v.workspace ?? '.');
    switch (sub) {
      case 'start':
        if (positionals.length)
          throw new UsageError(`run start takes no positional arguments: ${positionals.join(' ')}`);
        return startRun(runParamsFrom(v), v, io);
      case 'rerun': {
        if (positionals.length !== 1) throw new UsageError('run rerun takes one run id');
        const base = findRun(runsDir, positionals[0]).spec;
        return startRun({ ...runParamsFrom(v, base), rerunOf: base.id }, v, io);
      }
      case 'list': {
        const runs = listRuns(runsDir);
        if (v.json) {
          io.stdout.write(JSON.stringify(runs.map((r) => ({ ...summarizeRun(r), runDir: r.runDir }))) + '\n');
          return EXIT_OK;
        }
        const rows = [['id', 'kind', 'status', 'elapsed', 'top-1']];
        for (const r of runs) {
          const s = summarizeRun(r);
          const e = elapsedSeconds(r.state);
          rows.push([
            r.spec.id,
            describe(r.spec),
            r.state.status,
            e === undefined ? '–' : formatDuration(e),
            formatTop1(s),
          ]);
        }
        io.stdout.write(runs.length ? textTable(rows) + '\n' : `No runs in ${runsDir}\n`);
        return EXIT_OK;
      }
      case 'show': {
        if (positionals.length !== 1) throw new UsageError('run show takes one run id');
        const run = findRun(runsDir, positionals[0]);
        const summary = summarizeRun(run);
        if (v.json) {
          io.stdout.write(
            JSON.stringify({ runDir: run.runDir, spec: run.spec, state: run.state, summary }) + '\n',
          );
          return EXIT_OK;
        }
        io.stdout.write(
          [
            `${run.spec.id}: ${describe(run.spec)}, ${run.state.status}${run.state.error ? ` (${run.state.error})` : ''}`,
            `folder   ${run.runDir}`,
            `curation ${run.spec.curation?.dir ?? '–'}`,
            `command  ${run.spec.command.join(' ')}`,
            // A custom command refers to its values; show them (JSON-quoted: names may hold anything).
            ...Object.entries(run.spec.env)
              .filter(([name]) => name.startsWith('MC_'))
              .map(([name, value]) => `         ${name}=${JSON.stringify(value)}`),
            textTable(
              comparisonRows([summary])
                .slice(1)
                .map((r) => r),
            ),
          ].join('\n') + '\n',
        );
        return EXIT_OK;
      }
      case 'cancel': {
        if (positionals.length !== 1) throw new UsageError('run cancel takes one run id');
        const run = findRun(runsDir, positionals[0]);
        const state = await cancelRun(run.runDir);
        io.stdout.write(`${run.spec.id} ${state.status}\n`);
        return EXIT_OK;
      }
      case 'compare': {
        if (positionals.length < 1) throw new UsageError('run compare takes one or more run ids');
        const summaries = positionals.map((id) => summarizeRun(findRun(runsDir, id)));
        if (v.json) io.stdout.write(JSON.stringify(summaries) + '\n');
        else {
          const rows = comparisonRows(summaries);
          io.stdout.write((v.markdown ? markdownTable(rows) : textTable(rows)) + '\n');
        }
        return EXIT_OK;
      }
      default:
        throw new UsageError(
          sub === undefined
            ? 'name a run command: start, list, show, cancel, rerun, compare'
            : `unknown run command '${sub}' (start, list, show, cancel, rerun, compare)`,
        );
    }
  },
};
