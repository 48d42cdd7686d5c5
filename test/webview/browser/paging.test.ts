/** The entry browser's pages: where each starts, next and previous, the range line, the jump box. */
import assert from 'node:assert/strict';
import { jumpTo, nextPage, pageStart, previousPage, rangeLabel } from '../../../webview/src/browser/paging';

describe('browser/paging', () => {
  it('starts a page at a multiple of the page size, within the records', () => {
    assert.equal(pageStart(0, 94_117, 100), 0);
    assert.equal(pageStart(150, 94_117, 100), 100);
    assert.equal(pageStart(94_116, 94_117, 100), 94_100);
    // Past the end (fewer records than before): the last page.
    assert.equal(pageStart(200_000, 94_117, 100), 94_100);
    assert.equal(pageStart(500, 0, 100), 0);
  });

  it('has a next page until the last and a previous one after the first', () => {
    assert.equal(nextPage(0, 250, 100), 100);
    assert.equal(nextPage(100, 250, 100), 200);
    assert.equal(nextPage(200, 250, 100), undefined);
    assert.equal(nextPage(0, 100, 100), undefined);
    assert.equal(previousPage(200, 250, 100), 100);
    assert.equal(previousPage(0, 250, 100), undefined);
  });

  it('says which records the page shows, of how many', () => {
    assert.equal(rangeLabel(100, 100, 94_117), 'records 101–200 of 94,117');
    assert.equal(rangeLabel(94_100, 17, 94_117), 'records 94,101–94,117 of 94,117');
    assert.equal(rangeLabel(0, 1, 1), 'record 1 of 1');
    assert.equal(rangeLabel(0, 0, 0), 'no records');
  });

  it('jumps to the page holding a record number, commas allowed', () => {
    assert.deepEqual(jumpTo('150', 94_117, 100), { ok: true, offset: 100 });
    assert.deepEqual(jumpTo(' 94,117 ', 94_117, 100), { ok: true, offset: 94_100 });
    assert.deepEqual(jumpTo('1', 94_117, 100), { ok: true, offset: 0 });
  });

  it('refuses a record number that is not a whole number from 1 to the total, saying why', () => {
    assert.deepEqual(jumpTo('abc', 10, 100), { ok: false, reason: '"abc" is not a record number' });
    assert.deepEqual(jumpTo('1.5', 10, 100), { ok: false, reason: '"1.5" is not a record number' });
    assert.deepEqual(jumpTo('0', 10, 100), { ok: false, reason: 'record 0 is not between 1 and 10' });
    assert.deepEqual(jumpTo('11', 10, 100), { ok: false, reason: 'record 11 is not between 1 and 10' });
    assert.deepEqual(jumpTo('1', 0, 100), { ok: false, reason: 'there are no records to go to' });
  });
});
