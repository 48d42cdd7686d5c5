/**
 * Extra check when the project's shared data sits beside the checkout: the published test
 * vectors (English `v1_ids`, worldwide `v2_ids`). The project's own table is matcher.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createMatcher } from '../../../../server/engine/src/match/matcher';
import { spacedText } from '../../../../server/engine/src/match/spacing';

const VECTORS = resolve(__dirname, '../../../../../../shared/data/matching/edge_case_vectors.json');

describe('shared edge-case vectors (../shared/data)', () => {
  it('match v1_ids (English) and v2_ids (worldwide), spaced text included', function () {
    if (!existsSync(VECTORS)) {
      console.log(
        `    (no ${VECTORS}: the shared data is not beside this checkout; the project's own table covers the cases)`,
      );
      return;
    }
    const data = JSON.parse(readFileSync(VECTORS, 'utf8')) as {
      metadata: string[];
      vectors: { text: string; spaced: string; v1_ids: number[]; v2_ids: number[] }[];
    };
    const english = createMatcher(data.metadata, 'english');
    const worldwide = createMatcher(data.metadata, 'worldwide');
    for (const v of data.vectors) {
      assert.equal(spacedText(v.text), v.spaced);
      assert.deepEqual(english.match(v.text), v.v1_ids, v.text);
      assert.deepEqual(worldwide.match(v.text), v.v2_ids, v.text);
    }
    console.log(`    ${data.vectors.length} vectors checked`);
  });
});
