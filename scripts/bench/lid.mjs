// Compares the installed language identifiers on alt-text-sized snippets of the Universal
// Declaration of Human Rights (test/support/udhrSnippets.ts: 46 declarations, 41 languages, 12
// scripts): accuracy overall, per script and per language, speed (texts/s, one thread) and load
// time. Each identifier runs in its own process, so load times and speeds do not mix.
// Needs `npm run build` (it reads the snippet set from out/). Usage:
//   node scripts/bench/lid.mjs [--per-language 100] [--languages]
// Caveat: franc's trigram profiles are trained on the UDHR itself, so its figures here are
// optimistic; the others were trained on other text (fastText: Wikipedia, Tatoeba, SETimes).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(REPO, 'package.json'));

/** Each candidate: the package it measures and how to load it; `load` resolves to (text) => code. */
const CANDIDATES = {
  'metacurate identify': {
    pkg: 'fasttext.wasm.js',
    licence: 'MIT; model CC-BY-SA-3.0',
    // The engine's identifier (fastText plus its rules and codes), from the tsc output.
    async load() {
      const { loadLanguageIdentifier } = require(join(REPO, 'out/server/engine/src/worldwide/languageId.js'));
      const lid = await loadLanguageIdentifier();
      return (text) => lid.identify(text);
    },
  },
  fasttext: {
    pkg: 'fasttext.wasm.js',
    licence: 'MIT; model CC-BY-SA-3.0',
    async load() {
      const { getLIDModel } = await import('fasttext.wasm.js');
      const model = await (await getLIDModel()).load();
      return (text) => {
        const top = model.predict(text.replace(/\s+/g, ' '), 1, 0);
        const best = top.size() > 0 ? top.get(0) : undefined;
        return best ? best[1].replace('__label__', '') : 'und';
      };
    },
  },
  cld3: {
    pkg: 'cld3-asm',
    licence: 'MIT; cld3 Apache-2.0',
    async load() {
      const { loadModule } = await import('cld3-asm');
      const identifier = (await loadModule()).create(0, 1000);
      const cldCodes = { iw: 'he', fil: 'tl', jw: 'jv' };
      return (text) => {
        const code = identifier.findLanguage(text).language;
        return cldCodes[code] ?? (code.includes('-') ? 'und' : code);
      };
    },
  },
  'eld (medium)': {
    pkg: 'eld',
    async load() {
      const { eld } = await import('eld/medium');
      return (text) => eld.detect(text).language || 'und';
    },
  },
  'eld (large)': {
    pkg: 'eld',
    async load() {
      const { eld } = await import('eld/large');
      return (text) => eld.detect(text).language || 'und';
    },
  },
  tinyld: {
    pkg: 'tinyld',
    async load() {
      const { detect } = await import('tinyld');
      return (text) => detect(text) || 'und';
    },
  },
  franc: {
    pkg: 'franc',
    async load() {
      const { franc } = await import('franc');
      // franc answers ISO 639-3: to two letters through fastText's table, plus the individual
      // languages franc names where ISO 639-1 has the macrolanguage.
      const table = JSON.parse(
        readFileSync(
          join(
            dirname(require.resolve('fasttext.wasm.js')),
            '../models/language-identification/assets/languages.json',
          ),
          'utf8',
        ),
      );
      const two = { cmn: 'zh', arb: 'ar', pes: 'fa', swh: 'sw', zlm: 'ms', uzn: 'uz', ekk: 'et', lvs: 'lv' };
      for (const [wp, { alpha3, alpha2 }] of Object.entries(table)) two[alpha3] ??= alpha2 ?? wp;
      Object.assign(two, { npi: 'ne', azj: 'az', khk: 'mn', ydd: 'yi', plt: 'mg', nob: 'no' });
      return (text) => {
        const code = franc(text, { minLength: 3 });
        return two[code] ?? code;
      };
    },
  },
};

/**
 * Short alt texts written for this bench (web alt text is short and mostly English, unlike the
 * UDHR's formal prose): a second, small check of what the UDHR set cannot show.
 */
const CAPTIONS = [
  ['en', 'dog on a beach'],
  ['en', 'a red car parked in front of a house'],
  ['en', 'photo of the Eiffel tower at night'],
  ['en', 'woman holding a cup of coffee'],
  ['en', 'Blue mountains landscape wallpaper 4k'],
  ['en', 'New York City skyline'],
  ['en', 'sunset over the ocean'],
  ['en', 'close-up of a bee on a yellow flower'],
  ['en', "Men's running shoes, black"],
  ['en', 'kids playing football in the park'],
  ['en', 'vintage wooden table with chairs'],
  ['en', 'bowl of ramen with egg'],
  ['de', 'Ein Hund am Strand'],
  ['de', 'Blick auf die Altstadt von Heidelberg'],
  ['fr', 'un chat noir sur le canapé'],
  ['fr', 'la tour Eiffel au coucher du soleil'],
  ['es', 'una mujer caminando por la playa'],
  ['es', 'receta de paella valenciana'],
  ['it', 'una pizza margherita appena sfornata'],
  ['pt', 'vista da praia de Copacabana'],
  ['nl', 'fietsen langs de gracht in Amsterdam'],
  ['pl', 'widok na stare miasto w Krakowie'],
  ['tr', 'İstanbul boğazında gün batımı'],
  ['vi', 'phở bò truyền thống Hà Nội'],
  ['id', 'pemandangan sawah di Bali'],
  ['ru', 'кошка спит на диване'],
  ['uk', 'собор у центрі Києва'],
  ['zh', '北京的天安门广场'],
  ['zh', '一只猫在沙发上睡觉'],
  ['zh', '台北101夜景'],
  ['ja', '東京タワーの夜景'],
  ['ja', '猫がソファで寝ている'],
  ['ko', '서울의 야경 사진'],
  ['th', 'แมวสีส้มนอนบนโซฟา'],
  ['ar', 'قطة على الأريكة'],
  ['fa', 'منظره کوه دماوند در زمستان'],
  ['hi', 'समुद्र तट पर कुत्ता'],
  ['el', 'η Ακρόπολη της Αθήνας'],
  ['he', 'חתול ישן על הספה'],
];

/** Child: load one candidate, identify every snippet, print figures as JSON. */
async function measureOne(name, perLanguage) {
  const { udhrSnippets } = require(join(REPO, 'out/test/support/udhrSnippets.js'));
  const snippets = udhrSnippets(perLanguage);
  const t0 = performance.now();
  const identify = await CANDIDATES[name].load();
  identify('warm up'); // the first call of a wasm module can pay one-time costs: count them as load
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const answers = snippets.map((s) => identify(s.text));
  const seconds = (performance.now() - t1) / 1000;
  const tally = (key) => {
    const out = {};
    snippets.forEach((s, i) => {
      const row = (out[s[key]] ??= { n: 0, ok: 0 });
      row.n++;
      if (answers[i] === s.lang) row.ok++;
    });
    return out;
  };
  const captionsRight = CAPTIONS.filter(([lang, text]) => identify(text) === lang).length;
  const correct = snippets.filter((s, i) => answers[i] === s.lang).length;
  const result = {
    n: snippets.length,
    accuracy: correct / snippets.length,
    textsPerSecond: snippets.length / seconds,
    loadMs,
    captionAccuracy: captionsRight / CAPTIONS.length,
    heapMB: process.memoryUsage().rss / 2 ** 20,
    byScript: tally('script'),
    byLanguage: tally('lang'),
  };
  process.stdout.write(JSON.stringify(result));
}

function packageFacts(pkg) {
  // Not require.resolve: several of these packages do not export their package.json.
  const dir = join(REPO, 'node_modules', pkg);
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const du = spawnSync('du', ['-sk', dir], { encoding: 'utf8' });
  return { version: meta.version, license: meta.license, sizeMB: Number(du.stdout.split('\t')[0]) / 1024 };
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])));
  return [
    line(header).join(' | '),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...rows.map((r) => line(r).join(' | ')),
  ].join('\n');
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;

export async function benchLid({ perLanguage = 100, languages = false } = {}) {
  const results = {};
  for (const name of Object.keys(CANDIDATES)) {
    const child = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--one', name, '--per-language', String(perLanguage)],
      {
        cwd: REPO,
        encoding: 'utf8',
        maxBuffer: 64 * 2 ** 20,
      },
    );
    if (child.status !== 0) throw new Error(`${name}: ${child.stderr}`);
    results[name] = JSON.parse(child.stdout);
  }
  const names = Object.keys(results);
  const first = results[names[0]];
  const scripts = Object.keys(first.byScript);
  const lines = [];
  lines.push(
    `Language identification on ${first.n} UDHR snippets (${perLanguage} per declaration; 3-12 words, or 8-30 characters unspaced)`,
  );
  lines.push(
    table(
      [
        'identifier',
        'UDHR accuracy',
        `captions (${CAPTIONS.length})`,
        'texts/s',
        'load ms',
        'RSS MB',
        'package MB',
        'licence',
      ],
      names.map((name) => {
        const r = results[name];
        const facts = packageFacts(CANDIDATES[name].pkg);
        return [
          `${name} ${facts.version}`,
          pct(r.accuracy),
          pct(r.captionAccuracy),
          Math.round(r.textsPerSecond).toLocaleString('en-US'),
          Math.round(r.loadMs),
          Math.round(r.heapMB),
          facts.sizeMB.toFixed(1),
          CANDIDATES[name].licence ?? facts.license,
        ];
      }),
    ),
  );
  lines.push('', 'Accuracy per script');
  lines.push(
    table(
      ['script (texts)', ...names],
      scripts.map((s) => [
        `${s} (${first.byScript[s].n})`,
        ...names.map((n) => pct(results[n].byScript[s].ok / results[n].byScript[s].n)),
      ]),
    ),
  );
  if (languages) {
    lines.push('', 'Accuracy per language');
    lines.push(
      table(
        ['language', ...names],
        Object.keys(first.byLanguage).map((l) => [
          l,
          ...names.map((n) => pct(results[n].byLanguage[l].ok / results[n].byLanguage[l].n)),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      one: { type: 'string' },
      'per-language': { type: 'string', default: '100' },
      languages: { type: 'boolean', default: false },
    },
  });
  const perLanguage = Number(values['per-language']);
  if (values.one) await measureOne(values.one, perLanguage);
  else console.log(await benchLid({ perLanguage, languages: values.languages }));
}
