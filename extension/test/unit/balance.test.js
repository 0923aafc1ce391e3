// The sentences of the balance section, with the real strings: what the bar rests
// on (the server's balance_note, or the same sentence made from the counts for an
// older server) and the factuality spread of the covering outlets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basedOn, factualityLine } from '../../balance.js';
import { translator } from '../../dom.js';
import { i18n } from './fakes.js';

const t = translator(i18n());

const balance = (rated, unrated, note = null) => ({ left: rated, center: 0, right: 0, rated, unrated, leftPct: rated ? 100 : 0, centerPct: 0, rightPct: 0, note });

describe('basedOn', () => {
  const cases = [
    ['some unrated', balance(7, 5), 'Based on 7 of 12 outlets; 5 are unrated.'],
    ['one unrated', balance(7, 1), 'Based on 7 of 8 outlets; 1 is unrated.'],
    ['all rated', balance(3, 0), 'Based on all 3 outlets, each counted once.'],
    ['a single rated outlet: a 100% bar', balance(1, 0), 'Based on the one outlet covering it.'],
    ['none rated', balance(0, 4), 'None of the 4 outlets is rated, so there is no balance to show.'],
    ['the only outlet, unrated', balance(0, 1), 'The one outlet covering it is not rated, so there is no balance to show.'],
    ["the server's note wins", balance(7, 5, 'Based on 7 of 12 outlets, says the server.'), 'Based on 7 of 12 outlets, says the server.'],
  ];
  for (const [name, b, want] of cases) it(name, () => assert.equal(basedOn(b, { t, locale: 'en' }), want));
});

describe('factualityLine', () => {
  it('lists the spread in one line', () => {
    const spread = [{ value: 'high', count: 3 }, { value: 'mixed', count: 1 }, { value: 'unrated', count: 2 }];
    assert.equal(factualityLine(spread, { t }), 'Factuality: 3 high · 1 mixed · 2 unrated');
  });
  it('names every rating', () => {
    const values = ['very-high', 'high', 'mostly-factual', 'mixed', 'low', 'very-low', 'unrated', 'unknown'];
    assert.equal(factualityLine(values.map((value) => ({ value, count: 1 })), { t }), 'Factuality: 1 very high · 1 high · 1 mostly factual · 1 mixed · 1 low · 1 very low · 1 unrated · 1 unknown');
  });
  it('is null without a spread', () => {
    assert.equal(factualityLine([], { t }), null);
    assert.equal(factualityLine(undefined, { t }), null);
  });
});

