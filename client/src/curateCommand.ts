/**
 * "Metacurate: Curate Pool…": asks for the metadata (when the workspace has several; a worldwide
 * folder of language lists curates worldwide, curateWorldwide.ts), the pool (a glob, picked files,
 * or files browsed to), the text field, t, the seed and the output folder,
 * then runs the engine's CLI (dist/cli.js `curate --progress json`) in its own process, out of the
 * extension host. Progress is a cancellable notification (records/s, ETA); Cancel sends SIGTERM,
 * and running the same curation again resumes it (the engine keeps a manifest in the folder).
 * Everything the CLI says goes to the output channel; the end is a summary with buttons.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as vscode from 'vscode';
import { parseCliEvent, type CliCurateSummary } from '../../contracts/src/cliEvents';
import { DEFAULT_SETTINGS } from '../../contracts/src/lsp';
import { configuredT, metacurateConfig, type BalancePanelHost } from './balancePanel';
import { workspaceMetadata, workspaceWorldwideFolders } from './balanceSources';
import { lines, onPath, spawnCli } from './cliProcess';
import { askPoolGlob } from './poolGlobBox';
import type { CurationChoice } from './curationChoice';
import { askLanguageField, askWorldwide, worldwideFolderItem } from './curateWorldwide';
import {
  commandLine,
  curateArgv,
  curateProgressStep,
  curationSummaryText,
  executorChoice,
  failureReason,
  isInside,
  needsTextField,
  outDirPrompt,
  outputsOutside,
  POOL_DIALOG_EXTENSIONS,
  POOL_EXCLUDE,
  POOL_GLOB,
  resolveOutDir,
  seedPrefill,
  textFieldChoices,
  tPrefill,
  validateFieldName,
  validateOutDir,
  validateSeed,
  validateT,
  workersSetting,
  type CurateArgs,
  type CurationPlan,
} from './plans/curatePlan';
import { fieldsOf } from './plans/poolFields';
import {
  languageFieldToOffer,
  tEnPrefill,
  worldwideFolderOf,
  worldwideSummaryText,
  type WorldwideFolder,
} from './plans/worldwidePlan';

export type { CurateArgs, CurationPlan } from './plans/curatePlan';

function workspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
}

export class CurateCommand {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly panel: BalancePanelHost,
    private readonly curations: CurationChoice,
  ) {}

  async run(args?: CurateArgs): Promise<CliCurateSummary | undefined> {
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

    const chosen = await this.askMetadata(title);
    if (!chosen) return undefined;
    const { metadata, worldwide } = chosen;
    const inputs = await this.askPool(title, folder);
    if (!inputs || inputs.length === 0) return undefined;
    const textField = await this.askTextField(title, inputs);
    if (textField === null) return undefined;
    const language = worldwide ? await askLanguageField(title, inputs, textField) : {};
    if (!language) return undefined;

    // The caller's t (the panel's button), else the panel's, else the t of the chosen list's active
    // curation, else the setting's. Worldwide, t is English's: the panel's may be another language's.
    const tDefault = worldwide
      ? tEnPrefill(
          { t: args?.t ?? this.panel.currentT, language: this.panel.currentLanguage },
          this.activeCurationT(worldwide.lists.get('en')),
          configuredT(),
        )
      : tPrefill(args?.t, this.panel.currentT, this.activeCurationT(metadata), configuredT());
    const tText = await vscode.window.showInputBox({
      title: `${title}: ${worldwide ? "English's threshold t_en" : 'threshold t'}`,
      prompt: worldwide
        ? "English's t: every language keeps English's tail share of matches, with its own t_lang."
        : 'Entries matched more than t times are subsampled to about t (min(1, t / count)).',
      value: String(tDefault),
      ignoreFocusOut: true,
      validateInput: validateT,
    });
    if (tText === undefined) return undefined;

    const seedDefault = seedPrefill(cfg.get<number>('seed', 0));
    const seedText = await vscode.window.showInputBox({
      title: `${title}: seed`,
      prompt: 'Seed of the keep decisions (a non-negative integer): the same seed keeps the same records.',
      value: String(seedDefault),
      ignoreFocusOut: true,
      validateInput: validateSeed,
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
      t: Number(tText.trim()),
      seed: Number(seedText.trim()),
      outDir,
      workers: workersSetting(cfg.get<number>('workers', 0)),
      executor,
      ...(worldwide ? { worldwide: { languageField: language.field } } : {}),
    };
  }

  /** The t of the active curation, when `metadataPath` is the list it belongs to. */
  private activeCurationT(metadataPath: string | undefined): number | undefined {
    const { metadataUri, curation } = this.curations.current();
    if (metadataPath === undefined || metadataUri === undefined || curation === undefined) return undefined;
    const uri = vscode.Uri.parse(metadataUri);
    return uri.scheme === 'file' && resolve(uri.fsPath) === resolve(metadataPath) ? curation.t : undefined;
  }

  /**
   * The metadata: a list, or a worldwide folder (chosen as a folder, or as one of its language
   * lists and then confirmed); undefined when the user cancels.
   */
  private async askMetadata(
    title: string,
  ): Promise<{ metadata: string; worldwide?: WorldwideFolder } | undefined> {
    const path = await this.pickMetadata(title);
    if (!path) return undefined;
    const worldwide = worldwideFolderOf(path);
    if (!worldwide) return { metadata: path };
    if (worldwide.chosenList !== undefined) {
      const whole = await askWorldwide(title, worldwide);
      if (whole === undefined) return undefined;
      if (!whole) return { metadata: path };
    }
    return { metadata: worldwide.dir, worldwide };
  }

  private async pickMetadata(title: string): Promise<string | undefined> {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const globs = metacurateConfig().get<string[]>('metadataGlobs', DEFAULT_SETTINGS.metadataGlobs);
    const found = await workspaceMetadata(folders, globs);
    const worldwide = await workspaceWorldwideFolders(folders);
    if (found.length === 1 && worldwide.length === 0) return found[0];
    const browse = '$(folder-opened) Browse…';
    const items: vscode.QuickPickItem[] = [
      ...found.map((p, i) => ({
        label: vscode.workspace.asRelativePath(p, false),
        description: i === 0 ? 'default' : undefined,
        detail: p,
      })),
      ...worldwide.map(worldwideFolderItem),
      { label: browse },
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: `${title}: metadata`,
      placeHolder: 'The metadata list, or a worldwide folder of language lists, the pool is matched against',
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
        filters: { Pool: POOL_DIALOG_EXTENSIONS },
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
    const picked = await askPoolGlob(title, folder, last);
    if (picked) await this.context.workspaceState.update('metacurate.poolGlob', picked.glob);
    return picked?.files;
  }

  /** The caption field: '' for none needed (plain text pools), null when the user cancels. */
  private async askTextField(title: string, inputs: string[]): Promise<string | null> {
    if (!needsTextField(inputs)) return '';
    const configured = metacurateConfig().get<string>('textField', '');
    const { preferred, ordered } = textFieldChoices(configured, await fieldsOf(inputs[0]));
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
      validateInput: validateFieldName,
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
      prompt: outDirPrompt(base),
      value: last,
      ignoreFocusOut: true,
      validateInput: (v) => validateOutDir(v, { base, inputs, metadata }),
    });
    if (value === undefined) return undefined;
    await this.context.workspaceState.update('metacurate.outDir', value.trim());
    return resolveOutDir(base, value.trim());
  }

  // -------------------------------------------------------------------------------------------
  // Running
  // -------------------------------------------------------------------------------------------

  async execute(plan: CurationPlan): Promise<CliCurateSummary | undefined> {
    const cli = this.context.asAbsolutePath('dist/cli.js');
    const argv = curateArgv(plan);
    const resuming = existsSync(resolve(plan.outDir, '.metacurate', 'manifest.json'));
    this.output.info(
      `Curate: ${resuming ? 'resuming in' : 'starting'} ${plan.outDir}: ${commandLine(cli, argv)}`,
    );

    let summary: CliCurateSummary | undefined;
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
          const child = spawnCli(cli, argv, { cwd: workspaceFolder()?.uri.fsPath });
          let done = 0;
          const cancel = token.onCancellationRequested(() => {
            cancelled = true;
            this.output.info('Curate: cancelled; stopping the engine (SIGTERM).');
            child.kill('SIGTERM');
          });
          lines(child.stdout, (line) => {
            const event = parseCliEvent(line);
            if (!event) {
              this.output.info(`Curate: ${line}`);
              return;
            }
            if (event.type === 'progress') {
              const step = curateProgressStep(done, event);
              progress.report({ message: step.message, increment: step.increment });
              done = step.done;
              this.output.trace(`Curate: ${step.message}`);
            } else if (event.type === 'info') {
              this.output.info(`Curate: ${event.message}`);
            } else if (event.type === 'summary') {
              summary = event.summary;
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
      const reason = failureReason(stderrTail, code);
      const choice = await vscode.window.showErrorMessage(
        `Metacurate: curation failed: ${reason}`,
        'Show Log',
      );
      if (choice === 'Show Log') this.output.show(true);
      return undefined;
    }
    const s = summary;
    const escaped = outputsOutside(plan.outDir, s);
    if (escaped.length > 0) {
      this.output.error(`Curate: outputs outside ${plan.outDir}: ${escaped.join(', ')}`);
      void vscode.window.showErrorMessage(
        'Metacurate: the engine reported outputs outside the output folder.',
      );
      return undefined;
    }
    await this.context.workspaceState.update('metacurate.lastCuration', plan.outDir);
    this.panel.curationFinished(plan.outDir);
    const text = s.worldwide
      ? `${curationSummaryText(s)} ${worldwideSummaryText(s.worldwide)}`
      : curationSummaryText(s);
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
    // Highlights and hover counts of samples then take each caption's language as the curation did.
    const field = languageFieldToOffer(
      metacurateConfig().get<string>('worldwide.languageField', ''),
      plan.worldwide?.languageField,
    );
    const USE_FIELD = field === undefined ? undefined : `Use '${field}' for Sample Languages`;
    const choice = await vscode.window.showInformationMessage(
      text,
      ...[OPEN, SHOW, ...(USE_FIELD ? [USE_FIELD] : [])],
    );
    if (USE_FIELD && choice === USE_FIELD) {
      await metacurateConfig().update('worldwide.languageField', field, vscode.ConfigurationTarget.Workspace);
    } else if (choice === OPEN) {
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

/**
 * Local, or the Slurm cluster when `sbatch` is on the PATH (setting `metacurate.executor`:
 * `auto` offers the choice then, `local` and `slurm` fix it).
 */
export async function askExecutor(
  title: string,
  slurmDescription: string,
): Promise<'local' | 'slurm' | undefined> {
  const choice = executorChoice(metacurateConfig().get<string>('executor', 'auto'), onPath('sbatch'));
  if (choice !== 'ask') return choice;
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Local', description: 'this machine', value: 'local' as const },
      { label: 'Slurm cluster', description: slurmDescription, value: 'slurm' as const },
    ],
    { title: `${title}: where to run`, ignoreFocusOut: true },
  );
  return picked?.value;
}
