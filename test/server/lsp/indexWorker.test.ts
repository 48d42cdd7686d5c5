/**
 * The worker-thread index build (worldwide padding): the packed index comes back without copying,
 * a newer build cancels the running one, and the bundled dist/server.js doubles as the worker.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createMatcher, matcherFromPacked } from '../../../server/engine/src/match/matcher';
import { BuildCancelled, IndexBuilder, indexWorkerScript } from '../../../server/src/lsp/indexWorker';

const OUT_LSP = join(__dirname, '../../../server/src/lsp');
const DIST_SERVER = join(__dirname, '../../../../dist/server.js');
const ENTRIES = ['東京', '猫', 'new york', 'york', 'dog'];
const TEXTS = ['我爱東京的猫', 'new york dog', 'nothing', '東京 york'];

describe('lsp index worker', function () {
  this.timeout(60_000);

  it('finds its script beside the tsc output', () => {
    assert.equal(indexWorkerScript(OUT_LSP), join(OUT_LSP, 'indexWorkerMain.js'));
  });

  it('builds the packed index in a worker thread', async () => {
    const builder = new IndexBuilder(join(OUT_LSP, 'indexWorkerMain.js'));
    try {
      const packed = await builder.build(ENTRIES, 'worldwide');
      assert.ok(packed.buffer instanceof SharedArrayBuffer);
      const matcher = matcherFromPacked(packed);
      const reference = createMatcher(ENTRIES, 'worldwide');
      for (const t of TEXTS) assert.deepEqual(matcher.match(t), reference.match(t));
    } finally {
      builder.dispose();
    }
  });

  it('cancels a running build when a newer one starts', async () => {
    const builder = new IndexBuilder(join(OUT_LSP, 'indexWorkerMain.js'));
    try {
      const big = Array.from({ length: 200_000 }, (_, i) => `entry ${i}`);
      const first = builder.build(big, 'worldwide');
      const second = builder.build(ENTRIES, 'worldwide');
      await assert.rejects(first, BuildCancelled);
      assert.equal(matcherFromPacked(await second).numEntries, ENTRIES.length);
    } finally {
      builder.dispose();
    }
  });

  it('runs from the bundle dist/server.js', async function () {
    // npm test builds the bundle first.
    assert.ok(existsSync(DIST_SERVER), `${DIST_SERVER} is missing: run npm run build`);
    const builder = new IndexBuilder(DIST_SERVER);
    try {
      const packed = await builder.build(ENTRIES, 'worldwide');
      assert.deepEqual(matcherFromPacked(packed).match('new york dog'), [2, 3, 4]);
    } finally {
      builder.dispose();
    }
  });
});
