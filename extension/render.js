// The popup's views: DOM built from coverage.js's view model and from failures.
// Everything is created with createElement and textContent (dom.js).
import { balanceSection } from './balance.js';
import { el, plural } from './dom.js';
import { FACTUALITY_KEY, OWNERSHIP_KEY, biasChip } from './labels.js';
import { leadsSection } from './leads.js';
import { summarySection } from './summary.js';
import { coverageTabs } from './tabs.js';

/**
 * Renderer draws the popup's states into `root`. `t` translates (dom.translator),
 * `locale` is the UI locale, `onOptions` opens the options page and `onRetry` looks
 * the page up again, bypassing the cache; `onDetach` and `onAttach` take an article
 * out of its story and put it back (no button without them).
 */
export class Renderer {
  constructor({ root, t, locale, onOptions, onRetry, onDetach = null, onAttach = null }) {
    this.root = root;
    // "Not this story" and its undo (correct.js): (storyId, articleId) => Promise.
    this.onDetach = onDetach;
    this.onAttach = onAttach;
    this.t = t;
    this.locale = locale;
    this.onOptions = onOptions;
    this.onRetry = onRetry;
  }

  show(...nodes) {
    this.root.replaceChildren(...nodes);
    this.root.setAttribute('aria-busy', 'false');
  }

  outletCard(view) {
    const o = view.outlet;
    const t = this.t;
    const facts = [];
    if (o.factuality) facts.push(el('li', {}, t('factuality', t(FACTUALITY_KEY[o.factuality] ?? 'unknown'))));
    if (o.owner) facts.push(el('li', {}, t('owner', o.owner)));
    if (o.ownership && OWNERSHIP_KEY[o.ownership]) facts.push(el('li', {}, t('ownership', t(OWNERSHIP_KEY[o.ownership]))));
    if (!o.known) facts.push(el('li', {}, t('outletNotListed')));
    return el(
      'section',
      { class: 'outlet', 'aria-labelledby': 'outlet-name', 'data-testid': 'outlet' },
      el('p', { class: 'eyebrow' }, t('youAreReading')),
      el('div', { class: 'outlet-head' }, el('h1', { id: 'outlet-name', class: 'outlet-name' }, o.name), biasChip(t, o.bias, { unratedKey: 'unratedOutlet' })),
      facts.length ? el('ul', { class: 'facts' }, facts) : null,
      view.article.copyOf ? el('p', { class: 'copy-note' }, t('thisIsCopy', view.article.copyOf)) : null,
      view.article.unverified ? el('p', { class: 'unverified-note', 'data-testid': 'unverified-note' }, t('unverifiedArticle')) : null,
    );
  }

  storyHeader(view) {
    const s = view.story;
    const t = this.t;
    const counts = `${plural(t, this.locale, 'countArticles', s.articleCount)} · ${plural(t, this.locale, 'countOutlets', s.outletCount)}`;
    // The story's own page, on the reader's server (servers from issue 11 on serve
    // it). Absent when the answer has no story id.
    const link = s.pageUrl
      ? el('a', { href: s.pageUrl, target: '_blank', rel: 'noopener', class: 'story-link', 'data-testid': 'story-link' }, t('openFullStory'), el('span', { class: 'story-link-mark', 'aria-hidden': 'true' }, '↗'))
      : null;
    return el(
      'section',
      { class: 'story', 'aria-labelledby': 'story-title' },
      el('p', { class: 'eyebrow' }, t('theStory')),
      el('h2', { id: 'story-title', class: 'story-title' }, s.title),
      s.blindspot ? this.blindspot(s.blindspot) : null,
      el('p', { class: 'story-meta' }, el('span', { class: 'story-counts', 'data-testid': 'story-counts' }, counts), link),
      s.independentOutlets < s.outletCount ? el('p', { class: 'story-note' }, t('independentNote', s.independentOutlets)) : null,
    );
  }

  /**
   * blindspot is the badge of a story one side hardly covers. It is a disclosure
   * (details/summary: a button to keyboards and screen readers) whose panel holds the
   * server's reason; the reason is also the badge's tooltip and description.
   */
  blindspot({ side, reason }) {
    const t = this.t;
    const why = reason || t(`blindspotWhy_${side}`);
    return el(
      'details',
      { class: `blindspot blindspot-${side}`, 'data-side': side, 'data-testid': 'blindspot' },
      el('summary', { class: `blindspot-badge chip-${side}`, title: why }, el('span', { class: 'chip-mark', 'aria-hidden': 'true' }), t(`blindspot_${side}`)),
      el('p', { class: 'blindspot-reason' }, why),
    );
  }

  /** coverage draws a lookup answer. */
  coverage(view) {
    const t = this.t;
    const parts = [this.outletCard(view), this.storyHeader(view)];
    if (view.alone) {
      parts.push(this.message('alone', { title: t('aloneTitle'), body: t('aloneBody'), retry: true, retryLabel: t('checkAgain') }));
    } else {
      // The three sides' headlines first, so they are in view when the popup opens
      // (the fold the end-to-end test checks); then the story in brief (two
      // bullets until asked for more), the balance and the full list.
      parts.push(leadsSection(view, this), summarySection(view, this), balanceSection(view, this), coverageTabs(view, this));
    }
    this.show(...parts.filter(Boolean)); // no summary: null
  }

  /** message is a state box: a title, an explanation, and the actions that help. */
  message(kind, { title, body, detail = '', retry = false, retryLabel = '', options = false }) {
    const t = this.t;
    const actions = el('div', { class: 'actions' });
    if (options) {
      const b = el('button', { type: 'button', class: 'button primary', 'data-action': 'options' }, t('openOptions'));
      b.addEventListener('click', this.onOptions);
      actions.append(b);
    }
    if (retry) {
      const b = el('button', { type: 'button', class: 'button', 'data-action': 'retry' }, retryLabel || t('tryAgain'));
      b.addEventListener('click', this.onRetry);
      actions.append(b);
    }
    return el(
      'section',
      { class: `state state-${kind}`, 'data-state': kind, role: kind === 'alone' ? null : 'alert' },
      el('h2', { class: 'state-title' }, title),
      el('p', { class: 'state-body' }, body),
      detail ? el('p', { class: 'state-detail' }, detail) : null,
      actions.childElementCount ? actions : null,
    );
  }

  /**
   * state draws one of the states without coverage. The server's own message is
   * shown as it is: it is written for people (server/errors.go).
   */
  state(kind, { serverUrl = '', message = '', code = '', status = 0, noPermission = false } = {}) {
    const t = this.t;
    const states = {
      unsupported: { title: t('unsupportedTitle'), body: t('unsupportedBody') },
      not_an_article: { title: t('notArticleTitle'), body: message || t('notArticleBody'), detail: t('notArticleHint') },
      unreachable: {
        title: t('unreachableTitle'),
        body: t('unreachableBody', serverUrl),
        detail: noPermission ? t('unreachableNoPermission') : t('unreachableHint'),
        options: true,
        retry: true,
      },
      unauthorized: { title: t('unauthorizedTitle'), body: message, detail: t('unauthorizedHint'), options: true, retry: true },
      timeout: { title: t('timeoutTitle'), body: t('timeoutBody'), retry: true },
      protocol: { title: t('errorTitle'), body: t('protocolBody', status), detail: t('protocolHint'), options: true, retry: true },
      error: { title: t('errorTitle'), body: message || t('errorBody'), detail: code ? t('errorCode', code) : '', retry: true },
    };
    const k = kind in states ? kind : 'error';
    this.show(this.message(k, states[k]));
  }
}
