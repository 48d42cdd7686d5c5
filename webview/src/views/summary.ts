/** The figures at t: expected curated size, head entries and head share of matches. */
import type { BalanceModel, BalanceStats } from '../../../server/engine/src/balanceView';
import { formatPercent, formatSize, int } from '../format';
import { byId } from './layout';

/**
 * Shows the figures; `data-value` and `data-t` carry the exact numbers and their t (the e2e suite
 * and the bench read them).
 */
export function showFigures(m: BalanceModel, s: BalanceStats): void {
  const size = byId('expected-size');
  size.textContent = formatSize(s.expectedSize);
  size.dataset.value = String(s.expectedSize);
  size.dataset.t = String(s.t);
  byId('expected-sub').textContent =
    m.matchedTexts > 0
      ? `${formatPercent(s.expectedSize / m.matchedTexts)} of ${int.format(m.matchedTexts)} matched texts`
      : 'no matched texts';
  const head = byId('head-entries');
  head.textContent = int.format(s.headEntries);
  head.dataset.value = String(s.headEntries);
  byId('head-sub').textContent = `of ${int.format(m.matchedEntries)} matched entries`;
  const share = byId('head-share');
  share.textContent = formatPercent(s.headShare);
  share.dataset.value = String(s.headShare);
  byId('share-sub').textContent = `${int.format(s.headMatches)} of ${int.format(m.totalMatches)} matches`;
}
