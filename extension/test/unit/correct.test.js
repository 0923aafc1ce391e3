// "Why is this here?" and "not this story" in the popup's coverage list: the
// evidence in words, the button that detaches, the undo that puts the entry back,
// and the API calls they make.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Api } from '../../api.js';
import { whyLines } from '../../correct.js';
import { coverageView, matchOf } from '../../coverage.js';
import { translator } from '../../dom.js';
import { Renderer } from '../../render.js';
import { answer, fakeDocument, fakeFetch, i18n, json } from './fakes.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const t = translator(i18n());
const joined = { started: false, score: 0.312, threshold: 0.155, title: 0.2, body: 0.35, entities: 0, time_gap_seconds: 10800, time_factor: 1, shared_terms: ['bridg', 'collaps'], shared_entities: ['harwick'] };

function bridge(count = 2) {
  const rows = [
    { url: 'https://www.bbc.co.uk/a', outlet: { id: 'bbc-news', name: 'BBC News', bias: 'center' }, article_id: 'aid-bbc', match: { ...joined, started: true, score: 0, shared_terms: [], shared_entities: [] } },
    { url: 'https://www.foxnews.com/b', outlet: { id: 'fox-news', name: 'Fox News', bias: 'right' }, article_id: 'aid-fox', match: joined },
  ].slice(0, count);
  return answer({ current: rows[0].url, rows, balance: { left: 0, center: 1, right: count - 1, unrated: 0, rated: count } });
}

function draw(a, handlers = {}) {
  const root = globalThis.document.createElement('main');
  new Renderer({ root, t, locale: 'en', onOptions: () => {}, onRetry: () => {}, ...handlers }).coverage(coverageView(a, { now: NOW, locale: 'en' }));
  return root;
}

const entryOf = (root, outlet) => root.all((n) => n.getAttribute('data-outlet') === outlet)[0];
const click = async (node) => {
  for (const fn of node.listeners.click ?? []) await fn();
};

describe('whyLines', () => {
  const cases = [
    ['no evidence', null, []],
    ['detached by a reader', { started: true, corrected: true, score: 0, threshold: 0.155 }, ['A reader took this article out of another story it did not belong to: it is a story of its own.']],
    ['attached by a reader', { ...joined, corrected: true, score: 0.1 }, ['A reader moved this article into the story. Against it, it scores 0.10; 0.15 is needed to join.']],
    ['started alone', { started: true, score: 0, threshold: 0.155 }, ['This article started the story: no story then was close to it.']],
    ['started near another', { started: true, score: 0.08, threshold: 0.155 }, ['This article started the story: the closest story scored 0.08, under the 0.15 needed to join it.']],
    [
      'joined the same day',
      joined,
      [
        'It joined with a score of 0.31; 0.15 is needed to join.',
        'Headline alike: 0.20 (0 to 1)',
        'Text alike: 0.35',
        "Published 3 h from the story's nearest article in time, close enough to cost nothing.",
        'Names and numbers in common: harwick',
        'Words in common: bridg, collaps',
      ],
    ],
    [
      'joined days later, at a cost',
      { ...joined, title: 0, body: 0, entities: 0.5, time_gap_seconds: 3 * 86400, time_factor: 0.85, shared_terms: [], shared_entities: [] },
      ['It joined with a score of 0.31; 0.15 is needed to join.', 'Names, places and numbers alike: 0.50', "Published 3 days from the story's nearest article in time, which multiplied the score by 0.85."],
    ],
  ];
  for (const [name, m, want] of cases) {
    it(name, () => {
      assert.deepEqual(whyLines(matchOf(m)).map(([k, ...subs]) => t(k, ...subs)), want);
    });
  }

  it('ignores what is not evidence', () => {
    assert.equal(matchOf({ score: 'high' }), null);
    assert.deepEqual(matchOf({ score: 0.2, shared_terms: ['a', 1, '', 'b', 'c', 'd', 'e', 'f'] }).sharedTerms, ['a', 'b', 'c', 'd', 'e']);
  });
});

describe('the coverage list', () => {
  before(() => {
    globalThis.document = fakeDocument();
  });

  it('has a "why is this here?" disclosure per article with evidence', () => {
    const root = draw(bridge(), { onDetach: async () => {}, onAttach: async () => {} });
    const whys = root.all((n) => n.getAttribute('data-testid') === 'why');
    assert.equal(whys.length, 2);
    const fox = entryOf(root, 'Fox News').byTestId('why');
    assert.equal(fox.tagName, 'DETAILS', 'a disclosure: keyboards and screen readers open it');
    assert.equal(fox.children[0].tagName, 'SUMMARY');
    assert.equal(fox.children[0].textContent, 'Why is this here?');
    assert.match(fox.textContent, /It joined with a score of 0\.31; 0\.15 is needed/);
  });

  it('"not this story" detaches, then the undo puts the entry back', async () => {
    const calls = [];
    const root = draw(bridge(), {
      onDetach: async (...args) => calls.push(['detach', ...args]),
      onAttach: async (...args) => calls.push(['attach', ...args]),
    });
    const li = entryOf(root, 'Fox News');
    const before = li.textContent;
    const [button] = li.all((n) => n.getAttribute('data-action') === 'detach');
    assert.equal(button.textContent, 'Not this story');
    await click(button);
    assert.deepEqual(calls, [['detach', 's1', 'aid-fox']]);
    assert.equal(li.byTestId('moved').textContent, "Fox News's article was moved to a story of its own; Parallax will not put it back here.");
    assert.equal(li.byTestId('moved').getAttribute('role'), 'status', 'announced to screen readers');
    const [undo] = li.all((n) => n.getAttribute('data-action') === 'undo');
    assert.equal(undo.textContent, 'Undo');
    await click(undo);
    assert.deepEqual(calls[1], ['attach', 's1', 'aid-fox']);
    assert.equal(li.textContent, before, 'the entry is back as it was');
  });

  it('says so when the server refuses, and keeps the entry', async () => {
    const root = draw(bridge(), { onDetach: async () => Promise.reject(new Error('The story index is busy')), onAttach: async () => {} });
    const li = entryOf(root, 'Fox News');
    await click(li.all((n) => n.getAttribute('data-action') === 'detach')[0]);
    assert.equal(li.byTestId('correction-error').textContent, 'That did not work: The story index is busy');
    assert.ok(li.byTestId('why'), 'the entry is still shown');
  });

  it('offers no button for a story of one article, nor without a server to ask', () => {
    assert.equal(draw(bridge(1), { onDetach: async () => {}, onAttach: async () => {} }).all((n) => n.getAttribute('data-action') === 'detach').length, 0);
    assert.equal(draw(bridge()).all((n) => n.getAttribute('data-action') === 'detach').length, 0);
  });

  it("an older server's answer, without ids or evidence, draws no extra controls", () => {
    const a = bridge();
    for (const r of a.story.articles) {
      delete r.article_id;
      delete r.match;
    }
    const root = draw(a, { onDetach: async () => {}, onAttach: async () => {} });
    assert.equal(root.byClass('entry-why').length, 0);
  });
});

describe('Api.detach and Api.attach', () => {
  it('POST JSON to the story article routes, with the token', async () => {
    const fetch = fakeFetch(() => json(200, { outcome: 'detached', story_id: 's2', from: 's1', article_id: 'a/b' }));
    const api = new Api({ serverUrl: 'https://px.example/', token: 'tok', fetch });
    assert.equal((await api.detach({ storyId: 's1', articleId: 'a/b' })).story_id, 's2');
    await api.attach({ storyId: 's1', articleId: 'a/b' });
    assert.deepEqual(
      fetch.calls.map((c) => [c.url, c.init.method, c.init.headers['Content-Type'], c.init.headers.Authorization, c.init.body]),
      [
        ['https://px.example/api/v1/stories/s1/articles/a%2Fb/detach', 'POST', 'application/json', 'Bearer tok', '{}'],
        ['https://px.example/api/v1/stories/s1/articles/a%2Fb/attach', 'POST', 'application/json', 'Bearer tok', '{}'],
      ],
    );
  });

  it("passes the server's error on", async () => {
    const api = new Api({ serverUrl: 'https://px.example', fetch: fakeFetch(() => json(409, { error: { code: 'sole_article', message: 'alone' } })) });
    await assert.rejects(api.detach({ storyId: 's1', articleId: 'x' }), (err) => err.code === 'sole_article' && err.status === 409);
  });
});
