/**
 * Settings from every channel LSP has, since clients differ in which they use: the
 * `initializationOptions` of `initialize`, the `settings` pushed with
 * `workspace/didChangeConfiguration` (Neovim without nvim-lspconfig, Helix, Emacs), and the answer
 * to `workspace/configuration` (VS Code, nvim-lspconfig). Each may hold the `metacurate` section,
 * `{ "settings": ... }` around it, dotted keys (`"metacurate.t"`), or the settings themselves.
 */
import { isThreshold } from '../../../contracts/src/threshold';
import { DEFAULT_SETTINGS, SETTINGS_SECTION, type MetacurateSettings } from '../../../contracts/src/lsp';

const SETTING_KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_SETTINGS));

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `metacurate` settings inside a value from any channel, or undefined when it holds none. */
export function settingsSection(value: unknown): Record<string, unknown> | undefined {
  if (!isObject(value)) return undefined;
  if (isObject(value[SETTINGS_SECTION])) return value[SETTINGS_SECTION];
  if (isObject(value.settings)) return settingsSection(value.settings);
  const dotted: Record<string, unknown> = {};
  let any = false;
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith(`${SETTINGS_SECTION}.`)) {
      dotted[key.slice(SETTINGS_SECTION.length + 1)] = v;
      any = true;
    }
  }
  if (any) return dotted;
  return Object.keys(value).some((k) => SETTING_KEYS.has(k)) ? value : undefined;
}

/** `samples.includeCurationOutputs` in any of its shapes: nested (VS Code), dotted, or flat. */
function includeCurationOutputsOf(over: Record<string, unknown>): boolean | undefined {
  const nested = isObject(over.samples) ? over.samples.includeCurationOutputs : undefined;
  for (const v of [nested, over['samples.includeCurationOutputs'], over.includeCurationOutputs])
    if (typeof v === 'boolean') return v;
  return undefined;
}

/** `base` with the well-typed values of `over`; the others are ignored. */
export function mergeSettings(base: MetacurateSettings, over: unknown): MetacurateSettings {
  if (!isObject(over)) return base;
  const o = over as Partial<Record<keyof MetacurateSettings, unknown>>;
  const strings = (v: unknown, d: string[]) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : d;
  return {
    metadataGlobs: strings(o.metadataGlobs, base.metadataGlobs),
    sampleGlobs: strings(o.sampleGlobs, base.sampleGlobs),
    samplesFolder: typeof o.samplesFolder === 'string' ? o.samplesFolder : base.samplesFolder,
    textField: typeof o.textField === 'string' ? o.textField : base.textField,
    t: isThreshold(o.t) ? o.t : base.t,
    previewRecords:
      typeof o.previewRecords === 'number' && o.previewRecords > 0
        ? Math.floor(o.previewRecords)
        : base.previewRecords,
    padding: o.padding === 'worldwide' || o.padding === 'english' ? o.padding : base.padding,
    includeCurationOutputs: includeCurationOutputsOf(over) ?? base.includeCurationOutputs,
    imageField: typeof o.imageField === 'string' ? o.imageField : base.imageField,
    languageField: languageFieldOf(over) ?? base.languageField,
  };
}

/** `worldwide.languageField` in any of its shapes: nested (VS Code), dotted, or flat. */
function languageFieldOf(over: Record<string, unknown>): string | undefined {
  const nested = isObject(over.worldwide) ? over.worldwide.languageField : undefined;
  for (const v of [nested, over['worldwide.languageField'], over.languageField])
    if (typeof v === 'string') return v;
  return undefined;
}

/** The settings of each channel; a later channel overrides an earlier one key by key. */
export class SettingsChannels {
  private initial: Record<string, unknown> | undefined;
  private pushed: Record<string, unknown> | undefined;
  private pulled: Record<string, unknown> | undefined;

  /** From `initializationOptions`. */
  setInitial(value: unknown): void {
    this.initial = settingsSection(value);
  }

  /**
   * From a `didChangeConfiguration` notification. One without the section (VS Code sends
   * `settings: null` and is asked instead) keeps what the last one said.
   */
  setPushed(value: unknown): void {
    this.pushed = settingsSection(value) ?? this.pushed;
  }

  /** From the answer to `workspace/configuration` for the `metacurate` section. */
  setPulled(value: unknown): void {
    this.pulled = isObject(value) ? value : undefined;
  }

  get effective(): MetacurateSettings {
    let settings: MetacurateSettings = { ...DEFAULT_SETTINGS };
    for (const channel of [this.initial, this.pushed, this.pulled])
      settings = mergeSettings(settings, channel);
    return settings;
  }
}
