// The coverage list: one tab per side (WAI-ARIA tabs pattern), each listing the
// outlets' articles with headline, relative time and a link that opens a new tab.
import { SIDES, webHref } from './coverage.js';
import { correction, whyDisclosure } from './correct.js';
import { el } from './dom.js';
import { SIDE_KEY, biasChip } from './labels.js';

/** coverageTabs draws view.groups; the tab of view.firstSide is open. */
export function coverageTabs(view, r) {
  const { t } = r;
  const tablist = el('div', { class: 'tabs', role: 'tablist', 'aria-label': t('coverageBySide') });
  const panels = [];
  const tabs = [];
  for (const side of SIDES) {
    const entries = view.groups[side];
    const selected = side === view.firstSide;
    const tab = el(
      'button',
      { type: 'button', class: `tab tab-${side}`, role: 'tab', id: `tab-${side}`, 'aria-controls': `panel-${side}`, 'aria-selected': String(selected), tabindex: selected ? '0' : '-1', 'data-side': side },
      el('span', { class: `swatch seg-${side}`, 'aria-hidden': 'true' }),
      t(SIDE_KEY[side]),
      el('span', { class: 'tab-count' }, String(entries.length)),
    );
    const panel = el('div', { class: 'panel', role: 'tabpanel', id: `panel-${side}`, 'aria-labelledby': `tab-${side}`, 'data-side': side, tabindex: '0' });
    if (!selected) panel.hidden = true;
    panel.append(entries.length ? el('ul', { class: 'coverage' }, entries.map((e) => entry(e, r))) : el('p', { class: 'panel-empty' }, t(`none_${side}`)));
    tabs.push(tab);
    panels.push(panel);
    tablist.append(tab);
  }
  const select = (i, focus) => {
    tabs.forEach((tab, j) => {
      tab.setAttribute('aria-selected', String(i === j));
      tab.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    if (focus) tabs[i].focus();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(i, false));
    // WAI-ARIA Authoring Practices, tabs pattern: arrows move, Home/End jump.
    tab.addEventListener('keydown', (ev) => {
      const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
      if (!(ev.key in moves)) return;
      ev.preventDefault();
      select((moves[ev.key] + tabs.length) % tabs.length, true);
    });
  });
  return el('section', { class: 'coverage-section', 'aria-labelledby': 'coverage-title' }, el('h2', { id: 'coverage-title', class: 'section-title' }, t('coverageTitle')), tablist, panels);
}

/**
 * entry is one article: outlet, bias, relative time and headline, linked unless it
 * is the one being read; then why it is in the story and the "not this story" button.
 */
function entry(e, r) {
  const { t } = r;
  const href = webHref(e.url);
  const meta = el(
    'span',
    { class: 'entry-meta' },
    el('span', { class: 'entry-outlet' }, e.outletName),
    e.bias ? biasChip(t, e.bias) : null,
    e.when ? el('time', { class: 'entry-time', datetime: e.published }, e.when) : null,
  );
  const headline = el('span', { class: 'entry-title' }, e.title);
  const body = href && !e.isCurrent ? el('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'entry-link' }, meta, headline) : el('div', { class: 'entry-link' }, meta, headline);
  const li = el(
    'li',
    { class: e.isCurrent ? 'entry entry-current' : 'entry', 'data-outlet': e.outletName },
    body,
    e.isCurrent ? el('span', { class: 'badge' }, t('youAreReadingThis')) : null,
    e.copyOf ? el('span', { class: 'copy-note' }, t('copyOf', e.copyOf)) : null,
  );
  const why = whyDisclosure(e, t);
  const nts = correction(e, r, li);
  if (why || nts) li.append(el('div', { class: 'entry-why' }, why, nts));
  return li;
}
