/**
 * Document URIs in one spelling. Clients percent-encode paths their own way (Neovim writes `ü` as
 * `%c3%bc`, VS Code as `%C3%BC` and `(` as `%28`), and the server keys documents, models and
 * caches by URI string, so every URI is made canonical once, where messages come in
 * (inbound.ts), and the server builds its own from paths with the same function.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';

/** RFC 3986 unreserved characters: a percent-encoding of one of these means the character itself. */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The canonical spelling of a URI: a `file:` URI is decoded to its path and encoded again as
 * Node's pathToFileURL does (upper-case hex); any other URI gets RFC 3986 normalisation of its
 * percent-encodings (upper-case hex, unreserved characters decoded). A URI that does not parse is
 * returned as it is.
 */
export function canonicalUri(uri: string): string {
  if (/^file:/i.test(uri)) {
    const path = uriToPath(uri);
    if (path !== undefined) return pathToUri(path);
  }
  return normalisePercentEncoding(uri);
}

/** The local path of a `file:` URI, or undefined for other schemes and for remote hosts. */
export function uriToPath(uri: string): string | undefined {
  if (!/^file:/i.test(uri)) return undefined;
  try {
    // fileURLToPath wants the scheme in lower case and decodes either hex case.
    return fileURLToPath(`file:${uri.slice(5)}`);
  } catch {
    return undefined;
  }
}

/** The canonical `file:` URI of a local path. */
export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

function normalisePercentEncoding(uri: string): string {
  return uri.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}
