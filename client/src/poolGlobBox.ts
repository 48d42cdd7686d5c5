/**
 * The pool glob box of "Curate Pool…": an input box that says how many files of the workspace
 * folder match the glob as the user types ("12 files match"), and takes a glob only when some do.
 */
import * as vscode from 'vscode';
import { GLOB_COUNT_LIMIT, globMatchMessage, POOL_EXCLUDE, validatePoolGlob } from './plans/curatePlan';

/** Waits this long after a keystroke before searching, so a burst of typing searches once. */
const COUNT_DELAY_MS = 150;
const WARNING = vscode.InputBoxValidationSeverity.Warning;

/** The files the glob names, sorted; undefined when the user cancels. */
export function askPoolGlob(
  title: string,
  folder: vscode.WorkspaceFolder,
  initial: string,
): Promise<{ glob: string; files: string[] } | undefined> {
  const box = vscode.window.createInputBox();
  box.title = `${title}: pool glob`;
  box.prompt = 'Pool files, as a glob relative to the workspace folder';
  box.value = initial;
  box.ignoreFocusOut = true;
  const find = (glob: string, limit: number | undefined, token: vscode.CancellationToken) =>
    vscode.workspace.findFiles(new vscode.RelativePattern(folder, glob), POOL_EXCLUDE, limit, token);
  let search: vscode.CancellationTokenSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts the files of the glob in the box, dropping a count the user has typed past. */
  const count = (): void => {
    search?.cancel();
    clearTimeout(timer);
    const glob = box.value.trim();
    const invalid = validatePoolGlob(box.value);
    if (invalid) {
      box.validationMessage = invalid;
      return;
    }
    const source = (search = new vscode.CancellationTokenSource());
    timer = setTimeout(() => {
      box.busy = true;
      void find(glob, GLOB_COUNT_LIMIT, source.token).then(
        (uris) => {
          if (source.token.isCancellationRequested) return;
          box.busy = false;
          box.validationMessage = {
            message: globMatchMessage(uris.length),
            severity:
              uris.length > 0
                ? vscode.InputBoxValidationSeverity.Info
                : vscode.InputBoxValidationSeverity.Warning,
          };
        },
        () => {
          if (!source.token.isCancellationRequested) box.busy = false;
        },
      );
    }, COUNT_DELAY_MS);
  };
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: { glob: string; files: string[] } | undefined): void => {
      if (settled) return;
      settled = true;
      search?.cancel();
      clearTimeout(timer);
      box.dispose();
      resolve(result);
    };
    box.onDidChangeValue(count);
    box.onDidHide(() => done(undefined));
    box.onDidAccept(() => {
      const glob = box.value.trim();
      if (validatePoolGlob(glob)) return;
      // All the files, not the count's first ones; the box stays open when none match.
      const all = new vscode.CancellationTokenSource();
      box.onDidHide(() => all.cancel());
      box.busy = true;
      void find(glob, undefined, all.token).then(
        (uris) => {
          box.busy = false;
          if (uris.length > 0) done({ glob, files: uris.map((u) => u.fsPath).sort() });
          else box.validationMessage = { message: globMatchMessage(0), severity: WARNING };
        },
        (err: unknown) => {
          box.busy = false;
          box.validationMessage = { message: `Cannot search: ${(err as Error).message}`, severity: WARNING };
        },
      );
    });
    box.show();
    count();
  });
}
