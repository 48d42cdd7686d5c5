/**
 * Training runs from the editor: "Start Training Run…" asks for the curation, the job (built-in
 * trainer, OpenCLIP, a custom command, or a job template from the settings), the step budget and
 * where to run, then starts `dist/cli.js run start … --progress json` as a process of its own
 * (detached: a run outlives a window reload; the Runs view follows its folder). Cancel, re-run,
 * open log and compare act on the Runs view's items. When a run with per-class zero-shot results
 * finishes, they are shown next to the metadata entries that name the classes (sent to the
 * language server) and over the entry chart of the balance panel, against a chosen baseline run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ZeroShotOverlay } from '../../server/engine/src/classAccuracy';
import { comparisonRows, markdownTable, summarizeRun } from '../../server/engine/src/runs/compareRuns';
import { isFinished, type RunEntry, type RunKind } from '../../server/engine/src/runs/runFolder';
import { cancelRun } from '../../server/engine/src/runs/runJob';
import { usableJobTemplates, type JobTemplate } from '../../server/engine/src/runs/jobCommand';
import { ZeroShotResultsNotification } from '../../contracts/src/lsp';
import type { BalancePanelHost } from './balancePanel';
import { askExecutor, lines } from './curateCommand';
import { RUNS_VIEW_ID, RunsTreeProvider, type RunNode } from './runsView';

export const COMPARE_SCHEME = 'metacurate-runs';
const SHOWN_KEY = 'metacurate.runs.shown';
const BASELINE_KEY = 'metacurate.runs.baseline';

/** What a caller (a test, another command) may give; the rest is asked or taken from settings. */
export interface StartRunArgs {
  curation?: string;
  kind?: RunKind;
  template?: string;
  command?: string;
  steps?: number;
  batchSize?: number;
  seed?: number;
}

interface CurationChoice {
  dir: string;
  label: string;
  description: string;
}

function workspaceFolderPath(): string | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
}

function training() {
  return vscode.workspace.getConfiguration('metacurate.training');
}

/** A setting's path, relative to the workspace folder unless absolute; undefined when empty. */
function settingPath(name: string): string | undefined {
  const value = training().get<string>(name, '').trim();
  if (!value) return undefined;
  const base = workspaceFolderPath();
  return isAbsolute(value) || !base ? value : resolve(base, value);
}

export class RunsController implements vscode.Disposable {
  readonly tree: RunsTreeProvider;
  private readonly view: vscode.TreeView<RunNode>;
  private readonly compareDocs = new Map<string, string>();
  private readonly compareChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [];
  private lastOverlayKey = '';

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly getClient: () => LanguageClient | undefined,
    private readonly panel: BalancePanelHost,
  ) {
    this.tree = new RunsTreeProvider(() => ({ shown: this.shownId(), baseline: this.baselineId() }));
    this.view = vscode.window.createTreeView(RUNS_VIEW_ID, {
      treeDataProvider: this.tree,
      canSelectMany: true,
      showCollapseAll: true,
    });
    const c = vscode.commands.registerCommand;
    this.disposables.push(
      this.tree,
      this.view,
      this.tree.onDidChangeTreeData(() => this.publishOverlay()),
      vscode.workspace.registerTextDocumentContentProvider(COMPARE_SCHEME, {
        onDidChange: this.compareChanged.event,
        provideTextDocumentContent: (uri) => this.compareDocs.get(uri.toString()) ?? '',
      }),
      c('metacurate.startRun', (args?: StartRunArgs) =>
        this.start(args && typeof args === 'object' ? args : undefined),
      ),
      c('metacurate.runs.refresh', () => this.tree.refresh()),
      c('metacurate.runs.openLog', (node?: RunNode) => this.openLog(node)),
      c('metacurate.runs.cancel', (node?: RunNode) => this.cancel(node)),
      c('metacurate.runs.rerun', (node?: RunNode) => this.rerun(node)),
      c('metacurate.runs.compare', (node?: RunNode, selected?: RunNode[]) => this.compare(node, selected)),
      c('metacurate.runs.showInline', (node?: RunNode) => this.showInline(node)),
      c('metacurate.runs.setBaseline', (node?: RunNode) => this.setBaseline(node)),
      c('metacurate.runs.clearBaseline', () => this.setBaseline(null)),
      c('metacurate.runs.list', () =>
        this.tree.allRuns().map((r) => ({ ...summarizeRun(r), runDir: r.runDir })),
      ),
    );
    this.publishOverlay(true);
  }

  // -------------------------------------------------------------------------------------------
  // Results inline
  // -------------------------------------------------------------------------------------------

  private shownId(): string | undefined {
    const chosen = this.context.workspaceState.get<string>(SHOWN_KEY);
    if (chosen && this.tree?.runById(chosen)) return chosen;
    // By default the newest run with per-class results.
    return this.tree?.allRuns().find((r) => r.state.status === 'succeeded' && this.perClassOf(r))?.spec.id;
  }

  private baselineId(): string | undefined {
    const id = this.context.workspaceState.get<string>(BASELINE_KEY);
    return id && this.tree?.runById(id) ? id : undefined;
  }

  private perClassOf(
    run: RunEntry,
  ): { dataset: string; perClass: Record<string, number | null> } | undefined {
    try {
      const s = summarizeRun(run);
      return s.perClass && s.dataset ? { dataset: s.dataset, perClass: s.perClass } : undefined;
    } catch {
      return undefined;
    }
  }

  /** The overlay of the shown run against the baseline, as the server and the panel take it. */
  overlay(): ZeroShotOverlay | undefined {
    const shown = this.shownId() && this.tree.runById(this.shownId()!);
    const results = shown ? this.perClassOf(shown) : undefined;
    if (!shown || !results) return undefined;
    const baselineRun = this.baselineId() ? this.tree.runById(this.baselineId()!) : undefined;
    const baseline = baselineRun && baselineRun !== shown ? this.perClassOf(baselineRun) : undefined;
    return {
      runId: shown.spec.id,
      dataset: results.dataset,
      metadataSha256: runMetadataSha(shown),
      perClass: results.perClass,
      baseline:
        baseline && baselineRun ? { runId: baselineRun.spec.id, perClass: baseline.perClass } : undefined,
    };
  }

  /** Sends the overlay to the language server and the panel when it changed (or `force`). */
  publishOverlay(force = false): void {
    const overlay = this.overlay();
    const key = JSON.stringify(overlay ?? null);
    if (!force && key === this.lastOverlayKey) return;
    this.lastOverlayKey = key;
    const client = this.getClient();
    if (client?.isRunning()) {
      void client
        .sendNotification(ZeroShotResultsNotification, { overlay: overlay ?? null })
        .catch(() => undefined);
    }
    this.panel.setAccuracyOverlay(overlay);
  }

  private async showInline(node?: RunNode): Promise<void> {
    const run = await this.runOf(node, 'Show per-class results of which run?', (r) => !!this.perClassOf(r));
    if (!run) return;
    await this.context.workspaceState.update(SHOWN_KEY, run.spec.id);
    this.tree.refresh();
    this.publishOverlay(true);
  }

  private async setBaseline(node?: RunNode | null): Promise<void> {
    if (node === null) {
      await this.context.workspaceState.update(BASELINE_KEY, undefined);
    } else {
      const run = await this.runOf(node, 'Which run is the baseline?', (r) => !!this.perClassOf(r));
      if (!run) return;
      await this.context.workspaceState.update(BASELINE_KEY, run.spec.id);
    }
    this.tree.refresh();
    this.publishOverlay(true);
  }

  // -------------------------------------------------------------------------------------------
  // Actions on runs
  // -------------------------------------------------------------------------------------------

  private async runOf(
    node: RunNode | undefined,
    placeHolder: string,
    filter: (r: RunEntry) => boolean = () => true,
  ): Promise<RunEntry | undefined> {
    if (node?.type === 'run') return this.tree.runById(node.run.spec.id) ?? node.run;
    if (node?.type === 'figure') return this.tree.runById(node.parent);
    const runs = this.tree.allRuns().filter(filter);
    if (runs.length === 0) {
      void vscode.window.showInformationMessage('Metacurate: no runs to choose from.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      runs.map((r) => ({ label: r.spec.id, description: r.state.status, run: r })),
      { placeHolder },
    );
    return picked?.run;
  }

  private async openLog(node?: RunNode): Promise<void> {
    const run = await this.runOf(node, 'Open the log of which run?');
    if (!run) return;
    const log = join(run.runDir, 'job.log');
    if (!existsSync(log)) {
      void vscode.window.showInformationMessage(`Metacurate: run ${run.spec.id} has printed nothing yet.`);
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
  }

  private async cancel(node?: RunNode): Promise<void> {
    const run = await this.runOf(node, 'Cancel which run?', (r) => !isFinished(r.state.status));
    if (!run) return;
    if (isFinished(run.state.status)) {
      void vscode.window.showInformationMessage(
        `Metacurate: run ${run.spec.id} has already ${run.state.status}.`,
      );
      return;
    }
    this.output.info(`Runs: cancelling ${run.spec.id}`);
    try {
      const state = await cancelRun(run.runDir);
      this.output.info(`Runs: ${run.spec.id} ${state.status}`);
    } catch (err) {
      void vscode.window.showErrorMessage(
        `Metacurate: cannot cancel ${run.spec.id}: ${(err as Error).message}`,
      );
    }
    this.tree.refresh();
  }

  private async rerun(node?: RunNode): Promise<void> {
    const run = await this.runOf(node, 'Re-run which run?');
    if (!run) return;
    if (!this.trusted()) return;
    await this.launch(['run', 'rerun', run.runDir], `re-run of ${run.spec.id}`);
  }

  private async compare(node?: RunNode, selected?: RunNode[]): Promise<void> {
    let ids = (selected && selected.length > 1 ? selected : node ? [node] : [])
      .map((n) => (n.type === 'run' ? n.run.spec.id : n.parent))
      .filter((id, i, all) => all.indexOf(id) === i);
    if (ids.length < 2) {
      const picked = await vscode.window.showQuickPick(
        this.tree.allRuns().map((r) => ({
          label: r.spec.id,
          description: r.state.status,
          picked: ids.includes(r.spec.id) || r.spec.id === this.baselineId(),
        })),
        {
          canPickMany: true,
          placeHolder: 'Runs to compare (the baseline, or the first picked, comes first)',
        },
      );
      if (!picked || picked.length === 0) return;
      ids = picked.map((p) => p.label);
    }
    // The baseline first: the changes are against it.
    const baseline = this.baselineId();
    if (baseline && ids.includes(baseline)) ids = [baseline, ...ids.filter((id) => id !== baseline)];
    const runs = ids.map((id) => this.tree.runById(id)).filter((r): r is RunEntry => !!r);
    const summaries = runs.map((r) => summarizeRun(r));
    const content = [
      `# Runs compared`,
      '',
      `Changes in points against \`${summaries[0].id}\`.`,
      '',
      markdownTable(comparisonRows(summaries)),
      '',
    ].join('\n');
    const uri = vscode.Uri.from({
      scheme: COMPARE_SCHEME,
      path: `/compare-${ids.length}-runs.md`,
      query: ids.join(','),
    });
    this.compareDocs.set(uri.toString(), content);
    this.compareChanged.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  }

  // -------------------------------------------------------------------------------------------
  // Starting runs
  // -------------------------------------------------------------------------------------------

  private trusted(): boolean {
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
    const cfg = training();
    let command = args?.command ?? job.command;
    if (kind === 'custom' && !command) {
      command = await vscode.window.showInputBox({
        title: `${title}: command`,
        prompt:
          'A shell command; ${data}, ${out}, ${seed}, ${steps}, ${python}… are replaced (see the README).',
        value: this.context.workspaceState.get<string>(
          'metacurate.runs.lastCommand',
          '${python} train.py --data ${data} --out ${out} --seed ${seed}',
        ),
        ignoreFocusOut: true,
      });
      if (!command) return undefined;
      await this.context.workspaceState.update('metacurate.runs.lastCommand', command);
    }
    let steps = args?.steps ?? job.steps;
    if (steps === undefined && kind !== 'openclip') {
      const text = await vscode.window.showInputBox({
        title: `${title}: steps`,
        prompt: 'Optimizer steps (the training budget).',
        value: String(cfg.get<number>('steps', 200)),
        ignoreFocusOut: true,
        validateInput: (v) =>
          Number.isSafeInteger(Number(v)) && Number(v) > 0 ? undefined : 'a positive integer',
      });
      if (text === undefined) return undefined;
      steps = Number(text);
    }
    const executor = await askExecutor(title, 'one sbatch job');
    if (!executor) return undefined;

    const argv = ['run', 'start', '--curation', curation, '--kind', kind, '--executor', executor];
    if (steps !== undefined) argv.push('--steps', String(steps));
    if (kind === 'openclip') argv.push('--epochs', String(job.epochs ?? cfg.get<number>('epochs', 1)));
    argv.push('--batch-size', String(args?.batchSize ?? job.batchSize ?? cfg.get<number>('batchSize', 64)));
    argv.push('--seed', String(args?.seed ?? cfg.get<number>('seed', 0)));
    const model =
      job.model ??
      (kind === 'openclip' ? cfg.get<string>('openclipModel', '') : cfg.get<string>('model', ''));
    if (model) argv.push('--model', model);
    argv.push('--python', cfg.get<string>('python', '/usr/bin/python3'));
    const zeroshot = settingPath('zeroshotData');
    if (zeroshot) {
      argv.push('--zeroshot-data', zeroshot);
      const classnames = cfg.get<string>('classnames', '').trim();
      if (classnames)
        argv.push('--classnames', classnames.includes(',') ? classnames : settingPath('classnames')!);
      const prompts = settingPath('promptTemplates');
      if (prompts) argv.push('--templates', prompts);
      const name = cfg.get<string>('zeroshotName', '').trim();
      if (name) argv.push('--zeroshot-name', name);
    }
    if (command) argv.push('--command', command);
    argv.push(...(job.args ?? []));
    return this.launch(argv, job.name);
  }

  /** Finished curations of the workspace: folders with a summary.json listing outputs. */
  private async askCuration(title: string): Promise<string | undefined> {
    const found = await vscode.workspace.findFiles(
      '**/summary.json',
      '{**/node_modules/**,**/.metacurate/**}',
      500,
    );
    const choices: CurationChoice[] = [];
    for (const uri of found) {
      try {
        const s = JSON.parse(readFileSync(uri.fsPath, 'utf8')) as {
          outputs?: unknown[];
          kept?: number;
          t?: number;
          pool?: { records?: number };
        };
        if (!Array.isArray(s.outputs) || s.kept === undefined) continue;
        const dir = resolve(uri.fsPath, '..');
        choices.push({
          dir,
          label: vscode.workspace.asRelativePath(dir, false),
          description: `t=${s.t} · kept ${s.kept.toLocaleString('en-US')} of ${(s.pool?.records ?? 0).toLocaleString('en-US')}`,
        });
      } catch {
        // Not a curation's summary.
      }
    }
    choices.sort((a, b) => (a.label < b.label ? -1 : 1));
    if (choices.length === 1) return choices[0].dir;
    const BROWSE = '$(folder-opened) Browse…';
    const picked = await vscode.window.showQuickPick(
      [
        ...choices.map((c) => ({ label: c.label, description: c.description, dir: c.dir })),
        { label: BROWSE, dir: '' },
      ],
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
    if (args?.template) {
      const t = templates.find((x) => x.name === args.template);
      if (!t) void vscode.window.showErrorMessage(`Metacurate: no job template '${args.template}'.`);
      return t;
    }
    if (args?.kind) return { name: args.kind, kind: args.kind };
    const builtins: (JobTemplate & { description: string })[] = [
      {
        name: 'Built-in trainer',
        kind: 'builtin',
        description: 'trainer/ (PyTorch): a small CLIP, zero-shot evaluation; runs on a CPU',
      },
      {
        name: 'OpenCLIP',
        kind: 'openclip',
        description: 'python -m open_clip_train.main (open_clip_torch installed)',
      },
      {
        name: 'Custom command…',
        kind: 'custom',
        description: 'a shell command with ${data}, ${out}, ${seed}…',
      },
    ];
    const fallback = training().get<RunKind>('kind', 'builtin');
    builtins.sort((a, b) => Number(b.kind === fallback) - Number(a.kind === fallback));
    const picked = await vscode.window.showQuickPick(
      [
        ...builtins.map((b) => ({ label: b.name, description: b.description, job: b as JobTemplate })),
        ...templates.map((t) => ({
          label: t.name,
          description: `job template · ${t.kind ?? 'custom'}`,
          job: t,
        })),
      ],
      { title: `${title}: job`, placeHolder: 'What trains the model', ignoreFocusOut: true },
    );
    if (!picked) return undefined;
    return picked.job.kind === undefined ? { ...picked.job, kind: 'custom' } : picked.job;
  }

  /**
   * Starts `dist/cli.js ARGV --workspace <folder> --progress json` detached and follows its state
   * lines; resolves with the run id once the run folder exists.
   */
  private launch(argv: string[], what: string): Promise<string | undefined> {
    const folder = workspaceFolderPath()!;
    const cli = this.context.asAbsolutePath('dist/cli.js');
    const full = [...argv, '--workspace', folder, '--progress', 'json'];
    this.output.info(`Runs: ${what}: node ${cli} ${full.join(' ')}`);
    return new Promise((resolveId) => {
      // The extension host's own runtime runs the CLI as Node; detached, the run survives a reload.
      const child = spawn(process.execPath, [cli, ...full], {
        cwd: folder,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      child.unref();
      let id: string | undefined;
      let settled = false;
      const settle = (value: string | undefined) => {
        if (!settled) {
          settled = true;
          resolveId(value);
        }
      };
      lines(child.stdout, (line) => {
        let msg: {
          type?: string;
          id?: string;
          status?: string;
          summary?: { top1?: number; dataset?: string };
          error?: string;
        };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          this.output.info(`Runs: ${line}`);
          return;
        }
        if (msg.type === 'created' && msg.id) {
          id = msg.id;
          this.tree.refresh();
          const node = this.tree.nodeOf(id);
          if (node)
            void this.view.reveal(node, { select: true, focus: false }).then(undefined, () => undefined);
          settle(id);
        } else if (msg.type === 'state') {
          this.tree.refresh();
        } else if (msg.type === 'done' && msg.id) {
          void this.finished(msg.id);
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
        this.tree.refresh();
        settle(id);
      });
    });
  }

  /** A run ended: show its results inline when it has per-class ones, and say how it went. */
  private async finished(id: string): Promise<void> {
    this.tree.refresh();
    const run = this.tree.runById(id);
    if (!run) return;
    const summary = summarizeRun(run);
    if (run.state.status === 'succeeded' && summary.perClass) {
      await this.context.workspaceState.update(SHOWN_KEY, id);
      this.tree.refresh();
      this.publishOverlay(true);
    }
    const top1 =
      summary.top1 !== undefined
        ? ` · zero-shot ${summary.dataset} top-1 ${(100 * summary.top1).toFixed(1)}%`
        : '';
    const message = `Metacurate: run ${id} ${run.state.status}${top1}`;
    const node = this.tree.nodeOf(id);
    const buttons = ['Open Log', 'Compare…'];
    const show =
      run.state.status === 'succeeded'
        ? vscode.window.showInformationMessage
        : vscode.window.showErrorMessage;
    const picked = await show(
      run.state.error ? `${message}: ${run.state.error.split('\n')[0]}` : message,
      ...buttons,
    );
    if (picked === 'Open Log') await this.openLog(node);
    if (picked === 'Compare…') await this.compare(node);
  }

  dispose(): void {
    this.compareChanged.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * The sha256 of the metadata a run's curation was made with: recorded in run.json, or (runs made
 * before it was) read from its curation's summary.json.
 */
function runMetadataSha(run: RunEntry): string | undefined {
  const curation = run.spec.curation;
  if (curation?.metadataSha256) return curation.metadataSha256;
  if (!curation?.dir) return undefined;
  try {
    const summary = JSON.parse(readFileSync(join(curation.dir, 'summary.json'), 'utf8')) as {
      metadata?: { sha256?: unknown };
    };
    return typeof summary.metadata?.sha256 === 'string' ? summary.metadata.sha256 : undefined;
  } catch {
    return undefined;
  }
}

export function registerRunFeatures(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  getClient: () => LanguageClient | undefined,
  panel: BalancePanelHost,
): RunsController {
  const controller = new RunsController(context, output, getClient, panel);
  context.subscriptions.push(controller);
  return controller;
}
