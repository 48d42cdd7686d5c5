/**
 * "Start Training Run…" and "Re-run": asks for the curation, the job (built-in trainer, OpenCLIP,
 * a custom command, or a job template from the settings), the step budget and where to run, then
 * starts `dist/cli.js run start … --progress json` as a process of its own (detached: a run
 * outlives a window reload; the Runs view follows its folder). The argv comes from
 * plans/runPlan.ts; this module asks and spawns.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as vscode from 'vscode';
import { parseCliEvent, type CliRunDoneEvent } from '../../contracts/src/cliEvents';
import { usableJobTemplates, type JobTemplate } from '../../server/engine/src/runs/jobCommand';
import { lines, spawnCli } from './cliProcess';
import { askExecutor } from './curateCommand';
import {
  asksCommand,
  asksSteps,
  curationDescription,
  DEFAULT_CUSTOM_COMMAND,
  jobChoices,
  jobOfArgs,
  launchArgv,
  runStartArgv,
  TRAINING_DEFAULTS,
  validateSteps,
  type StartRunArgs,
  type TrainingSettings,
} from './plans/runPlan';

export type { StartRunArgs } from './plans/runPlan';

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
    const curation = args?.curation ?? (await this.askCuration(title));
    if (!curation) return undefined;
    const job = await this.askJob(title, args);
    if (!job) return undefined;
    const kind = job.kind ?? 'builtin';
    const settings = trainingSettings();
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
    const executor = await askExecutor(title, 'one sbatch job');
    if (!executor) return undefined;
    const argv = runStartArgv(
      { curation, job, executor, command, steps, batchSize: args?.batchSize, seed: args?.seed },
      settings,
      folder,
    );
    return this.launch(argv, job.name);
  }

  async rerun(runDir: string, id: string): Promise<void> {
    if (!this.trusted()) return;
    await this.launch(['run', 'rerun', runDir], `re-run of ${id}`);
  }

  /** Finished curations of the workspace: folders with a summary.json listing outputs. */
  private async askCuration(title: string): Promise<string | undefined> {
    const found = await vscode.workspace.findFiles(
      '**/summary.json',
      '{**/node_modules/**,**/.metacurate/**}',
      500,
    );
    const choices: { dir: string; label: string; description: string }[] = [];
    for (const uri of found) {
      let description: string | undefined;
      try {
        description = curationDescription(JSON.parse(readFileSync(uri.fsPath, 'utf8')));
      } catch {
        // Not a curation's summary.
      }
      if (description === undefined) continue;
      const dir = resolve(uri.fsPath, '..');
      choices.push({ dir, label: vscode.workspace.asRelativePath(dir, false), description });
    }
    choices.sort((a, b) => (a.label < b.label ? -1 : 1));
    if (choices.length === 1) return choices[0].dir;
    const BROWSE = '$(folder-opened) Browse…';
    const picked = await vscode.window.showQuickPick(
      [...choices, { label: BROWSE, description: undefined, dir: '' }],
      { title: `${title}: curation`, placeHolder: 'The curated data to train on', ignoreFocusOut: true },
    );
    if (!picked) return undefined;
    if (picked.dir) return picked.dir;
    const uris = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Train on',
    });
    return uris?.[0]?.fsPath;
  }

  private async askJob(title: string, args?: StartRunArgs): Promise<JobTemplate | undefined> {
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
    const picked = await vscode.window.showQuickPick(jobChoices(trainingSettings().kind, templates), {
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
      lines(child.stderr, (line) => this.output.info(`Runs: ${line}`));
      child.on('error', (err) => {
        void vscode.window.showErrorMessage(`Metacurate: cannot start the run: ${err.message}`);
        settle(undefined);
      });
      child.on('close', (code) => {
        if (id === undefined) {
          void vscode.window
            .showErrorMessage(
              `Metacurate: the run did not start (exit ${code}); see the Metacurate output.`,
              'Show Output',
            )
            .then((b) => b && this.output.show(true));
        }
        this.events.changed();
        settle(id);
      });
    });
  }
}
