/**
 * Language identification for worldwide curation (docs/spec.md section 2, "Worldwide
 * thresholds": each text is matched against the metadata of its own language). The model is
 * fastText's `lid.176.ftz` (176 languages, 0.9 MB), run as WebAssembly by `fasttext.wasm.js`:
 * chosen over cld3, eld, tinyld and franc by scripts/bench/lid.mjs: on UDHR snippets within a
 * point of the best (93.5% with the rules below, cld3 94.4%) and 4-6 times faster than it; on
 * short alt text by far the best (97% against cld3's 72%). The rules: no letters or low
 * confidence give `und`, text is read in NFC, Han text without kana is Chinese.
 *
 * Use: `const lid = await loadLanguageIdentifier()` once (reads and compiles the model, about
 * 70 ms), then `lid.identify(text)` per record: synchronous, 25-30 µs for an alt text on one core.
 *
 * Codes. fastText's labels are the codes of the Wikipedia editions it was trained on, which are
 * the metadata's language codes (one metadata list per Wikipedia): ISO 639-1 where one exists
 * (`en de fr es zh ja ko th ar fa ur ru uk hi mr bn ta el he ...`), else Wikipedia's code
 * (ISO 639-3 or 639-2: `ast ceb war arz azb ckb pnb ...`). A label is its own metadata code
 * except the rows of METADATA_CODES below, where the edition's code differs from the label.
 * Codes worth knowing: `als` is Alemannic (Wikipedia's code; ISO 639-3 `gsw`, not Tosk
 * Albanian); `sh` is Serbo-Croatian (its own Wikipedia, beside `sr`, `hr` and `bs`); `no` is
 * Norwegian Bokmål (no.wikipedia) and `nn` Nynorsk; `zh` covers both Simplified and Traditional
 * (one zh.wikipedia); `bh` is Bihari (bh.wikipedia, in Bhojpuri); `eml` Emilian-Romagnol.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getFastTextClass, getFastTextModule } from 'fasttext.wasm.js';

/** The code for "no language": a text with no letters, or one the model is unsure of. */
export const UNDETERMINED = 'und';

/**
 * fastText label -> metadata code, where they differ (the label is the ISO 639-3 code, the
 * Wikipedia edition has its own):
 *
 * | label | metadata | language |
 * | ----- | -------- | -------- |
 * | yue   | zh-yue   | Cantonese (zh-yue.wikipedia) |
 * | cbk   | cbk-zam  | Chavacano (cbk-zam.wikipedia) |
 */
export const METADATA_CODES: Readonly<Record<string, string>> = { yue: 'zh-yue', cbk: 'cbk-zam' };

/**
 * Below this probability of its best language the model's answer is `und`. Low on purpose:
 * a short English caption ("sunset", "Hello") gets 0.2-0.4 and is still right; of the 12
 * answers below 0.15 on the 4,700 UDHR snippets of scripts/bench/lid.mjs, 2 are right.
 */
export const DEFAULT_MIN_CONFIDENCE = 0.15;

export interface LanguageIdentifierOptions {
  /** Probability below which the answer is `und` (default DEFAULT_MIN_CONFIDENCE). */
  readonly minConfidence?: number;
}

export interface LanguageIdentification {
  /** Metadata language code, or `und`. */
  readonly lang: string;
  /** The model's probability of its best language (0 when the text has no letters). */
  readonly confidence: number;
}

export interface LanguageIdentifier {
  /** The metadata language code of `text`, or `und` when unsure or when it has no letters. */
  identify(text: string): string;
  /** The same, with the model's confidence. */
  identifyWithConfidence(text: string): LanguageIdentification;
}

/** A text with no letter at all (digits, punctuation, emoji): the model would guess. */
const LETTER = /\p{L}/u;
/** Japanese writing mixes kana into its kanji; a Han text without kana is read as Chinese. */
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HAN = /\p{Script=Han}/u;
/** fastText reads one line: any run of whitespace becomes one space. */
const WHITESPACE = /\s+/g;

/** fastText's embind vector of (probability, label) pairs; it lives in wasm memory until deleted. */
interface PredictionVector {
  size(): number;
  get(index: number): [number, string];
  delete(): void;
}

/**
 * Where the wasm binary and the model are: next to the bundle (`dist/lid/`, copied there by
 * scripts/build.mjs: the VSIX ships no node_modules), else in the package.
 */
function assetFiles(): { wasm: string; model: string } {
  const bundled = join(__dirname, 'lid');
  if (existsSync(join(bundled, 'lid.176.ftz'))) {
    return { wasm: join(bundled, 'fastText.node.wasm'), model: join(bundled, 'lid.176.ftz') };
  }
  // createRequire, not require.resolve: a bundler would try to resolve it at build time.
  const dist = join(dirname(createRequire(__filename).resolve('fasttext.wasm.js')), '..');
  return {
    wasm: join(dist, 'core', 'fastText.node.wasm'),
    model: join(dist, 'models', 'language-identification', 'assets', 'lid.176.ftz'),
  };
}

/** The model's best (probability, label) for one line of text, if it has any label. */
type PredictTop = (line: string) => [number, string] | undefined;

let sharedModel: Promise<PredictTop> | undefined;

/**
 * Loads the model once per process (later calls share it); identification is then synchronous.
 * Offline: reads only files of the package or the bundle.
 */
export async function loadLanguageIdentifier(
  options: LanguageIdentifierOptions = {},
): Promise<LanguageIdentifier> {
  sharedModel ??= loadModel().catch((error: unknown) => {
    sharedModel = undefined; // a failed load is not cached: the next call tries again
    throw error;
  });
  return identifierOver(await sharedModel, options.minConfidence ?? DEFAULT_MIN_CONFIDENCE);
}

async function loadModel(): Promise<PredictTop> {
  const files = assetFiles();
  // The wasm bytes are handed over rather than located: the emscripten loader would look for
  // them next to its own script, which a bundle moves.
  const wasmBinary = readFileSync(files.wasm);
  const FastText = await getFastTextClass({
    getFastTextModule: () => getFastTextModule({ wasmBinary } as Parameters<typeof getFastTextModule>[0]),
  });
  const model = await new FastText().loadModel(pathToFileURL(files.model).href);
  return (line) => {
    const vector = model.predict(line, 1, 0) as unknown as PredictionVector;
    try {
      return vector.size() > 0 ? vector.get(0) : undefined;
    } finally {
      vector.delete(); // embind vectors live in wasm memory: one leaked per text would add up
    }
  };
}

const NONE: LanguageIdentification = { lang: UNDETERMINED, confidence: 0 };
const LABEL_PREFIX = '__label__';

/** The rules around the model: no letters, the confidence floor, Han without kana, the codes. */
function identifierOver(predictTop: PredictTop, minConfidence: number): LanguageIdentifier {
  const identifyWithConfidence = (text: string): LanguageIdentification => {
    if (!LETTER.test(text)) return NONE;
    // NFC: the model learnt precomposed letters; decomposed Vietnamese (as in the UDHR's) drops
    // from 98% to 75% on the bench without it.
    const top = predictTop(text.normalize('NFC').replace(WHITESPACE, ' ').trim());
    if (!top) return NONE;
    const [confidence, label] = top;
    if (confidence < minConfidence) return { lang: UNDETERMINED, confidence };
    const code = label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length) : label;
    if (code === 'ja' && HAN.test(text) && !KANA.test(text)) return { lang: 'zh', confidence };
    return { lang: METADATA_CODES[code] ?? code, confidence };
  };
  return { identify: (text) => identifyWithConfidence(text).lang, identifyWithConfidence };
}
