// The headline comparison near the top of the popup: for Left, Center and Right, the
// side's latest headline (outlet, relative time, headline linked to the article), so
// the three framings are side by side before any scrolling. The full list follows
// in tabs.js.
import { LEAD_SIDES, webHref } from './coverage.js';
import { el } from './dom.js';
import { SIDE_KEY } from './labels.js';

/** leadsSection draws view.leads: one row per side, a side without coverage says so. */
export function leadsSection(view, { t }) {
  const list = el('ul', { class: 'leads' });
  for (const side of LEAD_SIDES) {
    const e = view.leads[side];
    const label = el('span', { class: `lead-side chip-${side}` }, el('span', { class: 'chip-mark', 'aria-hidden': 'true' }), t(SIDE_KEY[side]));
    list.append(
      el(
        'li',
        { class: `lead lead-${side}`, 'data-side': side, 'data-testid': `lead-${side}` },
        e ? lead(e, label, t) : el('div', { class: 'lead-link' }, el('span', { class: 'lead-meta' }, label), el('p', { class: 'lead-empty' }, t(`none_${side}`))),
      ),
    );
  }
  return el(
    'section',
    { class: 'leads-section', 'aria-labelledby': 'leads-title', 'data-testid': 'leads' },
    el('h2', { id: 'leads-title', class: 'section-title' }, t('leadsTitle')),
    list,
  );
}

/**
 * lead is one side's headline under a line with the side, the outlet and the time,
 * all one link (so a screen reader says which side and outlet the headline is
 * from), unless it is the article being read: that one says so instead of its time.
 */
function lead(e, label, t) {
  const href = webHref(e.url);
  const meta = el(
    'span',
    { class: 'lead-meta' },
    label,
    el('span', { class: 'lead-outlet' }, e.outletName),
    e.isCurrent ? el('span', { class: 'lead-current' }, t('youAreReadingThis')) : null,
    !e.isCurrent && e.when ? el('time', { class: 'lead-time', datetime: e.published }, e.when) : null,
  );
  // Clamped to three lines by the stylesheet, which most headlines fit in at this
  // width; the title attribute and the full list below keep the whole headline.
  const headline = el('span', { class: 'lead-title', title: e.title }, e.title);
  return href && !e.isCurrent
    ? el('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'lead-link' }, meta, headline)
    : el('div', { class: 'lead-link' }, meta, headline);
}
