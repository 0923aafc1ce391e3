// The words for the server's enumerations (bias, factuality, ownership, sides) and
// the bias chip, shared by the popup's sections.
import { sideOf } from './coverage.js';
import { el } from './dom.js';

export const BIAS_KEY = {
  'far-left': 'biasFarLeft',
  left: 'biasLeft',
  'lean-left': 'biasLeanLeft',
  center: 'biasCenter',
  'lean-right': 'biasLeanRight',
  right: 'biasRight',
  'far-right': 'biasFarRight',
};

export const FACTUALITY_KEY = {
  'very-high': 'factVeryHigh',
  high: 'factHigh',
  'mostly-factual': 'factMostlyFactual',
  mixed: 'factMixed',
  low: 'factLow',
  'very-low': 'factVeryLow',
  // Not a rating: the outlets without one, in a story's factuality spread.
  unrated: 'factUnrated',
};

export const OWNERSHIP_KEY = {
  independent: 'ownIndependent',
  corporation: 'ownCorporation',
  conglomerate: 'ownConglomerate',
  billionaire: 'ownBillionaire',
  'private-equity': 'ownPrivateEquity',
  government: 'ownGovernment',
  'public-broadcaster': 'ownPublicBroadcaster',
  nonprofit: 'ownNonprofit',
  cooperative: 'ownCooperative',
  other: 'ownOther',
};

export const SIDE_KEY = { left: 'sideLeft', center: 'sideCenter', right: 'sideRight', unrated: 'sideUnrated' };

/**
 * biasChip is the bias label with a marker shape per side (◀ left, ● center,
 * ▶ right, ○ unrated): colour is never the only cue. unratedKey names the label of a
 * missing rating.
 */
export function biasChip(t, bias, { unratedKey = 'biasUnrated' } = {}) {
  const side = sideOf(bias);
  return el('span', { class: `chip chip-${side}` }, el('span', { class: 'chip-mark', 'aria-hidden': 'true' }), t(bias ? BIAS_KEY[bias] ?? unratedKey : unratedKey));
}
