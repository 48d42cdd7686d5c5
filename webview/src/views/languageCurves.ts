/**
 * The "All languages" card (a worldwide curation): the languages' rank-frequency curves, each
 * with its t_lang marked, drawn as SVG from layoutCurves. Shown only in that view; the ranked
 * charts of one list are hidden meanwhile (their t is one language's).
 */
import type { WorldwideInfo } from '../../../contracts/src/webview';
import { themeColors } from '../chart/theme';
import { compact } from '../format';
import { layoutCurves } from '../languageCurves';
import { byId } from './layout';

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 360;

function svgEl(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Shows the curves of `worldwide` (its "All languages" view), or hides the card. */
export function showLanguageCurves(worldwide: WorldwideInfo | undefined): void {
  const card = byId('language-curves');
  const charts = byId('charts');
  const curves = worldwide?.curves;
  card.hidden = !curves;
  charts.hidden = !!curves;
  if (!curves) return;
  const colors = themeColors();
  const palette = [
    colors.before,
    colors.after,
    colors.accuracy,
    colors.marker,
    colors.head,
    colors.threshold,
  ];
  const layout = layoutCurves(curves, WIDTH, HEIGHT);
  const svg = svgEl('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': 'Rank-frequency curve per language',
  });
  const text = { fill: colors.muted, 'font-size': 11, 'font-family': colors.fontFamily };
  for (const tick of layout.xTicks) {
    svg.append(
      svgEl('line', { x1: tick.at, x2: tick.at, y1: layout.top, y2: layout.bottom, stroke: colors.grid }),
    );
    svg.append(
      svgEl(
        'text',
        { ...text, x: tick.at, y: layout.bottom + 14, 'text-anchor': 'middle' },
        compact(tick.value),
      ),
    );
  }
  for (const tick of layout.yTicks) {
    svg.append(
      svgEl('line', { x1: layout.left, x2: layout.right, y1: tick.at, y2: tick.at, stroke: colors.grid }),
    );
    svg.append(
      svgEl(
        'text',
        { ...text, x: layout.left - 4, y: tick.at + 4, 'text-anchor': 'end' },
        compact(tick.value),
      ),
    );
  }
  svg.append(
    svgEl(
      'text',
      { ...text, x: (layout.left + layout.right) / 2, y: HEIGHT - 2, 'text-anchor': 'middle' },
      'rank',
    ),
  );
  const legend = byId('language-legend');
  legend.replaceChildren();
  layout.plots.forEach((plot, i) => {
    const color = palette[i % palette.length];
    const group = svgEl('g', { 'data-language': plot.code });
    group.append(
      svgEl('polyline', { points: plot.points, fill: 'none', stroke: color, 'stroke-width': 1.5 }),
    );
    if (plot.tMark) {
      group.append(svgEl('circle', { cx: plot.tMark.x, cy: plot.tMark.y, r: 4, fill: color }));
      group.append(
        svgEl(
          'text',
          { ...text, fill: color, x: plot.tMark.x + 6, y: plot.tMark.y - 6 },
          `t_${plot.code} = ${plot.t}`,
        ),
      );
    }
    svg.append(group);
    const item = document.createElement('span');
    item.className = 'language-legend-item';
    item.style.color = color;
    item.textContent = `${plot.code} (t = ${plot.t})`;
    legend.append(item);
  });
  byId('language-curves-host').replaceChildren(svg);
}
