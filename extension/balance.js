// The balance section: the Left / Center / Right bar of rated outlets, the sentence
// saying how many outlets it rests on, its legend with percentages and counts, the
// unrated count, the factuality of the outlets, and "How is this counted?".
import { el, plural } from './dom.js';
import { FACTUALITY_KEY, SIDE_KEY } from './labels.js';

/**
 * basedOn is the sentence under the bar saying what it rests on: the server's
 * (balance_note) when it sends one, else the same sentence made here from the
 * counts, as the server's stories.BalanceSentence makes it. A bar of one rated
 * outlet is 100% of something; this says of what.
 */
export function basedOn(b, { t, locale }) {
  if (b.note) return b.note;
  const total = b.rated + b.unrated;
  const rule = (n) => (new Intl.PluralRules(locale).select(n) === 'one' ? 'one' : 'other');
  if (b.rated === 0) return t(`basedOnNoneRated_${rule(total)}`, total);
  if (b.unrated === 0) return t(`basedOnAll_${rule(total)}`, total);
  return t(`basedOnSome_${rule(b.unrated)}`, b.rated, total, b.unrated);
}

/**
 * factualityLine is the one-line factuality spread of the outlets covering the story
 * ("Factuality: 1 very high · 4 high · 2 unrated"), or null when there is none.
 */
export function factualityLine(spread, { t }) {
  if (!spread?.length) return null;
  const label = (v) => t(FACTUALITY_KEY[v] ?? 'unknown');
  return t('factualitySpread', spread.map((c) => t('factCount', c.count, label(c.value))).join(' · '));
}

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
  // The sentence sits right under the bar and is part of its description, so neither
  // eyes nor a screen reader meet a percentage without the count it rests on.
  const note = el('p', { class: 'balance-note', id: 'balance-note', 'data-testid': 'balance-note' }, basedOn(b, { t, locale }));
  bar.setAttribute('aria-describedby', 'balance-note');
  const spread = factualityLine(view.factuality, { t });
  return el(
    'section',
    { class: 'balance', 'aria-labelledby': 'balance-title' },
    el('h2', { id: 'balance-title', class: 'section-title' }, t('balanceTitle')),
    bar,
    note,
    legend,
    spread ? el('p', { class: 'factuality-spread', 'data-testid': 'factuality-spread' }, spread) : null,
    how,
  );
}
