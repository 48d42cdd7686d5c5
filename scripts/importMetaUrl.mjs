// Injected into the Node bundles by build.mjs: ES modules bundled as CommonJS lose import.meta.url
// (fasttext.wasm.js's emscripten loader calls createRequire(import.meta.url) when it starts), so
// each bundle defines it as its own file's URL. Only meaningful inside a CommonJS bundle.
import { pathToFileURL } from 'node:url';

// eslint-disable-next-line no-undef -- defined in the CommonJS bundle this file is injected into
export const importMetaUrl = pathToFileURL(__filename).href;
