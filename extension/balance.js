// The balance section: the Left / Center / Right bar of rated outlets, its legend
// with percentages and counts, the unrated count, and "How is this counted?".
import { el, plural } from './dom.js';
import { SIDE_KEY } from './labels.js';

/**
 * balanceSection draws view.balance. The bar is one image for screen readers, with
 * the whole split in its label; its segments carry stripes in opposite directions
 * and their percentage, and the legend repeats every number in text.
 */
export function balanceSection(view, { t, locale }) {
  const b = view.balance;
  const sides = [
    ['left', b.leftPct, b.left],
    ['center', b.centerPct, b.center],
    ['right', b.rightPct, b.right],
  ];
  const summary = b.rated > 0
    ? t('balanceSummary', b.leftPct, b.centerPct, b.rightPct, b.unrated)
    : t('balanceNoneRated', b.unrated);
  const bar = el('div', { class: 'bar', role: 'img', 'aria-label': summary, 'data-testid': 'balance-bar' });
  if (b.rated === 0) {
    bar.append(el('div', { class: 'seg seg-empty' }));
  }
  for (const [side, pct] of sides) {
    if (b.rated === 0 || pct === 0) continue;
    const seg = el('div', { class: `seg seg-${side}`, 'aria-hidden': 'true', 'data-side': side });
    seg.style.flexGrow = String(pct);
    // A label inside the segment when it fits (12% of 348 px is ~42 px: "100%" at 12 px).
    if (pct >= 12) seg.append(el('span', { class: 'seg-label' }, `${pct}%`));
    bar.append(seg);
  }
  const legend = el('ul', { class: 'legend', 'data-testid': 'balance-legend' });
  for (const [side, pct, n] of sides) {
    legend.append(
      el(
        'li',
        { class: `legend-${side}`, 'data-side': side },
        el('span', { class: `swatch seg-${side}`, 'aria-hidden': 'true' }),
        el('span', { class: 'legend-name' }, t(SIDE_KEY[side])),
        el('strong', { class: 'legend-pct' }, b.rated > 0 ? `${pct}%` : '–'),
        el('span', { class: 'legend-n' }, plural(t, locale, 'countOutlets', n)),
      ),
    );
  }
  // Unrated outlets are counted, not charted: their number, and a note that says so.
  legend.append(
    el(
      'li',
      { class: 'legend-unrated', 'data-side': 'unrated' },
      el('span', { class: 'swatch seg-unrated', 'aria-hidden': 'true' }),
      el('span', { class: 'legend-name' }, t('sideUnrated')),
      el('strong', { class: 'legend-pct' }, String(b.unrated)),
      el('span', { class: 'legend-n' }, t('notInBar')),
    ),
  );
  const how = el(
    'details',
    { class: 'how' },
    el('summary', {}, t('howCounted')),
    el('p', {}, t('howCountedOutlets')),
    el('p', {}, t('howCountedPercent')),
    el('p', {}, t('howCountedRatings')),
  );
  return el('section', { class: 'balance', 'aria-labelledby': 'balance-title' }, el('h2', { id: 'balance-title', class: 'section-title' }, t('balanceTitle')), bar, legend, how);
}
