/**
 * The entry-balance panel, host side: one webview panel ("Metacurate: Show Entry Balance") fed by
 * the counts of the workspace's samples or of a finished curation. The language server prepares
 * the data (`metacurate/balance`: its own sample matches, or the curation's files) and they are
 * posted as typed arrays; the webview (webview/src) draws and answers the t control by itself.
 * Messages: contracts/src/webview.ts. The default source is the active list's active curation
 * (curationChoice.ts), and the panel follows it until the user picks a source.
 *
 * Security: a strict CSP (`default-src 'none'`, the one script by nonce, no eval), resources only
 * from dist/ and media/ through `asWebviewUri`. The webview keeps its state with `setState`; the
 * serializer re-creates the panel after a window reload and the host sends the data again.
 *
 * A threshold sweep's folder is shown too (`{ kind: 'sweep' }`): the host reads its summary.json
 * (sweepView.ts) and sends it again, debounced, whenever a watcher sees the file change, so a sweep
 * running in the background fills the view in; the webview opens each t's curation from there.
 *
 * A training run's per-class zero-shot accuracy can be laid over the ranked-entry chart
 * (`setAccuracyOverlay`): the host keeps it, maps it onto the entries of whatever data it sends
 * (server/engine/src/classAccuracy.ts) and sends it with them; the webview keeps the overlay in its
 * state, and the host takes it back from there after a window reload.
 */
import { curationMetadataSha } from './balanceSources';
import { CompareSource } from './compareSource';
import { readSweepView, STUDY_SUMMARY_FILE } from './sweepView';
import { webviewOptions, webviewPage } from './webviewPage';
import { isThreshold } from '../../contracts/src/threshold';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import {
  accuracyByEntry,
  parseZeroShotOverlay,
  unmatchedClasses,
  type ZeroShotOverlay,
} from '../../server/engine/src/classAccuracy';
import { metadataKindOf, parseMetadata } from '../../server/engine/src/documents/metadataModel';
import { decodeBalanceModel } from '../../contracts/src/balanceWire';
import {
  BalanceRequest,
  CurationsRequest,
  DEFAULT_SETTINGS,
  SETTINGS_SECTION,
} from '../../contracts/src/lsp';
import {
  BALANCE_VIEW_TYPE,
  curationEntryOf,
  sourceKey,
  type AccuracyOverlay,
  type BalancePayload,
  type CurationChoice,
  type HostMessage,
  type PanelSource,
  type PanelState,
  type SourceSpec,
  type SweepChoice,
  type WebviewMessage,
} from '../../contracts/src/webview';
import type { CurationChoice as ActiveCuration } from './curationChoice';
import { BROWSE_ENTRY_COMMAND, type BrowseEntryArgs } from '../../contracts/src/entryBrowserMessages';

/** The settings the panel and the commands read (section `metacurate`). */
export function metacurateConfig(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SETTINGS_SECTION, vscode.workspace.workspaceFolders?.[0]?.uri);
}

export function configuredT(): number {
  const t = metacurateConfig().get<number>('t', DEFAULT_SETTINGS.t);
  return isThreshold(t) ? t : DEFAULT_SETTINGS.t;
}

/** The active list's active curation when it is finished, else the workspace samples. */
export function activeSource(curations: ActiveCuration): SourceSpec {
  const active = curations.current().curation;
  const folder = active && vscode.Uri.parse(active.uri).fsPath;
  // A curation is drawn from its matches.bin: one still being made has none yet.
  return folder && existsSync(join(folder, 'matches.bin'))
    ? { kind: 'curation', folder }
    : { kind: 'samples' };
}

/** How long the panel waits for the language server to start before it says it does not run. */
const SERVER_START_MS = 60_000;

/** How long a sweep's summary.json must rest before the panel reads it again. */
const SWEEP_REFRESH_MS = 300;

/** Owns the (single) panel and the data cache. */
export class BalancePanelHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private readonly cache = new Map<string, Promise<BalancePayload>>();
  private readonly sessionCurations = new Set<string>();
  /** The threshold sweeps shown in this session (the source selector offers them). */
  private readonly sessionSweeps = new Set<string>();
  /** The watcher of the shown sweep's summary.json. */
  private sweepWatch: { folder: string; dispose(): void } | undefined;
  /** The source the user picked; until then the panel shows the default (see defaultSource). */
  private chosenSource: PanelSource | undefined;
  /** The t the panel shows (undefined until a panel reports one). */
  private panelT: number | undefined;
  /** The t to send with the next data (set by `show`, else the panel keeps its own). */
  private pendingT: number | undefined;
  /**
   * The webview's script runs and listens. A hidden panel's webview is destroyed (no
   * retainContextWhenHidden) and says `ready` again when shown; the data are sent then.
   */
  private ready = false;
  /** The data last sent to the webview (what an overlay sent alone must be mapped onto). */
  private shown: BalancePayload | undefined;
  /** The zero-shot accuracy overlay, kept across hiding, closing and new data. */
  private accuracy: ZeroShotOverlay | undefined;
  /** `setAccuracyOverlay` was called (or the overlay taken from the webview's state): the host's word wins. */
  private accuracyKnown = false;
  /** The overlay mapped onto each data (weakly: the data cache decides what lives). */
  private readonly accuracyMapped = new WeakMap<
    BalancePayload,
    { overlay: ZeroShotOverlay; value: AccuracyOverlay }
  >();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly compare = new CompareSource(this.load.bind(this), this.post.bind(this));

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly getClient: () => LanguageClient | undefined,
    private readonly curations: ActiveCuration,
  ) {
    this.disposables.push(
      // The default source follows the active curation (a new one, or another chosen).
      curations.onDidChange(() => {
        // Another list, or the same list saved differently: the samples' matches change.
        this.cache.delete('samples');
        if (this.chosenSource || !this.panel || !this.ready) return;
        void this.sendChoices().then(() => this.sendSource());
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SETTINGS_SECTION}.t`)) this.post({ type: 'setT', t: configuredT() });
        if (
          ['metadataGlobs', 'sampleGlobs', 'samplesFolder', 'textField', 'padding'].some((k) =>
            e.affectsConfiguration(`${SETTINGS_SECTION}.${k}`),
          )
        )
          this.cache.delete('samples');
      }),
    );
  }

  /** The source shown: the user's pick, else the active curation (finished), else the samples. */
  private get source(): PanelSource {
    return this.chosenSource ?? this.defaultSource();
  }

  private defaultSource(): SourceSpec {
    return activeSource(this.curations);
  }

  /** The t of the open panel, for "Curate Pool…" started while it is open. */
  get currentT(): number | undefined {
    return this.panel ? this.panelT : undefined;
  }

  /** The language the open panel was asked for (a worldwide curation's; `*`: all), for the same. */
  get currentLanguage(): string | undefined {
    const source = this.source;
    return this.panel && source.kind === 'curation' ? source.language : undefined;
  }

  /**
   * Lays a training run's per-class zero-shot accuracy (and a baseline's) over the ranked-entry
   * chart, or removes it (undefined). The host keeps it: an open panel shows it at once, a hidden
   * or closed one when it is shown again, and it goes with every data the panel loads later
   * (mapped onto that data's entries). It does not open the panel (`show` does). Each call maps
   * the overlay afresh, so an object changed in place may be passed again.
   */
  setAccuracyOverlay(overlay: ZeroShotOverlay | undefined): void {
    this.accuracy = overlay ? { ...overlay } : undefined;
    this.accuracyKnown = true;
    if (this.panel && this.ready && this.shown)
      this.post({ type: 'accuracy', accuracy: this.mapAccuracy(this.shown) });
  }

  /** The overlay the panel shows (or will show with its next data). */
  get accuracyOverlay(): ZeroShotOverlay | undefined {
    return this.accuracy;
  }

  /** Opens (or reveals) the panel on a source (or a threshold sweep), at `t` when given. */
  async show(source?: PanelSource, t?: number): Promise<void> {
    if (source) this.choose(source);
    this.pendingT = t;
    if (this.panel) {
      this.panel.reveal(undefined, false);
      if (this.ready) await this.sendSource();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      BALANCE_VIEW_TYPE,
      'Entry Balance',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      this.webviewOptions(),
    );
    this.attach(panel);
  }

  /** The serializer's entry: a panel restored after a reload, with the state its webview kept. */
  revive(panel: vscode.WebviewPanel, state: PanelState | undefined): void {
    if (state?.source) this.choose(state.source);
    if (state?.t) this.panelT = state.t;
    this.adoptSavedAccuracy(state);
    panel.webview.options = this.webviewOptions();
    this.attach(panel);
  }

  /** Reads the workspace's samples again; the panel shows them when it is on the samples. */
  async refreshSamples(): Promise<BalancePayload> {
    this.cache.delete('samples');
    const payload = this.load({ kind: 'samples' });
    if (this.panel && this.source.kind === 'samples') await this.sendSource();
    return payload;
  }

  /** A curation just finished into `folder`: offer it, and drop any stale data of it. */
  curationFinished(folder: string): void {
    this.sessionCurations.add(folder);
    // Every language of a worldwide curation too (their keys start with the folder's).
    const key = sourceKey({ kind: 'curation', folder });
    for (const k of [...this.cache.keys()]) if (k === key || k.startsWith(`${key}#`)) this.cache.delete(k);
    void this.sendChoices();
  }

  /** The source the user chose: shown from now on, and offered by the selector. */
  private choose(source: PanelSource): void {
    this.chosenSource = source;
    if (source.kind === 'curation') this.sessionCurations.add(source.folder);
    if (source.kind === 'sweep') this.sessionSweeps.add(source.folder);
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return webviewOptions(this.context.extensionUri);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    this.shown = undefined;
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'balance.svg');
    panel.webview.html = this.html(panel.webview);
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((m: WebviewMessage) => void this.onMessage(m)),
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.ready = false;
        this.watchSweep(undefined);
        for (const d of this.panelDisposables.splice(0)) d.dispose();
      }),
    );
  }

  private html(webview: vscode.Webview): string {
    return webviewPage(webview, this.context.extensionUri, {
      bundle: 'webview.js',
      title: 'Entry Balance',
      imageSources: ['data:', 'blob:'],
    });
  }

  private post(message: HostMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  private async onMessage(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        // The host knows the source (a revived panel's came with the serializer's state); the
        // webview's own t is the latest unless a command asked for another.
        this.ready = true;
        this.shown = undefined;
        if (m.state?.t && this.pendingT === undefined) this.panelT = m.state.t;
        this.adoptSavedAccuracy(m.state);
        this.compare.adopt(m.state);
        await this.sendChoices();
        await this.sendSource();
        return;
      case 'selectSource':
        this.choose(m.source);
        if (m.t !== undefined && isThreshold(m.t)) this.pendingT = m.t;
        if (m.source.kind === 'sweep') await this.sendChoices();
        await this.sendSource();
        return;
      case 'selectCompare':
        return this.compare.select(m.folder, this.shown);
      case 'refresh':
        this.cache.delete(sourceKey(this.source));
        await this.sendSource();
        return;
      case 'tChanged':
        this.panelT = m.t;
        return;
      case 'curate':
        this.panelT = m.t;
        await vscode.commands.executeCommand('metacurate.curatePool', { t: m.t });
        return;
      case 'revealEntry':
        await this.revealEntry(m.id);
        return;
      case 'browseEntry':
        await this.browseEntry(m.id, m.source);
        return;
      case 'export':
        await this.saveExport(m.format, m.name, m.content);
        return;
    }
  }

  private async sendSource(): Promise<void> {
    const source = this.source;
    if (source.kind === 'sweep') return this.sendSweep(source.folder);
    this.watchSweep(undefined);
    const key = sourceKey(source);
    this.post({
      type: 'loading',
      source,
      message: source.kind === 'samples' ? 'Matching the workspace samples…' : `Reading ${source.folder}…`,
    });
    try {
      const payload = await this.load(source);
      if (sourceKey(this.source) !== key) return; // switched meanwhile
      const t = this.pendingT ?? this.panelT ?? payload.info.t ?? configuredT();
      this.pendingT = undefined;
      this.panelT = t;
      this.shown = payload;
      this.post({ type: 'data', payload, t, accuracy: this.mapAccuracy(payload) });
      await this.compare.follow(payload);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.output.error(`Entry balance: ${message}`);
      this.post({ type: 'error', source, message });
    }
  }

  /** Shows the sweep in `folder`, and follows its summary.json from now on. */
  private async sendSweep(folder: string): Promise<void> {
    this.watchSweep(folder);
    this.post({
      type: 'loading',
      source: { kind: 'sweep', folder },
      message: `Reading the sweep ${folder}…`,
    });
    await this.postSweep(folder);
  }

  /** Reads the sweep's summary.json and sends it (or why it cannot be read), if it is still shown. */
  private async postSweep(folder: string): Promise<void> {
    const source: PanelSource = { kind: 'sweep', folder };
    try {
      const sweep = await readSweepView(folder);
      if (sourceKey(this.source) !== sourceKey(source)) return; // switched meanwhile
      this.shown = undefined;
      this.post({ type: 'sweep', sweep });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.output.error(`Entry balance: ${message}`);
      if (sourceKey(this.source) === sourceKey(source)) this.post({ type: 'error', source, message });
    }
  }

  /**
   * Watches the summary.json of the sweep in `folder` (undefined: none): a change, once it rests
   * for SWEEP_REFRESH_MS, is read and sent while the panel shows that sweep. A hidden panel reads
   * it when shown again.
   */
  private watchSweep(folder: string | undefined): void {
    if (this.sweepWatch?.folder === folder) return;
    this.sweepWatch?.dispose();
    this.sweepWatch = undefined;
    if (folder === undefined) return;
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(folder), STUDY_SUMMARY_FILE),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const source = this.source;
        if (this.panel && this.ready && source.kind === 'sweep' && source.folder === folder)
          void this.postSweep(folder);
      }, SWEEP_REFRESH_MS);
    };
    const subscriptions = [watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed)];
    this.sweepWatch = {
      folder,
      dispose: () => {
        clearTimeout(timer);
        for (const d of subscriptions) d.dispose();
      },
    };
  }

  /**
   * The overlay saved in the webview's state, after a window reload (a new host knows none): taken
   * back unless `setAccuracyOverlay` said otherwise since the host started.
   */
  private adoptSavedAccuracy(state: PanelState | undefined): void {
    if (this.accuracyKnown || !state?.accuracy) return;
    const overlay = parseZeroShotOverlay(state.accuracy);
    if (!overlay) return;
    this.accuracy = overlay;
    this.accuracyKnown = true;
  }

  /** The overlay on `payload`'s entries, by rank (undefined when there is none). */
  private mapAccuracy(payload: BalancePayload): AccuracyOverlay | undefined {
    const overlay = this.accuracy;
    // Only a run whose curation was made with the same metadata as the data shown.
    if (!overlay?.metadataSha256 || overlay.metadataSha256 !== payload.info.metadataSha256) return undefined;
    const cached = this.accuracyMapped.get(payload);
    if (cached?.overlay === overlay) return cached.value;
    const { names, model } = payload;
    const byRank = (byId: Float64Array) => Float64Array.from(model.order, (id) => byId[id]);
    const value: AccuracyOverlay = {
      overlay,
      source: sourceKey(payload.info.spec),
      ranked: byRank(accuracyByEntry(names, overlay.perClass)),
      baselineRanked: overlay.baseline
        ? byRank(accuracyByEntry(names, overlay.baseline.perClass))
        : undefined,
      unmatched: unmatchedClasses(names, overlay.perClass),
    };
    this.accuracyMapped.set(payload, { overlay, value });
    return value;
  }

  private load(source: SourceSpec): Promise<BalancePayload> {
    const key = sourceKey(source);
    let p = this.cache.get(key);
    if (!p) {
      p = this.request(source);
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  /**
   * The language client once it runs: a panel restored after a window reload asks for its data
   * while the server is still starting. Undefined when it does not run within SERVER_START_MS.
   */
  private async runningClient(): Promise<LanguageClient | undefined> {
    const client = this.getClient();
    if (!client || client.isRunning()) return client;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, SERVER_START_MS);
      const listener = client.onDidChangeState((e) => {
        if (e.newState === State.Running) done();
      });
      function done(): void {
        clearTimeout(timer);
        listener.dispose();
        resolve();
      }
    });
    return client.isRunning() ? client : undefined;
  }

  /** The data from the language server: the one place that matches the samples. */
  private async request(source: SourceSpec): Promise<BalancePayload> {
    const client = await this.runningClient();
    if (!client) throw new Error('the Metacurate language server is not running');
    const result = await client.sendRequest(BalanceRequest, { source });
    const payload: BalancePayload = {
      info: result.info,
      names: result.names,
      model: decodeBalanceModel(result.model),
    };
    const { info } = payload;
    this.output.info(
      `Entry balance: ${info.label}: ${info.texts.toLocaleString('en-US')} texts, ` +
        `${payload.model.matchedTexts.toLocaleString('en-US')} matched, prepared in ${info.millis} ms.`,
    );
    return payload;
  }

  /**
   * The curations the selector offers: those made with the active metadata list (the server's
   * list), and the ones finished in this session with the same metadata (before a rescan).
   */
  private async sendChoices(): Promise<void> {
    const folders = new Set<string>();
    const client = await this.runningClient();
    if (client) {
      try {
        const listed = await client.sendRequest(CurationsRequest, {});
        for (const c of listed.curations) folders.add(vscode.Uri.parse(c.uri).fsPath);
        for (const folder of this.sessionCurations)
          if (listed.metadataSha256 && curationMetadataSha(folder) === listed.metadataSha256)
            folders.add(folder);
      } catch (err) {
        this.output.warn(
          `Entry balance: cannot list the curations: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    const curations: CurationChoice[] = [];
    for (const folder of folders) {
      try {
        await fsp.access(`${folder}/matches.bin`);
      } catch {
        continue;
      }
      const rel = vscode.workspace.asRelativePath(folder, false);
      curations.push({ folder, label: `Curation: ${rel}`, metadataSha256: curationMetadataSha(folder) });
    }
    curations.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    const sweeps: SweepChoice[] = [...this.sessionSweeps].sort().map((folder) => ({
      folder,
      label: `Threshold sweep: ${vscode.workspace.asRelativePath(folder, false)}`,
    }));
    this.post({ type: 'choices', curations, sweeps, current: this.source });
  }

  /** Opens the entry browser on entry `id` of the data shown (its metadata names the ids). */
  private async browseEntry(id: number, source: SourceSpec): Promise<void> {
    const payload = await this.load(source).catch(() => undefined);
    const path = payload?.info.metadataPath;
    const args: BrowseEntryArgs = {
      ...(payload ? curationEntryOf(payload.info, id) : { entryId: id, source }),
      ...(path ? { metadataUri: vscode.Uri.file(path).toString() } : {}),
    };
    await vscode.commands.executeCommand(BROWSE_ENTRY_COMMAND, args);
  }

  private async revealEntry(id: number): Promise<void> {
    const source = this.source;
    if (source.kind === 'sweep') return; // a sweep has no entries (a row of a view left meanwhile)
    const payload = await this.load(source).catch(() => undefined);
    const path = payload?.info.metadataPath;
    if (!path) return;
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
      const text = doc.getText();
      const model = parseMetadata(text, metadataKindOf(path, doc.languageId, text));
      if (id < 0 || id >= model.entries.length) {
        void vscode.window.showWarningMessage(`Metacurate: entry ${id} is no longer in ${path}.`);
        return;
      }
      const range = new vscode.Range(doc.positionAt(model.starts[id]), doc.positionAt(model.ends[id]));
      const editor = await vscode.window.showTextDocument(doc, {
        viewColumn: vscode.ViewColumn.Beside,
        selection: range,
        preserveFocus: false,
      });
      editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
    } catch (err) {
      void vscode.window.showErrorMessage(`Metacurate: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async saveExport(format: 'png' | 'svg' | 'csv', name: string, content: string): Promise<void> {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri;
    const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-');
    const target = await vscode.window.showSaveDialog({
      defaultUri: base ? vscode.Uri.joinPath(base, `${safe}.${format}`) : undefined,
      filters: { [format.toUpperCase()]: [format] },
      saveLabel: 'Export',
    });
    if (!target) {
      this.post({ type: 'exported' });
      return;
    }
    const bytes =
      format === 'png'
        ? Buffer.from(content.slice(content.indexOf(',') + 1), 'base64')
        : Buffer.from(content, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    this.output.info(`Entry balance: exported ${target.fsPath}`);
    this.post({ type: 'exported', path: target.fsPath });
  }

  dispose(): void {
    this.panel?.dispose();
    this.watchSweep(undefined);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
