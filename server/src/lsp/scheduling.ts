/**
 * When the language server's work runs, and what waits for it: the index rebuild after an edit is
 * debounced and cancelled by a newer one (a generation number; the worker build is cancelled too),
 * a changed sample is re-read after typing pauses, the samples are recounted and the workspace
 * rescanned on a timer, and every change of the status is sent and wakes the requests waiting for
 * the index (see awaitsIndex). The work itself: indexBuild.ts and workspaceScan.ts.
 */
import { Emitter, type CancellationToken, type Connection } from 'vscode-languageserver/node';
import { StatusNotification, type StatusParams } from '../../../contracts/src/lsp';
import { sampleFiles, summaryOf } from './activeList';
import { isMetadataUri, sampleKind, uriOfPath } from './documentKinds';
import { countAll, rebuildIndex } from './indexBuild';
import type { ServerState } from './serverState';
import { waitUntil } from './waiting';
import { readSample, rescanWorkspace } from './workspaceScan';

/** Debounce of the index rebuild after an edit of the active metadata. */
const REBUILD_DELAY_MS = 200;
const SAMPLE_RECOUNT_DELAY_MS = 500;
const RESCAN_DELAY_MS = 500;

export class Scheduler {
  /** Fires with every status: what waits for the index re-checks then. */
  private readonly statusChanged = new Emitter<void>();

  constructor(
    readonly connection: Connection,
    readonly state: ServerState,
  ) {}

  // ---------------------------------------------------------------------------------------------
  // Status and readiness
  // ---------------------------------------------------------------------------------------------

  status(): StatusParams {
    const { metadata, samples, curations, schedule } = this.state;
    const uris = new Set<string>();
    if (metadata.activeUri) uris.add(metadata.activeUri);
    for (const u of metadata.chosen) uris.add(u);
    for (const p of metadata.workspaceFiles) uris.add(uriOfPath(p));
    let records = 0;
    for (const s of samples.files.values()) records += s.captions.length;
    return {
      entries: metadata.active?.entries.length ?? 0,
      metadataUris: [...uris],
      samplesIndexed: samples.files.size,
      sampleRecords: records,
      sampleFiles: sampleFiles(this.state).slice(0, 20),
      curation: curations.current ? summaryOf(this.state, curations.current.info, true) : undefined,
      busy: schedule.building || schedule.scanning,
      message: schedule.statusMessage,
    };
  }

  sendStatus(): void {
    void this.connection.sendNotification(StatusNotification, this.status()).catch(() => undefined);
    this.statusChanged.fire();
  }

  /** True once the workspace is scanned and no index build, scan or recount is pending. */
  isReady(): boolean {
    const { scanned, building, scanning, recountTimer } = this.state.schedule;
    return scanned && !building && !scanning && !recountTimer;
  }

  /** Waits until isReady(); false when `token` is cancelled first. */
  ready(token: CancellationToken): Promise<boolean> {
    return waitUntil(() => this.isReady(), this.statusChanged.event, token);
  }

  /**
   * Whether a request about `uri` would be answered from an index that is about to change for
   * reasons other than typing: the list's first index, or counts of samples that a scan or a
   * recount is replacing (the workspace scan at start-up, a sample added). Such requests wait
   * rather than answer empty or zero, for clients that cannot be asked to refresh. Edits of the
   * list itself do not make them wait: they see the previous index, as designed.
   */
  awaitsIndex(uri: string): boolean {
    if (this.isReady()) return false;
    const { metadata, schedule, samples } = this.state;
    const active = metadata.active;
    if (isMetadataUri(this.state, uri)) {
      if (metadata.activeUri && metadata.activeUri !== uri) return false;
      return active?.uri !== uri || !schedule.scanned || active.samplesVersion !== samples.version;
    }
    return (!active || !schedule.scanned) && sampleKind(this.state, uri) !== undefined;
  }

  /** Resolves when no rebuild is pending or running. */
  whenIdle(): Promise<void> {
    return this.state.schedule.rebuildDone;
  }

  // ---------------------------------------------------------------------------------------------
  // The index rebuild
  // ---------------------------------------------------------------------------------------------

  /**
   * Rebuilds the active index after `delay` ms, counted from when `after` settles when given (the
   * diagnostics of the list just opened: they go out before the rebuild takes the thread).
   */
  scheduleRebuild(delay = REBUILD_DELAY_MS, after?: Promise<unknown>): void {
    const schedule = this.state.schedule;
    schedule.generation++;
    schedule.builder.cancel();
    if (schedule.rebuildTimer) clearTimeout(schedule.rebuildTimer);
    if (!schedule.resolveRebuild) {
      schedule.rebuildDone = new Promise((resolve) => (schedule.resolveRebuild = resolve));
    }
    if (!schedule.building) {
      schedule.building = true;
      this.sendStatus();
    }
    const gen = schedule.generation;
    const start = () => {
      // A newer schedule (which cleared no timer of this one yet) replaces this one.
      if (this.isStale(gen)) return;
      schedule.rebuildTimer = setTimeout(() => {
        schedule.rebuildTimer = undefined;
        void rebuildIndex(this, gen);
      }, delay);
    };
    if (after) void after.then(start, start);
    else start();
  }

  /** Whether the rebuild of generation `gen` was overtaken by a newer one. */
  isStale(gen: number): boolean {
    return gen !== this.state.schedule.generation;
  }

  /** Ends the rebuild of generation `gen` (unless overtaken): status, editors, whenIdle(). */
  finishRebuild(gen: number, message?: string): void {
    const schedule = this.state.schedule;
    if (gen !== schedule.generation) return;
    schedule.building = false;
    schedule.statusMessage = message;
    this.state.highlights.invalidate();
    this.sendStatus();
    this.refreshEditors();
    const resolve = schedule.resolveRebuild;
    schedule.resolveRebuild = undefined;
    resolve?.();
  }

  /** Asks the client to fetch highlights and hints again (when it can be asked). */
  refreshEditors(): void {
    const client = this.state.config.client;
    if (client.semanticRefresh)
      void this.connection.languages.semanticTokens.refresh().catch(() => undefined);
    if (client.inlayRefresh) void this.connection.languages.inlayHint.refresh().catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // Samples: recount, re-read, rescan
  // ---------------------------------------------------------------------------------------------

  /** Recounts the samples with the active index; false when there was nothing to count. */
  private async recount(): Promise<boolean> {
    const { metadata, samples } = this.state;
    const active = metadata.active;
    if (!active) return false;
    const samplesVersion = samples.version;
    const counted = await countAll(this.state, active.index, active.entries.length);
    if (metadata.active !== active) return false;
    Object.assign(active, counted, { samplesVersion });
    active.uncounted.clear();
    this.state.highlights.invalidate();
    this.sendStatus();
    this.refreshEditors();
    return true;
  }

  scheduleRecount(): void {
    const schedule = this.state.schedule;
    if (schedule.recountTimer) clearTimeout(schedule.recountTimer);
    schedule.recountTimer = setTimeout(() => {
      schedule.recountTimer = undefined;
      // A status tells the requests waiting for isReady(), even when there was nothing to count.
      void this.recount().then((sent) => sent || this.sendStatus());
    }, SAMPLE_RECOUNT_DELAY_MS);
  }

  /** Reads a counted sample file again after its open document stops changing, then recounts. */
  scheduleSampleReread(path: string): void {
    const { schedule, samples } = this.state;
    const prev = schedule.sampleTimers.get(path);
    if (prev) clearTimeout(prev);
    schedule.sampleTimers.set(
      path,
      setTimeout(() => {
        schedule.sampleTimers.delete(path);
        void readSample(this.state, path).then((sample) => {
          if (sample && samples.files.has(path)) {
            samples.files.set(path, sample);
            samples.version++;
            this.scheduleRecount();
          }
        });
      }, SAMPLE_RECOUNT_DELAY_MS),
    );
  }

  /** Scans the workspace again: metadata, samples, curations (then rebuilds the index). */
  rescan(): Promise<void> {
    return rescanWorkspace(this);
  }

  scheduleRescan(): void {
    const schedule = this.state.schedule;
    if (schedule.rescanTimer) clearTimeout(schedule.rescanTimer);
    schedule.rescanTimer = setTimeout(() => {
      schedule.rescanTimer = undefined;
      void this.rescan();
    }, RESCAN_DELAY_MS);
  }

  /** Runs `check` for `uri` once its edits pause for `delay` ms (a newer edit restarts the wait). */
  debounceDiagnostics(uri: string, delay: number, check: () => void): void {
    const timers = this.state.schedule.diagnosticTimers;
    const timer = timers.get(uri);
    if (timer) clearTimeout(timer);
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        check();
      }, delay),
    );
  }
}
