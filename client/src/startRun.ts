/**
 * "Start Training Run…" and "Re-run": asks for the curation, the job (built-in trainer, OpenCLIP,
 * a custom command, or a job template from the settings), the step budget and where to run, then
 * starts `dist/cli.js run start … --progress json` as a process of its own (detached: a run
 * outlives a window reload; the Runs view follows its folder). The argv comes from
 * plans/runPlan.ts; this module asks and spawns.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import * as vscode from 'vscode';
import { parseCliEvent, type CliRunDoneEvent } from '../../contracts/src/cliEvents';
import { usableJobTemplates, type JobTemplate } from '../../server/engine/src/runs/jobCommand';
import { pythonImports, type PythonImports } from '../../server/engine/src/runs/trainer';
import { trainingDataProblem, type TrainingDataProblem } from '../../server/engine/src/runs/trainingData';
import { lines, spawnCli } from './cliProcess';
import { askExecutor } from './curateCommand';
import {
  asksCommand,
  asksSteps,
  curationDescription,
  DEFAULT_CUSTOM_COMMAND,
  JOB_MODULES,
  jobChoices,
  jobOfArgs,
  launchArgv,
  missingModules,
  runStartArgv,
  TRAINING_DEFAULTS,
  validateSteps,
  type JobChoice,
  type JobProbes,
  type StartRunArgs,
  type TrainingSettings,
  type ZeroShotAnswer,
} from './plans/runPlan';
import {
  asksZeroShot,
  curationPick,
  curationRefusal,
  launchFailureMessage,
  MINI_TEST_SHARDS_GLOB,
  miniZeroShotSets,
  validateClassnames,
  zeroShotItems,
  type CurationCandidate,
} from './plans/runChoices';

export type { StartRunArgs } from './plans/runPlan';

/** Import probes per Python and module list: one subprocess per pair in a window's life. */
const probes = new Map<string, Promise<PythonImports>>();

function probe(python: string, modules: readonly string[]): Promise<PythonImports> {
  const key = `${python}\0${modules.join(',')}`;
  let found = probes.get(key);
  if (!found) {
    found = pythonImports(python, modules);
    probes.set(key, found);
    // A failed probe is asked again next time: the user may have installed the package since.
    void found.then((r) => r.ok || probes.delete(key));
  }
  return found;
}

async function probeJobs(python: string): Promise<JobProbes> {
  const [builtin, openclip] = await Promise.all([
    probe(python, JOB_MODULES.builtin),
    probe(python, JOB_MODULES.openclip),
  ]);
  return { builtin, openclip };
}

const LAST_COMMAND_KEY = 'metacurate.runs.lastCommand';

export function workspaceFolderPath(): string | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
}

function training(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('metacurate.training');
}

/** The `metacurate.training.*` settings, each its default when unset. */
function trainingSettings(): TrainingSettings {
  const cfg = training();
  const d = TRAINING_DEFAULTS;
  return {
    kind: cfg.get('kind', d.kind),
    python: cfg.get('python', d.python),
    steps: cfg.get('steps', d.steps),
    epochs: cfg.get('epochs', d.epochs),
    batchSize: cfg.get('batchSize', d.batchSize),
    seed: cfg.get('seed', d.seed),
    model: cfg.get('model', d.model),
    openclipModel: cfg.get('openclipModel', d.openclipModel),
    zeroshotData: cfg.get('zeroshotData', d.zeroshotData),
    classnames: cfg.get('classnames', d.classnames),
    promptTemplates: cfg.get('promptTemplates', d.promptTemplates),
    zeroshotName: cfg.get('zeroshotName', d.zeroshotName),
  };
}

/** What the launcher tells the Runs view as the CLI reports the run. */
export interface RunEvents {
  /** The run folder exists (its id). */
  created(id: string): void;
  /** The run's state changed. */
  changed(): void;
  /** The run ended: its final status and what it achieved. */
  done(event: CliRunDoneEvent): void;
}

export class RunLauncher {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly events: RunEvents,
  ) {}

  trusted(): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage(
      'Metacurate: training runs execute programs on files of this workspace; trust the workspace first.',
    );
    return false;
  }

  async start(args?: StartRunArgs): Promise<string | undefined> {
    if (!this.trusted()) return undefined;
    const folder = workspaceFolderPath();
    if (!folder) {
      void vscode.window.showWarningMessage('Metacurate: open a folder: runs live in its .metacurate/runs.');
      return undefined;
    }
    const title = 'Metacurate: Start Training Run';
    const settings = trainingSettings();
    // Started now, read at the job pick: importing torch takes seconds.
    const jobProbes = probeJobs(settings.python);
    const curation = args?.curation ?? (await this.askCuration(title));
    if (!curation) return undefined;
    const job = await this.askJob(title, settings.python, jobProbes, args);
    if (!job) return undefined;
    const kind = job.kind ?? 'builtin';
    let command = args?.command ?? job.command;
    if (asksCommand(kind, command)) {
      command = await vscode.window.showInputBox({
        title: `${title}: command`,
        prompt:
          'A shell command; ${data}, ${out}, ${seed}, ${steps}, ${python}… are replaced (see the README).',
        value: this.context.workspaceState.get<string>(LAST_COMMAND_KEY, DEFAULT_CUSTOM_COMMAND),
        ignoreFocusOut: true,
      });
      if (!command) return undefined;
      await this.context.workspaceState.update(LAST_COMMAND_KEY, command);
    }
    let steps = args?.steps ?? job.steps;
    if (asksSteps(kind, steps)) {
      const text = await vscode.window.showInputBox({
        title: `${title}: steps`,
        prompt: 'Optimizer steps (the training budget).',
        value: String(settings.steps),
        ignoreFocusOut: true,
        validateInput: validateSteps,
      });
      if (text === undefined) return undefined;
      steps = Number(text.trim());
    }
    let zeroshot: ZeroShotAnswer | null | undefined;
    if (asksZeroShot(kind, settings.zeroshotData)) {
      zeroshot = await this.askZeroShot(title, curation);
      if (zeroshot === undefined) return undefined;
    }
    const executor = await askExecutor(title, 'one sbatch job');
    if (!executor) return undefined;
    const missing = missingModules(kind, settings.python, await jobProbes, executor);
    if (missing && 'refuse' in missing) {
      void vscode.window.showErrorMessage(missing.refuse);
      return undefined;
    }
    if (
      missing &&
      (await vscode.window.showWarningMessage(missing.ask, { modal: true }, 'Start Anyway')) !==
        'Start Anyway'
    ) {
      return undefined;
    }
    const argv = runStartArgv(
      { curation, job, executor, command, steps, batchSize: args?.batchSize, seed: args?.seed, zeroshot },
      settings,
      folder,
    );
    return this.launch(argv, job.name);
  }

  async rerun(runDir: string, id: string): Promise<void> {
    if (!this.trusted()) return;
    await this.launch(['run', 'rerun', runDir], `re-run of ${id}`);
  }

  /**
   * Finished curations of the workspace (folders with a summary.json listing outputs), each
   * checked for image-text pairs: a text-only one is listed with its reason and refused.
   */
  private async askCuration(title: string): Promise<string | undefined> {
    const found = await vscode.workspace.findFiles(
      '**/summary.json',
      '{**/node_modules/**,**/.metacurate/**}',
      500,
    );
    const candidates: CurationCandidate[] = [];
    for (const uri of found) {
      let description: string | undefined;
      let outputs: string[] = [];
      try {
        const summary = JSON.parse(readFileSync(uri.fsPath, 'utf8')) as { outputs?: { output?: unknown }[] };
        description = curationDescription(summary);
        outputs = (summary.outputs ?? []).map((o) => String(o.output));
      } catch {
        // Not a curation's summary.
      }
      if (description === undefined) continue;
      const dir = resolve(uri.fsPath, '..');
      candidates.push({
        dir,
        label: vscode.workspace.asRelativePath(dir, false),
        description,
        problem: await this.trainingProblem(
          outputs.map((o) => resolve(dir, o)),
          dir,
        ),
      });
    }
    const pick = curationPick(candidates);
    if (pick.only) return pick.only;
    const BROWSE = '$(folder-opened) Browse…';
    const picked = await vscode.window.showQuickPick(
      [...pick.items, { label: BROWSE, description: '', dir: '', problem: undefined }],
      {
        title: `${title}: curation`,
        placeHolder: 'The curated image-text pairs to train on',
        ignoreFocusOut: true,
      },
    );
    if (!picked) return undefined;
    if (picked.problem) {
      void vscode.window.showErrorMessage(
        curationRefusal(picked.label.replace(/^\$\([\w-]+\) /, ''), picked.problem),
      );
      return undefined;
    }
    if (picked.dir) return picked.dir;
    const uris = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Train on',
    });
    return uris?.[0]?.fsPath;
  }

  /** Why the files cannot be trained on; a file that cannot be read is a reason too. */
  private async trainingProblem(files: string[], dir: string): Promise<TrainingDataProblem | undefined> {
    try {
      return await trainingDataProblem(files, dir);
    } catch (err) {
      return { label: 'unreadable', detail: (err as Error).message };
    }
  }

  /**
   * The zero-shot evaluation: the miniature experiment's set when the workspace has one, labelled
   * images of the user's, or none (null); undefined when the user escapes.
   */
  private async askZeroShot(title: string, curation: string): Promise<ZeroShotAnswer | null | undefined> {
    const shards = await vscode.workspace.findFiles(MINI_TEST_SHARDS_GLOB, '**/node_modules/**', 50);
    const sets = miniZeroShotSets(
      shards.map((u) => u.fsPath),
      (p) => existsSync(p),
    );
    const picked = await vscode.window.showQuickPick(
      zeroShotItems(sets, curation, (p) => vscode.workspace.asRelativePath(p, false)),
      {
        title: `${title}: zero-shot evaluation`,
        placeHolder:
          'Labelled images to measure top-1 on (metacurate.training.zeroshotData sets it for good)',
        ignoreFocusOut: true,
      },
    );
    if (!picked) return undefined;
    if (picked.choice === 'skip') return null;
    if (picked.choice !== 'choose') return picked.choice.set;
    const uris = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: true,
      openLabel: 'Evaluate on',
    });
    const data = uris?.[0]?.fsPath;
    if (!data) return undefined;
    const isFolder = statSync(data, { throwIfNoEntry: false })?.isDirectory() ?? false;
    const classnames = await vscode.window.showInputBox({
      title: `${title}: class names`,
      prompt: 'A file of class names (one a line, in label order) or a comma-separated list',
      ignoreFocusOut: true,
      validateInput: (text) => validateClassnames(text, isFolder),
    });
    if (classnames === undefined) return undefined;
    const names = classnames.trim();
    return { data, classnames: names === '' || names.includes(',') ? names || undefined : resolve(names) };
  }

  private async askJob(
    title: string,
    python: string,
    jobProbes: Promise<JobProbes>,
    args?: StartRunArgs,
  ): Promise<JobTemplate | undefined> {
    const templates = usableJobTemplates(
      training().inspect<JobTemplate[]>('jobTemplates'),
      vscode.workspace.isTrusted,
    );
    const given = jobOfArgs(args, templates);
    if (given && 'error' in given) {
      void vscode.window.showErrorMessage(given.error);
      return undefined;
    }
    if (given) return given.job;
    // The pick waits (busy) for the probes of the Python, so that what it says is true.
    const choices: Thenable<JobChoice[]> = jobProbes.then((found) =>
      jobChoices(trainingSettings().kind, templates, python, found),
    );
    const picked = await vscode.window.showQuickPick(choices, {
      title: `${title}: job`,
      placeHolder: 'What trains the model',
      ignoreFocusOut: true,
    });
    return picked?.job;
  }

  /**
   * Starts `dist/cli.js ARGV --workspace <folder> --progress json` detached and follows its state
   * lines; resolves with the run id once the run folder exists.
   */
  private launch(argv: string[], what: string): Promise<string | undefined> {
    const folder = workspaceFolderPath()!;
    const cli = this.context.asAbsolutePath('dist/cli.js');
    const full = launchArgv(argv, folder);
    this.output.info(`Runs: ${what}: node ${cli} ${full.join(' ')}`);
    return new Promise((resolveId) => {
      const child = spawnCli(cli, full, { cwd: folder, detached: true });
      let id: string | undefined;
      let settled = false;
      const settle = (value: string | undefined) => {
        if (!settled) {
          settled = true;
          resolveId(value);
        }
      };
      lines(child.stdout, (line) => {
        const event = parseCliEvent(line);
        if (!event) {
          this.output.info(`Runs: ${line}`);
        } else if (event.type === 'created') {
          id = event.id;
          this.events.created(id);
          settle(id);
        } else if (event.type === 'state') {
          this.events.changed();
        } else if (event.type === 'done') {
          this.events.done(event);
        } else if (event.type === 'info') {
          this.output.info(`Runs: ${event.message}`);
        }
      });
      const stderr: string[] = [];
      lines(child.stderr, (line) => {
        if (id === undefined) stderr.push(line);
        this.output.info(`Runs: ${line}`);
      });
      child.on('error', (err) => {
        void vscode.window.showErrorMessage(`Metacurate: cannot start the run: ${err.message}`);
        settle(undefined);
      });
      child.on('close', (code) => {
        if (id === undefined) {
          void vscode.window
            .showErrorMessage(launchFailureMessage(code, stderr), 'Show Output')
            .then((b) => b && this.output.show(true));
        }
        this.events.changed();
        settle(id);
      });
    });
  }
}
