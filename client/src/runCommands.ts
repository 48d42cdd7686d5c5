/**
 * Training runs from the editor: the Runs view and the commands on its items (cancel, re-run,
 * open log, compare); "Start Training Run…" itself is startRun.ts. When a run with per-class zero-shot results
 * finishes, they are shown next to the metadata entries that name the classes (sent to the
 * language server) and over the entry chart of the balance panel, against a chosen baseline run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ZeroShotOverlay } from '../../server/engine/src/classAccuracy';
import { comparisonRows, markdownTable, summarizeRun } from '../../server/engine/src/runs/compareRuns';
import { isFinished, type RunEntry } from '../../server/engine/src/runs/runFolder';
import { cancelRun } from '../../server/engine/src/runs/runJob';
import type { CliRunDoneEvent } from '../../contracts/src/cliEvents';
import { ZeroShotResultsNotification } from '../../contracts/src/lsp';
import type { BalancePanelHost } from './balancePanel';
import { curationMetadataSha } from './balanceSources';
import { runFinishedMessage } from './plans/runPlan';
import { RUNS_VIEW_ID, RunsTreeProvider, type RunNode } from './runsView';
import { RunLauncher, type StartRunArgs } from './startRun';

export const COMPARE_SCHEME = 'metacurate-runs';
const SHOWN_KEY = 'metacurate.runs.shown';
const BASELINE_KEY = 'metacurate.runs.baseline';

export class RunsController implements vscode.Disposable {
  readonly tree: RunsTreeProvider;
  private readonly view: vscode.TreeView<RunNode>;
  private readonly compareDocs = new Map<string, string>();
  private readonly compareChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [];
  private lastOverlayKey = '';
  private readonly launcher: RunLauncher;

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
    this.launcher = new RunLauncher(context, output, {
      created: (id) => {
        this.tree.refresh();
        const node = this.tree.nodeOf(id);
        if (node)
          void this.view.reveal(node, { select: true, focus: false }).then(undefined, () => undefined);
      },
      changed: () => this.tree.refresh(),
      done: (event) => void this.finished(event),
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
        this.launcher.start(args && typeof args === 'object' ? args : undefined),
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
      // A running run's notifications and view updates must not close the pick under the user.
      { placeHolder, ignoreFocusOut: true },
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
    await this.launcher.rerun(run.runDir, run.spec.id);
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

  /** A run ended (the CLI's `done` line): show its results inline when it has per-class ones, and say how it went. */
  private async finished({ id, status, summary }: CliRunDoneEvent): Promise<void> {
    this.tree.refresh();
    const run = this.tree.runById(id);
    if (!run) return;
    if (status === 'succeeded' && summary.perClass) {
      await this.context.workspaceState.update(SHOWN_KEY, id);
      this.tree.refresh();
      this.publishOverlay(true);
    }
    const message = runFinishedMessage(id, status, summary, run.state.error);
    const node = this.tree.nodeOf(id);
    const buttons = ['Open Log', 'Compare…'];
    const show =
      status === 'succeeded' ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
    const picked = await show(message, ...buttons);
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
  return curation?.dir ? curationMetadataSha(curation.dir) : undefined;
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
