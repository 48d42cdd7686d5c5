/** "Compare with…" on the host: which curations can be compared, each side's figures, following the data shown. */
import assert from 'node:assert/strict';
import { CompareSource, compareRefusal, compareSide, comparisonOf } from '../../client/src/compareSource';
import type { BalancePayload, HostMessage, SourceSpec } from '../../contracts/src/webview';
import { keptPerEntryAt, statsAt } from '../../server/engine/src/balanceView';
import { curationPayload, smallPayload } from '../webview/fixtures';

// The small payload: dog (id 0) 5 matches, cat (1) 3, Golden Retriever (2) 1, snow (3) none.
const A = () => curationPayload('/ws/a', 'sha-1', 2, [2, 2, 1, 0], 4);
const B = () => curationPayload('/ws/b', 'sha-1', 4, [4, 3, 1, 0], 6);

describe('client/compareSource: comparing two curations in the entry-balance panel', () => {
  describe('compareSide', () => {
    it("takes a curation's recorded kept per entry and its figures at its own t", () => {
      const side = compareSide(A())!;
      assert.equal(side.folder, '/ws/a');
      assert.equal(side.keptSource, 'actual');
      assert.deepEqual(Array.from(side.keptById), [2, 2, 1, 0]);
      assert.deepEqual([side.pool, side.kept, side.t, side.seed], [8, 4, 2, 0]);
      // At t = 2: dog (5) and cat (3) are the head, 8 of the 9 matches.
      assert.equal(side.headEntries, 2);
      assert.equal(side.headShare, 8 / 9);
      assert.equal(side.matchedEntries, 3);
    });

    it('without a recorded kept per entry, uses the expected kept at its own t', () => {
      const payload = curationPayload('/ws/old', 'sha-1', 2);
      const side = compareSide(payload)!;
      assert.equal(side.keptSource, 'expected');
      assert.deepEqual(Array.from(side.keptById), Array.from(keptPerEntryAt(payload.model, 2)));
      assert.equal(side.headEntries, statsAt(payload.model, 2).headEntries);
    });

    it('copies the kept array (the webview gets it transferred; the cached data keep theirs)', () => {
      const payload = A();
      assert.notEqual(compareSide(payload)!.keptById.buffer, payload.model.actualKept!.buffer);
    });

    it('none for the samples', () => {
      assert.equal(compareSide(smallPayload()), undefined);
    });
  });

  describe('compareRefusal', () => {
    it('two curations of the same metadata can be compared', () => {
      assert.equal(compareRefusal(A(), B()), undefined);
    });

    it('refuses the samples, the same folder, other or unknown metadata', () => {
      assert.match(compareRefusal(smallPayload(), B())!, /workspace samples/);
      assert.match(compareRefusal(A(), smallPayload())!, /only a finished curation/);
      assert.match(compareRefusal(A(), A())!, /is the curation shown/);
      assert.match(
        compareRefusal(A(), curationPayload('/ws/c', 'sha-2', 2))!,
        /Curation \/ws\/c \(t = 2\) was made with other metadata/,
      );
      assert.match(compareRefusal(A(), curationPayload('/ws/c', undefined, 2))!, /sha256 of its metadata/);
    });

    it('comparisonOf gives both sides, or the reason', () => {
      const c = comparisonOf(A(), B());
      assert.ok(typeof c !== 'string');
      assert.deepEqual([c.base.folder, c.other.folder], ['/ws/a', '/ws/b']);
      assert.equal(typeof comparisonOf(A(), A()), 'string');
    });
  });

  describe('CompareSource: the choice follows the data shown', () => {
    function host(curations: Record<string, BalancePayload>) {
      const posted: HostMessage[] = [];
      const loaded: SourceSpec[] = [];
      const source = new CompareSource(
        (spec) => {
          loaded.push(spec);
          const p = spec.kind === 'curation' ? curations[spec.folder] : undefined;
          return p ? Promise.resolve(p) : Promise.reject(new Error(`no curation in ${JSON.stringify(spec)}`));
        },
        (m) => posted.push(m),
      );
      return { source, posted, loaded };
    }

    it('a curation chosen is compared with the data shown, and again with each new data', async () => {
      const { source, posted } = host({ '/ws/b': B() });
      await source.select('/ws/b', A());
      assert.equal(posted.length, 1);
      const first = posted[0];
      assert.ok(first.type === 'compare');
      assert.deepEqual([first.comparison.base.folder, first.comparison.other.folder], ['/ws/a', '/ws/b']);
      await source.follow(curationPayload('/ws/c', 'sha-1', 3));
      const second = posted[1];
      assert.ok(second.type === 'compare');
      assert.equal(second.comparison.base.folder, '/ws/c');
    });

    it('data that cannot be compared drop the choice, with the reason; later data are not compared', async () => {
      const { source, posted } = host({ '/ws/b': B() });
      await source.select('/ws/b', A());
      await source.follow(curationPayload('/ws/x', 'sha-2', 2));
      assert.deepEqual(posted[1], {
        type: 'compareDropped',
        folder: '/ws/b',
        reason: 'Curation /ws/b (t = 4) was made with other metadata than Curation /ws/x (t = 2)',
      });
      await source.follow(A());
      assert.equal(posted.length, 2);
    });

    it('a curation that cannot be read is dropped with its error', async () => {
      const { source, posted } = host({});
      await source.select('/ws/gone', A());
      assert.equal(posted[0].type, 'compareDropped');
      assert.match((posted[0] as { reason: string }).reason, /no curation in/);
    });

    it('choosing none posts nothing (the panel cleared it) and stops following', async () => {
      const { source, posted, loaded } = host({ '/ws/b': B() });
      await source.select(undefined, A());
      await source.follow(A());
      assert.deepEqual([posted, loaded], [[], []]);
    });

    it("takes back the webview's kept choice after a reload", async () => {
      const { source, posted } = host({ '/ws/b': B() });
      source.adopt({
        source: { kind: 'curation', folder: '/ws/a' },
        t: 2,
        sort: { key: 'count', descending: true },
        search: '',
        scrollRow: 0,
        compare: '/ws/b',
      });
      await source.follow(A());
      assert.equal(posted[0].type, 'compare');
    });
  });
});
