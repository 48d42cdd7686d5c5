/**
 * The questions "Curate Pool…" asks of a worldwide metadata folder (MetaCLIP 2): whether a chosen
 * language list is curated with its whole folder or alone, and where each record's language comes
 * from (the `metacurate.worldwide.languageField` setting when set, else asked). The answers become
 * a plan in plans/curatePlan.ts; the rules are in plans/worldwidePlan.ts.
 */
import { relative } from 'node:path';
import * as vscode from 'vscode';
import { metacurateConfig } from './balancePanel';
import { fieldsOf } from './plans/poolFields';
import { languageFieldChoices, languageFieldSetting, type WorldwideFolder } from './plans/worldwidePlan';

/** How a folder is named in picks: workspace-relative, with its languages. */
export function worldwideFolderItem(folder: WorldwideFolder): vscode.QuickPickItem {
  return {
    label: `$(globe) ${vscode.workspace.asRelativePath(folder.dir, false)}`,
    description: `worldwide: ${[...folder.lists.keys()].join(', ')}`,
    detail: folder.dir,
  };
}

/**
 * A language list was chosen: true to curate its whole folder worldwide (each record against its
 * language's list, each language with its own t), false for this list alone, undefined on cancel.
 */
export async function askWorldwide(title: string, folder: WorldwideFolder): Promise<boolean | undefined> {
  const list = folder.lists.get(folder.chosenList ?? '') ?? '';
  const picked = await vscode.window.showQuickPick(
    [
      {
        label: 'Worldwide curation',
        description: `every language of ${vscode.workspace.asRelativePath(folder.dir, false)}`,
        detail: `MetaCLIP 2: ${[...folder.lists.keys()].join(', ')}; each record matched against its language's list, each language balanced with its own t`,
        worldwide: true,
      },
      {
        label: 'This list alone',
        description: relative(folder.dir, list),
        detail: 'Every record matched against this one list, with one t',
        worldwide: false,
      },
    ],
    { title: `${title}: ${folder.chosenList}.json is a language list`, ignoreFocusOut: true },
  );
  return picked?.worldwide;
}

/** A pick item that identifies each caption's language instead of reading a field. */
const IDENTIFY = '$(search) Identify each caption’s language';

/**
 * The `--lang-field` of a worldwide curation: `{ field }` (undefined: identified with fastText),
 * or undefined when the user cancels. The setting, when set, is used without asking.
 */
export async function askLanguageField(
  title: string,
  inputs: string[],
  textField: string,
): Promise<{ field?: string } | undefined> {
  const configured = languageFieldSetting(metacurateConfig().get<string>('worldwide.languageField', ''));
  if (configured) return { field: configured };
  const choices = languageFieldChoices(await fieldsOf(inputs[0]), textField);
  const picked = await vscode.window.showQuickPick(
    choices.map((field, i) => ({
      label: field ?? IDENTIFY,
      description: i === 0 ? 'default' : undefined,
      detail: field === undefined ? 'fastText lid.176 on each record’s caption' : undefined,
      field,
    })),
    {
      title: `${title}: language field`,
      placeHolder: "The field holding each record's language code (en, zh, …), or identify it",
      ignoreFocusOut: true,
    },
  );
  return picked ? { field: picked.field } : undefined;
}
