// Per article in the coverage list: "why is this here?" (the evidence the server's
// matcher kept, in plain words) and "not this story" with its undo. DOM by
// createElement and textContent only (dom.js); the calls go through the renderer's
// onDetach / onAttach, which the popup wires to the server.
import { el } from './dom.js';

const fixed = (x) => (Number.isFinite(x) ? x.toFixed(2) : '0.00');

/**
 * whyLines says why an article is in its story, from the view's match (see
 * coverage.js matchOf): a list of [message key, ...substitutions]. Empty when the
 * server kept no evidence (an article indexed before it did, or an older server).
 */
export function whyLines(m) {
  if (!m) return [];
  if (m.corrected) return [m.started ? ['whyDetached'] : ['whyAttached', fixed(m.score), fixed(m.threshold)]];
  if (m.started) return [m.score > 0 ? ['whyStartedNear', fixed(m.score), fixed(m.threshold)] : ['whyStarted']];
  const lines = [['whyScore', fixed(m.score), fixed(m.threshold)]];
  if (m.title > 0) lines.push(['whyTitle', fixed(m.title)]);
  if (m.body > 0) lines.push(['whyBody', fixed(m.body)]);
  if (m.entities > 0) lines.push(['whyEntities', fixed(m.entities)]);
  if (m.gapSeconds > 0) {
    const hours = m.gapSeconds / 3600;
    const gap = hours < 48 ? ['whyGapHours', Math.max(1, Math.round(hours))] : ['whyGapDays', Math.round(hours / 24)];
    lines.push(m.timeFactor < 0.999 ? [`${gap[0]}Cost`, gap[1], fixed(m.timeFactor)] : gap);
  }
  if (m.sharedEntities.length) lines.push(['whyNames', m.sharedEntities.join(', ')]);
  if (m.sharedTerms.length) lines.push(['whyTerms', m.sharedTerms.join(', ')]);
  return lines;
}

/** whyDisclosure is the "why is this here?" disclosure of an entry, or null without evidence. */
export function whyDisclosure(e, t) {
  const lines = whyLines(e.match);
  if (!lines.length) return null;
  return el(
    'details',
    { class: 'why', 'data-testid': 'why' },
    el('summary', { class: 'why-summary' }, t('whyHere')),
    el('ul', { class: 'why-lines' }, lines.map(([key, ...subs]) => el('li', {}, t(key, ...subs)))),
  );
}

/**
 * correction is the "not this story" button of an entry (null when the entry cannot
 * be detached: no ids, or the story's only article). Clicked, it asks
 * r.onDetach(storyId, articleId); the entry then says the article was moved and
 * offers the undo, which asks r.onAttach and puts the entry back as it was.
 */
export function correction(e, r, li) {
  if (!e.articleId || !e.storyId || !e.detachable || !r.onDetach) return null;
  const t = r.t;
  const button = el('button', { type: 'button', class: 'nts', 'data-action': 'detach' }, t('notThisStory'));
  button.addEventListener('click', async () => {
    const before = [...li.children];
    button.disabled = true;
    try {
      await r.onDetach(e.storyId, e.articleId);
    } catch (err) {
      button.disabled = false;
      li.replaceChildren(...before, failure(t, err));
      return;
    }
    const undo = el('button', { type: 'button', class: 'nts', 'data-action': 'undo' }, t('undo'));
    li.replaceChildren(el('p', { class: 'moved-note', role: 'status', 'data-testid': 'moved' }, t('movedOut', e.outletName)), undo);
    undo.addEventListener('click', async () => {
      undo.disabled = true;
      try {
        await r.onAttach(e.storyId, e.articleId);
      } catch (err) {
        undo.disabled = false;
        li.append(failure(t, err));
        return;
      }
      li.replaceChildren(...before.filter((n) => n.getAttribute?.('data-testid') !== 'correction-error'));
      button.disabled = false;
    });
  });
  return button;
}

function failure(t, err) {
  return el('p', { class: 'correction-error', role: 'alert', 'data-testid': 'correction-error' }, t('correctionFailed', String(err?.message ?? err)));
}
