// The story in brief: the server's summary bullets (issue 12), each a sentence
// quoted from one article of the story, with its outlet and side. Only the first
// two show at first, so the headlines stay in view; a toggle shows the rest.
import { el } from './dom.js';
import { SIDE_KEY } from './labels.js';

/** SUMMARY_SHOWN is how many bullets show before the reader asks for all. */
export const SUMMARY_SHOWN = 2;

/**
 * summarySection draws view.summary, or returns null when the server sent none
 * (an older server, or a story whose articles offer no sentence). The toggle's
 * state is the DOM's own: the popup is rebuilt on every open, so it needs no
 * storage.
 */
export function summarySection(view, { t }) {
  const bullets = view.summary;
  if (!bullets.length) return null;
  const items = bullets.map((b, i) => {
    const li = el('li', { class: `summary-item summary-${b.side}`, 'data-side': b.side, 'data-testid': 'summary-item' }, el('p', { class: 'summary-text' }, b.text), source(b, t));
    li.hidden = i >= SUMMARY_SHOWN;
    return li;
  });
  const list = el('ul', { class: 'summary-list', id: 'summary-list' }, items);
  let toggle = null;
  if (bullets.length > SUMMARY_SHOWN) {
    const more = t('summaryShowAll', bullets.length);
    toggle = el('button', { type: 'button', class: 'summary-toggle', 'aria-expanded': 'false', 'aria-controls': 'summary-list', 'data-testid': 'summary-toggle' }, more);
    toggle.addEventListener('click', () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(open));
      toggle.replaceChildren(open ? t('summaryShowFewer') : more);
      items.forEach((li, i) => {
        li.hidden = !open && i >= SUMMARY_SHOWN;
      });
    });
  }
  return el(
    'section',
    { class: 'summary-section', 'aria-labelledby': 'summary-title', 'data-testid': 'summary' },
    el('h2', { id: 'summary-title', class: 'section-title' }, t('summaryTitle')),
    list,
    toggle,
    el('p', { class: 'summary-note' }, t('summaryNote')),
  );
}

/** source is the bullet's outlet and side, linked to the article it quotes. */
function source(b, t) {
  const label = el('span', { class: `lead-side chip-${b.side}` }, el('span', { class: 'chip-mark', 'aria-hidden': 'true' }), t(SIDE_KEY[b.side]));
  const name = el('span', { class: 'summary-outlet' }, b.outletName);
  return b.href
    ? el('a', { href: b.href, target: '_blank', rel: 'noopener noreferrer', class: 'summary-source' }, label, name)
    : el('span', { class: 'summary-source' }, label, name);
}
