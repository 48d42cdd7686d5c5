/**
 * "Metacurate: Curate Pool…": asks for the metadata (when the workspace has several), the pool
 * (a glob, picked files, or files browsed to), the text field, t, the seed and the output folder,
 * then runs the engine's CLI (dist/cli.js `curate --progress json`) in its own process, out of the
 * extension host. Progress is a cancellable notification (records/s, ETA); Cancel sends SIGTERM,
 * and running the same curation again resumes it (the engine keeps a manifest in the folder).
 * Everything the CLI says goes to the output channel; the end is a summary with buttons.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, promises as fsp, realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve, sep } from 'node:path';
import * as vscode from 'vscode';
import type { CurateSummary } from '../../server/engine/src/curate';
import { curateProgressNotice, formatCount } from '../../server/engine/src/progress';
import { DEFAULT_SETTINGS, DEFAULT_TEXT_FIELDS } from '../../contracts/src/lsp';
import { configuredT, metacurateConfig, type BalancePanelHost } from './balancePanel';
import { workspaceMetadata } from './balanceSources';

/** Arguments a caller (the panel, a test) may give; the rest is asked. */
export interface CurateArgs {
  t?: number;
}

/** Pool formats the engine reads. */
const POOL_EXTENSIONS = ['jsonl', 'jsonl.gz', 'csv', 'tsv', 'txt', 'parquet', 'tar'];
const POOL_GLOB = `**/*.{${POOL_EXTENSIONS.join(',')}}`;
const POOL_EXCLUDE =
  '{**/node_modules/**,**/.metacurate/**,**/.metacurate-cache/**,**/data/**/*.entries.jsonl}';

export interface CurationPlan {
  metadata: string;
  inputs: string[];
  textField?: string;
  t: number;
  seed: number;
  outDir: string;
  workers: number;
  /** 'slurm' submits the passes as Slurm array jobs (`--executor slurm`); cancel runs scancel. */
  executor?: 'local' | 'slurm';
}

/** The CLI arguments of a plan (the same command a user would type). */
export function curateArgv(plan: CurationPlan): string[] {
  const argv = ['curate', '--metadata', plan.metadata];
  for (const input of plan.inputs) argv.push('--input', input);
  if (plan.textField) argv.push('--text-field', plan.textField);
  argv.push('--t', String(plan.t), '--seed', String(plan.seed), '--out', plan.outDir, '--progress', 'json');
  if (plan.executor === 'slurm') argv.push('--executor', 'slurm', '--poll-seconds', '1');
  else if (plan.workers > 0) argv.push('--workers', String(plan.workers));
  return argv;
}

/** True when `child` is `parent` or inside it (after resolving links where they exist). */
export function isInside(parent: string, child: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const rel = relative(real(parent), real(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`));
}

function workspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
}

export class CurateCommand {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly panel: BalancePanelHost,
  ) {}

  async run(args?: CurateArgs): Promise<CurateSummary | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'Metacurate: curating runs the engine on files of this workspace; trust the workspace first.',
      );
      return undefined;
    }
    const plan = await this.ask(args);
    if (!plan) return undefined;
    return this.execute(plan);
  }

  // -------------------------------------------------------------------------------------------
  // Asking
  // -------------------------------------------------------------------------------------------

  private async ask(args?: CurateArgs): Promise<CurationPlan | undefined> {
    const folder = workspaceFolder();
    const cfg = metacurateConfig();
    const title = 'Metacurate: Curate Pool';

    const metadata = await this.askMetadata(title);
    if (!metadata) return undefined;
    const inputs = await this.askPool(title, folder);
    if (!inputs || inputs.length === 0) return undefined;
    const textField = await this.askTextField(title, inputs);
    if (textField === null) return undefined;

    const tDefault = args?.t ?? this.panel.currentT ?? configuredT();
    const tText = await vscode.window.showInputBox({
      title: `${title}: threshold t`,
      prompt: 'Entries matched more than t times are subsampled to about t (min(1, t / count)).',
      value: String(tDefault),
      ignoreFocusOut: true,
      validateInput: (v) =>
        Number(v) > 0 && Number.isFinite(Number(v)) ? undefined : 't must be a number above 0',
    });
    if (tText === undefined) return undefined;

    const seedDefault = cfg.get<number>('seed', 0);
    const seedText = await vscode.window.showInputBox({
      title: `${title}: seed`,
      prompt: 'Seed of the keep decisions (a non-negative integer): the same seed keeps the same records.',
      value: String(seedDefault),
      ignoreFocusOut: true,
      validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'the seed is a non-negative integer'),
    });
    if (seedText === undefined) return undefined;

    const outDir = await this.askOutDir(title, folder, inputs, metadata);
    if (!outDir) return undefined;
    const executor = await askExecutor(title, 'sbatch array jobs: count, reduce, select, finalize');
    if (!executor) return undefined;

    return {
      metadata,
      inputs,
      textField,
      t: Number(tText),
      seed: Number(seedText.trim()),
      outDir,
      workers: Math.max(0, Math.floor(cfg.get<number>('workers', 0))),
      executor,
    };
  }

  private async askMetadata(title: string): Promise<string | undefined> {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const globs = metacurateConfig().get<string[]>('metadataGlobs', DEFAULT_SETTINGS.metadataGlobs);
    const found = await workspaceMetadata(folders, globs);
    if (found.length === 1) return found[0];
    const browse = '$(folder-opened) Browse…';
    const items: vscode.QuickPickItem[] = [
      ...found.map((p, i) => ({
        label: vscode.workspace.asRelativePath(p, false),
        description: i === 0 ? 'default' : undefined,
        detail: p,
      })),
      { label: browse },
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: `${title}: metadata`,
      placeHolder: 'The metadata list the pool is matched against',
      ignoreFocusOut: true,
    });
    if (!picked) return undefined;
    if (picked.label !== browse) return picked.detail;
    const uris = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Use as Metadata',
      filters: { 'Metadata list': ['json', 'txt'] },
    });
    return uris?.[0]?.fsPath;
  }

  private async askPool(
    title: string,
    folder: vscode.WorkspaceFolder | undefined,
  ): Promise<string[] | undefined> {
    const GLOB = '$(filter) Glob pattern…';
    const FILES = '$(files) Choose files…';
    const BROWSE = '$(folder-opened) Browse…';
    const how = await vscode.window.showQuickPick(
      [
        { label: GLOB, detail: 'Pool files matching a glob relative to the workspace folder (pool/*.jsonl)' },
        { label: FILES, detail: 'Check pool files of the workspace' },
        { label: BROWSE, detail: 'Pick files anywhere' },
      ],
      { title: `${title}: pool`, placeHolder: 'Which files make the pool?', ignoreFocusOut: true },
    );
    if (!how) return undefined;
    if (how.label === BROWSE) {
      const uris = await vscode.window.showOpenDialog({
        canSelectMany: true,
        openLabel: 'Curate',
        filters: { Pool: POOL_EXTENSIONS.map((e) => e.replace(/^.*\./, '')) },
      });
      return uris?.map((u) => u.fsPath);
    }
    if (!folder) {
      void vscode.window.showWarningMessage(
        'Metacurate: open a folder to pick pool files from it, or browse.',
      );
      return undefined;
    }
    if (how.label === FILES) {
      const uris = await vscode.workspace.findFiles(
        new vscode.RelativePattern(folder, POOL_GLOB),
        POOL_EXCLUDE,
        5000,
      );
      const items = uris
        .map((u) => ({ label: vscode.workspace.asRelativePath(u, false), detail: u.fsPath }))
        .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
      const picked = await vscode.window.showQuickPick(items, {
        title: `${title}: pool files`,
        canPickMany: true,
        ignoreFocusOut: true,
      });
      return picked?.map((p) => p.detail);
    }
    const last = this.context.workspaceState.get<string>('metacurate.poolGlob', 'pool/*.jsonl');
    for (;;) {
      const glob = await vscode.window.showInputBox({
        title: `${title}: pool glob`,
        prompt: 'Pool files, as a glob relative to the workspace folder',
        value: last,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'a glob such as pool/*.jsonl'),
      });
      if (glob === undefined) return undefined;
      const uris = await vscode.workspace.findFiles(
        new vscode.RelativePattern(folder, glob.trim()),
        POOL_EXCLUDE,
      );
      const files = uris.map((u) => u.fsPath).sort();
      if (files.length > 0) {
        await this.context.workspaceState.update('metacurate.poolGlob', glob.trim());
        return files;
      }
      void vscode.window.showWarningMessage(`Metacurate: no file matches ${glob}.`);
    }
  }

  /** The caption field: '' for none needed (plain text pools), null when the user cancels. */
  private async askTextField(title: string, inputs: string[]): Promise<string | null> {
    if (inputs.every((p) => p.toLowerCase().endsWith('.txt'))) return '';
    const configured = metacurateConfig().get<string>('textField', '');
    const fields = await fieldsOf(inputs[0]);
    const preferred =
      configured ||
      DEFAULT_TEXT_FIELDS.find((f) => fields.includes(f)) ||
      fields[0] ||
      DEFAULT_TEXT_FIELDS[1];
    const ordered = [preferred, ...fields.filter((f) => f !== preferred)];
    const OTHER = '$(edit) Other field…';
    const picked = await vscode.window.showQuickPick(
      [
        ...ordered.map((f) => ({ label: f, description: f === preferred ? 'default' : undefined })),
        { label: OTHER },
      ],
      {
        title: `${title}: text field`,
        placeHolder: 'The caption field of each record',
        ignoreFocusOut: true,
      },
    );
    if (!picked) return null;
    if (picked.label !== OTHER) return picked.label;
    const typed = await vscode.window.showInputBox({
      title: `${title}: text field`,
      value: preferred,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'a field name'),
    });
    return typed === undefined ? null : typed.trim();
  }

  private async askOutDir(
    title: string,
    folder: vscode.WorkspaceFolder | undefined,
    inputs: string[],
    metadata: string,
  ): Promise<string | undefined> {
    const base = folder?.uri.fsPath;
    const last = this.context.workspaceState.get<string>('metacurate.outDir', 'curated');
    const value = await vscode.window.showInputBox({
      title: `${title}: output folder`,
      prompt: base
        ? 'Folder for the curation (relative to the workspace folder, or absolute). Everything is written inside it; the same folder again resumes.'
        : 'Absolute path of the folder for the curation.',
      value: last,
      ignoreFocusOut: true,
      validateInput: (v) => {
        const t = v.trim();
        if (!t) return 'an output folder';
        if (!base && !isAbsolute(t)) return 'an absolute path (no folder is open)';
        const out = resolve(base ?? '/', t);
        if (base && out === resolve(base))
          return 'choose a folder of its own, not the workspace folder itself';
        const taken = [...inputs, metadata].find((p) => resolve(p) === out);
        if (taken) return `${taken} is a file of the curation, not a folder for its outputs`;
        const data = resolve(out, 'data');
        const clash = inputs.find((p) => isInside(data, p));
        if (clash) return `${clash} lies inside the folder's data/: outputs could overwrite it`;
        return undefined;
      },
    });
    if (value === undefined) return undefined;
    await this.context.workspaceState.update('metacurate.outDir', value.trim());
    return resolve(base ?? '/', value.trim());
  }

  // -------------------------------------------------------------------------------------------
  // Running
  // -------------------------------------------------------------------------------------------

  async execute(plan: CurationPlan): Promise<CurateSummary | undefined> {
    const cli = this.context.asAbsolutePath('dist/cli.js');
    const argv = curateArgv(plan);
    const resuming = existsSync(resolve(plan.outDir, '.metacurate', 'manifest.json'));
    this.output.info(
      `Curate: ${resuming ? 'resuming in' : 'starting'} ${plan.outDir}: node ${[cli, ...argv].map(quoteArg).join(' ')}`,
    );

    let summary: CurateSummary | undefined;
    let cancelled = false;
    const stderrTail: string[] = [];
    const code = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: resuming ? 'Metacurate: resuming the curation' : 'Metacurate: curating',
        cancellable: true,
      },
      (progress, token) =>
        new Promise<number | null>((resolveRun) => {
          // The extension host's own runtime runs the CLI as Node (Electron needs the variable).
          const child = spawn(process.execPath, [cli, ...argv], {
            cwd: workspaceFolder()?.uri.fsPath ?? undefined,
            env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let done = 0;
          const cancel = token.onCancellationRequested(() => {
            cancelled = true;
            this.output.info('Curate: cancelled; stopping the engine (SIGTERM).');
            child.kill('SIGTERM');
          });
          lines(child.stdout, (line) => {
            let msg: { type?: string; [k: string]: unknown };
            try {
              msg = JSON.parse(line) as typeof msg;
            } catch {
              this.output.info(`Curate: ${line}`);
              return;
            }
            if (msg.type === 'progress') {
              const { message, percent } = curateProgressNotice(msg);
              const overall = Math.min(100, percent ?? done);
              progress.report({ message, increment: Math.max(0, overall - done) });
              done = Math.max(done, overall);
              this.output.trace(`Curate: ${message}`);
            } else if (msg.type === 'info') {
              this.output.info(`Curate: ${String(msg.message)}`);
            } else if (msg.type === 'summary') {
              summary = msg.summary as CurateSummary;
            }
          });
          lines(child.stderr, (line) => {
            stderrTail.push(line);
            if (stderrTail.length > 20) stderrTail.shift();
            this.output.warn(`Curate: ${line}`);
          });
          child.once('error', (err) => {
            this.output.error(`Curate: cannot start the engine: ${err.message}`);
            cancel.dispose();
            resolveRun(null);
          });
          child.once('close', (exit, signal) => {
            cancel.dispose();
            if (signal) this.output.info(`Curate: the engine stopped on ${signal}.`);
            resolveRun(exit);
          });
        }),
    );

    if (cancelled) {
      void vscode.window.showInformationMessage(
        `Metacurate: curation cancelled. Run it again into ${vscode.workspace.asRelativePath(plan.outDir, false)} to resume.`,
      );
      return undefined;
    }
    if (code !== 0 || !summary) {
      const reason = stderrTail.filter((l) => l.trim()).pop() ?? `the engine exited with code ${code}`;
      const choice = await vscode.window.showErrorMessage(
        `Metacurate: curation failed: ${reason}`,
        'Show Log',
      );
      if (choice === 'Show Log') this.output.show(true);
      return undefined;
    }
    const s = summary;
    const escaped = s.outputs.filter(
      (o) =>
        !isInside(plan.outDir, resolve(plan.outDir, o.output)) ||
        !isInside(plan.outDir, resolve(plan.outDir, o.sidecar)),
    );
    if (escaped.length > 0) {
      this.output.error(`Curate: outputs outside ${plan.outDir}: ${escaped.map((o) => o.output).join(', ')}`);
      void vscode.window.showErrorMessage(
        'Metacurate: the engine reported outputs outside the output folder.',
      );
      return undefined;
    }
    await this.context.workspaceState.update('metacurate.lastCuration', plan.outDir);
    this.panel.curationFinished(plan.outDir);
    const text =
      `Metacurate: curated ${formatCount(s.pool.records)} records: ${formatCount(s.pool.matched_records)} matched, ` +
      `${formatCount(s.kept)} kept (expected ${formatCount(s.expected_kept)}) in ${s.wall_seconds.toFixed(1)} s` +
      `${s.resumed ? ' (resumed)' : ''}.`;
    this.output.info(
      `Curate: done: pool ${s.pool.records} records, matched ${s.pool.matched_records}, kept ${s.kept}, ` +
        `expected ${s.expected_kept}, ${s.wall_seconds} s, into ${plan.outDir}`,
    );
    void this.offerSummaryActions(text, plan);
    return s;
  }

  private async offerSummaryActions(text: string, plan: CurationPlan): Promise<void> {
    const OPEN = 'Open Output Folder';
    const SHOW = 'Show in Entry Balance';
    const choice = await vscode.window.showInformationMessage(text, OPEN, SHOW);
    if (choice === OPEN) {
      const uri = vscode.Uri.file(plan.outDir);
      const folder = workspaceFolder();
      if (folder && isInside(folder.uri.fsPath, plan.outDir)) {
        await vscode.commands.executeCommand('revealInExplorer', uri);
      } else await vscode.commands.executeCommand('revealFileInOS', uri);
    } else if (choice === SHOW) {
      await this.panel.show({ kind: 'curation', folder: plan.outDir }, plan.t);
    }
  }
}

/** Calls `onLine` for each line of a stream. */
export function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line) onLine(line);
    }
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer);
  });
}

function quoteArg(a: string): string {
  return /^[\w./=:@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Candidate caption fields of a pool file: string fields of the first JSONL record, or the CSV/TSV header. */
export async function fieldsOf(path: string): Promise<string[]> {
  const lower = path.toLowerCase();
  if (!/\.(jsonl|csv|tsv)$/.test(lower)) return [];
  let head: string;
  try {
    const handle = await fsp.open(path, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      head = buf.toString('utf8', 0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
  const lineEnd = head.indexOf('\n');
  const first = (lineEnd >= 0 ? head.slice(0, lineEnd) : head).replace(/\r$/, '');
  if (lower.endsWith('.jsonl')) {
    for (const line of head.split('\n')) {
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        if (obj && typeof obj === 'object' && !Array.isArray(obj))
          return Object.keys(obj).filter((k) => typeof obj[k] === 'string');
      } catch {
        // a blank or cut line
      }
    }
    return [];
  }
  const sepChar = lower.endsWith('.tsv') ? '\t' : ',';
  return first
    .split(sepChar)
    .map((c) => c.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
}

/** True when an executable of that name is in one of the PATH folders. */
function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * Local, or the Slurm cluster when `sbatch` is on the PATH (setting `metacurate.executor`:
 * `auto` offers the choice then, `local` and `slurm` fix it).
 */
export async function askExecutor(
  title: string,
  slurmDescription: string,
): Promise<'local' | 'slurm' | undefined> {
  const setting = metacurateConfig().get<string>('executor', 'auto');
  if (setting === 'local' || setting === 'slurm') return setting;
  if (!onPath('sbatch')) return 'local';
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Local', description: 'this machine', value: 'local' as const },
      { label: 'Slurm cluster', description: slurmDescription, value: 'slurm' as const },
    ],
    { title: `${title}: where to run`, ignoreFocusOut: true },
  );
  return picked?.value;
}
