/** The panel's head: the source selector, Refresh and "Curate Pool…", and the status line. */
import {
  folderKey,
  sourceKey,
  type CurationChoice,
  type PanelSource,
  type SweepChoice,
  type SweepView,
} from '../../../contracts/src/webview';
import { formatT, int } from '../format';
import type { PanelAction } from '../state';
import type { EntryData } from '../entryData';
import { byId, type ValueElement } from './layout';

export type StatusKind = 'info' | 'error' | 'loading';

export class PanelHeader {
  private readonly sourceSelect = byId<ValueElement>('source-select');
  private readonly compareSelect = byId<ValueElement>('compare-select');
  private readonly languageSelect = byId<ValueElement>('language-select');
  private readonly status = byId('status');

  constructor(dispatch: (action: PanelAction) => void, refresh: () => void) {
    this.sourceSelect.addEventListener('change', () =>
      dispatch({ type: 'selectSource', value: this.sourceSelect.value }),
    );
    this.compareSelect.addEventListener('change', () =>
      dispatch({ type: 'selectCompare', value: this.compareSelect.value }),
    );
    this.languageSelect.addEventListener('change', () =>
      dispatch({ type: 'selectLanguage', value: this.languageSelect.value }),
    );
    byId('refresh').addEventListener('click', refresh);
    byId('curate').addEventListener('click', () => dispatch({ type: 'curate' }));
  }

  /** The selector's options: the workspace samples, each finished curation and each sweep shown; `current` chosen. */
  renderChoices(choices: CurationChoice[], sweeps: SweepChoice[], current: PanelSource): void {
    const select = this.sourceSelect;
    const options: { value: string; label: string }[] = [
      { value: 'samples', label: 'Workspace samples' },
      ...choices.map((c) => ({ value: sourceKey({ kind: 'curation', folder: c.folder }), label: c.label })),
      ...sweeps.map((c) => ({ value: sourceKey({ kind: 'sweep', folder: c.folder }), label: c.label })),
    ];
    fillSelect(select, options, folderKey(current));
  }

  /** The language selector (a worldwide curation shown): its options (state.languageOptions), `current` chosen; hidden without. */
  renderLanguages(options: { value: string; label: string }[], current: string | undefined): void {
    this.languageSelect.hidden = options.length === 0;
    fillSelect(this.languageSelect, options, current ?? '');
  }

  /** "Compare with…": none, or each curation of the shown one's metadata (compareChoices); hidden without any. */
  renderCompareChoices(choices: CurationChoice[], current: string | undefined): void {
    const options = [
      { value: '', label: 'Compare with…' },
      ...choices.map((c) => ({ value: c.folder, label: c.label })),
    ];
    this.compareSelect.hidden = choices.length === 0 && !current;
    fillSelect(this.compareSelect, options, current ?? '');
  }

  setStatus(text: string, kind: StatusKind = 'info', title = ''): void {
    const el = this.status;
    el.className = `status${kind === 'error' ? ' error' : ''}`;
    el.title = title;
    el.replaceChildren();
    if (kind === 'loading') {
      const box = document.createElement('span');
      box.className = 'loading';
      const ring = document.createElement('vscode-progress-ring');
      box.append(ring, document.createTextNode(text));
      el.appendChild(box);
    } else el.append(document.createTextNode(text));
  }

  /** The status line of a sweep shown: its folder and units done. */
  showSweep(view: SweepView): void {
    this.setStatus(
      `Threshold sweep: ${view.folder} · ${int.format(view.units.done)} of ${int.format(view.units.total)} units done`,
      'info',
      view.summaryPath,
    );
  }

  /** The status line of the data shown: the source, its metadata and texts, a curation's kept. */
  showSource(data: EntryData): void {
    const { info } = data.payload;
    const m = data.model;
    const parts = [
      info.label,
      `metadata ${info.metadataPath.split(/[\\/]/).pop()} (${int.format(m.numEntries)} entries)`,
      `${int.format(info.texts)} texts, ${int.format(m.matchedTexts)} matched`,
    ];
    if (info.kept !== undefined && info.t !== undefined)
      parts.push(`kept ${int.format(info.kept)} at t = ${formatT(info.t)}`);
    this.setStatus(
      parts.join(' · '),
      'info',
      `${info.metadataPath}\nRead and prepared in ${info.millis} ms.`,
    );
  }
}

/** Replaces a selector's options, `key` chosen. */
function fillSelect(select: ValueElement, options: { value: string; label: string }[], key: string): void {
  select.innerHTML = '';
  for (const o of options) {
    const el = document.createElement('vscode-option');
    el.setAttribute('value', o.value);
    // The select reads its options when they are slotted (later): mark the chosen one.
    el.toggleAttribute('selected', o.value === key);
    el.textContent = o.label;
    select.appendChild(el);
  }
  select.value = key;
  requestAnimationFrame(() => {
    if (select.value !== key) select.value = key;
  });
}
