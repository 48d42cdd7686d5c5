/** The editor theme's colours for the charts, from the variables VS Code puts on the webview. */

export interface ThemeColors {
  foreground: string;
  muted: string;
  background: string;
  grid: string;
  before: string;
  after: string;
  threshold: string;
  head: string;
  marker: string;
  /** Zero-shot accuracy points: the run shown, and the baseline run (hollow). */
  accuracy: string;
  baseline: string;
  /** The compared curation's kept per entry ("Compare with…"). */
  compare: string;
  fontFamily: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

/**
 * A theme colour without its alpha: some themes give the chart colours a transparency meant for
 * fills, which would leave thin lines faint.
 */
export function opaque(color: string): string {
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color.trim());
  if (hex) {
    const h = hex[1];
    if (h.length === 4) return `#${h.slice(0, 3)}`;
    if (h.length === 8) return `#${h.slice(0, 6)}`;
    return color.trim();
  }
  const rgba = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(color.trim());
  if (rgba) return `rgb(${rgba[1]}, ${rgba[2]}, ${rgba[3]})`;
  return color.trim();
}

/** The theme's colours, from the variables VS Code puts on the webview's root element. */
export function themeColors(): ThemeColors {
  const style = getComputedStyle(document.documentElement);
  const light =
    document.body.classList.contains('vscode-light') ||
    document.body.classList.contains('vscode-high-contrast-light');
  return {
    foreground: cssVar(style, '--vscode-foreground', light ? '#333333' : '#cccccc'),
    muted: cssVar(style, '--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d'),
    background: cssVar(style, '--vscode-editor-background', light ? '#ffffff' : '#1f1f1f'),
    grid: cssVar(style, '--vscode-editorWidget-border', light ? '#c8c8c8' : '#454545'),
    before: opaque(cssVar(style, '--vscode-charts-blue', light ? '#1a85ff' : '#3794ff')),
    after: opaque(cssVar(style, '--vscode-charts-orange', '#d18616')),
    threshold: opaque(cssVar(style, '--vscode-charts-red', light ? '#e51400' : '#f14c4c')),
    head: opaque(cssVar(style, '--vscode-charts-yellow', light ? '#bf8803' : '#cca700')),
    marker: opaque(cssVar(style, '--vscode-charts-purple', light ? '#652d90' : '#b180d7')),
    accuracy: opaque(cssVar(style, '--vscode-charts-green', light ? '#388a34' : '#89d185')),
    baseline: opaque(cssVar(style, '--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d')),
    compare: opaque(cssVar(style, '--vscode-charts-purple', light ? '#652d90' : '#b180d7')),
    fontFamily: cssVar(style, '--vscode-font-family', 'sans-serif'),
  };
}
