import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pageHTML } from '../../capture.js';
import { PageLookup } from '../../lookup.js';
import { answer, fakeBrowser, fakeFetch, json, permissionsArea, sentLookup, silent } from './fakes.js';

const PAGE = 'https://www.theguardian.com/world/2025/mar/01/bridge';
const HTML = '<!DOCTYPE html><html><body><article>The bridge fell.</article></body></html>';
const NOW = Date.parse('2025-03-01T12:00:00Z');

function story(current = PAGE) {
  return answer({
    current,
    outlet: { id: 'guardian', name: 'The Guardian', domain: 'theguardian.com', bias: 'lean-left', factuality: 'mixed', country: 'GB', owner: 'Guardian Media Group', ownership: 'nonprofit', paywall: 'none', ratings: [] },
    balance: { left: 1, center: 1, right: 0, unrated: 0, rated: 2, left_pct: 50, center_pct: 50, right_pct: 0 },
    rows: [
      { url: current, domain: 'theguardian.com', outlet: { id: 'guardian', name: 'The Guardian', bias: 'lean-left', factuality: 'mixed' } },
      { url: 'https://www.bbc.co.uk/news/articles/c0bridge', domain: 'bbc.co.uk', outlet: { id: 'bbc-news', name: 'BBC News', bias: 'center', factuality: 'high' } },
    ],
  });
}

function setup({ respond = () => json(200, story()), sendPage, granted = ['http://localhost:8080/*'], capture = () => [{ result: HTML }] } = {}) {
  const local = sendPage === undefined ? {} : { sendPage };
  const browser = fakeBrowser({ local, permissions: permissionsArea({ granted }), executeScript: capture });
  const fetch = fakeFetch(respond);
  const lookup = new PageLookup({ browser, fetch, now: () => NOW, locale: 'en', logger: silent() });
  return { browser, fetch, lookup };
}

const sent = (fetch, i = 0) => sentLookup(fetch.calls[i]);

describe('PageLookup', () => {
  it('captures the page and posts it with the URL, then caches the answer', async () => {
    const { browser, fetch, lookup } = setup();
    const out = await lookup.run({ url: PAGE, tabId: 7 });
    assert.equal(out.state, 'coverage');
    assert.equal(out.source, 'server');
    assert.equal(out.view.outlet.name, 'The Guardian');
    assert.equal(browser.scripting.calls.length, 1);
    assert.deepEqual(browser.scripting.calls[0].target, { tabId: 7 });
    assert.equal(browser.scripting.calls[0].func, pageHTML);
    assert.deepEqual(sent(fetch), { url: PAGE, html: HTML });
    await out.saved;
    const again = await lookup.run({ url: PAGE, tabId: 7 });
    assert.equal(again.source, 'cache');
    assert.equal(out.view.story.pageUrl, 'http://localhost:8080/stories/s1', "the story's page on the server asked");
    assert.equal(again.view.story.pageUrl, 'http://localhost:8080/stories/s1', 'and on the server the cached answer came from');
    assert.equal(fetch.calls.length, 1, 'the second open sends nothing');
    assert.equal(browser.scripting.calls.length, 1, 'nor reads the page');
  });

  it('sends the URL alone when "send page content" is off', async () => {
    const { browser, fetch, lookup } = setup({ sendPage: false });
    await lookup.run({ url: PAGE, tabId: 7 });
    assert.equal(browser.scripting.calls.length, 0, 'the page is not even read');
    assert.deepEqual(sent(fetch), { url: PAGE });
  });

  it('falls back to the URL when the page cannot be read', async () => {
    const { fetch, lookup } = setup({ capture: null });
    const out = await lookup.run({ url: PAGE, tabId: 7 });
    assert.equal(out.state, 'coverage');
    assert.deepEqual(sent(fetch), { url: PAGE });
  });

  it('asks by URL alone when the server finds the page too large', async () => {
    let n = 0;
    const { fetch, lookup } = setup({
      respond: () => (n++ === 0 ? json(413, { error: { code: 'page_too_large', message: 'The posted page is larger than 5 MiB.' } }) : json(200, story())),
    });
    const out = await lookup.run({ url: PAGE, tabId: 7 });
    assert.equal(out.state, 'coverage');
    assert.equal(fetch.calls.length, 2);
    assert.deepEqual(sent(fetch, 0), { url: PAGE, html: HTML });
    assert.deepEqual(sent(fetch, 1), { url: PAGE });
  });

  it('does not retry a 413 of a lookup that sent no page', async () => {
    const { fetch, lookup } = setup({ sendPage: false, respond: () => json(413, { error: { code: 'body_too_large', message: 'The request body is larger than 5 MiB.' } }) });
    const out = await lookup.run({ url: PAGE, tabId: 7 });
    assert.deepEqual(out, { state: 'error', code: 'body_too_large', message: 'The request body is larger than 5 MiB.', status: 413 });
    assert.equal(fetch.calls.length, 1);
  });

  it('keeps the #fragment in the browser', async () => {
    const { fetch, lookup } = setup();
    await lookup.run({ url: `${PAGE}#comments`, tabId: null });
    assert.equal(sent(fetch).url, PAGE);
  });

  it('refreshes past the cache when forced', async () => {
    const { fetch, lookup } = setup();
    await (await lookup.run({ url: PAGE, tabId: 7 })).saved;
    const out = await lookup.run({ url: PAGE, tabId: 7, force: true });
    assert.equal(out.source, 'server');
    assert.equal(fetch.calls.length, 2);
  });

  it('does not ask the server about a browser page', async () => {
    const { fetch, browser, lookup } = setup();
    for (const url of ['chrome://newtab/', 'about:blank', 'file:///home/me/a.html', '']) {
      assert.equal((await lookup.run({ url, tabId: 1 })).state, 'unsupported', url);
    }
    assert.equal(fetch.calls.length, 0);
    assert.equal(browser.scripting.calls.length, 0);
  });

  const failures = [
    {
      name: 'not an article',
      respond: () => json(422, { error: { code: 'not_an_article', message: 'This page does not look like a news article.' } }),
      want: { state: 'not_an_article', message: 'This page does not look like a news article.' },
    },
    {
      name: 'server down, permission granted',
      respond: () => {
        throw new TypeError('Failed to fetch');
      },
      want: { state: 'unreachable', serverUrl: 'http://localhost:8080', noPermission: false },
    },
    {
      name: 'server down, permission missing',
      granted: [],
      respond: () => {
        throw new TypeError('Failed to fetch');
      },
      want: { state: 'unreachable', serverUrl: 'http://localhost:8080', noPermission: true },
    },
    {
      name: 'token required',
      respond: () => json(401, { error: { code: 'unauthorized', message: 'A valid API token is required.' } }),
      want: { state: 'unauthorized', message: 'A valid API token is required.' },
    },
    {
      name: "the server's own error",
      respond: () => json(504, { error: { code: 'publisher_timeout', message: 'The publisher did not answer in time.' } }),
      want: { state: 'error', code: 'publisher_timeout', message: 'The publisher did not answer in time.', status: 504 },
    },
    {
      name: 'timeout',
      respond: () => {
        throw new DOMException('timed out', 'TimeoutError');
      },
      want: { state: 'timeout' },
    },
    {
      name: 'a 200 that is no lookup answer',
      respond: () => json(200, { hello: 'world' }),
      want: { state: 'protocol', status: 200 },
    },
  ];
  for (const tc of failures) {
    it(`maps ${tc.name}`, async () => {
      const { lookup, browser } = setup({ respond: tc.respond, granted: tc.granted });
      const out = await lookup.run({ url: PAGE, tabId: 7 });
      assert.deepEqual(out, tc.want);
      assert.equal(browser.storage.session.data.size, 0, 'failures are not cached');
    });
  }
});
