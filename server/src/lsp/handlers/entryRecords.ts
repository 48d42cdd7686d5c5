/**
 * `metacurate/entryRecords` (contracts/src/entryRecords.ts): a page of the records behind an
 * entry. A curation's come from its entry index (built in a worker on first use when the curation
 * predates it), through one open browser per folder, reopened when the curation is replaced; the
 * samples' from the captions the server holds, once the workspace is indexed.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { CurationEntryBrowser } from '../../../engine/src/entryIndex/curationEntryRecords';
import { ensureEntryIndex } from '../../../engine/src/entryIndex/ensureEntryIndex';
import { ENTRIES_INDEX_FILE } from '../../../engine/src/entryIndex/entryIndexFiles';
import { EntryRecordsRequest } from '../../../../contracts/src/lsp';
import { samplesEntryRecords } from '../entryRecordsSamples';
import type { Scheduler } from '../scheduling';
import type { ServerState } from '../serverState';
import { cancelledError } from '../waiting';

/** An open browser and the modification times of the files it was opened on. */
interface OpenBrowser {
  browser: CurationEntryBrowser;
  stamp: string;
}

/** Browsers kept open (the last few folders asked about). */
const MAX_OPEN = 4;

/** The open entry browser of a finished curation's folder (its index built on first use). */
export type CurationBrowsers = (folder: string) => Promise<CurationEntryBrowser>;

/** Registers `metacurate/entryRecords`; returns its browsers, which hovers share. */
export function registerEntryRecords(
  connection: Connection,
  state: ServerState,
  scheduler: Scheduler,
): CurationBrowsers {
  const browsers = new Map<string, Promise<OpenBrowser>>();

  async function browserOf(folder: string): Promise<CurationEntryBrowser> {
    if (await ensureEntryIndex(folder))
      connection.console.info(`Built the entry index of ${folder} (a curation made before it existed).`);
    const stamp = await stampOf(folder);
    const cached = browsers.get(folder);
    if (cached) {
      const open = await cached.catch(() => undefined);
      if (open && open.stamp === stamp) return open.browser;
      browsers.delete(folder);
      await open?.browser.close().catch(() => undefined);
    }
    const opening = CurationEntryBrowser.open(folder).then((browser) => ({ browser, stamp }));
    browsers.set(folder, opening);
    opening.catch(() => browsers.delete(folder));
    while (browsers.size > MAX_OPEN) {
      const [oldest, first] = browsers.entries().next().value as [string, Promise<OpenBrowser>];
      browsers.delete(oldest);
      void first.then((o) => o.browser.close()).catch(() => undefined);
    }
    return (await opening).browser;
  }

  connection.onRequest(EntryRecordsRequest, async (p, token) => {
    if (p.source.kind === 'curation') {
      const browser = await browserOf(resolve(p.source.folder));
      if (token.isCancellationRequested) return cancelledError();
      return browser.page(p);
    }
    if (!(await scheduler.ready(token))) return cancelledError();
    return samplesEntryRecords(state, p);
  });
  return browserOf;
}

/** Changes when the curation in the folder is replaced (its summary and index are rewritten). */
async function stampOf(folder: string): Promise<string> {
  const times = await Promise.all(
    ['summary.json', ENTRIES_INDEX_FILE].map((name) =>
      stat(join(folder, name)).then(
        (s) => `${s.mtimeMs}:${s.size}`,
        () => 'absent',
      ),
    ),
  );
  return times.join('|');
}
