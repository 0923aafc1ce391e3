import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coverageView, relativeTime, sideOf } from '../../coverage.js';
import { answer } from './fakes.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const BBC = 'https://www.bbc.co.uk/news/articles/c0bridge';
const GUARDIAN = 'https://www.theguardian.com/world/2025/mar/01/bridge';
const FOX = 'https://www.foxnews.com/world/bridge-collapse';
const WIRE = 'https://www.example-daily.com/bridge';

const bbcOutlet = { id: 'bbc-news', name: 'BBC News', domain: 'bbc.co.uk', bias: 'center', factuality: 'high', country: 'GB', owner: 'BBC', ownership: 'public-broadcaster', paywall: 'none', ratings: [] };

function threeOutlets(extra = []) {
  return answer({
    current: BBC,
    outlet: bbcOutlet,
    balance: { left: 1, center: 1, right: 1, unrated: extra.length, rated: 3, left_pct: 33, center_pct: 34, right_pct: 33 },
    rows: [
      { url: FOX, title: 'Bridge collapse', published: '2025-03-01T11:00:00Z', domain: 'foxnews.com', outlet: { id: 'fox-news', name: 'Fox News', bias: 'right', factuality: 'mixed' } },
      { url: GUARDIAN, title: 'Bridge falls', published: '2025-03-01T09:00:00Z', domain: 'theguardian.com', outlet: { id: 'guardian', name: 'The Guardian', bias: 'lean-left', factuality: 'mixed' } },
      { url: BBC, title: 'Bridge collapses', published: '2025-02-28T12:00:00Z', domain: 'bbc.co.uk', outlet: { id: 'bbc-news', name: 'BBC News', bias: 'center', factuality: 'high' } },
      ...extra,
    ],
  });
}

describe('sideOf', () => {
  const cases = [
    ['far-left', 'left'], ['left', 'left'], ['lean-left', 'left'], ['center', 'center'],
    ['lean-right', 'right'], ['right', 'right'], ['far-right', 'right'], [null, 'unrated'], ['bogus', 'unrated'],
  ];
  for (const [bias, side] of cases) it(`${bias} is ${side}`, () => assert.equal(sideOf(bias), side));
});

describe('relativeTime', () => {
  const cases = [
    ['just now', '2025-03-01T11:59:50Z', 'now'],
    ['minutes', '2025-03-01T11:55:00Z', '5 minutes ago'],
    ['an hour', '2025-03-01T11:00:00Z', '1 hour ago'],
    ['hours', '2025-03-01T09:00:00Z', '3 hours ago'],
    ['yesterday', '2025-02-28T12:00:00Z', 'yesterday'],
    ['days', '2025-02-25T12:00:00Z', '4 days ago'],
    ['months', '2024-12-01T12:00:00Z', '3 months ago'],
    ['years', '2023-03-01T12:00:00Z', '2 years ago'],
    ['a clock a little ahead', '2025-03-01T12:10:00Z', 'in 10 minutes'],
  ];
  for (const [name, date, want] of cases) it(name, () => assert.equal(relativeTime(date, NOW, 'en'), want));
  it('is null for no date', () => assert.equal(relativeTime(null, NOW, 'en'), null));
  it('is null for a bad date', () => assert.equal(relativeTime('yesterday-ish', NOW, 'en'), null));
  it('follows the locale', () => assert.equal(relativeTime('2025-03-01T09:00:00Z', NOW, 'de'), 'vor 3 Stunden'));
});

describe('coverageView', () => {
  it('describes the outlet being read', () => {
    const v = coverageView(threeOutlets(), { now: NOW, locale: 'en' });
    assert.deepEqual(
      { known: v.outlet.known, name: v.outlet.name, bias: v.outlet.bias, side: v.outlet.side, factuality: v.outlet.factuality, owner: v.outlet.owner },
      { known: true, name: 'BBC News', bias: 'center', side: 'center', factuality: 'high', owner: 'BBC' },
    );
  });

  it('groups the coverage by side, with outlet, headline and relative time', () => {
    const v = coverageView(threeOutlets(), { now: NOW, locale: 'en' });
    const brief = (side) => v.groups[side].map((e) => [e.outletName, e.title, e.when, e.isCurrent]);
    assert.deepEqual(brief('left'), [['The Guardian', 'Bridge falls', '3 hours ago', false]]);
    assert.deepEqual(brief('center'), [['BBC News', 'Bridge collapses', 'yesterday', true]]);
    assert.deepEqual(brief('right'), [['Fox News', 'Bridge collapse', '1 hour ago', false]]);
    assert.deepEqual(brief('unrated'), []);
    assert.equal(v.others, 2);
    assert.equal(v.alone, false);
    assert.equal(v.firstSide, 'left');
  });

  it("shows the server's percentages and the unrated count", () => {
    const unrated = { url: WIRE, title: 'Bridge collapse (AP)', domain: 'example-daily.com', outlet: null, duplicate_of: FOX };
    const v = coverageView(threeOutlets([unrated]), { now: NOW, locale: 'en' });
    assert.deepEqual(v.balance, { left: 1, center: 1, right: 1, unrated: 1, rated: 3, leftPct: 33, centerPct: 34, rightPct: 33, note: null });
    assert.equal(v.groups.unrated.length, 1);
    assert.equal(v.groups.unrated[0].outletName, 'example-daily.com');
    assert.equal(v.groups.unrated[0].copyOf, 'Fox News', 'a copy names whose text it carries');
    assert.equal(v.groups.unrated[0].when, null, 'no date, no time');
  });

  it('calls an outlet missing from the registry an unrated outlet, by its host', () => {
    const a = answer({
      current: 'https://www.smalltown-gazette.com/news/bridge',
      outlet: null,
      balance: { left: 0, center: 0, right: 0, unrated: 1, rated: 0, left_pct: 0, center_pct: 0, right_pct: 0 },
      rows: [{ url: 'https://www.smalltown-gazette.com/news/bridge', domain: 'smalltown-gazette.com', outlet: null }],
    });
    const v = coverageView(a, { now: NOW, locale: 'en' });
    assert.equal(v.outlet.known, false);
    assert.equal(v.outlet.name, 'smalltown-gazette.com');
    assert.equal(v.outlet.side, 'unrated');
    assert.equal(v.alone, true, 'the only article: no other coverage yet');
  });

  it('calls a registry outlet without a bias rating unrated', () => {
    const a = threeOutlets();
    a.outlet = { ...bbcOutlet, bias: null };
    assert.equal(coverageView(a, { now: NOW, locale: 'en' }).outlet.side, 'unrated');
  });

  it('recognises the article being read by its canonical URL', () => {
    const a = threeOutlets();
    a.article.url = `${BBC}?at_medium=RSS#top`;
    const v = coverageView(a, { now: NOW, locale: 'en' });
    assert.equal(v.groups.center[0].isCurrent, true);
  });

  it('marks the article being read when it is a copy', () => {
    const a = threeOutlets();
    a.article.duplicate_of = FOX;
    assert.equal(coverageView(a, { now: NOW, locale: 'en' }).article.copyOf, 'Fox News');
  });

  it('marks the reader\'s own unverified post, and only when the server says so', () => {
    const a = threeOutlets();
    assert.equal(coverageView(a, { now: NOW, locale: 'en' }).article.unverified, false, 'an older server sends no verified field');
    a.article.verified = true;
    assert.equal(coverageView(a, { now: NOW, locale: 'en' }).article.unverified, false);
    a.article.verified = false;
    assert.equal(coverageView(a, { now: NOW, locale: 'en' }).article.unverified, true);
  });
});
