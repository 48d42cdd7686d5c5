/**
 * The panel's state and its one reducer: the state and an action (something the user did, or a
 * message from the host) give the next state and the messages to send to the host. Pure: no DOM,
 * no timers; the views draw the state and main.ts sends the messages (webview/src/main.ts).
 */
import {
  ALL_LANGUAGES,
  folderKey,
  sourceKey,
  type AccuracyOverlay,
  type BalancePayload,
  type Comparison,
  type CurationChoice,
  type HostMessage,
  type PanelSource,
  type PanelState,
  type SortKey,
  type SourceSpec,
  type SweepChoice,
  type SweepView,
  type WebviewMessage,
} from '../../contracts/src/webview';
import { isValidT, parseT, sliderTop, TScale } from './threshold';

export interface PanelViewState {
  /** What the webview keeps with `setState`; `t` is a positive integer, or 0 before one is known. */
  saved: PanelState;
  /** The number box's text: the t, or what the user typed. */
  tText: string;
  /** Why the number box's text (or a t from the host) was not taken; shown beside the box. */
  tError: string | undefined;
  /** The slider's scale, from 1 to a little above the largest count. */
  scale: TScale;
  /** The finished curations and the threshold sweeps the source selector offers. */
  choices: CurationChoice[];
  sweeps: SweepChoice[];
  /** The data shown, once the host sent it. */
  payload: BalancePayload | undefined;
  /** The zero-shot accuracy overlay on the data shown. */
  accuracy: AccuracyOverlay | undefined;
  /** The curation shown beside the one chosen with "Compare with…" (`saved.compare`), once the host sent it. */
  comparison: Comparison | undefined;
  /** The threshold sweep shown (`saved.source` is it), once the host sent it. */
  sweep: SweepView | undefined;
}

export type PanelAction =
  /** The number box's text changed. */
  | { type: 'typeT'; text: string }
  /** The slider moved to a position. */
  | { type: 'slide'; position: number }
  /** A column header was clicked. */
  | { type: 'sort'; key: SortKey }
  | { type: 'search'; text: string }
  /** The source selector's value ("samples", "curation:<folder>" or "sweep:<folder>", `sourceKey`). */
  | { type: 'selectSource'; value: string }
  /** A t of the sweep shown was chosen (its table row or chart point): show its curation at that t. */
  | { type: 'openSweepCuration'; t: number }
  /** The "Compare with…" selector's value: a curation's folder, or '' for none. */
  | { type: 'selectCompare'; value: string }
  /** The language selector's value (a worldwide curation): a language code, or ALL_LANGUAGES. */
  | { type: 'selectLanguage'; value: string }
  | { type: 'scroll'; row: number }
  /** The accuracy overlay's checkbox. */
  | { type: 'showAccuracy'; on: boolean }
  /** "Curate Pool…" was clicked. */
  | { type: 'curate' }
  | { type: 'host'; message: HostMessage };

export interface Update {
  state: PanelViewState;
  /** Messages for the host, in order (main.ts holds back `tChanged` while t keeps moving). */
  send: WebviewMessage[];
}

const SORT_KEYS: readonly SortKey[] = [
  'rank',
  'entry',
  'id',
  'count',
  'probability',
  'kept',
  'actualKept',
  'accuracy',
  'compareKept',
  'deltaKept',
];
const DEFAULT_SORT: PanelState['sort'] = { key: 'count', descending: true };

/**
 * The state kept from before (`getState`, whatever it holds), checked member by member: what is
 * not valid takes its default, so a t that is not a positive integer (an older panel kept 70.1)
 * is dropped and the host's t is shown instead.
 */
export function restoreSaved(saved: unknown): PanelState {
  const s = (typeof saved === 'object' && saved !== null ? saved : {}) as Record<string, unknown>;
  const out: PanelState = {
    source: parseSource(s.source) ?? { kind: 'samples' },
    t: isValidT(s.t) ? s.t : 0,
    sort: parseSort(s.sort) ?? { ...DEFAULT_SORT },
    search: typeof s.search === 'string' ? s.search : '',
    scrollRow:
      typeof s.scrollRow === 'number' && Number.isSafeInteger(s.scrollRow) && s.scrollRow > 0
        ? s.scrollRow
        : 0,
  };
  // The overlay is the host's to check (parseZeroShotOverlay): handed back as it was kept.
  if (typeof s.accuracy === 'object' && s.accuracy !== null)
    out.accuracy = s.accuracy as PanelState['accuracy'];
  if (typeof s.showAccuracy === 'boolean') out.showAccuracy = s.showAccuracy;
  if (typeof s.compare === 'string' && s.compare) out.compare = s.compare;
  return out;
}

function parseSource(v: unknown): PanelSource | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o.kind === 'samples') return { kind: 'samples' };
  if (o.kind === 'sweep' && typeof o.folder === 'string' && o.folder)
    return { kind: 'sweep', folder: o.folder };
  if (o.kind === 'curation' && typeof o.folder === 'string' && o.folder)
    return typeof o.language === 'string' && o.language
      ? { kind: 'curation', folder: o.folder, language: o.language }
      : { kind: 'curation', folder: o.folder };
  return undefined;
}

function parseSort(v: unknown): PanelState['sort'] | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (!SORT_KEYS.includes(o.key as SortKey) || typeof o.descending !== 'boolean') return undefined;
  return { key: o.key as SortKey, descending: o.descending };
}

/** The source a selector value names (`sourceKey`'s inverse). */
export function sourceOfKey(value: string): PanelSource | undefined {
  if (value === 'samples') return { kind: 'samples' };
  for (const kind of ['curation', 'sweep'] as const) {
    const folder = value.startsWith(`${kind}:`) ? value.slice(kind.length + 1) : '';
    if (folder) return { kind, folder };
  }
  return undefined;
}

/** What the panel shows: a threshold sweep, or the entry balance of the data. */
export function shownView(state: PanelViewState): 'sweep' | 'balance' {
  return state.saved.source.kind === 'sweep' ? 'sweep' : 'balance';
}

/** The state of a panel whose webview kept `saved` (undefined the first time). */
export function initialState(saved: unknown): PanelViewState {
  const restored = restoreSaved(saved);
  return {
    saved: restored,
    tText: restored.t > 0 ? String(restored.t) : '',
    tError: undefined,
    scale: new TScale(sliderTop(1, restored.t)),
    choices: [],
    sweeps: [],
    payload: undefined,
    accuracy: undefined,
    comparison: undefined,
    sweep: undefined,
  };
}

/**
 * The curations "Compare with…" offers: those made with the metadata of the curation shown (its
 * recorded sha256), other than itself. None for the samples or data of unknown metadata.
 */
export function compareChoices(state: PanelViewState): CurationChoice[] {
  const info = state.payload?.info;
  if (!info || info.spec.kind !== 'curation' || !info.metadataSha256) return [];
  const shown = info.spec.folder;
  return state.choices.filter((c) => c.folder !== shown && c.metadataSha256 === info.metadataSha256);
}

/** Whether a comparison from the host is of the curation shown and the one chosen. */
export function comparisonFits(state: PanelViewState, c: Comparison): boolean {
  const spec = state.payload?.info.spec;
  return (
    spec?.kind === 'curation' &&
    c.base.folder === spec.folder &&
    c.other.folder === state.saved.compare &&
    c.base.keptById.length === state.payload!.model.numEntries &&
    c.other.keptById.length === c.base.keptById.length
  );
}

/** No comparison (and a sort by its columns goes back to the default). */
function withoutCompare(state: PanelViewState): PanelViewState {
  const key = state.saved.sort.key;
  const sort = key === 'compareKept' || key === 'deltaKept' ? { ...DEFAULT_SORT } : state.saved.sort;
  const saved = { ...state.saved, sort };
  delete saved.compare;
  return { ...state, comparison: undefined, saved };
}

/**
 * New data shown: the comparison chosen stays while the data are another curation of the same
 * metadata (the host sends the new comparison), and goes otherwise.
 */
function compareAfterData(state: PanelViewState, before: BalancePayload | undefined): PanelViewState {
  const folder = state.saved.compare;
  if (!folder) return state;
  const info = state.payload!.info;
  // The compared curation's metadata, as far as the panel knows it (after a reload: the host checks).
  const compared =
    state.comparison?.other.metadataSha256 ??
    state.choices.find((c) => c.folder === folder)?.metadataSha256 ??
    before?.info.metadataSha256;
  const comparable =
    info.spec.kind === 'curation' &&
    info.spec.folder !== folder &&
    !!info.metadataSha256 &&
    (compared === undefined || compared === info.metadataSha256);
  if (!comparable) return withoutCompare(state);
  // Other data (or the same read again): the host's next comparison is the one to show.
  return { ...state, comparison: undefined };
}

/** The languages the language selector offers (a worldwide curation shown), with "All languages". */
export function languageOptions(state: PanelViewState): { value: string; label: string }[] {
  const worldwide = state.payload?.info.worldwide;
  if (!worldwide) return [];
  return [
    { value: ALL_LANGUAGES, label: 'All languages' },
    ...worldwide.languages.map((l) => ({
      value: l.code,
      label: `${l.code} (t = ${l.t}, ${l.records.toLocaleString('en-US')} records)`,
    })),
  ];
}

/** The language shown of a worldwide curation, or undefined for other data. */
export function shownLanguage(state: PanelViewState): string | undefined {
  return state.payload?.info.worldwide?.language;
}

/**
 * Data of another language of the same worldwide curation (or "All languages"): its own t (t_lang;
 * t_en for all) becomes the t shown, since the t of another language means nothing for this one.
 * Not on the first data (a restored panel keeps its t) nor for other sources.
 */
function languageChanged(before: BalancePayload | undefined, after: BalancePayload): boolean {
  const a = before?.info.spec;
  const b = after.info.spec;
  return (
    !!after.info.worldwide &&
    a?.kind === 'curation' &&
    b.kind === 'curation' &&
    a.folder === b.folder &&
    a.language !== b.language
  );
}

/** Whether an accuracy overlay belongs to the data shown (undefined, no overlay, always does). */
export function accuracyFits(payload: BalancePayload | undefined, a: AccuracyOverlay | undefined): boolean {
  if (!a) return true;
  return (
    !!payload && a.source === sourceKey(payload.info.spec) && a.ranked.length === payload.model.numEntries
  );
}

/** Whether the accuracy overlay is drawn (there is one and its checkbox is on). */
export function showingAccuracy(state: PanelViewState): boolean {
  return !!state.accuracy && state.saved.showAccuracy !== false;
}

/** The default direction of a column sorted anew: numbers largest first, names and ids in order. */
export function defaultDescending(key: SortKey): boolean {
  return key !== 'entry' && key !== 'id' && key !== 'rank';
}

/** A valid t shown: the box and the slider agree on it. */
function withT(state: PanelViewState, t: number, tError?: string): PanelViewState {
  const maxCount = state.payload?.model.ranked[0] ?? 1;
  const top = sliderTop(maxCount, t);
  return {
    ...state,
    saved: { ...state.saved, t },
    tText: String(t),
    tError,
    scale: top === state.scale.top ? state.scale : new TScale(top),
  };
}

function withAccuracy(state: PanelViewState, a: AccuracyOverlay | undefined): PanelViewState {
  const sort = !a && state.saved.sort.key === 'accuracy' ? { ...DEFAULT_SORT } : state.saved.sort;
  return { ...state, accuracy: a, saved: { ...state.saved, accuracy: a?.overlay, sort } };
}

/** A t from the host: taken when it is a positive integer; else the t shown stays, and says why. */
function hostT(state: PanelViewState, t: number): PanelViewState {
  if (isValidT(t)) return withT(state, t);
  const info = state.payload?.info.t;
  // Before any t: the curation's own, else the nearest positive integer (said beside the box).
  const fallback = isValidT(state.saved.t)
    ? state.saved.t
    : isValidT(info)
      ? info
      : Number.isFinite(t)
        ? Math.min(Number.MAX_SAFE_INTEGER, Math.max(1, Math.round(t)))
        : 1;
  return withT(state, fallback, `t = ${t} from the host is not a positive integer: showing t = ${fallback}`);
}

export function reduce(state: PanelViewState, action: PanelAction): Update {
  const none: Update = { state, send: [] };
  switch (action.type) {
    case 'typeT': {
      const parsed = parseT(action.text);
      if (!parsed.ok) return { state: { ...state, tText: action.text, tError: parsed.reason }, send: [] };
      const next = { ...withT(state, parsed.t), tText: action.text };
      return { state: next, send: parsed.t === state.saved.t ? [] : [{ type: 'tChanged', t: parsed.t }] };
    }
    case 'slide': {
      const t = state.scale.toT(action.position);
      if (t === state.saved.t && !state.tError) return none;
      return { state: withT(state, t), send: [{ type: 'tChanged', t }] };
    }
    case 'sort': {
      const { key, descending } = state.saved.sort;
      const sort =
        key === action.key
          ? { key, descending: !descending }
          : { key: action.key, descending: defaultDescending(action.key) };
      return { state: { ...state, saved: { ...state.saved, sort } }, send: [] };
    }
    case 'search':
      return { state: { ...state, saved: { ...state.saved, search: action.text } }, send: [] };
    case 'scroll':
      return {
        state: { ...state, saved: { ...state.saved, scrollRow: Math.max(0, Math.floor(action.row)) } },
        send: [],
      };
    case 'showAccuracy':
      return { state: { ...state, saved: { ...state.saved, showAccuracy: action.on } }, send: [] };
    case 'selectSource': {
      const source = sourceOfKey(action.value);
      // The selector names a curation, whatever language of it is shown.
      if (!source || sourceKey(source) === folderKey(state.saved.source)) return none;
      return {
        state: { ...state, saved: { ...state.saved, source } },
        send: [{ type: 'selectSource', source }],
      };
    }
    case 'openSweepCuration': {
      const sweep = state.saved.source.kind === 'sweep' ? state.sweep : undefined;
      const folder = sweep?.curations.find((c) => c.t === action.t)?.folder;
      if (!folder || !isValidT(action.t)) return none;
      const source: SourceSpec = { kind: 'curation', folder };
      return {
        state: { ...state, saved: { ...state.saved, source } },
        send: [{ type: 'selectSource', source, t: action.t }],
      };
    }
    case 'selectCompare': {
      const folder = action.value || undefined;
      if (folder === state.saved.compare) return none;
      if (folder && !compareChoices(state).some((c) => c.folder === folder)) return none;
      const next = folder
        ? { ...state, comparison: undefined, saved: { ...state.saved, compare: folder } }
        : withoutCompare(state);
      return { state: next, send: [{ type: 'selectCompare', folder }] };
    }
    case 'selectLanguage': {
      const spec = state.payload?.info.spec;
      if (spec?.kind !== 'curation' || action.value === shownLanguage(state)) return none;
      if (!languageOptions(state).some((o) => o.value === action.value)) return none;
      const source: SourceSpec = { kind: 'curation', folder: spec.folder, language: action.value };
      return {
        state: { ...state, saved: { ...state.saved, source } },
        send: [{ type: 'selectSource', source }],
      };
    }
    case 'curate':
      // Only a t the panel shows: never one typed and refused, never none.
      return isValidT(state.saved.t) ? { state, send: [{ type: 'curate', t: state.saved.t }] } : none;
    case 'host': {
      const next = onHost(state, action.message);
      const m = action.message;
      // A language's own t taken from its data: the host learns it as it learns a moved t.
      if (m.type === 'data' && next.payload === m.payload && languageChanged(state.payload, m.payload)) {
        const t = m.payload.info.t;
        if (isValidT(t) && t !== next.saved.t)
          return { state: withT(next, t), send: [{ type: 'tChanged', t }] };
      }
      return { state: next, send: [] };
    }
  }
}

function onHost(state: PanelViewState, m: HostMessage): PanelViewState {
  switch (m.type) {
    case 'data': {
      const spec = m.payload.info.spec;
      let choices = state.choices;
      if (spec.kind === 'curation' && !choices.some((c) => c.folder === spec.folder))
        choices = [
          ...choices,
          {
            folder: spec.folder,
            label: m.payload.info.label,
            ...(m.payload.info.metadataSha256 ? { metadataSha256: m.payload.info.metadataSha256 } : {}),
          },
        ];
      const next: PanelViewState = compareAfterData(
        { ...state, payload: m.payload, choices, saved: { ...state.saved, source: spec } },
        state.payload,
      );
      return hostT(withAccuracy(next, accuracyFits(m.payload, m.accuracy) ? m.accuracy : undefined), m.t);
    }
    case 'accuracy':
      // An overlay of other data is ignored: the host sends it again with its data.
      return accuracyFits(state.payload, m.accuracy) ? withAccuracy(state, m.accuracy) : state;
    case 'choices':
      return { ...state, choices: m.curations, sweeps: m.sweeps };
    case 'sweep': {
      // The host's word, as with data: the sweep is the source shown (offered by the selector too).
      const { folder } = m.sweep;
      const sweeps = state.sweeps.some((c) => c.folder === folder)
        ? state.sweeps
        : [...state.sweeps, { folder, label: `Threshold sweep: ${folder}` }];
      return {
        ...state,
        sweep: m.sweep,
        sweeps,
        saved: { ...state.saved, source: { kind: 'sweep', folder } },
      };
    }
    case 'compareDropped':
      return m.folder === state.saved.compare ? withoutCompare(state) : state;
    case 'compare':
      return comparisonFits(state, m.comparison) ? { ...state, comparison: m.comparison } : state;
    case 'setT':
      return hostT(state, m.t);
    case 'loading':
    case 'error':
    case 'exported':
      return state;
  }
}
