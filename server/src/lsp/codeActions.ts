/**
 * Quick fixes for the metadata diagnostics (diagnostics.ts): each is computed from the diagnostic's
 * code and data against the current model, and skipped when the entry has changed since.
 */
import {
  CodeActionKind,
  type CodeAction,
  type Diagnostic,
  type TextEdit,
} from 'vscode-languageserver-protocol';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  DIAGNOSTIC_SOURCE,
  normalizeSpaces,
  padPunctuation,
  type DiagnosticCode,
  type EntryDiagnosticData,
} from './diagnostics';
import { encodeEntry, removalRange, type MetadataModel } from '../../engine/src/documents/metadataModel';

function isEntryData(data: unknown): data is EntryDiagnosticData {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as EntryDiagnosticData).id === 'number' &&
    typeof (data as EntryDiagnosticData).value === 'string'
  );
}

export function codeActionsFor(
  doc: TextDocument,
  model: MetadataModel,
  diagnostics: Diagnostic[],
): CodeAction[] {
  const text = doc.getText();
  const actions: CodeAction[] = [];
  const range = (start: number, end: number) => ({ start: doc.positionAt(start), end: doc.positionAt(end) });
  for (const d of diagnostics) {
    if (d.source !== DIAGNOSTIC_SOURCE || !isEntryData(d.data)) continue;
    const { id, value } = d.data;
    if (model.entries[id] !== value) continue;
    const code = d.code as DiagnosticCode;
    const action = (title: string, edit: TextEdit, preferred = false): CodeAction => ({
      title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: preferred || undefined,
      edit: { changes: { [doc.uri]: [edit] } },
    });
    const remove = (title: string, preferred = false) => {
      const [s, e] = removalRange(model, text, id);
      return action(title, { range: range(s, e), newText: '' }, preferred);
    };
    const replace = (title: string, next: string, preferred = false) =>
      action(
        title,
        { range: range(model.starts[id], model.ends[id]), newText: encodeEntry(model, next) },
        preferred,
      );
    switch (code) {
      case 'duplicate':
        actions.push(remove('Remove duplicate entry', true));
        break;
      case 'empty':
        actions.push(
          remove(value.length === 0 ? 'Remove empty entry' : 'Remove whitespace-only entry', true),
        );
        break;
      case 'leading-space':
      case 'trailing-space':
      case 'double-space':
        actions.push(
          replace(`Trim spaces: ${JSON.stringify(normalizeSpaces(value))}`, normalizeSpaces(value), true),
        );
        break;
      case 'never-matches': {
        const padded = padPunctuation(value);
        if (padded.trim().length > 0 && padded !== value) {
          actions.push(replace(`Space it as captions are spaced: ${JSON.stringify(padded)}`, padded, true));
        }
        actions.push(remove('Remove entry that can never match'));
        break;
      }
      case 'nbsp':
        actions.push(
          replace(
            'Replace non-breaking spaces with spaces',
            value.replace(/[\u00a0\u2007\u202f]/g, ' '),
            true,
          ),
        );
        break;
      case 'nfd':
        actions.push(replace('Normalise to NFC', value.normalize('NFC'), true));
        break;
      case 'too-long':
        actions.push(remove('Remove entry'));
        break;
      default:
        break;
    }
  }
  return actions;
}
