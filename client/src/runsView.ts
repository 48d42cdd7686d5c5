/**
 * The "Runs" view: the training runs of the workspace (`.metacurate/runs/<id>/`), newest first,
 * with status, progress, elapsed time and top-1; each expands to its figures. The folders are the
 * truth (the CLI writes the same ones), read again when they change on disk and every second while
 * a run is going.
 */
import * as vscode from 'vscode';
import {
  chanceLevel,
  formatTop1,
  summarizeRun,
  type RunSummary,
} from '../../server/engine/src/runs/compareRuns';
import {
  elapsedSeconds,
  listRuns,
  runsDirOf,
  type RunEntry,
  type RunStatus,
} from '../../server/engine/src/runs/runFolder';
import { formatDuration } from '../../server/engine/src/progress';

export const RUNS_VIEW_ID = 'metacurate.runs';

export type RunNode =
  | { type: 'run'; run: RunEntry; summary: RunSummary }
  | { type: 'figure'; label: string; value: string; parent: string };

const ICONS: Record<RunStatus, [string, string?]> = {
  queued: ['clock'],
  running: ['sync~spin'],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash'],
};

const pct = (v: number | undefined) => (v === undefined ? undefined : `${(100 * v).toFixed(1)}%`);
const int = (v: number | undefined) => (v === undefined ? undefined : Math.round(v).toLocaleString('en-US'));

/** The one-line description of a run in the tree. */
export function describeRun(run: RunEntry, summary: RunSummary, marks: string[]): string {
  const parts: string[] = [run.state.status];
  const p = run.state.progress;
  if (run.state.status === 'running' && p?.percent !== undefined) parts[0] += ` ${Math.floor(p.percent)}%`;
  const e = elapsedSeconds(run.state);
  if (e !== undefined) parts.push(formatDuration(e));
  if (summary.top1 !== undefined) {
    const chance = chanceLevel(summary.top1, summary.classes, summary.evalImages);
    parts.push(`top-1 ${pct(summary.top1)}${chance?.nearChance ? ' (at chance)' : ''}`);
  }
  return [...marks, parts.join(' · ')].join(' ');
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private runs: RunEntry[] = [];
  private nodes = new Map<string, RunNode & { type: 'run' }>();
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** `[shown, baseline]` run ids, for the marks in the tree. */
    private readonly marks: () => { shown?: string; baseline?: string },
  ) {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(folder, '.metacurate/runs/**/{run,state}.json'),
      );
      watcher.onDidChange(() => this.refresh());
      watcher.onDidCreate(() => this.refresh());
      watcher.onDidDelete(() => this.refresh());
      this.disposables.push(watcher);
    }
    this.reload();
  }

  /** Every run of the workspace folders, newest first. */
  allRuns(): RunEntry[] {
    return this.runs;
  }

  runById(id: string): RunEntry | undefined {
    return this.runs.find((r) => r.spec.id === id);
  }

  nodeOf(id: string): RunNode | undefined {
    return this.nodes.get(id);
  }

  refresh(): void {
    this.reload();
    this.changed.fire(undefined);
  }

  private reload(): void {
    const runs: RunEntry[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme === 'file') runs.push(...listRuns(runsDirOf(folder.uri.fsPath)));
    }
    this.runs = runs.sort((a, b) => (a.spec.id < b.spec.id ? 1 : -1));
    this.nodes = new Map(
      this.runs.map((run) => [run.spec.id, { type: 'run' as const, run, summary: summarizeRunSafely(run) }]),
    );
    // Elapsed time and progress move on their own while a run goes.
    const going = this.runs.some((r) => r.state.status === 'running' || r.state.status === 'queued');
    if (going && !this.timer) this.timer = setInterval(() => this.refresh(), 1000);
    if (!going && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  getChildren(node?: RunNode): RunNode[] {
    if (!node) return [...this.nodes.values()];
    if (node.type !== 'run') return [];
    const { run, summary } = node;
    const figures: [string, string | undefined][] = [
      ['kind', `${run.spec.kind}${run.spec.executor === 'slurm' ? ' on Slurm' : ''}`],
      [
        'curation',
        run.spec.curation ? vscode.workspace.asRelativePath(run.spec.curation.dir, false) : undefined,
      ],
      ['t', summary.t === undefined ? undefined : String(summary.t)],
      [
        'pool → curated',
        summary.poolRecords === undefined
          ? undefined
          : `${int(summary.poolRecords)} → ${int(summary.curatedRecords) ?? '?'}`,
      ],
      ['steps', int(summary.steps)],
      ['top-1', summary.top1 === undefined ? undefined : formatTop1(summary)],
      ['top-5', pct(summary.top5)],
      ['mean per-class top-1', pct(summary.meanPerClassTop1)],
      ['error', run.state.error?.split('\n')[0]],
    ];
    return figures
      .filter((f): f is [string, string] => f[1] !== undefined)
      .map(([label, value]) => ({ type: 'figure', label, value, parent: run.spec.id }));
  }

  getParent(node: RunNode): RunNode | undefined {
    return node.type === 'figure' ? this.nodes.get(node.parent) : undefined;
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    if (node.type === 'figure') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.description = node.value;
      item.tooltip = `${node.label}: ${node.value}`;
      item.contextValue = 'metacurateRunFigure';
      return item;
    }
    const { run, summary } = node;
    const { shown, baseline } = this.marks();
    const marks: string[] = [];
    if (run.spec.id === shown) marks.push('[inline]');
    if (run.spec.id === baseline) marks.push('[baseline]');
    const item = new vscode.TreeItem(run.spec.id, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = run.spec.id;
    item.description = describeRun(run, summary, marks);
    const [icon, color] = ICONS[run.state.status];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${run.spec.id}** — ${run.spec.kind}, ${run.state.status}`);
    if (run.spec.id === shown) tooltip.appendMarkdown(' — its per-class accuracy is shown inline');
    if (run.spec.id === baseline) tooltip.appendMarkdown(' — the baseline of comparisons');
    tooltip.appendMarkdown('\n\n');
    if (summary.top1 !== undefined)
      tooltip.appendText(`zero-shot ${summary.dataset ?? ''} top-1 ${formatTop1(summary)}\n\n`);
    if (run.state.error) tooltip.appendCodeblock(run.state.error, 'text');
    tooltip.appendCodeblock(run.spec.command.join(' '), 'shell');
    item.tooltip = tooltip;
    const flags = [
      `status:${run.state.status}`,
      summary.perClass ? 'perClass' : '',
      run.spec.id === baseline ? 'baseline' : '',
      run.spec.id === shown ? 'shown' : '',
    ];
    item.contextValue = `metacurateRun ${flags.filter(Boolean).join(' ')}`;
    item.command = { command: 'metacurate.runs.openLog', title: 'Open Log', arguments: [node] };
    return item;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.changed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** A run whose results.jsonl is being written or is damaged still shows, without figures. */
function summarizeRunSafely(run: RunEntry): RunSummary {
  try {
    return summarizeRun(run);
  } catch {
    return summarizeRun(run, []);
  }
}
