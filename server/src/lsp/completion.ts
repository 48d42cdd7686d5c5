/**
 * Completion of new metadata entries from WordNet lemmas not in the list yet. The typed prefix is
 * compared case-insensitively; the lemma is inserted as WordNet spells it ("Eiffel T" gives
 * "Eiffel Tower"), since matching is case-sensitive and a lower-cased proper noun would miss the
 * captions that name it.
 */
import {
  CompletionItemKind,
  InsertTextFormat,
  type CompletionItem,
  type CompletionList,
  type Position,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { lemmasWithPrefix, type WordnetLemmas } from './lemmas';
import { encodeEntry, entryAt, type MetadataModel } from '../../engine/src/documents/metadataModel';

export const MAX_COMPLETIONS = 100;

/** What the completion replaces: the typed prefix and whether the lemma needs its quotes. */
interface CompletionSite {
  prefix: string;
  replaceStart: number;
  /** True outside a JSON string: the lemma is inserted with its quotes. */
  quote: boolean;
}

function completionSite(doc: TextDocument, model: MetadataModel, position: Position): CompletionSite {
  const text = doc.getText();
  const offset = doc.offsetAt(position);
  if (model.kind === 'lines') {
    const lineStart = doc.offsetAt({ line: position.line, character: 0 });
    return { prefix: text.slice(lineStart, offset), replaceStart: lineStart, quote: false };
  }
  const id = entryAt(model, offset);
  if (
    id >= 0 &&
    offset > model.starts[id] &&
    (offset < model.ends[id] || text[model.ends[id] - 1] !== '"' || model.ends[id] - model.starts[id] < 2)
  ) {
    const replaceStart = model.starts[id] + 1;
    return { prefix: text.slice(replaceStart, offset), replaceStart, quote: false };
  }
  let s = offset;
  while (s > 0 && /[\p{L}\p{N}'_-]/u.test(text[s - 1])) s--;
  return { prefix: text.slice(s, offset), replaceStart: s, quote: true };
}

/**
 * Lemmas starting with the entry typed at `position` (any case), less the entries in `present`,
 * as edits replacing what was typed.
 */
export function completeEntry(
  doc: TextDocument,
  model: MetadataModel,
  position: Position,
  present: ReadonlySet<string>,
  wordnet: Pick<WordnetLemmas, 'lemmas' | 'keys'>,
): CompletionList {
  const { prefix, replaceStart, quote } = completionSite(doc, model, position);
  if (prefix.length === 0 || prefix.includes('\\')) return { isIncomplete: true, items: [] };
  const lemmas = lemmasWithPrefix(prefix, MAX_COMPLETIONS, (l) => present.has(l), wordnet);
  const range = { start: doc.positionAt(replaceStart), end: position };
  const items: CompletionItem[] = lemmas.map((lemma, i) => {
    const encoded = encodeEntry(model, lemma);
    return {
      label: lemma,
      kind: CompletionItemKind.Value,
      detail: 'WordNet lemma, not in the list yet',
      sortText: String(i).padStart(4, '0'),
      // What was typed, then the rest of the lemma: clients filter by the typed text, which may
      // differ in case from the lemma.
      filterText: prefix + lemma.slice(prefix.length),
      insertTextFormat: InsertTextFormat.PlainText,
      textEdit: { range, newText: quote || model.kind !== 'json' ? encoded : encoded.slice(1, -1) },
    };
  });
  return { isIncomplete: true, items };
}
