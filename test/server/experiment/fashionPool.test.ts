/**
 * The mini experiment's pool: a balanced held-out test split, a long tail of classes, about half
 * of the texts matching no entry, misleading and generic texts mixed in, all deterministic given
 * the seed; and the small pieces around it (PNG encoding, the trainer's argument list).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { createMatcher } from '../../../server/engine/src/match/matcher';
import {
  countByLabel,
  DEFAULT_TEXT_MIX,
  FASHION_CLASSES,
  GENERIC_ENTRIES,
  longTailCounts,
  miniMetadata,
  planPool,
  ZEROSHOT_TEMPLATES,
  type PoolPlan,
} from '../../../server/src/experiment/fashionPool';
import { defaultT, entryCounts, MINI_DEFAULTS } from '../../../server/src/experiment/mini';
import { crc32, encodeGrayPng } from '../../../server/src/experiment/png';
import { builtinTrainerArgs, findTrainerDir, trainerEnv } from '../../../server/engine/src/runs/trainer';

const AVAILABLE = new Array<number>(10).fill(7000);

describe('experiment mini: the pool', () => {
  const plan: PoolPlan = planPool({ seed: 1, available: AVAILABLE, testPerClass: 500 });
  const metadata = miniMetadata();
  const matcher = createMatcher(metadata);
  const entryClass = new Map<number, number>();
  FASHION_CLASSES.forEach((c, label) =>
    c.synonyms.forEach((s) => entryClass.set(metadata.indexOf(s), label)),
  );
  const genericIds = new Set(GENERIC_ENTRIES.map((g) => metadata.indexOf(g)));

  it('holds out a balanced test split disjoint from the pool', () => {
    assert.equal(plan.test.length, 5000);
    for (let c = 0; c < 10; c++) assert.equal(plan.test.filter((t) => t.label === c).length, 500);
    const testImages = new Set(plan.test.map((t) => `${t.label}/${t.image}`));
    assert.equal(testImages.size, 5000);
    for (const r of plan.pool)
      assert.ok(!testImages.has(`${r.label}/${r.image}`), 'a pool image is in the test split');
    assert.equal(new Set(plan.pool.map((r) => `${r.label}/${r.image}`)).size, plan.pool.length);
  });

  it('has a long tail: the head class about 30 times the rarest, ranks shuffled', () => {
    const counts = [...plan.classCounts].sort((a, b) => b - a);
    assert.equal(counts[0], 6500);
    assert.ok(counts[0] / counts[9] > 25 && counts[0] / counts[9] < 35, `${counts}`);
    for (let i = 1; i < 10; i++) assert.ok(counts[i] < counts[i - 1]);
    assert.equal(plan.classCounts[plan.classRanks[0]], 6500);
    assert.ok(plan.pool.length > 19000 && plan.pool.length < 21000, `${plan.pool.length}`);
    assert.deepEqual(longTailCounts(1000, 3, 4), [1000, 500, 250]);
  });

  it('gives about half of the pairs a text that matches no entry', () => {
    const unmatched = plan.pool.filter((r) => matcher.match(r.text).length === 0).length / plan.pool.length;
    assert.ok(unmatched > 0.44 && unmatched < 0.52, `unmatched share ${unmatched}`);
    for (const r of plan.pool.filter((p) => p.kind === 'noise')) {
      assert.deepEqual(matcher.match(r.text), [], r.text);
    }
  });

  it('names the class, another class (misleading), or only generic entries', () => {
    const share = (kind: string) => plan.pool.filter((r) => r.kind === kind).length / plan.pool.length;
    assert.ok(Math.abs(share('class') - DEFAULT_TEXT_MIX.class) < 0.015);
    assert.ok(Math.abs(share('misleading') - DEFAULT_TEXT_MIX.misleading) < 0.01);
    assert.ok(Math.abs(share('generic') - DEFAULT_TEXT_MIX.generic) < 0.01);
    for (const r of plan.pool) {
      const ids = matcher.match(r.text);
      const classes = new Set(ids.filter((id) => entryClass.has(id)).map((id) => entryClass.get(id)));
      if (r.kind === 'class') {
        assert.equal(r.textClass, r.label);
        assert.ok(classes.has(r.label), `'${r.text}' should name ${FASHION_CLASSES[r.label].name}`);
      } else if (r.kind === 'misleading') {
        assert.notEqual(r.textClass, r.label);
        assert.ok(classes.has(r.textClass!), `'${r.text}' should name ${FASHION_CLASSES[r.textClass!].name}`);
      } else if (r.kind === 'generic') {
        assert.ok(
          ids.length > 0 && ids.every((id) => genericIds.has(id)),
          `'${r.text}' should match only generic entries`,
        );
      }
    }
  });

  it('draws misleading names by popularity: head classes are named wrongly more often', () => {
    const named = new Array<number>(10).fill(0);
    for (const r of plan.pool) if (r.kind === 'misleading') named[r.textClass!]++;
    const head = plan.classRanks[0];
    const tail = plan.classRanks[9];
    assert.ok(named[head] > 10 * named[tail], `head ${named[head]}, tail ${named[tail]}`);
  });

  it('is deterministic given the seed, and the seed changes it', () => {
    const again = planPool({ seed: 1, available: AVAILABLE, testPerClass: 500 });
    assert.deepEqual(again, plan);
    const other = planPool({ seed: 2, available: AVAILABLE, testPerClass: 500 });
    assert.notDeepEqual(other.pool.slice(0, 50), plan.pool.slice(0, 50));
  });

  it('scales to a requested pool size, and caps it at what the images allow', () => {
    const small = planPool({ seed: 3, available: AVAILABLE, testPerClass: 100, poolSize: 2000 });
    assert.ok(Math.abs(small.pool.length - 2000) < 20, `${small.pool.length}`);
    assert.equal(small.capped, false);
    assert.equal(small.test.length, 1000);
    const big = planPool({ seed: 3, available: AVAILABLE, testPerClass: 500, poolSize: 1_000_000 });
    assert.equal(big.capped, true);
    assert.equal(Math.max(...big.classCounts), 6500);
    assert.equal(defaultT(20_000), 100);
    assert.equal(defaultT(2_000), 10);
  });

  it('keeps the zero-shot prompts apart from the training templates', () => {
    for (const t of ZEROSHOT_TEMPLATES) assert.ok(t.includes('{c}'));
    const texts = new Set(plan.pool.map((r) => r.text));
    for (const c of FASHION_CLASSES) {
      for (const t of ZEROSHOT_TEMPLATES) assert.ok(!texts.has(t.replace('{c}', c.name)));
    }
  });
});

describe("experiment mini: the pool at the paper's proportions (several texts per image)", () => {
  const K = MINI_DEFAULTS.textsPerImage;
  const plan = planPool({ seed: 1, available: AVAILABLE, testPerClass: 500, textsPerImage: K });
  const single = planPool({ seed: 1, available: AVAILABLE, testPerClass: 500 });
  const matcher = createMatcher(miniMetadata());

  it('gives each pool image K pairs, keyed uniquely and shuffled, the test split held out and balanced', () => {
    const perImage = new Map<string, number>();
    for (const r of plan.pool)
      perImage.set(`${r.label}/${r.image}`, (perImage.get(`${r.label}/${r.image}`) ?? 0) + 1);
    assert.ok([...perImage.values()].every((n) => n === K));
    assert.equal(plan.pool.length, perImage.size * K);
    assert.equal(new Set(plan.pool.map((r) => r.key)).size, plan.pool.length);
    // The K texts of an image are spread over the pool, not consecutive.
    const firstImage = `${plan.pool[0].label}/${plan.pool[0].image}`;
    assert.ok(plan.pool.slice(1, K).some((r) => `${r.label}/${r.image}` !== firstImage));
    assert.equal(plan.test.length, 5000);
    for (let c = 0; c < 10; c++) assert.equal(plan.test.filter((t) => t.label === c).length, 500);
    const testImages = new Set(plan.test.map((t) => `${t.label}/${t.image}`));
    assert.ok(plan.pool.every((r) => !testImages.has(`${r.label}/${r.image}`)));
  });

  it('keeps the long tail of classes: pairs per class follow the images per class', () => {
    const counts = countByLabel(plan.pool, 10);
    assert.deepEqual(
      counts,
      plan.classCounts.map((n) => n * K),
    );
    const sorted = [...counts].sort((a, b) => b - a);
    assert.ok(sorted[0] / sorted[9] > 25 && sorted[0] / sorted[9] < 35, `${sorted}`);
    assert.ok(plan.pool.length > 8 * 19000 && plan.pool.length < 8 * 21000);
    // The same images as one text per image: only the texts multiply.
    assert.deepEqual(plan.classCounts, single.classCounts);
    assert.deepEqual(plan.test, single.test);
  });

  it('draws the noise rates as configured, per pair', () => {
    const share = (kind: string) => plan.pool.filter((r) => r.kind === kind).length / plan.pool.length;
    for (const kind of ['class', 'misleading', 'generic', 'noise'] as const) {
      assert.ok(Math.abs(share(kind) - DEFAULT_TEXT_MIX[kind]) < 0.005, `${kind}: ${share(kind)}`);
    }
    const unmatched = plan.pool.filter((r) => matcher.match(r.text).length === 0).length / plan.pool.length;
    assert.ok(unmatched > 0.46 && unmatched < 0.5, `unmatched share ${unmatched}`);
    const mix = { class: 0.8, misleading: 0.1, generic: 0.05, noise: 0.05 };
    const clean = planPool({
      seed: 2,
      available: AVAILABLE,
      testPerClass: 500,
      textsPerImage: 2,
      mix,
      poolSize: 20000,
    });
    const cleanClass = clean.pool.filter((r) => r.kind === 'class').length / clean.pool.length;
    assert.ok(Math.abs(cleanClass - 0.8) < 0.015, `${cleanClass}`);
  });

  it('at the default budget and t, the curated set is seen at most about 30 times', () => {
    const { counts } = entryCounts(plan);
    const t = defaultT(plan.pool.length);
    // Expected kept pairs: a pair is kept unless every entry it matches drops it.
    let expected = 0;
    for (const r of plan.pool) {
      const ids = [...new Set(matcher.match(r.text))];
      if (ids.length > 0)
        expected += 1 - ids.reduce((drop, id) => drop * (1 - Math.min(1, t / counts[id])), 1);
    }
    const seen = (MINI_DEFAULTS.steps * MINI_DEFAULTS.batchSize) / expected;
    assert.ok(
      seen <= 30,
      `the curated set of ${Math.round(expected)} pairs is seen ${seen.toFixed(1)} times`,
    );
    assert.ok(seen > 10, `seen ${seen.toFixed(1)} times: the budget still repeats the data`);
  });

  it('sizes a requested pool in pairs, and is deterministic given the seed', () => {
    const sized = planPool({
      seed: 4,
      available: AVAILABLE,
      testPerClass: 100,
      poolSize: 4000,
      textsPerImage: 4,
    });
    assert.ok(Math.abs(sized.pool.length - 4000) < 40, `${sized.pool.length}`);
    assert.deepEqual(
      planPool({ seed: 4, available: AVAILABLE, testPerClass: 100, poolSize: 4000, textsPerImage: 4 }),
      sized,
    );
    assert.throws(
      () => planPool({ seed: 1, available: AVAILABLE, testPerClass: 5, textsPerImage: 0 }),
      /positive integer/,
    );
  });
});

describe('experiment mini: PNG encoding and the trainer launcher', () => {
  it('encodes 8-bit grayscale PNGs', () => {
    assert.equal(crc32(Buffer.from('123456789')) ^ 0xffffffff, 0xcbf43926 | 0);
    const pixels = Uint8Array.from({ length: 6 }, (_, i) => i * 40);
    const png = encodeGrayPng(3, 2, pixels);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.toString('ascii', 12, 16), 'IHDR');
    assert.equal(png.readUInt32BE(16), 3);
    assert.equal(png.readUInt32BE(20), 2);
    const idatLength = png.readUInt32BE(33);
    assert.equal(png.toString('ascii', 37, 41), 'IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    assert.deepEqual([...raw], [0, 0, 40, 80, 0, 120, 160, 200]);
    assert.equal(png.toString('ascii', png.length - 8, png.length - 4), 'IEND');
    assert.throws(() => encodeGrayPng(3, 3, pixels));
  });

  it("builds the built-in trainer's argument list", () => {
    assert.deepEqual(
      builtinTrainerArgs({
        trainData: ['/p/pool'],
        out: '/r/raw',
        steps: 100,
        batchSize: 64,
        seed: 2,
        lr: 0.002,
        warmup: 10,
        onlineBalance: [],
        t: 50,
        zeroshotData: '/p/test',
        zeroshotName: 'fashion-mnist',
        classnames: '/p/classnames.txt',
      }),
      [
        '--train-data',
        '/p/pool',
        '--online-balance',
        '--t',
        '50',
        '--steps',
        '100',
        '--batch-size',
        '64',
        '--lr',
        '0.002',
        '--warmup',
        '10',
        '--seed',
        '2',
        '--out',
        '/r/raw',
        '--zeroshot-data',
        '/p/test',
        '--zeroshot-name',
        'fashion-mnist',
        '--classnames',
        '/p/classnames.txt',
      ],
    );
    assert.throws(() => builtinTrainerArgs({ trainData: [], out: 'o', steps: 1, batchSize: 2, seed: 0 }));
  });

  it("finds the repository's trainer and sets its environment", () => {
    const dir = findTrainerDir();
    assert.ok(existsSync(join(dir, 'metacurate_trainer', 'train.py')));
    const env = trainerEnv(dir, { PYTHONPATH: '/x' });
    assert.equal(env.PYTHONPATH, `${dir}:/x`);
    assert.equal(env.PYTHONDONTWRITEBYTECODE, '1');
  });
});
