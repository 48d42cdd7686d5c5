/**
 * The one HTML page both webview panels load: a strict CSP (nothing but the panel's own bundle,
 * run by a fresh nonce; styles from the extension or the nonce, as constructed stylesheets), the
 * bundle through `asWebviewUri`, and the nonce handed to the app for its stylesheets.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

function nonce(): string {
  return randomBytes(18)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

export interface WebviewPageOptions {
  /** The bundle in dist/ that is the panel's app, e.g. `webview.js`. */
  bundle: string;
  title: string;
  /** Image sources beyond the extension's own (the balance panel's exports use `blob:`). */
  imageSources?: string[];
}

export function webviewPage(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  o: WebviewPageOptions,
): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', o.bundle));
  const csp = [
    "default-src 'none'",
    [`img-src ${webview.cspSource}`, ...(o.imageSources ?? ['data:'])].join(' '),
    `style-src ${webview.cspSource} 'nonce-${n}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${o.title}</title>
</head>
<body>
<div id="app" data-nonce="${n}"></div>
<script nonce="${n}" src="${script.toString()}"></script>
</body>
</html>`;
}

/** The options of both panels: scripts on, no command links, resources from dist/ and media/ only. */
export function webviewOptions(
  extensionUri: vscode.Uri,
  extra: vscode.WebviewPanelOptions = {},
): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    ...extra,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist'),
      vscode.Uri.joinPath(extensionUri, 'media'),
    ],
  };
}
