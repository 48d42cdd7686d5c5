/**
 * "Metacurate: Count Matches in Samples": the language server reads the workspace's samples again
 * and recounts them (`metacurate/refreshCounts`: hovers, head/tail highlights), then the
 * entry-balance panel takes the same matches from it, and the command says what it found.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RefreshCountsRequest, type RefreshCountsResult } from '../../contracts/src/lsp';
import type { BalancePanelHost } from './balancePanel';

/** " (pool/a.jsonl, pool/b.jsonl, …)": the files a count covers (curation outputs are not samples by default). */
function filesNamed(names: string[] | undefined, files: number): string {
  if (!names || names.length === 0) return '';
  return ` (${names.slice(0, 3).join(', ')}${files > 3 ? ', …' : ''})`;
}

export async function countMatches(
  panel: BalancePanelHost,
  getClient: () => LanguageClient | undefined,
  output: vscode.LogOutputChannel,
): Promise<void> {
  const fmt = (n: number) => n.toLocaleString('en-US');
  try {
    const { server, payload } = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'Metacurate: counting matches in the samples…',
      },
      async () => {
        const client = getClient();
        // In turn: the panel's data are the server's counts once it has recounted.
        const server = client?.isRunning()
          ? await client
              .sendRequest(RefreshCountsRequest, {})
              .catch((err: unknown): RefreshCountsResult | undefined => {
                output.warn(`Count: the language server did not recount: ${String(err)}`);
                return undefined;
              })
          : undefined;
        const payload = await panel.refreshSamples();
        return { server, payload };
      },
    );
    const m = payload.model;
    const message =
      `Metacurate: ${fmt(payload.info.texts)} sample texts in ${fmt(payload.info.files)} file(s)${filesNamed(payload.info.fileNames, payload.info.files)}: ` +
      `${fmt(m.matchedTexts)} match, ${fmt(m.matchedEntries)} of ${fmt(m.numEntries)} entries matched ` +
      `(${fmt(m.totalMatches)} matches).`;
    output.info(
      `Count: ${message}${server ? ` Language server: ${server.samples} samples, ${server.records} records, ${server.matchedRecords} matched.` : ''}`,
    );
    const SHOW = 'Show Entry Balance';
    const choice = await vscode.window.showInformationMessage(message, SHOW);
    if (choice === SHOW) await panel.show({ kind: 'samples' });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    output.error(`Count: ${reason}`);
    void vscode.window.showErrorMessage(`Metacurate: cannot count the samples: ${reason}`);
  }
}
